"""The second core in a build (never under `mkdocs serve`, whose threads make fork unsafe): each
mechanism here stays only while a side-by-side measurement shows it pays on the default
configuration (docs/decisions.md, "Mechanisms that exist for speed"). Whatever falls back to doing
the work in MkDocs' process says so at INFO, with the reason."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from postmortem_archive.authoring.placeholders import Placeholder
from postmortem_archive.core.loader import LoadOne, load_one
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import Problem
from postmortem_archive.core.settings import Settings
from postmortem_archive.workers import ahead

Fragments = Callable[[str], tuple[str, str]]


class Workers:
    def __init__(self, *, enabled: bool, log: logging.Logger) -> None:
        self.enabled = enabled
        self.log = log
        self._prompts: dict[str, list[Placeholder]] = {}
        self._ahead: ahead.Ahead[str, tuple[str, str]] | None = None

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
            from postmortem_archive.authoring.placeholders import in_final

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

    def stop_ahead(self) -> None:
        """Every header and footer has been taken by now (on_env comes after every conversion)."""
        if self._ahead is not None:
            self._ahead.close()
            done = self._ahead.from_worker
            self.log.debug(f"headers and footers of {done} postmortems were rendered on a second core")
            self._ahead = None

    def close(self) -> None:
        """The build ended or failed: no worker outlives it."""
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
