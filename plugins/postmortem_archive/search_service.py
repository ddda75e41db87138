"""Pagefind fed page by page while the site builds (no MkDocs import).

Running the Pagefind CLI after the build adds its whole run to the build's wall time. Its
service mode (`pagefind --service`, the protocol of Pagefind's own Python and Node APIs) takes
pages one at a time over stdin instead, so the indexer parses each page on the second core while
MkDocs renders the next, and a bundle's index is written as soon as its last page is in: with
postmortems in year folders (MkDocs builds them in path order) the older bundles are done before
the build ends and only the newest is written after it.

We speak the protocol ourselves rather than through `pagefind.index.PagefindIndex`: that client
is asyncio-only and polls its pipe every 0.1 s for each response (measured: 10,000 pages would
wait 1,000 s). Messages are base64-encoded JSON, each followed by a comma.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from .search import (
    EXCLUDE_SELECTORS,
    INCLUDE_CHARACTERS,
    UNUSED_FILES,
    Bundle,
    IndexReport,
    SearchIndexError,
    finish,
    indexed_part,
    pagefind_executable,
    remove_bundles,
)

INDEXER_NICENESS = 10  # MkDocs' process goes first: it is the build's critical path


def _lower_priority() -> None:
    """In Pagefind's process before it starts: its threads (it uses every core) yield to MkDocs'
    process, which would otherwise wait for a core and end later (1,000 postmortems: 4% less wall)."""
    os.nice(INDEXER_NICENESS)


def page_url(dest_uri: str) -> str:
    """The URL Pagefind's CLI gives a built file: site-root relative, `index.html` dropped."""
    url = "/" + dest_uri
    return url[: -len("index.html")] if url.endswith("/index.html") or url == "/index.html" else url


class ServiceIndex:
    """One bundle's index in its own `pagefind --service` process (its memory is freed when done).

    The index files come back over the pipe (`GetFiles`) and we write them: Pagefind's service
    writes its own files with buffered asynchronous writes that it does not flush, and exits the
    moment its input ends, so files it wrote itself could be cut short (seen: an empty
    pagefind-entry.json)."""

    def __init__(self, name: str, output: Path, executable: Path | None = None) -> None:
        self.name = name
        self.output = output
        self.pages = 0
        self.cpu_seconds = 0.0  # user + system time of the process, once it has gone
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._process = subprocess.Popen(
            [str(executable or pagefind_executable()), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            # A fresh directory: a stray pagefind.{json,yml,toml} in the project cannot change the index.
            cwd=tempfile.gettempdir(),
            preexec_fn=_lower_priority if os.name == "posix" else None,
        )
        self._started = time.perf_counter()
        self._lock = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._next_id = 0
        self._errors: list[str] = []
        self._indexed = 0  # pages Pagefind has answered for
        self._want_files = False
        self._files_id = 0  # 0: not asked yet, -1: being asked, else the message id
        self._written = False
        self._done_reading = False
        self._reader = threading.Thread(target=self._read, name=f"pagefind-{name}", daemon=True)
        self._reader.start()
        config = {"include_characters": INCLUDE_CHARACTERS, "exclude_selectors": list(EXCLUDE_SELECTORS)}
        reply = self._wait(self._send({"type": "NewIndex", "config": config}))
        self._index_id = reply.get("index_id")

    def _send(self, payload: dict[str, Any]) -> int:
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
        data = json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(base64.b64encode(data) + b",")
            self._process.stdin.flush()
        except (OSError, ValueError):  # a closed pipe: the process has gone
            self._fail("the Pagefind process stopped")
        return message_id

    def _read(self) -> None:
        """Drain the service's answers (it blocks when nobody does). Page answers are only counted,
        so memory stays flat over thousands of pages; errors are kept for `wait` to report."""
        assert self._process.stdout is not None
        pending = bytearray()  # one answer (the index files) can be megabytes: no quadratic concatenation
        while chunk := self._process.stdout.read1(1 << 16):
            start = len(pending)
            pending += chunk
            while (end := pending.find(b",", start)) >= 0:
                self._receive(json.loads(base64.b64decode(bytes(pending[:end]))))
                del pending[: end + 1]
                start = 0
        with self._lock:
            self._done_reading = True
            self._lock.notify_all()

    def _receive(self, response: dict[str, Any]) -> None:
        payload = response.get("payload") or {}
        kind = payload.get("type")
        try:
            if kind == "GetFiles":
                self._write_files(payload.get("files") or [])
                assert self._process.stdin is not None
                self._process.stdin.close()  # the service exits at the end of its input
            with self._lock:
                if kind == "Error":
                    self._errors.append(str(payload.get("message", payload)))
                elif kind == "IndexedFile":
                    self._indexed += 1
                else:
                    self._replies[response.get("message_id") or 0] = payload
                self._lock.notify_all()
            self._ask_for_files_when_ready()
        except (SearchIndexError, OSError, ValueError) as exc:  # reported by wait(), in the build's thread
            with self._lock:
                self._errors.append(str(exc))
                self._lock.notify_all()

    def _write_files(self, files: list[dict[str, str]]) -> None:
        for entry in files:
            relative = Path(entry["path"])
            if relative.is_absolute() or ".." in relative.parts:
                raise SearchIndexError(f"Pagefind returned a file outside its bundle: {entry['path']}")
            if relative.name in UNUSED_FILES:
                continue
            target = self.output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(entry["content"]))
        self._written = True

    def _wait(self, message_id: int) -> dict[str, Any]:
        with self._lock:
            self._lock.wait_for(lambda: message_id in self._replies or self._errors or self._done_reading)
            reply = self._replies.get(message_id)
        if reply is None:
            self._fail("Pagefind did not answer")
        assert reply is not None
        return reply

    def _fail(self, what: str) -> None:
        output = ""
        if not self._log.closed:
            self._log.seek(0)
            output = self._log.read().decode("utf-8", errors="replace").strip()
        self.close()
        details = "\n".join([*self._errors[:5], output][:6]).strip()
        raise SearchIndexError(f"{what} while indexing bundle {self.name}" + (f":\n{details}" if details else ""))

    def add(self, url: str, html: str) -> None:
        """Queue one page; Pagefind parses it while the caller goes on."""
        self._send({"type": "AddFile", "index_id": self._index_id, "url": url, "file_contents": html})
        self.pages += 1

    def write(self) -> None:
        """Have the index files written once every page is in, while the caller goes on."""
        with self._lock:
            self._want_files = True
        self._ask_for_files_when_ready()

    def _ask_for_files_when_ready(self) -> None:
        # Asked only after Pagefind has answered for every page, so the files hold all of them
        # (whatever order the service handles requests in). The caller adds no page after write().
        with self._lock:
            if not self._want_files or self._files_id or self._indexed + len(self._errors) < self.pages:
                return
            self._files_id = -1  # claimed: asked exactly once, by whichever thread gets here first
        message_id = self._send({"type": "GetFiles", "index_id": self._index_id})
        with self._lock:
            self._files_id = message_id
            self._lock.notify_all()

    def wait(self) -> tuple[float, int]:
        """Wait until the bundle is written and the process gone; (seconds it lived, its peak memory)."""
        self.write()
        self._reader.join()
        _, status, usage = os.wait4(self._process.pid, 0)
        self._process.returncode = os.waitstatus_to_exitcode(status)
        seconds, peak = time.perf_counter() - self._started, usage.ru_maxrss * 1024
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        if self._errors or not self._written:
            self._fail("Pagefind reported errors" if self._errors else "Pagefind stopped before writing")
        self.close()
        return seconds, peak

    def close(self) -> None:
        """Stop the process if it still runs (after a failure, or a build that failed elsewhere)
        and release its pipes."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if threading.current_thread() is not self._reader:
            self._reader.join()
        for stream in (self._process.stdin, self._process.stdout, self._log):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):  # stdin's unsent bytes, to a process that has gone
                    stream.close()


class StreamingIndexer:
    """The site's bundles, each opened at its first page and written after its last one."""

    def __init__(self, site_dir: Path, bundles: Sequence[Bundle], executable: Path | None = None) -> None:
        self.site_dir = site_dir
        self.executable = executable
        self._bundles = list(bundles)
        self._bundle_of = {path: bundle for bundle in bundles for path in bundle.paths}
        self._left = {bundle.name: len(bundle.paths) for bundle in bundles}
        self._open: dict[str, ServiceIndex] = {}
        self._all: list[ServiceIndex] = []
        self._added: set[str] = set()
        self._cleared = False

    def add(self, dest_uri: str, html: str) -> None:
        """Index one page, as Pagefind should read it (the plugin sends `<html>` and the article
        only); pages outside every bundle are ignored."""
        bundle = self._bundle_of.get(dest_uri)
        if bundle is None:
            return
        index = self._open.get(bundle.name)
        if index is None:
            if not self._cleared:  # the previous index goes just before the first bundle is written
                remove_bundles(self.site_dir)
                self._cleared = True
            output = (self.site_dir / bundle.url).resolve()
            index = self._open[bundle.name] = ServiceIndex(bundle.name, output, self.executable)
            self._all.append(index)
        index.add(page_url(dest_uri), html)
        self._left[bundle.name] -= 1
        if self._left[bundle.name] == 0:
            index.write()
            del self._open[bundle.name]

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
        """Write what is still open (pages that were planned but not built), wait for every bundle,
        then make the bundles smaller to download (`search.finish`)."""
        start, own_cpu = time.perf_counter(), time.process_time()
        if not self._cleared:
            remove_bundles(self.site_dir)
        report = IndexReport(bundles=len(self._all))
        try:
            for index in self._all:
                seconds, peak = index.wait()
                report.pages += index.pages
                report.seconds += seconds
                report.cpu_seconds += index.cpu_seconds
                report.peak_rss_bytes = max(report.peak_rss_bytes, peak)
                report.per_bundle.append((index.name, index.pages, seconds, peak))
        finally:
            self.abort()
        written = {index.name for index in self._all}
        finish(self.site_dir, [bundle for bundle in self._bundles if bundle.name in written])
        report.after_build_seconds = time.perf_counter() - start
        report.cpu_seconds += time.process_time() - own_cpu
        return report

    def abort(self) -> None:
        for index in self._all:
            index.close()
