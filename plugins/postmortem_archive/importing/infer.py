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

from postmortem_archive.core.taxonomy import Taxonomy
from postmortem_archive.importing import textdates
from postmortem_archive.importing.legacy import Document, Field, is_placeholder, split_list
from postmortem_archive.importing.legacy_actions import ActionItems


def _keys(pattern: str) -> re.Pattern[str]:
    """The whole key, optionally followed by a note in parentheses ('start time (UTC)')."""
    return re.compile(rf"(?:{pattern})(?:\s*\(.*\))?$")


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
UTC_NOTE = re.compile(r"\b(?:all\s+)?times?\s+(?:are\s+)?(?:in\s+)?(?:UTC|GMT)\b|\(UTC\)", re.I)
TITLE_PREFIX = re.compile(
    r"^(?:incident\s+)?(?:post-?\s?mortem|incident\s+report|retrospective|PIR)\s*(?:for\s+|[:\-\u2013\u2014]\s*)", re.I
)
BYLINE = re.compile(r"^(?:created|last (?:modified|updated)|modified|updated|published)\b", re.I)
SEV_TOKEN = re.compile(r"\bSEV[- ]?(\d)\b", re.I)


@dataclass
class Inference:
    """Our front matter for one source, what must be reviewed, and where each value came from."""

    data: dict[str, Any] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)
    skip: str | None = None  # why this source cannot be imported


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


def _has_time(value: str) -> bool:
    found = textdates.first_date(value)
    return found is not None and found.time is not None


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
            found = textdates.first_date(line.value) if line else None
            if line and found:
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
            if line is None and name == "started":  # 'Incident date & time: 2023-10-27 14:00 UTC' is the start
                line = _first(self.fields, "date", _has_time)
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
            duration = textdates.parse_duration(line.value) if line else None
            if line is None or duration is None or name in stamps:
                continue
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
    items, where = ActionItems(out.review).read(doc)
    if items:
        run.note("action_items", where)
        data["action_items"] = items
    out.data = data
    return out
