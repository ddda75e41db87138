"""Figures for the metrics page: incidents over time, response times, follow-up completion."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from postmortem_archive.archive.actions import ActionReport, quarter
from postmortem_archive.core.postmortem import Postmortem


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (as numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def months_between(first: dt.date, last: dt.date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class DurationRow:
    quarter: str
    count: int  # incidents in the quarter with this duration known
    median: float | None  # minutes
    p90: float | None


@dataclass(frozen=True)
class Metrics:
    postmortems: list[Postmortem]
    severities: tuple[str, ...]
    actions: ActionReport

    @property
    def months(self) -> list[str]:
        if not self.postmortems:
            return []
        dates = [pm.date for pm in self.postmortems]
        return months_between(min(dates), max(dates))

    def per_month(self) -> dict[str, list[int]]:
        """severity -> incidents per month (aligned with `months`)."""
        counts = Counter((pm.meta.severity, f"{pm.date:%Y-%m}") for pm in self.postmortems)
        levels = [s for s in self.severities if any(pm.meta.severity == s for pm in self.postmortems)]
        return {s: [counts.get((s, m), 0) for m in self.months] for s in levels}

    def durations(self, kind: str) -> list[DurationRow]:
        """Median and p90 of time to detect/mitigate/resolve (`kind`), per quarter of incident date."""
        by_quarter: dict[str, list[float]] = {}
        for pm in self.postmortems:
            delta = getattr(pm, f"time_to_{kind}")
            if delta is not None:
                by_quarter.setdefault(quarter(pm.date), []).append(delta.total_seconds() / 60)
        return [DurationRow(q, len(v), percentile(v, 0.5), percentile(v, 0.9)) for q, v in sorted(by_quarter.items())]

    def top(self, field: str, limit: int = 10) -> list[tuple[str, int]]:
        counts = Counter(value for pm in self.postmortems for value in getattr(pm.meta, field))
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
