"""Split a postmortem file into YAML front matter and body, and load the YAML safely.

We split ourselves rather than with python-frontmatter: its delimiter regex
(`^-{3,}\\s*$`) lets `\\s*` run across lines, so line numbers drift, and it
disagrees with MkDocs' own splitter. This mirrors MkDocs' rule (a first line of
`---`, closed by `---` or `...`) and keeps exact line numbers for error messages.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from postmortem_archive.core.problems import Problem

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


# Bounds: a few kilobytes of YAML can otherwise cost gigabytes (anchors and aliases repeat whole
# blocks: "billion laughs") or crash the parser (deep nesting). Real front matter is far below them.
MAX_FRONT_MATTER = 256 * 1024  # characters
MAX_DEPTH = 32  # nested mappings/lists; the schema needs 4
MAX_VALUES = 20_000  # nodes after expanding aliases; 50 action items are about 1,000
MAX_NUMBER = 100  # characters of one number (int("9" * 5000) is an error, "1:1:...:1" is quadratic)

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _BadValue(Exception):
    """A value PyYAML parsed but cannot turn into data (month 13, bad base64, a huge number)."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


class _Checked:
    """Mixed into PyYAML's safe loader (plain data only, no custom tags, no Python objects).

    PyYAML's scalar constructors raise plain ValueError, KeyError, OverflowError... on values
    such as `2024-13-45` or `!!int abc`; each becomes a `_BadValue` that knows its node."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag in NUMBER_TAGS and len(node.value) > MAX_NUMBER:
            raise _BadValue(node, f"number too long ({len(node.value)} characters; at most {MAX_NUMBER})")
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, _BadValue):
            raise
        except Exception as exc:  # any failure of a constructor is this value's problem
            kind = node.tag.rsplit(":", 1)[-1] if node.tag.startswith("tag:yaml.org,2002:") else node.tag
            kind = _KINDS.get(kind, kind)
            why = f": {exc}" if isinstance(exc, ValueError | OverflowError) else ""
            raise _BadValue(node, f"cannot read {_excerpt(node)} as {kind}{why}") from None


# The parsers: libyaml's (PyYAML's C extension, the wheels ship it; about 10x faster) and PyYAML's
# own in Python, the fallback. Each comes plain (the fast path) and checked value by value.
PARSERS: dict[str, tuple[type, type]] = {
    "python": (yaml.SafeLoader, type("_PyLoader", (_Checked, yaml.SafeLoader), {}))
}
if hasattr(yaml, "CSafeLoader"):
    PARSERS["c"] = (yaml.CSafeLoader, type("_CLoader", (_Checked, yaml.CSafeLoader), {}))
PARSER_ENV = "POSTMORTEM_YAML_PARSER"  # "python" forces the fallback (the tests run both)
_parser = os.environ.get(PARSER_ENV) or ("c" if "c" in PARSERS else "python")
if _parser not in PARSERS:
    raise ImportError(f"{PARSER_ENV}={_parser!r}: not one of {', '.join(sorted(PARSERS))}")


def parser() -> str:
    """The YAML parser in use: "c" or "python"."""
    return _parser


@contextmanager
def using(name: str) -> Iterator[None]:
    """Load with the named parser for a while (tests compare both)."""
    global _parser
    previous, _parser = _parser, PARSERS[name] and name
    try:
        yield
    finally:
        _parser = previous


def _Loader(text: str) -> Any:
    return PARSERS[_parser][1](text)


_KINDS = {"timestamp": "a date or timestamp", "int": "a whole number", "float": "a number", "bool": "true/false"}


def _excerpt(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return "this value"
    value = str(node.value)
    return repr(value if len(value) <= 40 else value[:40] + "...")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Lines:
    """1-based file line of a character position in the YAML text (PyYAML's own line count also
    breaks at U+0085, U+2028 and U+2029, which we do not: the file's lines are split on '\\n')."""

    def __init__(self, text: str, offset: int) -> None:
        self._breaks = [m.start() for m in re.finditer("\n", text)]
        self._offset = offset
        # Without the other breaks PyYAML counts, its own line number is the file's (no search).
        self._same = _OTHER_BREAKS.search(text) is None

    def at(self, index: int) -> int:
        return bisect.bisect_left(self._breaks, index) + self._offset

    def of(self, node: yaml.Node) -> int:
        mark = node.start_mark
        return mark.line + self._offset if self._same else self.at(mark.index)


_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _check_events(yaml_text: str) -> tuple[int, str] | bool:
    """Reject nesting too deep for the composer before it runs (its recursion is in C or Python).

    Otherwise say whether the document may be too large once composed: only aliases (which repeat
    a whole block) or more values than the bound can make it so; plain front matter has neither,
    and then the costlier walk over the composed nodes (`_check_size`) is skipped."""
    loader = _Loader(yaml_text)
    depth = 0
    nodes = 0
    aliases = False
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                nodes += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.index, f"nested more than {MAX_DEPTH} levels deep"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
            elif isinstance(event, yaml.AliasEvent):
                aliases = True
    finally:
        loader.dispose()
    return aliases or nodes > MAX_VALUES


def _measure(root: yaml.Node) -> tuple[dict[int, int], dict[int, int]] | yaml.Node:
    """Size and depth of every node with aliases expanded (memoised, so linear in the composed
    tree), or the node where an alias refers to one of its own ancestors (infinite data)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    path: set[int] = set()  # nodes on the current depth-first path
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            size[key] = min(1 + sum(size[id(k)] for k in kids), MAX_VALUES + 1)
            depth[key] = min(1 + max((depth[id(k)] for k in kids), default=0), MAX_DEPTH + 1)
            path.discard(key)
            continue
        if key in size:
            continue
        if key in path:
            return node
        path.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in kids if id(kid) not in size)
    return size, depth


def _check_size(root: yaml.MappingNode, lines: _Lines) -> list[tuple[int, str, str]]:
    """(line, field, message) for aliases that loop or expand beyond the bounds."""
    measured = _measure(root)
    if isinstance(measured, yaml.Node):
        return [(lines.of(measured), "front matter", "an alias refers to a block that contains it (endless data)")]
    size, depth = measured
    # Name the top-level field whose value is too big, when one is.
    for key_node, value_node in root.value:
        field_name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "front matter"
        if size[id(value_node)] > MAX_VALUES:
            return [(lines.of(key_node), field_name, _too_many())]
        if depth[id(value_node)] > MAX_DEPTH - 1:
            return [(lines.of(key_node), field_name, f"nested more than {MAX_DEPTH} levels deep (through aliases)")]
    if size[id(root)] > MAX_VALUES:
        return [(1, "front matter", _too_many())]
    return []


def _too_many() -> str:
    return f"more than {MAX_VALUES} values once aliases (*name) are expanded; write the values out or use fewer aliases"


def _key_problem(key_node: yaml.Node) -> str | None:
    if isinstance(key_node, yaml.ScalarNode) and key_node.tag in (STR_TAG, MERGE_TAG):
        return None
    if isinstance(key_node, yaml.ScalarNode):
        kind = key_node.tag.rsplit(":", 1)[-1]
        return f"a field name must be text; YAML reads {_excerpt(key_node)} as {kind}: quote it"
    return "a field name must be text, not a list or mapping"


class _Unusual(Exception):
    """Raised by the fast path's walk at anything only the checked path decides on."""


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _walk(
    node: yaml.Node,
    loc: Loc,
    lines: _Lines,
    found: dict[Loc, int],
    where: dict[int, Loc],
    path: str,
    problems: list[Problem],
    budget: list[int] | None = None,
) -> None:
    """Map every location to its line; with a `budget` (the fast path, a tree without aliases),
    also apply the bounds the checked path applies before composing: the first collection nested
    too deep (in document order, as the event pass finds it), and too many values, long numbers
    or odd keys (left to the checked path)."""
    found[loc] = lines.of(node)
    where.setdefault(id(node), loc)
    if budget is not None:
        budget[0] -= 1 + (len(node.value) if isinstance(node, yaml.MappingNode) else 0)  # keys count too
        if budget[0] < 0:
            raise _Unusual
        if isinstance(node, yaml.ScalarNode):
            if node.tag in NUMBER_TAGS and len(node.value) > MAX_NUMBER:
                raise _Unusual
        elif len(loc) >= MAX_DEPTH:
            raise _TooDeep(node)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            wrong = _key_problem(key_node)
            if wrong:
                if budget is not None:
                    raise _Unusual  # the checked path reports it, after the bounds it checks first
                problems.append(Problem(path, lines.of(key_node), dotted(loc), wrong))
                continue
            key = key_node.value
            if key in seen:
                problems.append(
                    Problem(
                        path, lines.of(key_node), dotted((*loc, key)), "duplicate key; YAML keeps only the last one"
                    )
                )
            seen.add(key)
            _walk(value_node, (*loc, key), lines, found, where, path, problems, budget)
            found[(*loc, key)] = lines.of(key_node)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines, found, where, path, problems, budget)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "front matter"


def _field_at(line: int, found: dict[Loc, int]) -> str:
    """The outermost field that starts on a line (for errors PyYAML reports by position only)."""
    matches = [loc for loc, at in found.items() if at == line and loc]
    return dotted(min(matches, key=len)) if matches else "front matter"


def _yaml_problem(path: str, exc: yaml.YAMLError, lines: _Lines, found: dict[Loc, int]) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = lines.at(mark.index) if mark else 1
        reason = exc.problem or str(exc)
        if exc.context and exc.problem:
            reason = f"{exc.context}: {exc.problem}"
        return Problem(path, line, _field_at(line, found), f"invalid YAML: {reason}")
    position = getattr(exc, "position", None)  # ReaderError: a control character
    line = lines.at(position) if isinstance(position, int) else 1
    reason = getattr(exc, "reason", None) or str(exc).split("\n")[0]
    reason = _READER_REASONS.get(reason, reason)
    return Problem(path, line, "front matter", f"invalid YAML: {reason}")


# PyYAML's own reader words a refusal libyaml's way, so the message does not depend on the parser.
_READER_REASONS = {"special characters are not allowed": "control characters are not allowed"}


def load(path: str, raw: bytes) -> Source | list[Problem]:
    """Decode, split and safely load one file's front matter, with a line map.

    Never raises: every failure is a Problem with a line and a field, and the work is bounded
    (size, nesting, alias expansion) before anything is constructed."""
    text = decode(path, raw)
    if isinstance(text, Problem):
        return [text]
    parts = split(path, text)
    if isinstance(parts, Problem):
        return [parts]
    yaml_text, body, body_line = parts
    if len(yaml_text) > MAX_FRONT_MATTER:
        return [
            Problem(
                path,
                1,
                "front matter",
                f"too large ({len(yaml_text)} characters, at most {MAX_FRONT_MATTER}); long text belongs in the body",
            )
        ]
    offset = 2  # YAML line 0 is file line 2 (after the opening '---')
    lines = _Lines(yaml_text, offset)
    if "&" not in yaml_text:  # no anchor, so no alias: nothing to expand, a plain tree
        fast = _load_fast(path, yaml_text, body, body_line, lines)
        if fast is not None:
            return fast
    return _load_checked(path, yaml_text, body, body_line, lines)


def _load_fast(path: str, yaml_text: str, body: str, body_line: int, lines: _Lines) -> Source | list[Problem] | None:
    """One parse, composed and constructed by the parser alone (no check per value), with the
    bounds applied while mapping lines. None for anything unusual (an error, a bound reached, a
    key that is not text): the checked path then gives the answer, the same it always gave."""
    try:
        loader = PARSERS[_parser][0](yaml_text)  # PyYAML's own reader refuses control characters here
    except Exception:  # the checked path reports it
        return None
    try:
        node = loader.get_single_node()
        if not isinstance(node, yaml.MappingNode):
            return None
        found: dict[Loc, int] = {}
        problems: list[Problem] = []
        try:
            _walk(node, (), lines, found, {}, path, problems, [MAX_VALUES])
        except _TooDeep as exc:
            return [Problem(path, lines.of(exc.node), "front matter", f"nested more than {MAX_DEPTH} levels deep")]
        if problems:
            return problems
        data = loader.construct_document(node)
    except Exception:
        return None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None
    found[()] = 1
    return Source(path=path, data=data, body=body, body_line=body_line, lines=found)


def _load_checked(path: str, yaml_text: str, body: str, body_line: int, lines: _Lines) -> Source | list[Problem]:
    """The load with every check before the next step: depth before composing, the size of what
    aliases expand to before walking, each value as it is constructed."""
    offset = 2
    found: dict[Loc, int] = {}
    problems: list[Problem] = []
    try:
        checked = _check_events(yaml_text)
        if isinstance(checked, tuple):
            return [Problem(path, lines.at(checked[0]), "front matter", checked[1])]
        loader = _Loader(yaml_text)
        try:
            node = loader.get_single_node()
            if node is None:
                return Source(path=path, data={}, body=body, body_line=body_line, lines={(): 1})
            if not isinstance(node, yaml.MappingNode):
                kind = node.tag.rsplit(":", 1)[-1]
                return [Problem(path, lines.of(node), "front matter", f"must be a mapping of fields, got {kind}")]
            if checked:  # aliases or very many values: measure the composed document first
                problems += [Problem(path, *found_problem) for found_problem in _check_size(node, lines)]
                if problems:
                    return problems
            where: dict[int, Loc] = {}
            _walk(node, (), lines, found, where, path, problems)
            if problems:
                return problems
            try:
                data = loader.construct_document(node)
            except _BadValue as exc:
                loc = where.get(id(exc.node))
                field_name = dotted(loc) if loc is not None else _field_at(lines.of(exc.node), found)
                return [Problem(path, lines.of(exc.node), field_name, exc.message)]
            except yaml.YAMLError:
                raise
            except Exception as exc:  # a constructor failing outside a value (not known to happen)
                return [Problem(path, 1, "front matter", f"cannot read the front matter: {exc}")]
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        return [_yaml_problem(path, exc, lines, found)]
    except (RecursionError, MemoryError):  # beyond the bounds above; never a traceback
        return [Problem(path, 1, "front matter", "too complex to read (nesting or aliases)")]
    if not isinstance(data, dict):  # not reachable for a mapping node; kept as a guard for the type
        return [Problem(path, offset, "front matter", "must be a mapping of fields")]
    found[()] = 1
    return Source(path=path, data=data, body=body, body_line=body_line, lines=found)
