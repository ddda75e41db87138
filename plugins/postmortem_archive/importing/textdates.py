"""Dates, times and durations as people write them in legacy postmortems.

Only unambiguous forms are read: ISO dates (`2021-07-14`, `2021/07/14`) and dates
with a month name (`July 14, 2021`, `14 Jul 2021`, `Wednesday, 21 October 2015`).
`01/02/2021` is skipped (day or month first?) and a time zone is taken only when
written as `Z`, `UTC`, `GMT` or an offset: `PDT` or `IST` name several zones.
A general parser (dateutil) would guess in both cases, and fills a missing day or
year from today's date, which an import must never do.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?,?\s+)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_TIME = (
    r"(?:(?:[T ]|,?\s+(?:at\s+)?)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?"
    r"(?:\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})(?![A-Za-z]))?(?:\s*(?-i:(?P<other_zone>[A-Z]{2,5}))\b)?)?"
)
_FULL = [
    re.compile(rf"(?<![\d.])(?P<year>(?:19|20)\d\d)[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}})(?![\d]){_TIME}"),
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}\b{_TIME}", re.I),
    re.compile(rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b{_TIME}", re.I),
]
_DAY_MONTH = [
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*,?\s*(?:19|20)\d\d)", re.I),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?!\s*,?\s*(?:19|20)\d\d)", re.I),
]
_DURATION_PART = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>d|days?|h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)\b", re.I
)
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True)
class Found:
    """A date written in the text, with its time and zone when they were written too."""

    date: dt.date
    start: int  # offset of the match in the text
    time: dt.time | None = None
    zone: dt.tzinfo | None = None
    unknown_zone: str | None = None  # a zone abbreviation we do not resolve (IST, PDT...)

    @property
    def timestamp(self) -> dt.datetime | None:
        """Date and time with its zone; None without a time or without a known zone."""
        if self.time is None or self.zone is None:
            return None
        return dt.datetime.combine(self.date, self.time, tzinfo=self.zone)


def _zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return dt.UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _month(value: str) -> int:
    return int(value) if value.isdigit() else MONTHS[value.lower().rstrip(".")]


def _found(match: re.Match[str], default_zone: dt.tzinfo | None) -> Found | None:
    parts = match.groupdict()
    try:
        day = dt.date(int(parts["year"]), _month(parts["month"]), int(parts["day"]))
    except ValueError:
        return None  # 2021-02-30 is not a date
    time = None
    if parts.get("hour") is not None:
        hour = int(parts["hour"])
        ampm = (parts.get("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        try:
            time = dt.time(hour, int(parts["minute"]), int(parts.get("second") or 0))
        except ValueError:
            time = None
    zone = _zone(parts.get("zone"))
    other = parts.get("other_zone")
    if zone is None and other and other.upper() not in ("AM", "PM"):
        return Found(day, match.start(), time, None, other)
    return Found(day, match.start(), time, zone or (default_zone if time is not None else None))


def find_dates(text: str, default_zone: dt.tzinfo | None = None) -> list[Found]:
    """Every full date (year, month and day) in the text, in order of appearance."""
    found: dict[int, Found] = {}
    for pattern in _FULL:
        for match in pattern.finditer(text):
            item = _found(match, default_zone)
            if item is not None and not any(abs(item.start - s) < 3 for s in found):
                found[item.start] = item
    return [found[start] for start in sorted(found)]


def first_date(text: str, default_zone: dt.tzinfo | None = None) -> Found | None:
    dates = find_dates(text, default_zone)
    return dates[0] if dates else None


def day_months(text: str) -> list[tuple[int, int]]:
    """(month, day) of dates written without a year: 'Jul 14', '14th of July'."""
    out = []
    for pattern in _DAY_MONTH:
        for match in pattern.finditer(text):
            month, day = _month(match.group("month")), int(match.group("day"))
            if 1 <= day <= 31:
                out.append((month, day))
    return out


def parse_duration(text: str) -> dt.timedelta | None:
    """'15 min', '1h 5m', '66 minutes', '2 hours', '1:05' (hours:minutes); None if there is none."""
    clock = _CLOCK.match(text)
    if clock:
        return dt.timedelta(hours=int(clock[1]), minutes=int(clock[2]), seconds=int(clock[3] or 0))
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        total += float(match["n"]) * _UNIT_SECONDS[match["unit"][0].lower()]
    return dt.timedelta(seconds=total) if total else None


_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(\d\d)[-_.]?(\d\d)(?!\d)")
_NAME_YEAR_MONTH = re.compile(r"^((?:19|20)\d\d)[-_.](\d\d)(?!\d)")
_NAME_YEAR = re.compile(r"(?<![0-9])((?:19|20)\d\d)(?![0-9])")


@dataclass(frozen=True)
class NameDate:
    """What a file name says about the date: a full date, a year and month, or a year."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def date(self) -> dt.date | None:
        if self.month is None or self.day is None:
            return None
        return dt.date(self.year, self.month, self.day)


def from_file_name(stem: str) -> NameDate | None:
    """'2021-12-10-db' -> 2021-12-10; '2021-07-api' -> 2021-07; 'INC-2021-07' -> 2021 (07 may be a number)."""
    for match in _NAME_DATE.finditer(stem):
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        return NameDate(day.year, day.month, day.day)
    match = _NAME_YEAR_MONTH.match(stem)
    if match and 1 <= int(match[2]) <= 12:
        return NameDate(int(match[1]), int(match[2]))
    match = _NAME_YEAR.search(stem)
    if match:
        return NameDate(int(match[1]))
    return None


_TIME_ONLY = re.compile(
    r"^\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"(?:\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})(?![A-Za-z]))?(?:\s*(?P<other_zone>[A-Z]{2,5})\b)?",
    re.I,
)


def time_of_day(text: str) -> tuple[dt.time, dt.tzinfo | None, str | None] | None:
    """'09:14 UTC' -> (09:14, UTC, None); '2:30 pm PDT' -> (14:30, None, 'PDT'); None if it is no time."""
    match = _TIME_ONLY.match(text)
    if not match:
        return None
    found = _found_time(match)
    if found is None:
        return None
    other = match["other_zone"]
    zone = _zone(match["zone"])
    return found, zone, (other if zone is None and other and other.upper() not in ("AM", "PM") else None)


def _found_time(match: re.Match[str]) -> dt.time | None:
    hour = int(match["hour"])
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        return dt.time(hour, int(match["minute"]), int(match["second"] or 0))
    except ValueError:
        return None
