"""Figures for the metrics page: incidents over time, response times, follow-up completion."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from postmortem_archive.archive.actions import ActionReport, quarter
from postmortem_archive.archive.periods import Periods, periods
from postmortem_archive.core.postmortem import Postmortem


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (as numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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
    def periods(self) -> Periods:
        """Months from the first incident to the last, or years, decades or centuries for an
        archive spanning centuries (archive/periods.py)."""
        return periods(pm.date for pm in self.postmortems)

    def per_period(self) -> dict[str, list[int]]:
        """severity -> incidents per period (aligned with `periods.labels`)."""
        span = self.periods
        levels = [s for s in self.severities if any(pm.meta.severity == s for pm in self.postmortems)]
        return {s: span.counts(pm.date for pm in self.postmortems if pm.meta.severity == s) for s in levels}

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
