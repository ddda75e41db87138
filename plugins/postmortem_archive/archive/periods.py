"""Time buckets for charts and tables over an archive's whole span.

The finest unit that fits: months while there are at most `most` of them, else years, decades or
centuries. An archive of the last few years gets its months; one that also holds historical
incidents (1628, 1912, 2026) gets forty decades instead of 4,800 mostly empty months, so its
charts stay readable and its tables stay short. Every bucket between the first and the last is
listed, empty ones too (a gap is information). Labels sort as text: years are four digits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Unit = Literal["month", "year", "decade", "century"]
UNITS: tuple[Unit, ...] = ("month", "year", "decade", "century")
MOST = 240  # twenty years of months: more bars than this are unreadable at a page's width


def bucket(day: dt.date, unit: Unit) -> int:
    """The bucket's number, consecutive within a unit."""
    if unit == "month":
        return day.year * 12 + day.month - 1
    return day.year // {"year": 1, "decade": 10, "century": 100}[unit]


def label(number: int, unit: Unit) -> str:
    """'2024-03', '2024', '1620s', '1600-1699'."""
    if unit == "month":
        return f"{number // 12:04d}-{number % 12 + 1:02d}"
    if unit == "year":
        return f"{number:04d}"
    if unit == "decade":
        return f"{number * 10:04d}s"
    return f"{number * 100:04d}-{number * 100 + 99:04d}"


@dataclass(frozen=True)
class Periods:
    unit: Unit
    first: int  # bucket number of the first period
    labels: tuple[str, ...]

    def index(self, day: dt.date) -> int:
        """Position of the day's period in `labels`."""
        return bucket(day, self.unit) - self.first

    def counts(self, days: Iterable[dt.date]) -> list[int]:
        """How many of `days` fall in each period (aligned with `labels`)."""
        out = [0] * len(self.labels)
        for day in days:
            out[self.index(day)] += 1
        return out


def periods(days: Iterable[dt.date], finest: Unit = "month", most: int = MOST) -> Periods:
    """The periods from the earliest to the latest of `days`, in the finest unit (not finer than
    `finest`) that needs at most `most` of them; no days, no periods."""
    listed = list(days)
    units = UNITS[UNITS.index(finest) :]
    if not listed:
        return Periods(finest, 0, ())
    first, last = min(listed), max(listed)
    for unit in units:
        start, end = bucket(first, unit), bucket(last, unit)
        if end - start < most or unit == units[-1]:
            return Periods(unit, start, tuple(label(n, unit) for n in range(start, end + 1)))
    raise AssertionError("unreachable: the last unit always fits")
