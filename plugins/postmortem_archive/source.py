"""Split a postmortem file into YAML front matter and body, and load the YAML safely.

We split ourselves rather than with python-frontmatter: its delimiter regex
(`^-{3,}\\s*$`) lets `\\s*` run across lines, so line numbers drift, and it
disagrees with MkDocs' own splitter. This mirrors MkDocs' rule (a first line of
`---`, closed by `---` or `...`) and keeps exact line numbers for error messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import Problem

_OPEN = re.compile(r"-{3}[ \t]*")
_CLOSE = re.compile(r"(?:-{3}|\.{3})[ \t]*")

Loc = tuple[str | int, ...]


@dataclass
class Source:
    """A parsed postmortem source: front matter data, body and where things are."""

    path: str
    data: dict[str, Any]
    body: str
    body_line: int  # 1-based line number where the body starts
    lines: dict[Loc, int] = field(default_factory=dict)  # YAML location -> 1-based line

    def line_of(self, loc: Loc) -> int:
        return line_of(self.lines, loc)


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """Line of the closest enclosing YAML node for a location (a missing key -> its parent)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def decode(path: str, raw: bytes) -> str | Problem:
    """Decode UTF-8 (a BOM is allowed); a file in another encoding is a problem, not a crash."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(
            path,
            line,
            "file",
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8",
        )


def split(path: str, text: str) -> tuple[str, str, int] | Problem:
    """Return (yaml_text, body, body_line). Front matter must open on line 1."""
    lines = text.split("\n")  # not splitlines(): it also breaks at characters a value may contain
    if not _OPEN.fullmatch(lines[0].rstrip("\r")):
        return Problem(
            path, 1, "front matter", "missing: a postmortem must start with a '---' line, then YAML, then '---'"
        )
    for index in range(1, len(lines)):
        if _CLOSE.fullmatch(lines[index].rstrip("\r")):
            return "\n".join(lines[1:index]) + "\n", "\n".join(lines[index + 1 :]), index + 2
    return Problem(path, 1, "front matter", "not closed: add a '---' line after the YAML")


# libyaml's parser when PyYAML was built with it (about 10x faster); same safe constructor.
_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader: plain data only, no custom tags, no Python objects."""


def _walk(node: yaml.Node, loc: Loc, offset: int, lines: dict[Loc, int], path: str, problems: list[Problem]) -> None:
    lines[loc] = node.start_mark.line + offset
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            if key in seen:
                problems.append(
                    Problem(
                        path,
                        key_node.start_mark.line + offset,
                        dotted((*loc, key)),
                        "duplicate key; YAML keeps only the last one",
                    )
                )
            seen.add(key)
            _walk(value_node, (*loc, key), offset, lines, path, problems)
            lines[(*loc, key)] = key_node.start_mark.line + offset
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), offset, lines, path, problems)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "front matter"


def load(path: str, raw: bytes) -> Source | list[Problem]:
    """Decode, split and safely load one file's front matter, with a line map."""
    text = decode(path, raw)
    if isinstance(text, Problem):
        return [text]
    parts = split(path, text)
    if isinstance(parts, Problem):
        return [parts]
    yaml_text, body, body_line = parts
    offset = 2  # YAML line 0 is file line 2 (after the opening '---')
    try:
        loader = _UniqueKeyLoader(yaml_text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + offset) if mark else 1
        reason = exc.problem or str(exc)
        return [Problem(path, line, "front matter", f"invalid YAML: {reason}")]
    except yaml.YAMLError as exc:
        return [Problem(path, 1, "front matter", f"invalid YAML: {exc}")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return [Problem(path, offset, "front matter", f"must be a mapping of fields, got {type(data).__name__}")]
    problems: list[Problem] = []
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), offset, lines, path, problems)
    lines[()] = 1
    if problems:
        return problems
    return Source(path=path, data=data, body=body, body_line=body_line, lines=lines)
