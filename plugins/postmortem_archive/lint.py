"""`postmortem lint`: schema errors, then blameless-language and completeness findings.

Every finding is `path:line:col: RULE-ID message`. Rules are documented, each with a
bad and a good example, in the site's guide (`postmortems/guide/lint-rules.md`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .loader import load_one
from .postmortem import Postmortem
from .settings import Settings

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
HINDSIGHT = re.compile(
    r"\b(?:should(?:\s+have|'ve)|could(?:\s+have|'ve)\s+(?:prevented|avoided|known)|should\s+have\s+known|"
    r"failed\s+to|obviously|clearly\s+should|it\s+was\s+obvious|neglected\s+to)\b",
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
FENCE = re.compile(r"^\s*(```|~~~)")


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
        return f"{self.path}:{self.line}:{self.col}: {self.rule} {self.message}"

    def github(self) -> str:
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{self.level} file={self.path},line={self.line},col={self.col},title={self.rule}::{message}"


@dataclass(frozen=True)
class LintConfig:
    disable: frozenset[str] = frozenset()
    required_sections: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_REQUIRED_SECTIONS))


def _body_lines(pm: Postmortem) -> Iterable[tuple[int, str]]:
    """(file line number, text) of body lines outside fenced code and HTML comments."""
    in_fence = False
    in_comment = False
    for offset, text in enumerate(pm.body.split("\n")):
        if FENCE.match(text):
            in_fence = not in_fence
            continue
        if "<!--" in text and "-->" not in text:
            in_comment = True
        if in_comment or in_fence:
            if "-->" in text:
                in_comment = False
            continue
        yield pm.body_line + offset, text


def _col(raw_lines: list[str], line: int, needle: str) -> int:
    if 1 <= line <= len(raw_lines):
        index = raw_lines[line - 1].find(needle)
        if index >= 0:
            return index + 1
    return 1


def lint_postmortem(pm: Postmortem, raw_lines: list[str], config: LintConfig) -> list[Finding]:
    out: list[Finding] = []
    m = pm.meta
    teams = {team.casefold() for team in m.teams} | {i.team.casefold() for i in m.action_items if i.team}

    def add(rule: str, line: int, col: int, message: str) -> None:
        out.append(Finding(pm.src_path, line, col, rule, message))

    # Body: blameless language.
    for line, text in _body_lines(pm):
        for match in HUMAN_ERROR.finditer(text):
            if ROOT_CAUSE.search(text):
                add(
                    "PM101",
                    line,
                    match.start() + 1,
                    f"'{match.group(0)}' given as the cause: ask what made the "
                    "action possible and the outcome likely (tooling, safeguards, pressure, unclear procedures)",
                )
            else:
                add(
                    "PM102",
                    line,
                    match.start() + 1,
                    f"'{match.group(0)}' explains nothing: describe the conditions that led to the action",
                )
        if ROOT_CAUSE.search(text):
            for name in pm.people_names:
                index = text.casefold().find(name.casefold())
                if index >= 0:
                    add(
                        "PM101",
                        line,
                        index + 1,
                        f"a person ({name}) is named as the cause: name the conditions and system gaps instead",
                    )
        for match in BLAME.finditer(text):
            add(
                "PM201",
                line,
                match.start() + 1,
                f"'{match.group(0)}' assigns blame: describe what happened and why it made sense at the time",
            )
        for match in HINDSIGHT.finditer(text):
            add(
                "PM202",
                line,
                match.start() + 1,
                f"'{match.group(0)}' is hindsight: describe what people knew "
                "and saw at the time, and what would have helped",
            )

    # Action items: concrete, one owner, a date, a ticket.
    for index, item in enumerate(m.action_items):
        line = pm.line_of(("action_items", index, "title"))
        if any(p.search(item.title) for p in VAGUE):
            add(
                "PM301",
                line,
                _col(raw_lines, line, item.title[:10]),
                f"vague action item '{item.title}': say what changes, where, and how you will know it is done",
            )
        owner_line = pm.line_of(("action_items", index, "owner"))
        if item.owner is None:
            add("PM304", line, 1, f"action item '{item.title}' has no owner: name exactly one person")
        elif len([p for p in LIST_OWNER.split(item.owner) if p.strip()]) > 1:
            add(
                "PM303",
                owner_line,
                _col(raw_lines, owner_line, item.owner),
                f"owner '{item.owner}' is several people: one person owns an item (split it if needed)",
            )
        elif item.owner.casefold() in teams or TEAM_WORDS.search(item.owner):
            add(
                "PM302",
                owner_line,
                _col(raw_lines, owner_line, item.owner),
                f"owner '{item.owner}' is a team: name one person (the team goes in 'team:')",
            )
        if item.due is None and not item.is_closed:
            add("PM305", line, 1, f"action item '{item.title}' has no due date")
        if item.ticket is None and not item.is_closed:
            add("PM306", line, 1, f"action item '{item.title}' has no ticket: link the tracker item")
    if m.severity in ACTION_ITEMS_REQUIRED and not m.action_items and m.status != "draft":
        add("PM402", 1, 1, f"a {m.severity} postmortem needs action items")

    # Sections required by severity (drafts are still being written).
    if m.status != "draft":
        headings = {match.group(2).strip().casefold() for _, text in _body_lines(pm) if (match := HEADING.match(text))}
        for section in config.required_sections.get(m.severity, []):
            if section.casefold() not in headings:
                add("PM401", pm.body_line, 1, f"a {m.severity} postmortem needs a '## {section}' section")

    disabled = config.disable | set(m.lint.disable if m.lint else [])
    return [f for f in out if f.rule not in disabled]


def lint_file(path: str, raw: bytes, settings: Settings, config: LintConfig) -> list[Finding]:
    result = load_one(path, raw, settings)
    if isinstance(result, list):
        findings = [
            Finding(
                p.path,
                p.line,
                1,
                "PM501",
                "a final postmortem needs a summary: one or two sentences on what happened and the impact",
            )
            if p.field == "summary"
            else Finding(p.path, p.line, 1, "PM000", f"{p.field}: {p.message}")
            for p in result
        ]
        return sorted(f for f in findings if f.rule == "PM000" or f.rule not in config.disable)
    raw_lines = raw.decode("utf-8-sig").split("\n")
    return sorted(lint_postmortem(result, raw_lines, config))
