"""The second core in a build (never under `mkdocs serve`, whose threads make fork unsafe): each
mechanism here stays only while a side-by-side measurement shows it pays on the default
configuration (docs/decisions.md, "Mechanisms that exist for speed"). Whatever falls back to doing
the work in MkDocs' process says so at INFO, with the reason."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterator, Sequence

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from postmortem_archive.authoring.placeholders import Placeholder, in_final
from postmortem_archive.core.loader import LoadOne, load_one
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import Problem
from postmortem_archive.core.settings import Settings
from postmortem_archive.plugin import files as added
from postmortem_archive.plugin import host
from postmortem_archive.site import urls
from postmortem_archive.workers import ahead

# Exports large enough to make on the second core (every postmortem or action item in them).
LARGE_EXPORTS = frozenset({*urls.EXPORTS.values(), urls.INCIDENTS_JSON, urls.ACTION_ITEMS_JSON})
EXPORTS_SECONDS = 300.0  # a worker that has not written the exports by then is stopped; they are made here

Fragments = Callable[[str], tuple[str, str]]


def is_large(path: str) -> bool:
    """Made by the worker: the large exports, and the calendar feeds (made together, each event once)."""
    return path in LARGE_EXPORTS or path.startswith(urls.CALENDAR_DIR + "/")


class Workers:
    def __init__(self, *, enabled: bool, log: logging.Logger) -> None:
        self.enabled = enabled
        self.log = log
        self._prompts: dict[str, list[Placeholder]] = {}
        self._ahead: ahead.Ahead[str, tuple[str, str]] | None = None
        self._exports: ahead.Background | None = None
        self._writes: list[Callable[[], None]] = []
        self._conversion: ahead.Split[str, host.Conversion] | None = None
        self._converted: dict[str, tuple[host.Conversion, str]] = {}  # src_uri -> (conversion, Markdown)

    def _usable(self, what: str, items: int) -> bool:
        if not self.enabled:
            return False
        reason = ahead.unusable(items)
        if reason:
            self.log.info(f"{what}: in this process only ({reason})")
        return not reason

    def loader(self, items: list[tuple[str, bytes]], settings: Settings) -> LoadOne | None:
        """Parsing shared with a worker (ahead.split_map), prompts left in final postmortems
        looked for on the same side; None: load_one here."""
        if not self._usable("parsing", len(items)):
            return None
        raw_of = dict(items)

        def load(src: str) -> tuple[Postmortem | list[Problem], list[Placeholder]]:
            result = load_one(src, raw_of[src], settings)
            return result, in_final(result) if isinstance(result, Postmortem) else []

        results = ahead.split_map(list(raw_of), load)
        self._prompts = {src: prompts for src, (_, prompts) in zip(raw_of, results, strict=True)}
        loaded = {src: result for src, (result, _) in zip(raw_of, results, strict=True)}
        return lambda src, raw, settings: loaded.pop(src) if src in loaded else load_one(src, raw, settings)

    def prompts(self, pm: Postmortem, find: Callable[[Postmortem], list[Placeholder]]) -> list[Placeholder]:
        found = self._prompts.pop(pm.src_path, None)
        return find(pm) if found is None else found

    def render_ahead(self, order: Sequence[str], fragments: Fragments) -> Fragments | None:
        """Postmortems' headers and footers, in build order, rendered by a worker; None: here."""
        if not self._usable("headers and footers", len(order)):
            return None
        self._ahead = ahead.Ahead(order, fragments)
        return self._ahead.get

    def convert(
        self, pages: dict[str, Page], markdown: Callable[[Page], str], config: MkDocsConfig, files: Files
    ) -> None:
        """Postmortems' Markdown converted on both cores: a worker converts `markdown(page)` from
        the last page backwards while MkDocs goes forwards (ahead.Split). The caller has checked
        that no other plugin takes part in conversion (host.converts_alone). A page whose
        conversion logged a warning is converted again in MkDocs' process, which logs it once."""
        if not self._usable("Markdown conversion", len(pages)):
            return
        quiet = _Quiet()

        def work(uri: str) -> host.Conversion:  # in the worker
            page = pages[uri]
            with quiet.none_logged(f"{uri}: converting the page"):
                return host.convert(page, markdown(page), config, files)

        self._conversion = ahead.Split(list(pages), work)

    def take_conversion(self, uri: str, markdown: str) -> bool:
        """Whether the worker converted this page (`restore` then puts its conversion in place);
        `markdown` is what the page's Markdown is, for the plugins after ours."""
        if self._conversion is None:
            return False
        done, record = self._conversion.take(uri)
        if done and record is not None:
            self._converted[uri] = (record, markdown)
        return done and record is not None

    def restore(self, content: str, page: Page, files: Files) -> str:
        """The page's content: the worker's conversion if it made it, else `content`."""
        taken = self._converted.pop(page.file.src_uri, None)
        if taken is None:
            return content
        record, markdown = taken
        return host.restore_conversion(page, record, files, markdown)

    def stop_conversion(self) -> None:
        """Every page has been converted by now (on_env comes after every conversion)."""
        self._stop(self._conversion, "Markdown conversion", "{} postmortems were converted on a second core")
        self._conversion = None

    def exports(
        self, files: Files, config: MkDocsConfig, makers: dict[str, Callable[[], str]], add: added.Add, size: int
    ) -> dict[str, str]:
        """Add the exports; returns the contents made here. The large ones are made by a worker at
        the lowest priority and written straight into site_dir (MkDocs cleaned it before on_files):
        MkDocs' process never holds them (measured: its peak memory 7-9% lower at 1,000 and 10,000
        postmortems). MkDocs does not copy them (host.WrittenInPlace), so the worker has until
        on_post_build (waiting for it before MkDocs' copy, at on_env, left MkDocs' process idle
        while the worker, niced, shared the other core with Pagefind: benchmarks/README.md)."""
        background = self._usable("the exports", size)  # size: the postmortems the exports hold
        made: dict[str, str] = {}
        for path, make in makers.items():
            if background and is_large(path):
                added.check_free(files, path)
                file = host.WrittenInPlace.generated(config, path, abs_src_path=os.path.join(config.site_dir, path))
                files.append(file)
                self._writes.append(functools.partial(_write, file.abs_dest_path, make))
            else:
                made[path] = make()
                add(path, made[path])
        if self._writes:
            writes = self._writes
            self.log.debug(f"the exports: {len(writes)} files made on a second core")

            def write_all() -> None:  # in the worker
                for write in writes:
                    write()

            self._exports = ahead.Background(write_all, timeout=EXPORTS_SECONDS)
        return made

    def wait_exports(self) -> None:
        """The exports in site_dir, whole: first thing in on_post_build, before any plugin reads
        the site."""
        job, self._exports = self._exports, None
        if job is not None and not job.wait():
            self.log.info(f"the exports: made in this process (the worker {job.failure})")
            for write in self._writes:
                write()

    def stop_ahead(self) -> None:
        """Every header and footer has been taken by now (on_env comes after every conversion)."""
        self._stop(
            self._ahead, "headers and footers", "headers and footers of {} postmortems were rendered on a second core"
        )
        self._ahead = None

    def _stop(
        self, job: ahead.Ahead[str, tuple[str, str]] | ahead.Split[str, host.Conversion] | None, what: str, done: str
    ) -> None:
        """Stop a worker and say how much it did; one that did nothing (it failed, or fell behind
        on every page) is said at INFO: a lost speed-up must be visible."""
        if job is None:
            return
        job.close()
        if job.from_worker:
            self.log.debug(done.format(job.from_worker))
        else:
            self.log.info(f"{what}: all in this process (the worker delivered none)")

    def close(self) -> None:
        """The build ended or failed: no worker outlives it."""
        if self._conversion is not None:
            self._conversion.close()
            self._conversion = None
        if self._exports is not None:
            self._exports.close()
            self._exports = None
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None


def _write(path: str, make: Callable[[], str]) -> None:
    """Make a generated file's content and write it where MkDocs would (UTF-8)."""
    write_file(make().encode("utf-8"), path)


class _Quiet:
    """In a worker: log records go nowhere (MkDocs' own process writes the build's log and counts
    warnings for --strict); warnings and errors are counted, so that a page which logs one is
    reported as not done and MkDocs' process converts it again, logging them there."""

    def __init__(self) -> None:
        self.count = 0
        self._started = False

    def _start(self) -> None:
        if self._started:
            return
        self._started = True

        def call_handlers(logger: logging.Logger, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                self.count += 1

        logging.Logger.callHandlers = call_handlers  # type: ignore[method-assign]  # the worker's copy only

    @contextlib.contextmanager
    def none_logged(self, what: str) -> Iterator[None]:
        """Raise after the block if it logged a warning or an error."""
        self._start()
        seen = self.count
        yield
        if self.count > seen:
            raise RuntimeError(f"{what}: warnings")
