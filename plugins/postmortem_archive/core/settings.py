"""Build settings the core needs, independent of MkDocs' config machinery."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from postmortem_archive.core.taxonomy import Taxonomy

DEFAULT_SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
DEFAULT_INCLUDE = ("[0-9][0-9][0-9][0-9]/*.md",)
DEFAULT_EXCLUDE = ("*/index.md", "*/README.md")
TODAY_ENV = "POSTMORTEM_TODAY"
# Days after the incident by which an action item without a due date is due.
DEFAULT_ACTION_SLO_DAYS = {"SEV1": 15, "SEV2": 30, "SEV3": 60, "SEV4": 90}
# Priority of an action item that has none, by its type.
DEFAULT_PRIORITIES = {"mitigation": "P0", "process": "P1", "monitoring": "P2", "tooling": "P2", "architecture": "P3"}


@dataclass(frozen=True)
class Settings:
    severities: tuple[str, ...] = DEFAULT_SEVERITIES  # most severe first
    timezone: ZoneInfo | None = None  # zone for naive timestamps; None = naive is an error
    display_timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    include_drafts: bool = False
    currency: str = "USD"
    today: dt.date = field(default_factory=dt.date.today)
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    taxonomy: Taxonomy = field(default_factory=Taxonomy)
    action_slo_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_ACTION_SLO_DAYS))
    default_priorities: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    feed_entries: int = 20


def resolve_today(configured: str | None, environ: dict[str, str] | None = None) -> dt.date:
    """'Today' for overdue checks: $POSTMORTEM_TODAY, then config, then SOURCE_DATE_EPOCH, then the clock.

    Pinning it makes builds and tests reproducible.
    """
    env = os.environ if environ is None else environ
    value = env.get(TODAY_ENV) or configured
    if value:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValueError(f"'today' must be a date like 2024-03-12, got {value!r}") from exc
    epoch = env.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()
