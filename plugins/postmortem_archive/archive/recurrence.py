"""How often each failure pattern recurs, and what was done about it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from postmortem_archive.archive.actions import completion_rate
from postmortem_archive.archive.periods import Periods, periods
from postmortem_archive.core.model import ActionItem
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.taxonomy import Pattern

SPARK_BARS = 40  # a pattern's sparkline is a table cell: years up to forty, then decades


@dataclass(frozen=True)
class PatternStats:
    pattern: Pattern
    postmortems: list[Postmortem]  # newest first
    span: Periods  # the archive's years (or decades, centuries), oldest first, for per-period charts

    @property
    def count(self) -> int:
        return len(self.postmortems)

    @property
    def first_seen(self) -> dt.date | None:
        return self.postmortems[-1].date if self.postmortems else None

    @property
    def last_seen(self) -> dt.date | None:
        return self.postmortems[0].date if self.postmortems else None

    @property
    def mean_interval_days(self) -> float | None:
        """Mean days between consecutive occurrences; None with fewer than two."""
        if self.count < 2 or self.first_seen is None or self.last_seen is None:
            return None
        return (self.last_seen - self.first_seen).days / (self.count - 1)

    @property
    def per_period(self) -> list[tuple[str, int]]:
        """(period, incidents of this pattern) over the whole archive's span."""
        return list(zip(self.span.labels, self.span.counts(pm.date for pm in self.postmortems), strict=True))

    @property
    def top_services(self) -> list[tuple[str, int]]:
        """Services hit most often by this pattern (top 5; ties by name)."""
        counts = Counter(service for pm in self.postmortems for service in pm.meta.services)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]

    @property
    def action_items(self) -> list[tuple[Postmortem, ActionItem]]:
        return [(pm, item) for pm in self.postmortems for item in pm.meta.action_items]

    @property
    def completion_rate(self) -> float | None:
        statuses = [item.status for _, item in self.action_items]
        return completion_rate(len(statuses), statuses.count("done"), statuses.count("wont-fix"))


def pattern_stats(patterns: tuple[Pattern, ...], postmortems: list[Postmortem]) -> list[PatternStats]:
    """Stats for every pattern of the taxonomy (also those never seen), in taxonomy order."""
    span = periods((pm.date for pm in postmortems), finest="year", most=SPARK_BARS)
    newest_first = sorted(postmortems, key=lambda pm: (pm.date, pm.id), reverse=True)
    return [
        PatternStats(pattern, [pm for pm in newest_first if pattern.id in pm.meta.patterns], span)
        for pattern in patterns
    ]
