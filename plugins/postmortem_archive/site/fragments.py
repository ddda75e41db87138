"""Rendered HTML fragments kept between `mkdocs serve` rebuilds, keyed by everything their template reads."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from pathlib import Path


class FragmentCache:
    """Rendered HTML by (kind, owner, inputs). `owner` is kept alive with its entry, one entry per owner."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int], tuple[object, Hashable, str]] = {}
        self.hits = 0
        # Rows are cached with links starting at this marker (see Renderer.incident_rows); it must
        # outlive one build for them to be reused, and be unguessable so no title can contain it.
        self.marker = f"@@root-{secrets.token_hex(8)}@@"

    def get(self, kind: str, owner: object, inputs: Hashable, render: Callable[[], str]) -> str:
        key = (kind, id(owner))  # the entry holds `owner`, so its id cannot be reused meanwhile
        cached = self._entries.get(key)
        if cached is not None and cached[0] is owner and cached[1] == inputs:
            self.hits += 1
            return cached[2]
        html = render()
        self._entries[key] = (owner, inputs, html)
        return html

    def keep_only(self, owners: list[object]) -> None:
        """Drop entries of objects no longer in the archive (edited or deleted files)."""
        alive = {id(owner) for owner in owners}
        self._entries = {key: entry for key, entry in self._entries.items() if key[1] in alive}


def templates_signature(dirs: list[Path]) -> tuple[tuple[str, int], ...]:
    """(path, mtime) of every template a renderer may load: editing an override invalidates fragments."""
    found = []
    for directory in dirs:
        folder = directory / "postmortems"
        if folder.is_dir():
            found += [(str(p), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*.html"))]
    return tuple(found)
