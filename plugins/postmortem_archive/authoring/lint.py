"""`postmortem lint`: schema, blameless-language, completeness and placeholder findings, all in one run.

Like a compiler, it reports everything it can in one pass: schema errors do not stop the other
rules, which run on whatever parsed (the raw front matter, the body). Every finding is
`path:line:col: LEVEL RULE-ID message`. Rules are documented, each with a bad and a good example,
in the site's guide (`postmortems/guide/lint-rules.md`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from re._casefix import _EXTRA_CASES  # the equivalences re.I adds to lower case (CPython 3.11+)
from typing import Any, Literal

import ahocorasick

from postmortem_archive.authoring import placeholders
from postmortem_archive.authoring.placeholders import body_lines
from postmortem_archive.core import source
from postmortem_archive.core.folding import ascii_spellings, fold_text, spellings
from postmortem_archive.core.loader import validate_source
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.settings import Settings
from postmortem_archive.redaction.redact import DEFAULT_KEEP, name_parts

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    title: str


RULES = {
    rule.id: rule
    for rule in (
        Rule("PM000", "error", "front matter does not match the schema"),
        Rule("PM101", "error", "human error or a person named as the root cause"),
        Rule("PM102", "warning", "'human error' used to explain the incident"),
        Rule("PM103", "error", "a person given as the cause"),
        Rule("PM201", "warning", "blaming language"),
        Rule("PM202", "warning", "hindsight language"),
        Rule("PM301", "warning", "vague action item"),
        Rule("PM302", "error", "action item owned by a team"),
        Rule("PM303", "error", "action item owned by several people"),
        Rule("PM304", "error", "action item without an owner"),
        Rule("PM305", "warning", "action item without a due date"),
        Rule("PM306", "warning", "action item without a ticket"),
        Rule("PM401", "error", "section required by the severity is missing"),
        Rule("PM402", "error", "no action items for a high-severity incident"),
        Rule("PM501", "error", "final postmortem without a summary"),
        Rule("PM502", "error", "template placeholder left in a final postmortem"),
        Rule("PM601", "warning", "imported postmortem: a value still needs review"),
        Rule("PM701", "warning", "incident date in the future or before 1900"),
    )
}

DEFAULT_REQUIRED_SECTIONS = {
    "SEV1": ["Summary", "Impact", "Timeline", "Contributing factors"],
    "SEV2": ["Summary", "Timeline", "Contributing factors"],
    "SEV3": ["Summary"],
    "SEV4": ["Summary"],
}
ACTION_ITEMS_REQUIRED = ("SEV1", "SEV2")

HUMAN_ERROR = re.compile(r"\b(?:human|operator|pilot|engineer|user)[\s-]+(?:error|mistake)s?\b", re.I)
ROOT_CAUSE = re.compile(r"\b(?:root[\s-]+cause|caused\s+by|was\s+the\s+cause|is\s+to\s+blame|fault\s+of)\b", re.I)
BLAME = re.compile(
    r"\b(?:careless(?:ly|ness)?|negligen(?:t|ce|tly)|stupid(?:ly|ity)?|incompeten(?:t|ce)|lazy|laziness|sloppy|"
    r"sloppily|reckless(?:ly)?|irresponsibl[ey]|dumb|idiot(?:ic)?|at\s+fault|(?:his|her|their)\s+fault|"
    r"didn'?t\s+bother)\b",
    re.I,
)
# "failed to" judges people only before what a person does ("failed to check"); "images failed
# to load" describes a system.
HINDSIGHT = re.compile(
    r"\b(?:should(?:\s+have|'ve)|could(?:\s+have|'ve)\s+(?:prevented|avoided|known)|should\s+have\s+known|"
    r"failed\s+to(?=\s+(?:notice|check|verify|read|follow|test|see|realise|realize|consider|escalate|review|"
    r"communicate|monitor|spot|ask|tell|inform|confirm|validate|understand|double-check|look))|"
    r"obviously|clearly\s+should|it\s+was\s+obvious|neglected\s+to)\b",
    re.I,
)
VAGUE = [
    re.compile(p, re.I)
    for p in (
        r"^\s*be\s+(?:more\s+)?careful\b",
        r"\bbe\s+more\s+careful\b",
        r"^\s*(?:improve|better|more)\s+(?:the\s+)?(?:monitoring|alerting|testing|tests|documentation|docs|"
        r"communication|processes?|training|observability)\s*\.?$",
        r"^\s*add\s+(?:more\s+)?(?:tests|monitoring|alerts|logging)\s*\.?$",
        r"^\s*(?:investigate|look\s+into|follow\s+up(?:\s+on)?|discuss|review)\b(?!.*\b(?:by|before|so\s+that)\b).{0,30}$",
        r"^\s*(?:don'?t|do\s+not|never)\s+(?:do\s+that|let\s+this\s+happen)\b",
        r"\bdouble[\s-]check\b",
    )
]
LIST_OWNER = re.compile(r"\s*(?:,|&|/|\+|\band\b)\s*", re.I)
TEAM_WORDS = re.compile(r"\b(?:team|squad|group|crew|guild|department|dept|on-?call|sre|everyone|all)\b", re.I)
HEADING = re.compile(r"^(#{2,6})\s+(.+?)\s*#*\s*$")

# A person as the cause (PM103). Verbs that only people do, after any capitalised name; broader
# ones (broke, caused, failed to) only after a name we know (roster, people fields), since
# "Kafka failed to elect a leader" is about a system.
_PERSON_VERBS = (
    r"forgot|ignored|neglected|overlooked|messed\s+up|screwed\s+up|botched|made\s+(?:a|an)\s+(?:mistake|error)|"
    r"was\s+(?:careless|negligent|sloppy|lazy|reckless)|(?:is|was)\s+to\s+blame|mistakenly|carelessly|"
    r"recklessly|didn'?t\s+bother|should\s+have\s+known"
)
_KNOWN_VERBS = _PERSON_VERBS + (
    r"|broke|caused|failed\s+to|missed|didn'?t|did\s+not|wrongly|accidentally|erroneously|"
    r"was\s+responsible\s+for\s+the\s+(?:outage|incident|failure|problem)"
)
_CAPITALISED = r"[A-Z\u00c0-\u00de][a-z\u00df-\u00ff'\u2019]+(?:[ -][A-Z\u00c0-\u00de][a-z\u00df-\u00ff'\u2019]+)?"
_NOT_NAMES = {
    *("the", "this", "that", "these", "those", "it", "we", "he", "she", "they", "i", "you", "one", "team"),
    *("someone", "somebody", "nobody", "everyone", "everybody", "our", "their", "his", "her", "no", "nothing"),
    *("which", "who", "what", "then", "when", "after", "before", "finally", "later"),
}
_GAP = r"(?:\s+\w+){0,2}?\s+"
UNKNOWN_CAUSE = re.compile(rf"\b(?P<name>{_CAPITALISED})(?:'s)?{_GAP}(?P<verb>{_PERSON_VERBS})\b")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    rule: str
    message: str

    @property
    def level(self) -> Level:
        return RULES[self.rule].level

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.level} {self.rule} {self.message}"

    def github(self) -> str:
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{self.level} file={self.path},line={self.line},col={self.col},title={self.rule}::{message}"


@dataclass(frozen=True)
class LintConfig:
    disable: frozenset[str] = frozenset()
    required_sections: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_REQUIRED_SECTIONS))
    people: tuple[str, ...] = ()  # names from the roster: a cause when they appear with blaming verbs
    keep: frozenset[str] = DEFAULT_KEEP  # name parts that are everyday words


@dataclass
class Draft:
    """What lint reads: whatever parsed, even when the schema did not validate."""

    path: str
    data: dict[str, Any]
    body: str | None
    body_line: int
    lines: dict[source.Loc, int]
    raw_lines: list[str]

    def line_of(self, loc: source.Loc) -> int:
        return source.line_of(self.lines, loc)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _dicts(value: object) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _people_names(data: dict[str, Any]) -> list[str]:
    people = data.get("people") if isinstance(data.get("people"), dict) else {}
    names: list[object] = []
    for value in people.values():  # type: ignore[union-attr]
        names += value if isinstance(value, list) else [value]
    owners = [item.get("owner") for _, item in _dicts(data.get("action_items"))]
    # An owner that is a team or a list is a finding of its own (PM302, PM303), not a person's name.
    names += [o for o in owners if isinstance(o, str) and len(LIST_OWNER.split(o)) == 1 and not TEAM_WORDS.search(o)]
    return list(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip()))


def _free_text(data: dict[str, Any]) -> Iterator[tuple[source.Loc, str]]:
    """Every free-text field, with its location: where blaming language can hide outside the body."""
    for key in ("title", "summary"):
        if text := _text(data.get(key)):
            yield (key,), text
    factors = data.get("contributing_factors")
    for index, factor in enumerate(factors if isinstance(factors, list) else []):
        if text := _text(factor):
            yield ("contributing_factors", index), text
    impact = data.get("impact")
    if isinstance(impact, dict) and (text := _text(impact.get("description"))):
        yield ("impact", "description"), text
    for index, item in _dicts(data.get("action_items")):
        if text := _text(item.get("title")):
            yield ("action_items", index, "title"), text


# The known-name rule, taken apart so that one automaton finds the names and these fixed
# patterns (compiled once per run) check what surrounds them; `_Causes.find` applies them in the
# order of the single regex it replaces (names longest first, then these three alternatives):
#   (?<!\w)NAME(?!\w)(?:'s)?GAP VERB\b | \b(?:caused\s+by|...)\s+NAME(?!\w) | (?<!\w)NAME's\s+(?:fault|...)\b
_AFTER_KNOWN = re.compile(rf"(?!\w)(?:'s)?{_GAP}(?P<verb>{_KNOWN_VERBS})\b", re.I)
_BLAMED_ON = re.compile(r"\b(?=(?:caused\s+by|because\s+of|blamed?\s+on|fault\s+of)\s)", re.I)
_BLAMED_HEAD = re.compile(r"(?:caused\s+by|because\s+of|blamed?\s+on|fault\s+of)", re.I)
_SPACE_RUN = re.compile(r"\s+")
_AFTER_FAULT = re.compile(r"'s\s+(?:fault|mistake|error|negligence|carelessness)\b", re.I)
_WORD = re.compile(r"\w")


class _CaseFold(dict[int, str]):
    """str.translate table: each character to one representative of the characters `re.I` takes
    for it (simple lower case, plus the extra equivalences of `re._casefix`, e.g. dotless i and
    long s), so positions are kept and an automaton over folded text finds what `re.I` would."""

    def __missing__(self, code: int) -> str:
        # Simple lower case, as re.I uses: str.lower's full mapping differs only for U+0130 (to 'i'
        # and a combining dot), whose first character is its simple mapping.
        lower = ord(chr(code).lower()[0])
        value = chr(min((lower, *_EXTRA_CASES.get(lower, ()))))
        self[code] = value
        return value


_CASE_FOLD = _CaseFold()

# Words without which a pattern cannot match (each match contains one of them, in any case): one
# automaton pass over a text says which of the patterns are worth running on it at all.
_NEEDS = {
    "human error": ("error", "mistake"),
    "root cause": ("root", "cause", "blame", "fault"),
    "blame": (
        *("careless", "negligen", "stupid", "incompeten", "lazy", "laziness", "slopp", "reckless"),
        *("irresponsibl", "dumb", "idiot", "fault", "bother"),
    ),
    "hindsight": ("should", "could", "failed", "obvious", "clearly", "neglected"),
    "person verb": (
        *("forgot", "ignored", "neglected", "overlooked", "messed", "screwed", "botched", "made", "careless"),
        *("negligent", "sloppy", "lazy", "reckless", "blame", "mistakenly", "didn", "should"),
    ),
}
_VOCABULARY = ahocorasick.Automaton()
for _kind, _words in _NEEDS.items():
    for _word in _words:
        _folded = _word.translate(_CASE_FOLD)
        _VOCABULARY.add_word(_folded, (*_VOCABULARY.get(_folded, ()), _kind))
_VOCABULARY.make_automaton()


def _vocabulary(folded: str) -> set[str]:
    """Which patterns of `_NEEDS` may match a text (given case-folded with `_CASE_FOLD`)."""
    return {kind for _, kinds in _VOCABULARY.iter(folded) for kind in kinds}


@lru_cache(maxsize=65536)
def _variants(name: str, keep: frozenset[str]) -> tuple[str, ...]:
    """A person's name as lint looks for it: as written, as typed without its special letters
    ("Søren": "Soren", "Soeren"), and each capitalised part that is not an everyday word."""
    spelled = [name, *ascii_spellings(name)]
    # Only capitalised words are parts of a name ("payments team" and "and" are not).
    capitalised = {w.casefold() for s in spelled for w in re.split(r"[\s-]+", s) if w[:1].isupper()}
    parts = {part for s in spellings(name) for part in name_parts(s, keep) if part in capitalised}
    # Each part as written too ("Núñez"), since name_parts folds accents away.
    written = {w for w in re.split(r"[\s-]+", name) if fold_text(w) in parts}
    return tuple(v for v in {*spelled, *parts, *written} if v)  # an empty spelling names no one


class _Names:
    """An automaton of names (case-folded as `re.I` matches), built once per set of names."""

    def __init__(self, names: Iterable[str]) -> None:
        self.automaton: ahocorasick.Automaton | None = None
        folded = {name.translate(_CASE_FOLD) for name in names}
        if folded:
            self.automaton = ahocorasick.Automaton()
            for word in folded:
                self.automaton.add_word(word, len(word))
            self.automaton.make_automaton()

    def at(self, folded_text: str, found: dict[int, set[int]]) -> None:
        """Add start -> lengths of every occurrence (overlapping ones too)."""
        if self.automaton is not None:
            for end, length in self.automaton.iter(folded_text):
                found.setdefault(end - length + 1, set()).add(length)


class _Causes:
    """Finds people given as the cause: known names (and their parts) and capitalised names.

    The roster's names are one automaton for the whole run; a file's own people another."""

    def __init__(self, own: _Names, roster: _Names) -> None:
        self.sources = (own, roster)

    def _known(self, text: str, folded: str) -> Iterator[tuple[int, str, str]]:
        names: dict[int, set[int]] = {}
        for source_names in self.sources:
            source_names.at(folded, names)
        if not names:
            return
        starts = set(names)
        starts.update(m.start() for m in _BLAMED_ON.finditer(text))
        pos = 0
        for start in sorted(starts):
            if start < pos:
                continue
            found = self._match_at(text, start, names)
            if found is not None:
                name_start, name, end = found
                pos = end
                yield name_start, name, text[start:end]

    @staticmethod
    def _match_at(text: str, at: int, names: dict[int, set[int]]) -> tuple[int, str, int] | None:
        """(name's start, name, end of the match) of the first alternative that matches at `at`."""
        free = at == 0 or not _WORD.match(text, at - 1)
        lengths = sorted(names.get(at, ()), reverse=True)
        if free:
            for length in lengths:
                if tail := _AFTER_KNOWN.match(text, at + length):
                    return at, text[at : at + length], tail.end()
        if (head := _BLAMED_HEAD.match(text, at)) and _BLAMED_ON.match(text, at):
            spaces = _SPACE_RUN.match(text, head.end())
            if spaces:
                # `\s+` gives back spaces one by one: the name may start anywhere in the run.
                for start in range(spaces.end(), head.end(), -1):
                    for length in sorted(names.get(start, ()), reverse=True):
                        end = start + length
                        if end == len(text) or not _WORD.match(text, end):
                            return start, text[start:end], end
        if free:
            for length in lengths:
                if tail := _AFTER_FAULT.match(text, at + length):
                    return at, text[at : at + length], tail.end()
        return None

    def find(
        self, text: str, folded: str | None = None, kinds: set[str] | None = None
    ) -> Iterator[tuple[int, str, str]]:
        """(start, name, matched text) for each person given as the cause. `folded`: the text
        case-folded (`_CASE_FOLD`), `kinds`: its `_vocabulary`, when the caller has them."""
        folded = text.translate(_CASE_FOLD) if folded is None else folded
        seen: set[int] = set()
        for start, name, matched in self._known(text, folded):
            seen.add(start)
            yield start, name, matched
        if "person verb" not in (_vocabulary(folded) if kinds is None else kinds):
            return
        for match in UNKNOWN_CAUSE.finditer(text):
            name = match.group("name")
            if name.split()[0].casefold() in _NOT_NAMES or match.start("name") in seen:
                continue
            yield match.start("name"), name, match.group(0)


def _language(text: str, causes: _Causes, people: list[str]) -> Iterator[tuple[int, str, str]]:
    """(offset, rule, message) for blaming, hindsight and cause language in one piece of text."""
    named_as_root: set[int] = set()
    folded = text.translate(_CASE_FOLD)
    kinds = _vocabulary(folded)
    root_cause = "root cause" in kinds and ROOT_CAUSE.search(text) is not None
    for match in HUMAN_ERROR.finditer(text) if "human error" in kinds else ():
        if root_cause:
            yield (
                match.start(),
                "PM101",
                f"'{match.group(0)}' given as the cause: ask what made the action possible and the outcome "
                "likely (tooling, safeguards, pressure, unclear procedures)",
            )
        else:
            yield (
                match.start(),
                "PM102",
                f"'{match.group(0)}' explains nothing: describe the conditions that led to the action",
            )
    if root_cause:
        for name in people:
            index = text.casefold().find(name.casefold())
            if index >= 0:
                named_as_root.add(index)
                yield (
                    index,
                    "PM101",
                    f"a person ({name}) is named as the cause: name the conditions and system gaps instead",
                )
    for start, name, matched in causes.find(text, folded, kinds):
        if start not in named_as_root:
            yield (
                start,
                "PM103",
                f"a person ({name}) is given as the cause ('{matched}'): describe what made the action "
                "possible and its outcome likely, not who did it",
            )
    for match in BLAME.finditer(text) if "blame" in kinds else ():
        yield (
            match.start(),
            "PM201",
            f"'{match.group(0)}' assigns blame: describe what happened and why it made sense at the time",
        )
    for match in HINDSIGHT.finditer(text) if "hindsight" in kinds else ():
        yield (
            match.start(),
            "PM202",
            f"'{match.group(0)}' is hindsight: describe what people knew and saw at the time, "
            "and what would have helped",
        )


def _locate(raw_lines: list[str], line: int, text: str, offset: int, length: int) -> tuple[int, int]:
    """Line and column of text[offset:offset+length] in the file, searched from the field's line
    (a block scalar continues on the lines below); the field's line when it is not found verbatim."""
    needle = text[offset : offset + length]
    for index in range(max(line - 1, 0), min(line + 49, len(raw_lines))):
        col = raw_lines[index].find(needle)
        if col >= 0:
            return index + 1, col + 1
    return line, 1


def _col(raw_lines: list[str], line: int, needle: str) -> int:
    if 1 <= line <= len(raw_lines):
        index = raw_lines[line - 1].find(needle)
        if index >= 0:
            return index + 1
    return 1


def lint_draft(draft: Draft, config: LintConfig, roster: _Names | None = None) -> list[Finding]:
    """The content rules, on whatever parsed. `roster`: the automaton of config.people's names,
    made once per run by `Linter` (made here when not given)."""
    out: list[Finding] = []
    data = draft.data
    raw = draft.raw_lines

    def add(rule: str, line: int, col: int, message: str) -> None:
        out.append(Finding(draft.path, line, col, rule, message))

    people = _people_names(data)
    if roster is None:
        roster = _roster_names(config)
    causes = _Causes(_Names(v for name in people for v in _variants(name, config.keep)), roster)

    # Blameless language, in every free-text field and in the body.
    for loc, text in _free_text(data):
        line = draft.line_of(loc)
        for offset, rule, message in _language(text, causes, people):
            if loc[0] == "contributing_factors" and rule in ("PM101", "PM102") and HUMAN_ERROR.match(text, offset):
                continue  # the schema already refuses 'human error' as a contributing factor (PM000)
            at_line, col = _locate(raw, line, text, offset, 6)
            add(rule, at_line, col, f"{source.dotted(loc)}: {message}")
    if draft.body is not None:
        for line, text in body_lines(draft.body, draft.body_line):
            for offset, rule, message in _language(text, causes, people):
                add(rule, line, offset + 1, message)

    # Action items: concrete, one owner, a date, a ticket.
    items = _dicts(data.get("action_items"))
    listed_teams = data.get("teams") if isinstance(data.get("teams"), list) else []
    teams = {t.strip().casefold() for t in [*listed_teams, *(i.get("team") for _, i in items)] if isinstance(t, str)}
    for index, item in items:
        title = _text(item.get("title")) or "(untitled)"
        line = draft.line_of(("action_items", index, "title"))
        if any(p.search(title) for p in VAGUE):
            add(
                "PM301",
                line,
                _col(raw, line, title[:10]),
                f"vague action item '{title}': say what changes, where, and how you will know it is done",
            )
        owner = item.get("owner")
        owner_line = draft.line_of(("action_items", index, "owner"))
        closed = item.get("status") in ("done", "wont-fix")
        if owner is None:
            add("PM304", line, 1, f"action item '{title}' has no owner: name exactly one person")
        elif isinstance(owner, str) and len([p for p in LIST_OWNER.split(owner) if p.strip()]) > 1:
            add(
                "PM303",
                owner_line,
                _col(raw, owner_line, owner),
                f"owner '{owner}' is several people: one person owns an item (split it if needed)",
            )
        elif isinstance(owner, str) and (owner.strip().casefold() in teams or TEAM_WORDS.search(owner)):
            add(
                "PM302",
                owner_line,
                _col(raw, owner_line, owner),
                f"owner '{owner}' is a team: name one person (the team goes in 'team:')",
            )
        if item.get("due") is None and not closed:
            add("PM305", line, 1, f"action item '{title}' has no due date")
        if item.get("ticket") is None and not closed:
            add("PM306", line, 1, f"action item '{title}' has no ticket: link the tracker item")

    status = data.get("status", "final")
    severity = data.get("severity")
    if severity in ACTION_ITEMS_REQUIRED and not data.get("action_items") and status != "draft":
        add("PM402", 1, 1, f"a {severity} postmortem needs action items")

    # Sections required by severity (drafts are still being written).
    if status != "draft" and draft.body is not None and isinstance(severity, str):
        headings = {
            match.group(2).strip().casefold()
            for _, text in body_lines(draft.body, draft.body_line)
            if (match := HEADING.match(text))
        }
        for section in config.required_sections.get(severity, []):
            if section.casefold() not in headings:
                add("PM401", draft.body_line, 1, f"a {severity} postmortem needs a '## {section}' section")

    # Prompts of `postmortem new` left in a postmortem that says it is finished.
    if status == "final":
        for found in placeholders.find(data, draft.body, draft.body_line, draft.line_of, source.dotted, raw):
            add("PM502", found.line, found.col, found.describe())

    # What `postmortem import` could not infer, until a person settles it and deletes the entry.
    imported = data.get("imported")
    review = imported.get("review") if isinstance(imported, dict) else None
    for index, entry in enumerate(review if isinstance(review, list) else []):
        if text := _text(entry):
            line = draft.line_of(("imported", "review", index))
            add("PM601", line, _col(raw, line, text[:12]), f"needs review after import: {text}")

    return [f for f in out if f.rule not in _disabled(data, config)]


def unlikely_date(day: dt.date, today: dt.date) -> str | None:
    """Why an incident date looks like a typo (2204 for 2024, 1024 for 2024), or None. Any real
    date is valid: an archive may hold historical incidents, and one file says so by disabling
    the rule."""
    if day > today:
        return f"date {day.isoformat()} is in the future (today is {today.isoformat()}): check it is not a typo"
    if day.year < 1900:
        return (
            f"date {day.isoformat()} is before 1900: check it is not a typo; for a historical incident "
            "add 'lint: {disable: [PM701]}' to this file's front matter"
        )
    return None


def _disabled(data: dict[str, Any], config: LintConfig) -> set[str]:
    own = data.get("lint")
    listed = own.get("disable") if isinstance(own, dict) else None
    return set(config.disable) | {r for r in (listed if isinstance(listed, list) else []) if isinstance(r, str)}


def _roster_names(config: LintConfig) -> _Names:
    return _Names(v for name in config.people for v in _variants(name, config.keep))


def _draft(path: str, raw: bytes, parsed: source.Source | list[source.Problem]) -> Draft:
    """Whatever can be read of a file: the parsed front matter, else at least the body."""
    text = source.decode(path, raw)
    raw_lines = text.split("\n") if isinstance(text, str) else []
    if not isinstance(parsed, list):
        return Draft(path, parsed.data, parsed.body, parsed.body_line, parsed.lines, raw_lines)
    parts = source.split(path, text) if isinstance(text, str) else None
    if isinstance(parts, tuple):
        return Draft(path, {}, parts[1], parts[2], {}, raw_lines)
    return Draft(path, {}, None, 1, {}, raw_lines)


class Linter:
    """Lint for one run: what every file shares (the roster's names) is made once, and each file
    is read and parsed once for the schema and the content rules alike."""

    def __init__(self, settings: Settings, config: LintConfig) -> None:
        self.settings = settings
        self.config = config
        self.roster = _roster_names(config)

    def lint(self, path: str, raw: bytes) -> list[Finding]:
        """Schema problems (PM000, PM501) and every content rule, in one list, sorted by position."""
        findings: list[Finding] = []
        parsed = source.load(path, raw)
        result = parsed if isinstance(parsed, list) else validate_source(parsed, self.settings)
        if isinstance(result, list):
            for p in result:
                if p.field == "summary" and p.message.startswith("required when"):
                    findings.append(
                        Finding(
                            p.path,
                            p.line,
                            1,
                            "PM501",
                            "a final postmortem needs a summary: one or two sentences on what happened and the impact",
                        )
                    )
                else:
                    findings.append(Finding(p.path, p.line, 1, "PM000", f"{p.field}: {p.message}"))
        draft = _draft(path, raw, parsed)
        if isinstance(result, Postmortem) and (message := unlikely_date(result.date, self.settings.today)):
            line = draft.line_of(("date",))
            at = _col(draft.raw_lines, line, result.date.isoformat())
            findings.append(Finding(path, line, at, "PM701", message))
        disabled = _disabled(draft.data, self.config)
        findings = [f for f in findings if f.rule == "PM000" or f.rule not in disabled]
        return sorted(set(findings + lint_draft(draft, self.config, self.roster)))


def lint_file(path: str, raw: bytes, settings: Settings, config: LintConfig) -> list[Finding]:
    """One file on its own (a run over many files makes one `Linter`)."""
    return Linter(settings, config).lint(path, raw)


def summary(findings: list[Finding], files: int) -> str:
    """`3 errors, 2 warnings in 2 files (5 files checked)`, like a compiler's last line."""
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    with_findings = len({f.path for f in findings})

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    return (
        f"{count(errors, 'error')}, {count(warnings, 'warning')} in {count(with_findings, 'file')}"
        f" ({count(files, 'file')} checked)"
    )
