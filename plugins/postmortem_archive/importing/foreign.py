"""Front matter written for other archives, mapped to ours.

Keys come from archives such as icco/postmortems (`url`, `start_time`, `end_time`,
`categories`, `company`, `product`, `keywords`, `uuid`) and from blog or wiki
exports (`date`, `author`, `tags`, `description`). What has no place in our
schema is not dropped: the importer keeps it in the body as a code block.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from postmortem_archive.core.model import FrontMatter
from postmortem_archive.importing import textdates
from postmortem_archive.importing.legacy import is_placeholder, split_list

# foreign key (lower case, '-' read as '_') -> where it goes
KEY_MAP: dict[str, str] = {
    **dict.fromkeys(("title", "name", "headline"), "title"),
    **dict.fromkeys(("date", "incident_date", "day"), "date"),
    **dict.fromkeys(("start_time", "started", "started_at", "start", "start_date", "begin", "began"), "started"),
    **dict.fromkeys(("end_time", "ended", "ended_at", "end", "end_date", "resolved", "resolved_at"), "resolved"),
    **dict.fromkeys(("detected", "detected_at", "detection_time"), "detected"),
    **dict.fromkeys(("mitigated", "mitigated_at", "mitigation_time"), "mitigated"),
    **dict.fromkeys(("severity", "sev", "severity_level"), "severity"),
    **dict.fromkeys(("summary", "description", "excerpt", "abstract", "tldr"), "summary"),
    **dict.fromkeys(("categories", "category"), "tags"),  # category names that are pattern ids become patterns
    **dict.fromkeys(("tags", "keywords", "labels"), "tags"),
    **dict.fromkeys(("company", "organization", "organisation", "org", "vendor"), "tags"),
    **dict.fromkeys(("product", "products", "service", "services", "system", "systems", "components"), "services"),
    **dict.fromkeys(("team", "teams"), "teams"),
    **dict.fromkeys(("author", "authors"), "authors"),
    **dict.fromkeys(("incident_commander", "commander", "ic"), "incident_commander"),
    **dict.fromkeys(("url", "link", "source", "source_url", "permalink"), "url"),
    **dict.fromkeys(("uuid", "id", "guid"), "uid"),
}
REQUIRED = ("title", "date", "severity")


@dataclass
class Mapped:
    """Foreign front matter as a seed for inference, plus what had no place in our schema."""

    seed: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    uid: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)


def is_ours(data: dict[str, Any]) -> bool:
    """Front matter already in our schema: every key is one of ours and the required ones are there."""
    return set(data) <= set(FrontMatter.model_fields) and all(key in data for key in REQUIRED)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v is not None) or None
    text = str(value).strip()
    return None if is_placeholder(text) else text


def _texts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [t for v in value if (t := _text(v))]
    text = _text(value)
    return split_list(text) if text else []


def _moment(key: str, value: Any, zone: Any, review: list[str]) -> tuple[dt.date | None, dt.datetime | None]:
    """A date and, when written with a time and a zone, a timestamp."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and zone is not None:
            value = value.replace(tzinfo=zone)
        if value.tzinfo is None:
            review.append(f"{key}: {value.isoformat()} has no time zone; only its date is used")
            return value.date(), None
        return value.date(), value
    if isinstance(value, dt.date):
        return value, None
    text = _text(value)
    if not text:
        return None, None
    found = textdates.first_date(text, zone)
    if found is None:
        review.append(f"{key}: {text!r} is not a date we can read")
        return None, None
    if found.time is not None and found.timestamp is None:
        review.append(f"{key}: {text!r} has no unambiguous time zone; only its date is used")
    return found.date, found.timestamp


def map_front_matter(data: dict[str, Any], zone: Any = None) -> Mapped:
    out = Mapped()
    seed = out.seed
    people: dict[str, Any] = {}
    days: dict[str, dt.date] = {}
    for raw_key, value in data.items():
        key = str(raw_key).strip().lower().replace("-", "_")
        target = KEY_MAP.get(key)
        if target is None:
            if value not in (None, "", [], {}):
                out.extra[str(raw_key)] = value
            continue
        if target in ("started", "resolved", "detected", "mitigated", "date"):
            day, stamp = _moment(str(raw_key), value, zone, out.review)
            if day is not None and target in ("date", "started"):
                days.setdefault(target, day)
            if stamp is not None and target != "date":
                seed[target] = stamp
        elif target in ("tags", "services", "teams"):
            seed.setdefault(target, []).extend(_texts(value))
        elif target == "authors":
            people.setdefault("authors", []).extend(_texts(value))
        elif target == "incident_commander":
            if (text := _text(value)) is not None:
                people["incident_commander"] = text
        elif target == "url":
            out.url = _text(value) or out.url
        elif target == "uid":
            out.uid = _text(value) or out.uid
        elif (text := _text(value)) is not None:
            seed.setdefault(target, text)
    day = days.get("date") or days.get("started")  # an explicit date wins over the start's
    if day is not None:
        seed["date"] = day
    if people:
        seed["people"] = people
    return out
