"""What `mkdocs serve` rebuilds can reuse: parsed postmortems, conversions and generated pages.

The plugin object survives serve rebuilds (only its per-build state is reset), so
it keeps these caches. Parsing is keyed by the file's content hash and the
build settings; a fragment by everything its template reads. Anything not
provably unchanged is parsed or rendered again, so a rebuild shows exactly what
a clean build would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from postmortem_archive.core.loader import LoadOne, load_one
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import Problem
from postmortem_archive.core.settings import Settings


class ParseCache:
    """load_one results by path and content hash, for the settings they were parsed with."""

    def __init__(self) -> None:
        self._settings = ""
        self._entries: dict[str, tuple[bytes, Postmortem | list[Problem]]] = {}
        self._seen: set[str] = set()
        self.hits = 0

    def loader(self, settings: Settings, docs_dir: str) -> LoadOne:
        """A load_one for one build; entries of files gone since the last build are dropped first."""
        key = repr((settings, docs_dir))  # today, severities, zones, taxonomy...: any change invalidates all
        if key != self._settings:
            self._entries.clear()
        elif self._seen:
            self._entries = {path: entry for path, entry in self._entries.items() if path in self._seen}
        self._settings, self._seen, self.hits = key, set(), 0

        def load(src_path: str, raw: bytes, settings: Settings) -> Postmortem | list[Problem]:
            digest = hashlib.blake2b(raw, digest_size=16).digest()
            self._seen.add(src_path)
            cached = self._entries.get(src_path)
            if cached is not None and cached[0] == digest:
                self.hits += 1
                return cached[1]
            result = load_one(src_path, raw, settings)
            self._entries[src_path] = (digest, result)
            return result

        return load


class _BuildCache:
    """Entries by page, valid for one context: a build whose context differs starts empty."""

    def __init__(self) -> None:
        self._context: Hashable = None
        self._entries: dict[str, Any] = {}
        self.hits = 0

    def start(self, context: Hashable) -> None:
        """Begin a build; a different context drops everything."""
        if context != self._context:
            self._entries.clear()
            self._context = context
        self.hits = 0


class ConversionCache(_BuildCache):
    """What Markdown made of a page in the last build, for `mkdocs serve` to reuse.

    Keyed by the page, the exact Markdown handed to the converter, and a context of everything
    else the conversion reads (the extensions and their settings, URL style, and the set of files
    links are resolved against): any change there converts every page again. The record holds
    the page's content and what the converter told MkDocs about it (table of contents, title,
    anchors), as opaque values, so this module needs no MkDocs import.
    """

    @staticmethod
    def _digest(markdown: str) -> bytes:
        return hashlib.blake2b(markdown.encode("utf-8"), digest_size=16).digest()

    def get(self, page: str, markdown: str) -> dict[str, object] | None:
        entry = self._entries.get(page)
        if entry is None or entry[0] != self._digest(markdown):
            return None
        self.hits += 1
        return entry[1]

    def put(self, page: str, markdown: str, record: dict[str, object]) -> None:
        self._entries[page] = (self._digest(markdown), record)


class PageCache(_BuildCache):
    """Generated pages' final HTML from the last `mkdocs serve` build, reused while nothing they
    show can have changed: the context holds the archive's data as exported (every postmortem's
    front matter and figures, every action item, today's date), the settings, the templates, the
    site's config and theme files and the set of pages; any change renders every page again.
    Editing a postmortem's body, the usual change while writing one, changes none of them."""

    def get(self, page: str) -> str | None:
        found: str | None = self._entries.get(page)
        if found is not None:
            self.hits += 1
        return found

    def put(self, page: str, html: str) -> None:
        self._entries[page] = html


def files_signature(paths: list[Path]) -> tuple[tuple[str, bytes], ...]:
    """(path, content hash) of these files and of every file under these folders (by content, not
    mtime: an editor or a script that rewrites a file unchanged must not throw the pages away)."""
    found = []
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                found.append((str(file), hashlib.blake2b(file.read_bytes(), digest_size=16).digest()))
    return tuple(found)
