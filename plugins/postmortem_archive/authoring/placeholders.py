"""The prompts `postmortem new` writes, found again in a postmortem that is meant to be finished.

One convention is the single source of truth: every prompt `new` writes (the templates in
`templates/new/` and the summary in the front matter) starts with MARKER, and the checker looks
for MARKER. A test holds the templates to it, so a prompt added there is recognised here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from postmortem_archive.core.source import dotted

MARKER = "TODO:"
_MARKER_RE = re.compile(r"\bTODO:")
_FENCE = re.compile(r"^\s*(```|~~~)")

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Placeholder:
    line: int
    col: int
    field: str  # "body" or the front-matter field
    text: str  # the prompt as written, shortened

    def describe(self) -> str:
        return f"template placeholder left in {self.field}: '{self.text}'; replace it with what happened"


def body_lines(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """(file line number, text) of body lines outside fenced code and HTML comments."""
    in_fence = False
    in_comment = False
    for offset, text in enumerate(body.split("\n")):
        if _FENCE.match(text):
            in_fence = not in_fence
            continue
        if "<!--" in text and "-->" not in text:
            in_comment = True
        if in_comment or in_fence:
            if "-->" in text:
                in_comment = False
            continue
        yield first_line + offset, text


def _strings(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*loc, index))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def find(
    data: dict[str, Any], body: str | None, body_line: int, line_of: Any, dotted: Any, raw_lines: Iterable[str] = ()
) -> list[Placeholder]:
    """Every prompt still in the front matter (any text value) or the body (outside code and comments)."""
    raw = list(raw_lines)
    found: list[Placeholder] = []
    for loc, text in _strings(data, ()):
        match = _MARKER_RE.search(text)
        if match:
            line = line_of(loc)
            col = raw[line - 1].find(MARKER) + 1 if 0 < line <= len(raw) and MARKER in raw[line - 1] else 1
            found.append(Placeholder(line, col, dotted(loc), _short(text[match.start() :])))
    for line, text in body_lines(body or "", body_line):
        match = _MARKER_RE.search(text)
        if match:
            found.append(Placeholder(line, match.start() + 1, "the body", _short(text[match.start() :])))
    return found


def in_final(pm: Any) -> list[Placeholder]:
    """Prompts left in a validated Postmortem whose status is final (for the build's warning)."""
    if pm.meta.status != "final":
        return []
    return find(pm.meta.model_dump(mode="json", exclude_none=True), pm.body, pm.body_line, pm.line_of, dotted)
