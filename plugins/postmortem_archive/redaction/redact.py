"""Redaction of engineers' names: a fixed list of names, whole words, any case, any accents.

No guessing (NER misses all-caps names and tags log fragments as people): names
come from person fields in front matter and a roster. Matching runs on a folded
copy of the text (core/folding.py: NFKD, diacritics dropped, casefolded, Latin
letters without a decomposition transliterated, whitespace runs collapsed to one
space) with an Aho-Corasick automaton holding every spelling of every name
(folding.spellings: "Müller" also as "Mueller"), so cost stays linear in the text
however many names there are; matches map back to spans of the original text.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, overload
from urllib.parse import unquote

import ahocorasick
import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from postmortem_archive.core.folding import fold_char, fold_text, spellings

DEFAULT_SALT = "postmortem-archive"


@lru_cache(maxsize=4096)
def _legacy_key(name: str) -> str:
    """A person's key as pseudonyms have always been made from it (accents dropped, no
    transliteration), so transliteration changed nobody's pseudonym."""
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


class _FoldTable(dict[int, str]):
    """str.translate table: each character to its folded form when that is one character long
    (so the translation keeps every position), whitespace to a space. Filled as characters appear."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = " " if ch.isspace() else fold_char(ch)
        value = folded if len(folded) == 1 else _SLOW  # 'ß' -> 'ss', 'þ' -> 'th': the slow path folds them
        self[code] = value
        return value


_SLOW = "\uffff"  # a noncharacter: marks text the fast path cannot fold
_TABLE = _FoldTable()
_SPACES = re.compile(r" {2,}")


def fold(text: str) -> tuple[str, Callable[[int], int]]:
    """Folded text, and a function from a folded position to the original text's position."""
    translated = text.translate(_TABLE)
    if _SLOW in translated:
        folded, origin = _fold_slow(text)
        return folded, origin.__getitem__
    # Fast path (C-speed translate): positions are unchanged except where whitespace runs collapse,
    # so record only where each kept segment starts, in the folded and in the original text.
    if "  " not in translated:
        return translated, int
    parts: list[str] = []
    folded_starts: list[int] = [0]
    original_starts: list[int] = [0]
    position = length = 0
    for run in _SPACES.finditer(translated):
        parts.append(translated[position : run.start() + 1])
        length += run.start() + 1 - position
        position = run.end()
        folded_starts.append(length)
        original_starts.append(position)
    parts.append(translated[position:])

    def original(index: int) -> int:
        segment = bisect.bisect_right(folded_starts, index) - 1
        return original_starts[segment] + index - folded_starts[segment]

    return "".join(parts), original


def _fold_slow(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    origin: list[int] = []
    in_space = False
    for index, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                out.append(" ")
                origin.append(index)
            in_space = True
            continue
        in_space = False
        folded = fold_char(ch)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# Parts of names that are everyday words (or words of the page's own markup) are not redacted on
# their own: "Will" in "we will", "Mark" in "mark as done", "Park" in "car park". The whole name
# still is. Sites extend the list with the `redact.keep` option.
DEFAULT_KEEP = frozenset(
    """
    will mark may june april august bill rose grace hope joy faith art sky summer dawn eve jack frank
    max page price case park rich young green brown white black long hall king wood stone bell lane
    field ward cook baker hunter fox rust chase drew gene guy ray sandy penny pat sue don dean nick
    bond chance cash gray grey lily holly ivy iris amber ruby pearl hazel olive chip dale glen
    golden sterling victor major miles noble patience rich summer winter autumn story reed
    nav main span code head body link meta form title style table label button section header
    footer article aside class href data role path name type value content input script small
    strong details summary figure image source track time menu option select template
    van von der den del della de di da du la le bin ben al el
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_PART_SPLIT = re.compile(r"[\s\-]+")


def name_parts(name: str, keep: frozenset[str] = DEFAULT_KEEP) -> list[str]:
    """Given name, surname and each part of a hyphenated name, folded; without everyday words and
    parts under 3 letters (too likely to be something else: "Li" is also an HTML tag)."""
    folded = fold_text(name)
    words = [w.strip(".,'") for w in _PART_SPLIT.split(folded)]
    if len([w for w in words if w]) < 2:
        return []  # a one-word name is already a needle as a whole
    hyphenated = [w.strip(".,'") for w in folded.split() if "-" in w]
    return list(dict.fromkeys(w for w in [*words, *hyphenated] if len(w) >= 3 and w not in keep and not w.isdigit()))


class RosterEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    aliases: list[StrictStr] = Field(default_factory=list)  # other spellings, first names, nicknames
    handles: list[StrictStr] = Field(default_factory=list)  # chat handles, e.g. @dsmith
    usernames: list[StrictStr] = Field(default_factory=list)  # logins, e.g. dsmith
    emails: list[StrictStr] = Field(default_factory=list)

    def needles(self) -> list[str]:
        # Handles as written ("@spark"): the bare word may be an ordinary one ("spark"). List logins
        # that appear bare under usernames.
        return [self.name, *self.aliases, *self.handles, *self.usernames, *self.emails]


class RosterError(ValueError):
    pass


def load_roster(path: Path) -> list[RosterEntry]:
    """A YAML list of people: name, aliases, handles, usernames, emails."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RosterError(f"{path}: cannot read the roster: {exc}") from None
    if not isinstance(data, list):
        raise RosterError(f"{path}: expected a list of people (name, aliases, handles, usernames, emails)")
    entries, problems = [], []
    for index, item in enumerate(data):
        try:
            entries.append(RosterEntry.model_validate(item))
        except ValidationError as exc:
            problems += [f"{path}: [{index}].{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    if problems:
        raise RosterError("\n".join(problems))
    return entries


class Redactor:
    """Replaces every known name, alias, handle, username and e-mail with the person's pseudonym."""

    def __init__(
        self,
        roster: Iterable[RosterEntry],
        names: Iterable[str],
        *,
        salt: str = DEFAULT_SALT,
        prefix: str = "Engineer",
        keep: Iterable[str] = DEFAULT_KEEP,
    ) -> None:
        self.prefix = prefix
        self._salt = salt.encode("utf-8")
        # Person key (the canonical name folded without transliteration: the pseudonym derives
        # from it) -> the name as the roster or a person field writes it (the leak check's report).
        self.people: dict[str, str] = {}
        owner: dict[str, str] = {}  # needle -> person key
        full_names: list[tuple[str, str]] = []  # (name, person key): their parts are needles too
        for entry in roster:
            key = _legacy_key(entry.name)
            self.people.setdefault(key, entry.name)
            full_names.append((entry.name, key))
            for needle in entry.needles():
                for folded in spellings(needle):  # every spelling: "Søren" as "soren" and "soeren"
                    if folded:
                        owner.setdefault(folded, key)
        for name in names:
            folded = fold_text(name)
            if folded and folded not in owner:  # a name written in front matter but not in the roster
                key = _legacy_key(name)
                self.people.setdefault(key, name)
                for spelled in spellings(name):
                    owner.setdefault(spelled, key)
                full_names.append((name, key))
        self._add_parts(full_names, owner, frozenset(fold_text(word) for word in keep))
        self._owner = owner
        self.pseudonyms = self._pseudonyms()
        self._automaton = ahocorasick.Automaton()
        for needle in owner:
            self._automaton.add_word(needle, needle)
        if owner:
            self._automaton.make_automaton()

    def _add_parts(self, full_names: list[tuple[str, str]], owner: dict[str, str], keep: frozenset[str]) -> None:
        """Given names and surnames alone ("Dana", "Smith") identify their person too. A part two
        people share gets a pseudonym of its own, so it never points at the wrong one of them."""
        holders: dict[str, set[str]] = {}
        for name, key in full_names:
            for spelled in spellings(name):  # parts in every spelling: "muller" and "mueller"
                for part in name_parts(spelled, keep):
                    if part not in owner:  # a whole name, alias or handle already
                        holders.setdefault(part, set()).add(key)
        for part, keys in sorted(holders.items()):
            if len(keys) == 1:
                owner[part] = next(iter(keys))
                continue
            key = f"shared name part: {part}"
            self.people.setdefault(key, "shared by " + ", ".join(sorted(self.people[k] for k in keys)))
            owner[part] = key

    def _pseudonyms(self) -> dict[str, str]:
        # HMAC of the name with a site secret: stable across builds and archive growth, not reversible
        # by hashing a list of candidate names unless the salt is known. 6 hex digits; on the rare
        # collision, the colliding people get 10.
        def code(key: str, length: int) -> str:
            return hmac.new(self._salt, key.encode("utf-8"), hashlib.sha256).hexdigest()[:length].upper()

        short = {key: code(key, 6) for key in self.people}
        counts: dict[str, int] = {}
        for value in short.values():
            counts[value] = counts.get(value, 0) + 1
        return {key: f"{self.prefix} {code(key, 10) if counts[value] > 1 else value}" for key, value in short.items()}

    @property
    def needles(self) -> list[str]:
        """Every folded string that identifies somebody (for the leak check)."""
        return sorted(self._owner)

    def whose(self, needle: str) -> str:
        """The name (as written in the roster or a person field) a folded needle belongs to."""
        return self.people[self._owner[needle]]

    def pseudonym(self, name: str) -> str | None:
        key = self._owner.get(fold_text(name))
        return self.pseudonyms[key] if key else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Whole-word matches as (start, end, needle) spans of the original text, leftmost-longest."""
        if not self._owner or not text:
            return []
        folded, original = fold(text)
        candidates = []
        for end, needle in self._automaton.iter(folded):
            start = end - len(needle) + 1
            before = folded[start - 1] if start > 0 else " "
            after = folded[end + 1] if end + 1 < len(folded) else " "
            if not _is_word(before) and not _is_word(after):
                candidates.append((start, end, needle))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        spans, last_end = [], -1
        for start, end, needle in candidates:
            if start > last_end:
                stop = original(end) + 1
                while stop < len(text) and unicodedata.combining(text[stop]):
                    stop += 1  # combining marks after the last letter belong to it ('i' + U+0307)
                spans.append((original(start), stop, needle))
                last_end = end
        return spans

    @overload
    def names_in_path(self, path: str) -> list[str]: ...
    @overload
    def names_in_path(self, path: str, *, whose: Literal[True]) -> list[tuple[str, str]]: ...

    def names_in_path(self, path: str, *, whose: bool = False) -> list[str] | list[tuple[str, str]]:
        """Names in a file path or URL, where words are joined by '-', '_' or URL escapes (with
        `whose`: each with the name it belongs to)."""
        words = unquote(path).replace("-", " ").replace("_", " ")
        if whose:
            return [(words[start:end], self.whose(needle)) for start, end, needle in self.find(words)]
        return [words[start:end] for start, end, _ in self.find(words)]

    def redact(self, text: str) -> str:
        spans = self.find(text)
        if not spans:
            return text
        out, position = [], 0
        for start, end, needle in spans:
            out += [text[position:start], self.pseudonyms[self._owner[needle]]]
            position = end
        out.append(text[position:])
        return "".join(out)

    def redact_value(self, value: Any) -> Any:
        """Redact every string inside a value: str, list, tuple, dict, pydantic model."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_value(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.redact_value(v) for v in value)
        if isinstance(value, dict):
            return {self.redact_value(k): self.redact_value(v) for k, v in value.items()}
        if isinstance(value, BaseModel):
            return value.model_copy(
                update={name: self.redact_value(getattr(value, name)) for name in type(value).model_fields}
            )
        return value


def redact_postmortem(pm: Any, redactor: Redactor) -> Any:
    """A copy of a Postmortem with every string of its front matter and body redacted."""
    return replace(pm, meta=redactor.redact_value(pm.meta), body=redactor.redact(pm.body))


def person_names(postmortems: Iterable[Any]) -> list[str]:
    return [name for pm in postmortems for name in pm.people_names]
