"""Pagefind indexes the site bundle by bundle while it builds (no MkDocs import).

Running the Pagefind CLI after the build adds its whole run to the build's wall time, and it reads
every page back from disk. Instead the plugin hands over each page's article (`<html lang>` and
the marked content, a tenth of the page's bytes) as soon as MkDocs has converted it; it is
written to a staging directory at its site path, and as soon as a bundle's last page is in, the
Pagefind CLI indexes that bundle in a background process while MkDocs goes on. With postmortems
in year folders (MkDocs converts them in path order) the older bundles are indexed during the
build, and the newest while MkDocs renders the theme around every page.

Why the CLI and not `pagefind --service` (the protocol of Pagefind's own Python and Node APIs,
which takes pages one at a time over a pipe and was used here before): for the same 995
articles the service used 1.95x the CPU time of the CLI (5.1 s against 2.6 s, median of five
pairs, Pagefind 1.5.2), most of it in writing the index, and the build shares two cores with it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

from postmortem_archive.search.pagefind import (
    BUNDLE_ROOT,
    EXCLUDE_SELECTORS,
    INCLUDE_CHARACTERS,
    UNUSED_FILES,
    Bundle,
    IndexReport,
    SearchIndexError,
    finish,
    indexed_part,
    keyed,
    pagefind_executable,
    remove_bundles,
)

INDEXER_NICENESS = 10  # MkDocs' process goes first: it is the build's critical path
IN_MEMORY = Path("/dev/shm")  # tmpfs on Linux; staged pages are written and read once, then removed
# A staged article is 1.8x its Markdown file's bytes (995 synthetic postmortems: 1.5-2.5x, most for
# short pages under their metadata header); this over-estimates, and tmpfs is used only at twice it.
STAGED_PER_SOURCE_BYTE = 2
STAGED_BYTES_PER_PAGE = 4096


def staged_bytes(source_sizes: Iterable[int]) -> int:
    """A generous estimate of what staging pages whose Markdown files have these sizes writes."""
    return sum(STAGED_PER_SOURCE_BYTE * size + STAGED_BYTES_PER_PAGE for size in source_sizes)


def scratch_directory(needed: int, memory: Path | None = None) -> str | None:
    """Where to stage Pagefind's pages: in memory (tmpfs) when it has twice `needed` bytes free,
    else None (the temporary directory). Every staged page is a file and a directory made, written,
    read and removed within the build; on disk that is MkDocs' process waiting on the file system
    (1,000 postmortems on an ext4 VM disk: 0.44-1.03 s in staging against 0.15-0.18 s on tmpfs).
    A TMPDIR the user set is theirs to choose and is kept; so is the disk when tmpfs is small (Docker
    gives /dev/shm 64 MiB)."""
    memory = IN_MEMORY if memory is None else memory
    if os.environ.get("TMPDIR") or not (memory.is_dir() and os.access(memory, os.W_OK | os.X_OK)):
        return None
    try:
        free = shutil.disk_usage(memory).free
    except OSError:
        return None
    return str(memory) if free >= 2 * needed else None


def command_prefix() -> list[str]:
    nice = shutil.which("nice")
    return [nice, "-n", str(INDEXER_NICENESS)] if nice else []


def command(executable: Path) -> list[str]:
    """Pagefind's command line, at a lower priority: its threads (it uses every core) yield to
    MkDocs' process, which would otherwise wait for a core and end later (1,000 postmortems: 4%
    less wall). Through `nice`, which execs Pagefind, rather than a preexec_fn: that runs Python
    in the forked child, which is unsafe while this process has any other thread."""
    return [*command_prefix(), str(executable), "--quiet"]


class BundleIndex:
    """One bundle: its pages staged as they come, then one Pagefind process over them."""

    def __init__(
        self, name: str, stage: Path, output: Path, executable: Path | None = None, scratch: str | None = None
    ) -> None:
        self.name = name
        self.stage = stage  # the bundle's articles at their site paths (Pagefind's URLs come from them)
        self.output = output
        self.executable = executable
        self.scratch = scratch  # where its working directory goes (None: the temporary directory)
        self.pages = 0
        self.cpu_seconds = 0.0  # user + system time of the process, once it has gone
        self.reused = False  # under serve: its pages are the last build's, its index is the cache's
        self.digests: dict[str, bytes] = {}  # page -> digest of what was staged
        self.tokens: dict[str, list[str]] = {}  # page -> its exact_tokens, from the tokens process
        self._process: subprocess.Popen[bytes] | None = None
        self._scan: subprocess.Popen[bytes] | None = None  # search/tokens.py over the same pages
        self._log: IO[bytes] | None = None
        self._cwd: str | None = None
        self._started = 0.0

    def add(self, dest_uri: str, html: str) -> None:
        target = self.stage / dest_uri
        data = html.encode("utf-8", errors="xmlcharrefreplace")  # as MkDocs writes pages
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:
            room = " (TMPDIR chooses where: one with more room)" if exc.errno == errno.ENOSPC else ""
            raise SearchIndexError(f"could not stage {dest_uri} in {self.stage}: {exc.strerror}{room}") from None
        self.digests[dest_uri] = hashlib.blake2b(data, digest_size=16).digest()
        self.pages += 1

    def digest(self) -> bytes:
        """What the bundle's index is made from: its pages, their paths and staged content."""
        total = hashlib.blake2b(digest_size=16)
        for dest_uri in sorted(self.digests):
            total.update(dest_uri.encode("utf-8", errors="surrogateescape") + b"\0" + self.digests[dest_uri])
        return total.digest()

    def kill(self) -> None:
        """Stop the processes without waiting for them (whoever waits for them sees them end).
        By os.kill: Popen.kill polls first, which would reap the child under the waiting thread."""
        for process in (self._process, self._scan):
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)

    def start(self) -> None:
        """Index the staged pages in the background (once)."""
        if self._process is not None:
            return
        # A fresh working directory holding our config: Pagefind reads pagefind.{json,yml,toml}
        # from there, so a stray config file in the project cannot change the index.
        self._cwd = tempfile.mkdtemp(prefix="pagefind-", dir=self.scratch)
        config = {
            "site": str(self.stage.resolve()),
            "output_path": str(self.output.resolve()),
            "include_characters": INCLUDE_CHARACTERS,
            "exclude_selectors": list(EXCLUDE_SELECTORS),
        }
        Path(self._cwd, "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._process = subprocess.Popen(
            command(self.executable or pagefind_executable()),
            cwd=self._cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        # The tokens, read from the same staged pages on the same (other) core, not in MkDocs' process.
        scan = [sys.executable, "-m", "postmortem_archive.search.tokens", str(self.stage), "tokens.json"]
        self._scan = subprocess.Popen(
            command_prefix() + scan, cwd=self._cwd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        self._started = time.perf_counter()

    def wait(self) -> tuple[float, int]:
        """Wait for the bundle's index; (seconds its process lived, its peak memory in bytes)."""
        self.start()
        assert self._process is not None
        _, status, usage = os.wait4(self._process.pid, 0)
        self._process.returncode = code = os.waitstatus_to_exitcode(status)
        seconds, peak = time.perf_counter() - self._started, usage.ru_maxrss * 1024  # ru_maxrss: KiB
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        if code != 0:
            self._fail(f"Pagefind failed (exit {code})")
        if not (self.output / "pagefind-entry.json").is_file():
            self._fail("Pagefind wrote no index")
        for name in UNUSED_FILES:  # Pagefind's own UIs: ours replaces them
            (self.output / name).unlink(missing_ok=True)
        assert self._scan is not None and self._cwd is not None
        _, status, scanned = os.wait4(self._scan.pid, 0)
        self._scan.returncode = code = os.waitstatus_to_exitcode(status)
        self.cpu_seconds += scanned.ru_utime + scanned.ru_stime
        if code != 0:
            self._fail(f"the token scan failed (exit {code})")
        self.tokens = json.loads(Path(self._cwd, "tokens.json").read_text(encoding="utf-8"))
        self.close()
        return seconds, peak

    def _fail(self, what: str) -> None:
        output = ""
        if self._log is not None and not self._log.closed:
            self._log.seek(0)
            output = self._log.read().decode("utf-8", errors="replace").strip()
        self.close()
        raise SearchIndexError(f"{what} while indexing bundle {self.name}" + (f":\n{output}" if output else ""))

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def close(self) -> None:
        """Stop the processes if they still run (a build that failed) and remove what was staged."""
        for process in (self._process, self._scan):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
        for directory in (self.stage, self._cwd):
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)


class BundleCache:
    """Under `mkdocs serve`: each bundle's index as Pagefind wrote it (before `finish` rewrites it),
    with the digest of the pages it was made from, kept outside site_dir (MkDocs empties that
    before every rebuild). A rebuild runs Pagefind only for bundles whose pages changed."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self._digests: dict[str, bytes] = {}
        self.tokens: dict[str, dict[str, list[str]]] = {}  # bundle -> its pages' exact tokens
        self.reused = 0  # bundles the last build took from here

    def directory(self, name: str) -> Path:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="postmortems-serve-index-"))
        return self.root / name

    def fresh(self, name: str, digest: bytes) -> bool:
        return self._digests.get(name) == digest and (self.directory(name) / "pagefind-entry.json").is_file()

    def forget(self, name: str) -> None:
        """Before Pagefind writes the bundle anew (and if it fails)."""
        self._digests.pop(name, None)
        self.tokens.pop(name, None)
        shutil.rmtree(self.directory(name), ignore_errors=True)

    def store(self, name: str, digest: bytes, tokens: dict[str, list[str]]) -> None:
        self._digests[name] = digest
        self.tokens[name] = tokens

    def keep_only(self, names: set[str]) -> None:
        for name in set(self._digests) - names:
            self.forget(name)

    def close(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root, self._digests, self.tokens = None, {}, {}


class StreamingIndexer:
    """The site's bundles, each staged page by page and indexed as soon as its last page is in."""

    def __init__(
        self,
        site_dir: Path,
        bundles: Sequence[Bundle],
        executable: Path | None = None,
        cache: BundleCache | None = None,
        scratch: str | None = None,
    ) -> None:
        self.site_dir = site_dir
        self.executable = executable
        self.scratch = scratch  # where pages are staged (`scratch_directory`; None: the temporary directory)
        self.cache = cache  # under serve: unchanged bundles are not indexed again
        self.cancelled = False
        self._bundles = list(bundles)
        self._bundle_of = {path: bundle for bundle in bundles for path in bundle.paths}
        self._key = {path: key for bundle in bundles for key, path in enumerate(bundle.paths)}
        self._left = {bundle.name: len(bundle.paths) for bundle in bundles}
        self._stage: Path | None = None  # made at the first page: outside site_dir, removed at the end
        self._open: dict[str, BundleIndex] = {}
        self._all: list[BundleIndex] = []
        self._added: set[str] = set()
        self._cleared = False

    def add(self, dest_uri: str, html: str) -> None:
        """Stage one page, as Pagefind should read it (the plugin sends `<html>` and the article
        only); pages outside every bundle are ignored."""
        bundle = self._bundle_of.get(dest_uri)
        if bundle is None or dest_uri in self._added:
            return
        index = self._open.get(bundle.name)
        if index is None:
            if not self._cleared:  # the previous index goes before the first bundle is written
                remove_bundles(self.site_dir)
                self._cleared = True
            if self._stage is None:
                self._stage = Path(tempfile.mkdtemp(prefix="postmortems-search-", dir=self.scratch))
            output = self.site_dir / bundle.url if self.cache is None else self.cache.directory(bundle.name)
            index = self._open[bundle.name] = BundleIndex(
                bundle.name, self._stage / bundle.name, output, self.executable, self.scratch
            )
            self._all.append(index)
        index.add(dest_uri, keyed(html, self._key[dest_uri]))
        self._added.add(dest_uri)
        self._left[bundle.name] -= 1
        if self._left[bundle.name] == 0:
            self._start(index)
            del self._open[bundle.name]

    def _start(self, index: BundleIndex) -> None:
        if self.cache is not None:
            if self.cache.fresh(index.name, index.digest()):
                index.reused = True
                index.tokens = self.cache.tokens[index.name]
                return
            self.cache.forget(index.name)
        index.start()

    def add_unchanged(self) -> int:
        """Add planned pages that were not built this time from their HTML on disk (a `--dirty`
        build converts only changed pages, but the index is made anew); returns how many."""
        added = 0
        for path in self._bundle_of:
            built = self.site_dir / path
            if path not in self._added and built.is_file():
                text = built.read_text(encoding="utf-8")
                if "data-pagefind-body" in text:  # a page the last build marked for search
                    self.add(path, indexed_part(text))
                    added += 1
        return added

    def finish(self) -> IndexReport:
        """Index what is still open (pages that were planned but not built), wait for every bundle,
        then make the bundles smaller to download (`search.finish`)."""
        start, own_cpu = time.perf_counter(), time.process_time()
        if not self._cleared:
            remove_bundles(self.site_dir)
        report = IndexReport(bundles=len(self._all))
        try:
            for index in self._all:
                if self.cancelled:
                    raise SearchIndexError("indexing cancelled: a newer build started")
                if index.name in self._open:  # planned pages that never came
                    self._start(index)
                if index.reused:
                    report.pages += index.pages
                    index.close()
                    continue
                seconds, peak = index.wait()
                if self.cache is not None:
                    self.cache.store(index.name, index.digest(), index.tokens)
                report.pages += index.pages
                report.cpu_seconds += index.cpu_seconds
                report.peak_rss_bytes = max(report.peak_rss_bytes, peak)
                report.per_bundle.append((index.name, index.pages, seconds, peak))
        except SearchIndexError:
            self.abort()
            raise
        self._remove_stage()
        written = {index.name for index in self._all}
        if self.cache is not None:  # the index as Pagefind wrote it stays in the cache; finish rewrites a copy
            self.cache.keep_only(written)
            self.cache.reused = sum(index.reused for index in self._all)
            for name in written:
                shutil.copytree(self.cache.directory(name), self.site_dir / BUNDLE_ROOT / name)
        tokens = {page: words for index in self._all for page, words in index.tokens.items()}
        finish(self.site_dir, [bundle for bundle in self._bundles if bundle.name in written], tokens)
        report.after_build_seconds = time.perf_counter() - start
        report.cpu_seconds += time.process_time() - own_cpu
        return report

    def cancel(self) -> None:
        """From another thread than the one in `finish`: stop the processes, so it ends soon."""
        self.cancelled = True
        for index in self._all:
            index.kill()

    def abort(self) -> None:
        """A failed build: stop every Pagefind process and leave no part of an index behind."""
        for index in self._all:
            if self.cache is not None and not index.reused:
                self.cache.forget(index.name)
            index.close()
        if self._all:
            shutil.rmtree(self.site_dir / BUNDLE_ROOT, ignore_errors=True)
        self._remove_stage()

    def _remove_stage(self) -> None:
        if self._stage is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self._stage)
            self._stage = None


READY_FILE = "ready.json"  # under BUNDLE_ROOT, written last under serve: search.js waits for it


class IndexThread:
    """Under `mkdocs serve`: the index of a build finished in a thread, so the build (and the
    browser's reload) does not wait for Pagefind. A thread, not a fork: MkDocs serves from other
    threads; Pagefind itself is a subprocess. The next build stops it first (`stop`), before
    MkDocs empties site_dir."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._indexer: StreamingIndexer | None = None

    def start(
        self, indexer: StreamingIndexer, done: Callable[[IndexReport], None], failed: Callable[[str], None]
    ) -> None:
        self.stop()

        def run() -> None:
            try:
                report = indexer.finish()
            except SearchIndexError as exc:
                if not indexer.cancelled:
                    failed(str(exc))
                return
            except Exception as exc:  # a thread's error would be lost: say it
                indexer.abort()
                if not indexer.cancelled:  # a newer build stopped it: nothing went wrong
                    failed(f"{type(exc).__name__}: {exc}")
                return
            (indexer.site_dir / BUNDLE_ROOT).mkdir(parents=True, exist_ok=True)
            (indexer.site_dir / BUNDLE_ROOT / READY_FILE).write_text("{}", encoding="utf-8")
            done(report)

        self._indexer = indexer
        self._thread = threading.Thread(target=run, name="postmortems-search-index", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Cancel indexing still under way (its processes are killed) and wait for the thread."""
        if self._thread is not None:
            if self._thread.is_alive() and self._indexer is not None:
                self._indexer.cancel()
            self._thread.join()
        self._thread = self._indexer = None

    def wait(self) -> None:
        """Let the indexing under way finish (tests, benchmarks)."""
        if self._thread is not None:
            self._thread.join()
