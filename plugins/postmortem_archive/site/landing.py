"""What the home page shows above its hand-written text: the archive at a glance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from postmortem_archive.archive.collection import Archive
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.taxonomy import Pattern

LATEST = 5
WINDOW_DAYS = 90


@dataclass(frozen=True)
class RecurringPattern:
    pattern: Pattern
    recent: int  # incidents within the window
    total: int  # incidents in the whole archive
    last_seen: dt.date


@dataclass(frozen=True)
class Landing:
    today: dt.date
    since: dt.date  # first day of the window
    total: int  # published postmortems
    latest: list[Postmortem]  # newest first
    by_severity: list[tuple[str, int]]  # (level, incidents), most severe first, levels seen only
    overdue: int
    open: int  # status open, overdue ones included: each count links to the filter that shows exactly those
    in_progress: int
    completion_rate: float | None
    recurring: list[RecurringPattern]  # most incidents within the window first


def landing(archive: Archive, *, latest: int = LATEST, window_days: int = WINDOW_DAYS) -> Landing:
    """Figures for the home page, from published postmortems only (drafts are never counted).

    A pattern recurred within the window when it was seen there and at least twice in all:
    a first-ever occurrence is news, not recurrence.
    """
    today = archive.settings.today
    since = today - dt.timedelta(days=window_days - 1)
    recurring = []
    for stats in archive.patterns:
        recent = [pm for pm in stats.postmortems if since <= pm.date <= today]
        if recent and stats.count >= 2:
            recurring.append(RecurringPattern(stats.pattern, len(recent), stats.count, recent[0].date))
    recurring.sort(key=lambda r: (-r.recent, -r.last_seen.toordinal(), r.pattern.title.lower()))
    rows = archive.actions.rows
    return Landing(
        today=today,
        since=since,
        total=len(archive.published),
        latest=archive.published[:latest],
        by_severity=[(value.name, value.count) for value in archive.facets["severity"].values],
        overdue=sum(r.overdue for r in rows),
        open=sum(r.item.status == "open" for r in rows),
        in_progress=sum(r.item.status == "in-progress" for r in rows),
        completion_rate=archive.actions.overall.completion_rate,
        recurring=recurring,
    )
