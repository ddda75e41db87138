"""Human formatting of durations, timestamps and numbers (used by templates and exports)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def duration(delta: dt.timedelta | None) -> str:
    """'7 min', '1 h 53 min', '2 d 3 h'; '' when unknown."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def timestamp(when: dt.datetime | None, zone: ZoneInfo) -> str:
    """'2024-03-12 14:02 UTC' in the display zone (as written, with its offset, at the very
    edges of the calendar, where the display zone's date does not exist)."""
    if when is None:
        return ""
    try:
        local = when.astimezone(zone)
    except (OverflowError, ValueError):
        local = when
    return f"{local.date().isoformat()} {local:%H:%M} {local.tzname()}"


def number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def percent(value: float | None) -> str:
    """'67%'; an em dash when there is nothing to divide."""
    return "—" if value is None else f"{value:.0%}"
