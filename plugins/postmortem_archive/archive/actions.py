"""Every action item across the archive, with effective due dates, priorities and overdue state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from postmortem_archive.core.model import ActionItem
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.settings import Settings

OPEN_STATUSES = ("open", "in-progress")


@dataclass(frozen=True)
class ActionRow:
    """One action item in context. `due`/`priority` are effective values (defaults applied)."""

    postmortem: Postmortem
    index: int  # position in the postmortem's action_items
    item: ActionItem
    due: dt.date | None
    due_is_default: bool  # due came from the severity's action-item SLO
    priority: str | None
    priority_is_default: bool  # priority came from the item's type
    overdue: bool
    days_overdue: int

    @property
    def is_open(self) -> bool:
        return self.item.status in OPEN_STATUSES

    @property
    def owner(self) -> str | None:
        return self.item.owner

    @property
    def team(self) -> str | None:
        return self.item.team

    @property
    def completed_within_90_days(self) -> bool:
        return (
            self.item.status == "done"
            and self.item.completed is not None
            and self.item.completed <= later(self.postmortem.date, 90)
        )


def action_row(pm: Postmortem, index: int, item: ActionItem, settings: Settings) -> ActionRow:
    due, due_default = item.due, False
    if due is None and pm.meta.severity in settings.action_slo_days:
        due, due_default = later(pm.date, settings.action_slo_days[pm.meta.severity]), True
    priority, priority_default = item.priority, False
    if priority is None and item.type in settings.default_priorities:
        priority, priority_default = settings.default_priorities[item.type], True
    overdue = item.status in OPEN_STATUSES and due is not None and due < settings.today
    days = (settings.today - due).days if overdue and due is not None else 0
    return ActionRow(pm, index, item, due, due_default, priority, priority_default, overdue, days)


def _order(row: ActionRow) -> tuple[object, ...]:
    # Overdue first (longest overdue first), then open by due date, then closed (newest incident first).
    if row.overdue:
        return (0, -row.days_overdue, row.postmortem.id, row.index)
    if row.is_open:
        return (1, row.due or dt.date.max, row.postmortem.id, row.index)
    return (2, -row.postmortem.date.toordinal(), row.postmortem.id, row.index)


def action_rows(postmortems: Iterable[Postmortem], settings: Settings) -> list[ActionRow]:
    rows = [
        action_row(pm, index, item, settings) for pm in postmortems for index, item in enumerate(pm.meta.action_items)
    ]
    return sorted(rows, key=_order)


def rate(done: int, counted: int) -> float | None:
    return done / counted if counted else None


def completion_rate(total: int, done: int, wont_fix: int) -> float | None:
    """done / (total - won't fix): a deliberate won't-fix is a decision, not unfinished work."""
    return rate(done, total - wont_fix)


@dataclass(frozen=True)
class Tally:
    """Counts for a group of action items."""

    label: str
    total: int
    open: int
    overdue: int
    done: int
    wont_fix: int

    @property
    def completion_rate(self) -> float | None:
        return completion_rate(self.total, self.done, self.wont_fix)

    @classmethod
    def of(cls, label: str, rows: list[ActionRow]) -> Tally:
        return cls(
            label,
            len(rows),
            sum(r.is_open for r in rows),
            sum(r.overdue for r in rows),
            sum(r.item.status == "done" for r in rows),
            sum(r.item.status == "wont-fix" for r in rows),
        )


def quarter(day: dt.date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def later(day: dt.date, days: int) -> dt.date:
    """`days` after `day`, or the last date there is (an incident on 9999-12-30 has a due date)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


@dataclass(frozen=True)
class ActionReport:
    rows: list[ActionRow]
    today: dt.date

    @property
    def overall(self) -> Tally:
        return Tally.of("All", self.rows)

    @property
    def within_90_days(self) -> tuple[float | None, int]:
        """Share of items done within 90 days of their incident, among items of incidents at least
        90 days old (they had the whole window), won't-fix excluded; and how many items counted."""
        eligible = [r for r in self.rows if r.item.status != "wont-fix" and later(r.postmortem.date, 90) <= self.today]
        return rate(sum(r.completed_within_90_days for r in eligible), len(eligible)), len(eligible)

    def missing(self, field: str) -> tuple[int, float | None]:
        """How many items, and which share, lack `owner`, `due` or `ticket` as written."""
        count = sum(getattr(r.item, field) is None for r in self.rows)
        return count, rate(count, len(self.rows))

    def group(self, key: Callable[[ActionRow], str | None], missing: str = "(none)") -> list[Tally]:
        groups: dict[str, list[ActionRow]] = {}
        for row in self.rows:
            groups.setdefault(key(row) or missing, []).append(row)
        tallies = [Tally.of(label, rows) for label, rows in groups.items()]
        return sorted(tallies, key=lambda t: (-t.overdue, -t.open, t.label.lower()))

    def by_quarter(self) -> list[Tally]:
        """Per quarter of the incident date, oldest first."""
        groups: dict[str, list[ActionRow]] = {}
        for row in self.rows:
            groups.setdefault(quarter(row.postmortem.date), []).append(row)
        return [Tally.of(label, groups[label]) for label in sorted(groups)]
