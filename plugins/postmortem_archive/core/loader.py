"""Turn postmortem files into validated Postmortem objects, or one report of every problem."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from postmortem_archive.core import source
from postmortem_archive.core.model import FrontMatter, validate_front_matter
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import ArchiveInvalid, Problem
from postmortem_archive.core.settings import Settings


def is_postmortem(src_uri: str, settings: Settings) -> bool:
    """Whether a docs_dir path is a postmortem (by the include/exclude globs)."""
    if not src_uri.endswith(".md"):
        return False
    if any(fnmatch.fnmatchcase(src_uri, pattern) for pattern in settings.exclude):
        return False
    return any(fnmatch.fnmatchcase(src_uri, pattern) for pattern in settings.include)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; see `postmortem schema` for the fields)"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if kind in ("string_type", "int_type", "list_type", "model_type", "dict_type", "float_type"):
        shown = repr(value)
        message += f", got {type(value).__name__} {shown if len(shown) <= 80 else shown[:77] + '...'}"
        if isinstance(value, bool | int | float) and kind == "string_type":
            message += " (YAML reads unquoted yes/no/on/off, numbers and times as non-text: quote it)"
    return message


def _timestamps_in_order(meta: FrontMatter) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    stamps = [(name, getattr(meta, name)) for name in ("started", "detected", "mitigated", "resolved")]
    known = [(name, when) for name, when in stamps if when is not None]
    for (name_a, a), (name_b, b) in pairwise(known):
        if b < a:
            found.append(((name_b,), f"{b.isoformat()} is before {name_a} {a.isoformat()}"))
    return found


def load_one(src_path: str, raw: bytes, settings: Settings) -> Postmortem | list[Problem]:
    """Parse and validate one file. Returns the postmortem or every problem in it."""
    parsed = source.load(src_path, raw)
    if isinstance(parsed, list):
        return parsed
    return validate_source(parsed, settings)


def validate_source(parsed: source.Source, settings: Settings) -> Postmortem | list[Problem]:
    """Validate front matter already loaded (lint reads each file once for all its rules)."""
    src_path = parsed.path
    # Checked on the raw data, so it is reported alongside schema errors too.
    problems = []
    if parsed.data.get("status", "final") == "final" and not parsed.data.get("summary"):
        problems.append(Problem(src_path, 1, "summary", "required when status is final"))
    try:
        meta = validate_front_matter(
            parsed.data, severities=settings.severities, timezone=settings.timezone, taxonomy=settings.taxonomy
        )
    except ValidationError as exc:
        return [
            Problem(src_path, parsed.line_of(tuple(err["loc"])), source.dotted(tuple(err["loc"])), _message(err))
            for err in exc.errors(include_url=False)
        ] + problems
    problems += [
        Problem(src_path, parsed.line_of(loc), source.dotted(loc), msg) for loc, msg in _timestamps_in_order(meta)
    ]
    if problems:
        return problems
    pm_id = meta.id or posixpath.splitext(posixpath.basename(src_path))[0]
    return Postmortem(
        id=pm_id, src_path=src_path, meta=meta, body=parsed.body, body_line=parsed.body_line, lines=parsed.lines
    )


LoadOne = Callable[[str, bytes, Settings], "Postmortem | list[Problem]"]


def load_all(files: Iterable[tuple[str, bytes]], settings: Settings, load: LoadOne | None = None) -> list[Postmortem]:
    """Load every file; raise ArchiveInvalid listing all problems of all files.

    `load` replaces load_one, e.g. by one that remembers unchanged files across `mkdocs serve` rebuilds.
    """
    postmortems: list[Postmortem] = []
    problems: list[Problem] = []
    for src_path, raw in files:
        result = (load or load_one)(src_path, raw, settings)
        if isinstance(result, list):
            problems.extend(result)
        else:
            postmortems.append(result)
    by_id: dict[str, Postmortem] = {}
    for pm in postmortems:
        other = by_id.get(pm.id)
        if other is not None:
            problems.append(
                Problem(
                    pm.src_path, pm.line_of(("id",)), "id", f"duplicate id {pm.id!r}, also used by {other.src_path}"
                )
            )
            continue
        by_id[pm.id] = pm
    for pm in postmortems:
        for index, target in enumerate(pm.meta.related):
            line = pm.line_of(("related", index))
            if target == pm.id:
                problems.append(
                    Problem(pm.src_path, line, f"related[{index}]", "a postmortem cannot be related to itself")
                )
            elif target not in by_id:
                problems.append(Problem(pm.src_path, line, f"related[{index}]", f"no postmortem has the id {target!r}"))
    if problems:
        raise ArchiveInvalid(problems)
    return sorted(postmortems, key=lambda pm: (pm.date, pm.id), reverse=True)
