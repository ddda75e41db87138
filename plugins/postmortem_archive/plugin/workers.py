"""The second core in a build (never under `mkdocs serve`, whose threads make fork unsafe): each
mechanism here stays only while a side-by-side measurement shows it pays on the default
configuration (docs/decisions.md, "Mechanisms that exist for speed"). Whatever falls back to doing
the work in MkDocs' process says so at INFO, with the reason."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.utils import write_file

from postmortem_archive.authoring.placeholders import Placeholder, in_final
from postmortem_archive.core.loader import LoadOne, load_one
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import Problem
from postmortem_archive.core.settings import Settings
from postmortem_archive.plugin import files as added
from postmortem_archive.site import urls
from postmortem_archive.workers import ahead

# Exports large enough to make on the second core (every postmortem or action item in them).
LARGE_EXPORTS = frozenset({*urls.EXPORTS.values(), urls.INCIDENTS_JSON, urls.ACTION_ITEMS_JSON})
EXPORTS_SECONDS = 300.0  # a worker that has not written the exports by then is stopped; they are made here

Fragments = Callable[[str], tuple[str, str]]


class Workers:
    def __init__(self, *, enabled: bool, log: logging.Logger) -> None:
        self.enabled = enabled
        self.log = log
        self._prompts: dict[str, list[Placeholder]] = {}
        self._ahead: ahead.Ahead[str, tuple[str, str]] | None = None
        self._exports: ahead.Background | None = None
        self._writes: list[Callable[[], None]] = []

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

    def exports(
        self, files: Files, config: MkDocsConfig, makers: dict[str, Callable[[], str]], add: added.Add, size: int
    ) -> dict[str, str]:
        """Add the exports; returns the contents made here. The large ones are made by a worker at
        the lowest priority and written straight into site_dir (MkDocs cleaned it before on_files,
        and copying a generated file onto itself is a no-op it allows): MkDocs' process never
        holds them (measured: its peak memory 7-9% lower at 1,000 and 10,000 postmortems)."""
        background = self._usable("the exports", size)  # size: the postmortems the exports hold
        made: dict[str, str] = {}
        for path, make in makers.items():
            if background and path in LARGE_EXPORTS:
                added.check_free(files, path)
                file = File.generated(config, path, abs_src_path=os.path.join(config.site_dir, path))
                files.append(file)
                self._writes.append(functools.partial(_write, file.abs_dest_path, make))
            else:
                made[path] = make()
                add(path, made[path])
        if self._writes:
            writes = self._writes

            def write_all() -> None:  # in the worker
                for write in writes:
                    write()

            self._exports = ahead.Background(write_all, timeout=EXPORTS_SECONDS)
        return made

    def wait_exports(self) -> None:
        """Before MkDocs copies files (right after on_env), the exports must be in site_dir."""
        job, self._exports = self._exports, None
        if job is not None and not job.wait():
            self.log.info(f"the exports: made in this process (the worker {job.failure})")
            for write in self._writes:
                write()

    def stop_ahead(self) -> None:
        """Every header and footer has been taken by now (on_env comes after every conversion)."""
        if self._ahead is not None:
            self._ahead.close()
            done = self._ahead.from_worker
            if done:
                self.log.debug(f"headers and footers of {done} postmortems were rendered on a second core")
            else:  # it failed, or fell behind on every page: say so, a lost speed-up must be visible
                self.log.info("headers and footers: all rendered in this process (the worker delivered none)")
            self._ahead = None

    def close(self) -> None:
        """The build ended or failed: no worker outlives it."""
        if self._exports is not None:
            self._exports.close()
            self._exports = None
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None


def _write(path: str, make: Callable[[], str]) -> None:
    """Make a generated file's content and write it where MkDocs would (UTF-8)."""
    write_file(make().encode("utf-8"), path)
