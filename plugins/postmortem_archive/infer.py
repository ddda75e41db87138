"""Infer our front matter from a legacy postmortem's Markdown, never inventing a value.

What is written (a `Severity: 2` line, an action-item table, a timeline) is read;
what is not is left empty and listed as a review entry (`field: why`), and a
required field without a source either gets a documented default marked for
review (severity) or stops the import of that file (the incident date).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import textdates
from .legacy import Document, Field, ListItem, Table, normalise_key
from .taxonomy import Taxonomy


def _keys(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern + r"(?:\s*\(.*\))?$")


# Metadata keys, matched against normalised keys ('**Incident Date (UTC):**' -> 'incident date (utc)').
KEYS: dict[str, re.Pattern[str]] = {
    "title": _keys(r"^(?:(?:incident |document )?title|incident name)"),
    "date": _keys(r"^(?:incident |outage |event )?(?:date|day)(?: of (?:the )?incident)?(?: ?(?:/|&|and) ?time)?"),
    "started": _keys(r"^(?:incident |outage |impact )?(?:start(?:ed)?|began)(?: time| at| date)?"),
    "detected": _keys(r"^(?:detected|detection)(?: time| at)?"),
    "mitigated": _keys(r"^(?:mitigated|mitigation)(?: time| at)?"),
    "resolved": _keys(
        r"^(?:incident |outage |impact )?(?:resolved|resolution|end|ended|recovered)(?: time| at| date)?"
    ),
    "time_to_detect": _keys(r"^(?:time to (?:detect|detection)|ttd|mttd)"),
    "time_to_mitigate": _keys(r"^(?:time to (?:mitigate|mitigation)|ttm)"),
    "time_to_resolve": _keys(
        r"^(?:time to (?:resolve|resolution|recover|recovery|restore)|ttr|mttr|(?:outage |incident |impact )?duration)"
    ),
    "severity": _keys(r"^(?:incident )?(?:severity|sev)(?: level)?"),
    "summary": _keys(r"^(?:incident |executive |issue )?summary|^overview|^tl;?dr"),
    "impact": _keys(r"^(?:customer |user |business )?impact"),
    "trigger": _keys(r"^trigger"),
    "authors": _keys(r"^(?:authors?|written by|prepared by|postmortem (?:owner|author)s?)"),
    "incident_commander": _keys(r"^(?:incident (?:commander|lead|manager)|ic)"),
    "scribe": _keys(r"^scribe"),
    "facilitator": _keys(r"^facilitator"),
    "responders": _keys(r"^(?:responders?|on-?call(?: engineers?)?)"),
    "services": _keys(r"^(?:affected |impacted )?(?:services?|systems?|components?|products?)(?: affected| impacted)?"),
    "teams": _keys(r"^(?:owning |responsible )?teams?"),
    "tags": _keys(r"^(?:tags?|labels?|categor(?:y|ies)|keywords)"),
}
SUMMARY_SECTION = re.compile(r"^(?:incident |executive |issue )?summary$|^overview$|^description$|^tl;?dr$")
IMPACT_SECTION = re.compile(r"^(?:customer |user |business )?impact$")
TIMELINE_SECTION = re.compile(r"timeline|chronology|sequence of events")
ACTIONS_SECTION = re.compile(
    r"action items?|follow[- ]?ups?|next steps|corrective(?: and prevent\w*)? (?:actions?|measures)|"
    r"prevent\w* (?:actions?|measures)|remediations?(?: items| actions)?|action plan|to-?dos?"
)
UTC_NOTE = re.compile(r"\b(?:all\s+)?times?\s+(?:are\s+)?(?:in\s+)?(?:UTC|GMT)\b|\(UTC\)", re.I)
TITLE_PREFIX = re.compile(
    r"^(?:incident\s+)?(?:post-?\s?mortem|incident\s+report|retrospective|PIR)\s*(?:for\s+|[:\-\u2013\u2014]\s*)", re.I
)
BYLINE = re.compile(r"^(?:created|last (?:modified|updated)|modified|updated|published)\b", re.I)
SEV_TOKEN = re.compile(r"\bSEV[- ]?(\d)\b", re.I)
TICKET = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d+\b|https?://\S+")
PLACEHOLDER = re.compile(
    r"^(?:|-+|\u2014|\u2013|n/?a|none|tbd|tbc|\?+|unknown|unassigned|nobody|\[.*\]|<.*>|_+|x+)$", re.I
)
LIST_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\s/\s)\s*", re.I)

STATUSES = {
    **dict.fromkeys(("done", "complete", "completed", "closed", "fixed", "resolved", "finished", "yes", "✅"), "done"),
    **dict.fromkeys(("open", "todo", "to do", "not started", "new", "planned", "backlog", "pending"), "open"),
    **dict.fromkeys(("in progress", "in-progress", "started", "doing", "wip", "ongoing"), "in-progress"),
    **dict.fromkeys(
        ("won't fix", "wont fix", "wontfix", "won't do", "cancelled", "canceled", "declined", "dropped"), "wont-fix"
    ),
}
STATUS_SUFFIX = re.compile(r"\s+(DONE|TODO|IN PROGRESS|WONTFIX|CLOSED|OPEN)\s*$")
TYPES = {
    **dict.fromkeys(("mitigate", "mitigation"), "mitigation"),
    "process": "process",
    **dict.fromkeys(("monitoring", "monitor", "alerting"), "monitoring"),
    **dict.fromkeys(("tooling", "tool", "tools"), "tooling"),
    "architecture": "architecture",
}
COLUMNS: dict[str, re.Pattern[str]] = {
    "title": re.compile(r"^(?:action(?: item)?s?|items?|description|tasks?|title|what|follow[- ]?ups?|remediation)$"),
    "owner": re.compile(r"^(?:owners?|assignee|assigned to|who|responsible|dri)$"),
    "due": re.compile(r"^(?:due(?: date| by)?|deadline|target(?: date)?|eta|by when|when)$"),
    "ticket": re.compile(r"^(?:tickets?|bugs?|issues?|jira|links?|tracking|tracker|ref(?:erence)?)$"),
    "status": re.compile(r"^(?:status|state|done\??|progress)$"),
    "type": re.compile(r"^(?:type|kind|category)$"),
    "priority": re.compile(r"^(?:priority|prio)$"),
    "team": re.compile(r"^(?:team|owning team)$"),
}
ITEM_KEY = re.compile(
    r"(?:^|(?<=[\s(,;|\u2014\u2013-]))(?P<key>owner|assignee|assigned to|due(?: date)?|deadline|ticket|jira|status)"
    r"\s*[:=]?\s+(?P<value>[^,;()|\u2014\u2013]+?)(?=\s*(?:[,;()|\u2014\u2013]|\s-\s|$))",
    re.I,
)
HANDLE = re.compile(r"\s@([\w.-]+)\s*$")


@dataclass
class Inference:
    """Our front matter for one source, what must be reviewed, and where each value came from."""

    data: dict[str, Any] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)
    skip: str | None = None  # why this source cannot be imported


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value.strip()))


def split_list(value: str) -> list[str]:
    return [part.strip() for part in LIST_SPLIT.split(value) if part.strip() and not is_placeholder(part)]


def map_severity(value: str, levels: tuple[str, ...]) -> str | None:
    """'Sev 2', 'SEV-2', '2', 'sev2' -> SEV2 when the site has that level; words only when they are a level."""

    def norm(text: str) -> str:
        return re.sub(r"[\s_-]", "", text).casefold()

    for level in levels:
        if norm(level) == norm(value):
            return level
    number = re.fullmatch(r"(?:sev(?:erity)?|s|level|lvl)?\s*[-:]?\s*(\d)", value.strip(), re.I)
    if number:
        matches = [level for level in levels if re.fullmatch(rf"\D*{number[1]}", level)]
        if len(matches) == 1:
            return matches[0]
    return None


def _first(fields: Iterable[Field], kind: str, accept: Callable[[str], bool] = lambda v: True) -> Field | None:
    pattern = KEYS[kind]
    return next((f for f in fields if pattern.match(f.key) and not is_placeholder(f.value) and accept(f.value)), None)


def _timeline_text(doc: Document) -> str:
    return "\n".join(doc.section_text(s) for s in doc.find_sections(TIMELINE_SECTION))


def _summary_paragraph(doc: Document, title: str | None) -> str | None:
    """The first paragraph that is prose: not metadata lines, not a wiki byline, not the title again."""
    for text, _ in doc.paragraphs():
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            continue
        if all(re.match(r"^\s*[\w /&()'.#-]{1,48}\s*[:=]\s", line) for line in lines):
            continue
        if BYLINE.match(lines[0]) or (title and " ".join(lines) == title):
            continue
        joined = " ".join(" ".join(lines).split())
        if len(joined) >= 20:
            return joined
    return None


class _Inferrer:
    def __init__(self, doc: Document, stem: str, levels: tuple[str, ...], taxonomy: Taxonomy, zone: Any) -> None:
        self.doc = doc
        self.stem = stem
        self.levels = levels
        self.taxonomy = taxonomy
        self.utc_note = bool(UTC_NOTE.search(doc.text))
        self.zone = zone  # the site's zone for times written without one (None: such times are not used)
        self.out = Inference()
        self.fields = doc.fields

    def note(self, name: str, where: str) -> None:
        self.out.provenance[name] = where

    def review(self, entry: str) -> None:
        self.out.review.append(entry)

    def default_zone(self, key: str = "") -> Any:
        if "utc" in key or "gmt" in key or self.utc_note:
            return dt.UTC
        return self.zone

    # -- title, date, severity, summary ------------------------------------------------------------
    def title(self, seed: dict[str, Any]) -> str | None:
        if seed.get("title"):
            self.note("title", "front matter")
            return str(seed["title"])
        heading = self.doc.title
        line = _first(self.fields, "title")
        if line and (heading is None or heading[2] > 1):  # a 'Title:' line beats a section heading, not an H1
            self.note("title", f"title line, line {line.line}")
            return TITLE_PREFIX.sub("", line.value).strip() or line.value
        if heading:
            self.note("title", f"heading, line {heading[1]}")
            return TITLE_PREFIX.sub("", heading[0]).strip() or heading[0]
        paragraph = _summary_paragraph(self.doc, None)
        if paragraph:
            sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0].rstrip(".")
            if len(sentence) > 90:
                sentence = sentence[:90].rsplit(" ", 1)[0] + "…"
            self.note("title", "first sentence")
            self.review("title: the source has no heading; taken from its first sentence")
            return sentence
        return None

    def date(self, seed: dict[str, Any], title: str) -> dt.date | None:
        if isinstance(seed.get("date"), dt.date):
            self.note("date", "front matter")
            return seed["date"]
        named = textdates.from_file_name(self.stem)
        for kind in ("date", "started"):
            line = _first(self.fields, kind, lambda v: textdates.first_date(v) is not None)
            if line:
                found = textdates.first_date(line.value)
                assert found is not None
                self.note("date", f"'{line.key}' line, line {line.line}")
                if named and named.date and named.date != found.date:
                    self.review(f"date: the source says {found.date}, its file name {named.date}; check which is right")
                return found.date
        found = textdates.first_date(title)
        if found:
            self.note("date", "title")
            return found.date
        if named and named.date:
            self.note("date", "file name")
            return named.date
        timeline = _timeline_text(self.doc)
        dates = [f.date for f in textdates.find_dates(timeline)]
        if dates:
            self.note("date", "earliest timeline entry")
            self.review("date: taken from the earliest timeline entry; check it is when the incident started")
            return min(dates)
        if named:
            candidates = []
            for month, day in textdates.day_months(timeline):
                if named.month in (None, month):
                    try:
                        candidates.append(dt.date(named.year, month, day))
                    except ValueError:
                        continue
            if candidates:
                self.note("date", "year from the file name, day from the timeline")
                self.review(f"date: year {named.year} from the file name, month and day from the timeline; check it")
                return min(candidates)
        return None

    def severity(self, seed: dict[str, Any], title: str, default: str) -> str:
        written: list[tuple[str, str]] = []
        if seed.get("severity") is not None:
            written.append((str(seed["severity"]), "front matter"))
        line = _first(self.fields, "severity")
        if line:
            written.append((line.value, f"'{line.key}' line, line {line.line}"))
        token = SEV_TOKEN.search(title)
        if token:
            written.append((token.group(0), "title"))
        for text, where in self.doc.paragraphs():
            if SEV_TOKEN.fullmatch(text.strip().strip("*_")):
                written.append((text.strip().strip("*_"), f"{text.strip()!r} on line {where}"))
        for value, where in written:
            level = map_severity(value, self.levels)
            if level:
                self.note("severity", where)
                return level
        self.note("severity", "default")
        if written:
            self.review(
                f"severity: the source says {written[0][0]!r}, which is not one of {', '.join(self.levels)}; "
                f"set to the default {default}"
            )
        else:
            self.review(f"severity: not in the source; set to the default {default}")
        return default

    def summary(self, seed: dict[str, Any], title: str) -> str | None:
        if seed.get("summary"):
            self.note("summary", "front matter")
            return " ".join(str(seed["summary"]).split())
        line = _first(self.fields, "summary", lambda v: len(v) >= 20)
        if line:
            self.note("summary", f"'{line.key}' line, line {line.line}")
            return line.value
        for section in self.doc.find_sections(SUMMARY_SECTION):
            if section.paragraphs:
                self.note("summary", f"'{section.title}' section, line {section.line}")
                return " ".join(section.paragraphs[0][0].split())
        paragraph = _summary_paragraph(self.doc, title)
        if paragraph:
            self.note("summary", "first paragraph")
            self.review("summary: taken from the first paragraph; shorten it to one or two sentences if needed")
            return paragraph
        self.review("summary: none in the source; write one or two sentences (the import set status: in-review)")
        return None

    # -- timestamps ---------------------------------------------------------------------------------
    def timestamps(self, seed: dict[str, Any], day: dt.date) -> dict[str, dt.datetime]:
        stamps: dict[str, dt.datetime] = {}
        for name in ("started", "detected", "mitigated", "resolved"):
            value = seed.get(name)
            if isinstance(value, dt.datetime):
                stamps[name] = value
                self.note(name, "front matter")
                continue
            line = _first(self.fields, name)
            if line is None:
                continue
            stamp = self._timestamp(name, line, day)
            if stamp is not None:
                stamps[name] = stamp
                self.note(name, f"'{line.key}' line, line {line.line}")
        durations = (
            ("detected", "time_to_detect"),
            ("mitigated", "time_to_mitigate"),
            ("resolved", "time_to_resolve"),
        )
        for name, kind in durations:
            line = _first(self.fields, kind, lambda v: textdates.parse_duration(v) is not None)
            if line is None or name in stamps:
                continue
            duration = textdates.parse_duration(line.value)
            assert duration is not None
            if "started" in stamps:
                stamps[name] = stamps["started"] + duration
                self.note(name, f"start + '{line.key}' ({line.value}), line {line.line}")
            else:
                self.review(f"{name}: '{line.key}: {line.value}' is written, but no start time with a zone; not set")
        ordered: dict[str, dt.datetime] = {}
        for name in ("started", "detected", "mitigated", "resolved"):
            if name not in stamps:
                continue
            earlier = [n for n in ordered if ordered[n] > stamps[name]]
            if earlier:
                self.review(f"{name}: {stamps[name].isoformat()} is before {earlier[-1]}; not set, check the source")
                self.out.provenance.pop(name, None)
                continue
            ordered[name] = stamps[name]
        return ordered

    def _timestamp(self, name: str, line: Field, day: dt.date) -> dt.datetime | None:
        zone = self.default_zone(line.key)
        found = textdates.first_date(line.value, zone)
        if found is not None and found.time is not None:
            if found.timestamp is not None:
                return found.timestamp
            what = f"its zone {found.unknown_zone} is ambiguous" if found.unknown_zone else "it has no time zone"
            self.review(
                f"{name}: '{line.value}' (line {line.line}) is not used: {what}; write it with UTC or an offset"
            )
            return None
        clock = textdates.time_of_day(line.value)
        if clock is None:
            return None
        time, written_zone, unknown = clock
        if unknown:
            self.review(f"{name}: '{line.value}' (line {line.line}) is not used: its zone {unknown} is ambiguous")
            return None
        zone = written_zone or zone
        if zone is None:
            self.review(f"{name}: '{line.value}' (line {line.line}) has no time zone; not set")
            return None
        return dt.datetime.combine(day, time, tzinfo=zone)

    # -- people, facets, impact ---------------------------------------------------------------------
    def people(self, seed: dict[str, Any]) -> dict[str, Any]:
        people: dict[str, Any] = {}
        seeded = seed.get("people") or {}
        for role in ("incident_commander", "scribe", "facilitator"):
            if seeded.get(role):
                people[role] = seeded[role]
                continue
            line = _first(self.fields, role)
            if line:
                names = split_list(line.value)
                if names:
                    people[role] = names[0]
                    self.note(f"people.{role}", f"line {line.line}")
                    if len(names) > 1:
                        self.review(f"people.{role}: the source names {len(names)} people; kept {names[0]}")
        for role in ("responders", "authors"):
            names = list(seeded.get(role) or [])
            line = _first(self.fields, role)
            if line:
                names += split_list(line.value)
                self.note(f"people.{role}", f"line {line.line}")
            if names:
                people[role] = list(dict.fromkeys(names))
        return people

    def facets(self, seed: dict[str, Any]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {k: list(seed.get(k) or []) for k in ("services", "teams", "tags", "patterns")}
        for kind in ("services", "teams", "tags"):
            line = _first(self.fields, kind)
            if line:
                out[kind] += split_list(line.value)
                self.note(kind, f"line {line.line}")
        tags = []
        for tag in out["tags"]:
            canonical = self.taxonomy.canonical(tag.strip().lower().replace(" ", "-"))
            if canonical:
                out["patterns"].append(str(canonical))
            else:
                tags.append(tag)
        out["tags"] = tags
        return {k: list(dict.fromkeys(v)) for k, v in out.items() if v}

    def impact(self, seed: dict[str, Any]) -> str | None:
        line = _first(self.fields, "impact", lambda v: len(v) >= 10)
        if line:
            self.note("impact", f"line {line.line}")
            return line.value
        for section in self.doc.find_sections(IMPACT_SECTION):
            if section.paragraphs:
                self.note("impact", f"'{section.title}' section")
                return " ".join(section.paragraphs[0][0].split())
        return None

    # -- action items -------------------------------------------------------------------------------
    def action_items(self, day: dt.date) -> list[dict[str, Any]]:
        sections = self.doc.find_sections(ACTIONS_SECTION)
        tables: list[Table] = [t for s in sections for t in s.tables]
        # A table with an action and an owner column counts wherever it is (a bold 'Action Items:' line).
        tables += [
            t
            for s in self.doc.sections
            if s not in sections
            for t in s.tables
            if {"title", "owner"} <= set(_columns(t.header).values())
        ]
        items: list[dict[str, Any]] = []
        for table in tables:
            for row in table.rows:
                item = self._from_row(table.header, row, len(items))
                if item:
                    items.append(item)
        if not items:
            for item in (i for s in sections for i in s.items):
                parsed = self._from_list_item(item, len(items))
                if parsed:
                    items.append(parsed)
        if items:
            self.note("action_items", ", ".join(f"'{s.title}' section" for s in sections) or "table")
        else:
            self.review("action_items: none found in the source (no 'Action items' or 'Follow-ups' list or table)")
        for index, item in enumerate(items):
            if "owner" not in item:
                self.review(f"action_items[{index}].owner: none in the source; name one person")
            unreadable = item.pop("_due_unreadable", False)
            if "due" not in item and not unreadable and item.get("status", "open") not in ("done", "wont-fix"):
                self.review(f"action_items[{index}].due: none in the source")
        return items

    def _cell_date(self, value: str, index: int) -> dt.date | None:
        found = textdates.first_date(value)
        if found:
            return found.date
        if not is_placeholder(value):
            self.review(f"action_items[{index}].due: {value!r} is not a date")
        return None

    def _status(self, value: str, index: int) -> str | None:
        key = " ".join(value.casefold().replace("_", " ").split())
        if not key or is_placeholder(key):
            return None
        if key in STATUSES:
            return STATUSES[key]
        self.review(f"action_items[{index}].status: {value!r} is not a status we know; set to open")
        return "open"

    def _from_row(self, header: list[str], row: list[str], index: int) -> dict[str, Any] | None:
        columns = _columns(header)
        cells: dict[str, str] = {}
        status = None
        for position, cell in enumerate(row):
            suffix = STATUS_SUFFIX.search(cell)
            if suffix:  # the SRE book's 'Bug 5554823 **TODO**'
                status = STATUSES.get(suffix[1].lower())
                cell = cell[: suffix.start()].strip()
            kind = columns.get(position)
            if kind and kind not in cells:
                cells[kind] = cell.strip()
        if not columns.get(0) and "title" not in cells and row:
            cells["title"] = row[0].strip()
        title = cells.get("title", "")
        if not title or is_placeholder(title):
            return None
        item: dict[str, Any] = {"title": title}
        if cells.get("owner") and not is_placeholder(cells["owner"]):
            item["owner"] = cells["owner"]
        if cells.get("team") and not is_placeholder(cells["team"]):
            item["team"] = cells["team"]
        if cells.get("due"):
            due = self._cell_date(cells["due"], index)
            if due:
                item["due"] = due
            elif not is_placeholder(cells["due"]):
                item["_due_unreadable"] = True
        written = self._status(cells.get("status", ""), index) or status
        if written:
            item["status"] = written
        if cells.get("type", "").casefold() in TYPES:
            item["type"] = TYPES[cells["type"].casefold()]
        if re.fullmatch(r"P[0-3]", cells.get("priority", "").upper()):
            item["priority"] = cells["priority"].upper()
        ticket = cells.get("ticket", "")
        if ticket and not is_placeholder(ticket):
            item["ticket"] = ticket
        elif (found := TICKET.search(" ".join(row[1:]))) is not None:
            item["ticket"] = found.group(0)
        return item

    def _from_list_item(self, list_item: ListItem, index: int) -> dict[str, Any] | None:
        text = list_item.text
        matches = list(ITEM_KEY.finditer(text))
        title = text[: matches[0].start()] if matches else text
        handle = HANDLE.search(title)
        title = title[: handle.start()] if handle else title
        title = title.strip().rstrip("(\u2014\u2013-,;|:").strip()
        if not title or is_placeholder(title):
            return None
        item: dict[str, Any] = {"title": title}
        if handle:
            item["owner"] = "@" + handle[1]
        for match in matches:
            key, value = match["key"].casefold(), match["value"].strip()
            if is_placeholder(value):
                continue
            if key in ("owner", "assignee", "assigned to"):
                item["owner"] = value
            elif key.startswith("due") or key == "deadline":
                due = self._cell_date(value, index)
                if due:
                    item["due"] = due
                else:
                    item["_due_unreadable"] = True
            elif key in ("ticket", "jira"):
                item["ticket"] = value
            elif key == "status" and (status := self._status(value, index)):
                item["status"] = status
        if "ticket" not in item and (found := TICKET.search(text)):
            item["ticket"] = found.group(0).rstrip(").,;")
        if list_item.checked is not None and "status" not in item:
            item["status"] = "done" if list_item.checked else "open"
        return item


def _columns(header: list[str]) -> dict[int, str]:
    """Column position -> our field, from a table's header cells."""
    out: dict[int, str] = {}
    for position, cell in enumerate(header):
        key = normalise_key(cell)
        for kind, pattern in COLUMNS.items():
            if pattern.match(key) and kind not in out.values():
                out[position] = kind
                break
    return out


def infer(
    doc: Document,
    stem: str,
    *,
    severities: tuple[str, ...],
    default_severity: str,
    taxonomy: Taxonomy,
    timezone: Any = None,
    seed: dict[str, Any] | None = None,
) -> Inference:
    """Our front matter for one legacy document. `seed`: values already mapped from foreign front matter."""
    seed = seed or {}
    run = _Inferrer(doc, stem, severities, taxonomy, timezone)
    out = run.out
    if not doc.has_text and not seed.get("title") and not seed.get("summary"):
        out.skip = "no heading and no text"
        return out
    title = run.title(seed)
    if title is None:
        out.skip = "no title: the source has no heading, title line or sentence to take one from"
        return out
    day = run.date(seed, title)
    if day is None:
        out.skip = (
            "no incident date: none in the metadata, title, file name or timeline "
            "(add a 'Date: YYYY-MM-DD' line or start the file name with the date)"
        )
        return out
    data: dict[str, Any] = {"title": title, "date": day}
    data["severity"] = run.severity(seed, title, default_severity)
    summary = run.summary(seed, title)
    data["status"] = "final" if summary else "in-review"
    if summary:
        data["summary"] = summary
    data.update(run.facets(seed))
    data.update({name: stamp for name, stamp in run.timestamps(seed, day).items()})
    impact = run.impact(seed)
    if impact:
        data["impact"] = {"description": impact}
    trigger = _first(run.fields, "trigger")
    if trigger:
        data["trigger"] = trigger.value
    people = run.people(seed)
    if people:
        data["people"] = people
    items = run.action_items(day)
    if items:
        data["action_items"] = items
    out.data = data
    return out
