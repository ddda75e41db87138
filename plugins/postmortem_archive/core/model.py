"""Front-matter schema v1 as strict pydantic models.

Front matter is untrusted and YAML 1.1 is surprising (`no` is False, `12:30`
is 750), so text fields accept only strings, dates only dates, and unknown
keys are errors (typos must not vanish silently).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)]
Status = Literal["draft", "in-review", "final"]
ActionStatus = Literal["open", "in-progress", "done", "wont-fix"]
ActionType = Literal["mitigation", "process", "tooling", "architecture", "monitoring"]
Priority = Literal["P0", "P1", "P2", "P3"]
HUMAN_ERROR = re.compile(r"\b(human|operator|pilot|engineer)[\s-]+(error|mistake)s?\b", re.IGNORECASE)
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def _describe(value: object) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 80 else shown[:77] + '...'}"


# Any real calendar date is accepted (year 1 to 9999, the date type's range): archives hold
# historical incidents. A date in the future or before 1900 is more likely a typo, which lint
# reports as a warning (PM701); date arithmetic saturates at the calendar's ends (archive/actions.py
# `later`, site/timefmt.py).
def _as_date(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise ValueError(f"expected a date like 2024-03-12, got a timestamp {value.isoformat()}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            parsed = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed
    raise ValueError(f"expected a date like 2024-03-12, got {_describe(value)}")


def _as_timestamp(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed
    if isinstance(value, dt.date):
        raise ValueError(f"expected a timestamp like 2024-03-12T14:02:00Z, got a date without time {value}")
    raise ValueError(f"expected a timestamp like 2024-03-12T14:02:00Z, got {_describe(value)}")


Date = Annotated[dt.date, BeforeValidator(_as_date)]
Timestamp = Annotated[dt.datetime, BeforeValidator(_as_timestamp)]


def _pattern_id(value: str, info: ValidationInfo) -> str:
    """An id or alias from the site's taxonomy, returned as the canonical id."""
    taxonomy = (info.context or {}).get("taxonomy")
    if taxonomy is None:
        return value
    canonical = taxonomy.canonical(value)
    if canonical is None:
        raise ValueError(
            f"unknown pattern {value!r}; known patterns: {', '.join(taxonomy.ids)} "
            "(a site can add its own, see the 'patterns' option)"
        )
    return str(canonical)


def _not_human_error(value: str) -> str:
    if HUMAN_ERROR.search(value):
        raise ValueError(
            f"{value!r}: 'human error' is where an investigation starts, not where it ends; "
            "name the conditions that made the action possible and its outcome likely "
            "(missing safeguards, confusing tooling, time pressure, unclear runbooks)"
        )
    return value


PatternName = Annotated[Text, AfterValidator(_pattern_id)]
Factor = Annotated[Text, AfterValidator(_not_human_error)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class People(_Strict):
    incident_commander: Text | None = None
    scribe: Text | None = None
    facilitator: Text | None = None
    responders: list[Text] = Field(default_factory=list)
    authors: list[Text] = Field(default_factory=list)

    def roles(self) -> list[tuple[str, list[str]]]:
        """(role label, names) for every role that is filled, in a fixed order."""
        single = [
            ("Incident commander", self.incident_commander),
            ("Scribe", self.scribe),
            ("Facilitator", self.facilitator),
        ]
        out = [(label, [name]) for label, name in single if name]
        out += [
            (label, names) for label, names in (("Responders", self.responders), ("Authors", self.authors)) if names
        ]
        return out


LARGEST = 10**15  # bigger figures are typos, and beyond what a float keeps exactly


class Impact(_Strict):
    users: Annotated[StrictInt, Field(ge=0, le=LARGEST)] | None = None
    revenue: Annotated[StrictInt | float, Field(ge=0, le=LARGEST)] | None = None
    description: Text | None = None

    @field_validator("revenue", mode="before")
    @classmethod
    def _no_bool(cls, value: object) -> object:
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
            raise ValueError(f"expected a number, got {_describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        return value


class ActionItem(_Strict):
    title: Text
    owner: Text | None = None
    team: Text | None = None
    due: Date | None = None
    status: ActionStatus = "open"
    type: ActionType | None = None
    priority: Priority | None = None
    ticket: Text | None = None
    completed: Date | None = None

    @property
    def is_closed(self) -> bool:
        return self.status in ("done", "wont-fix")


class LintOptions(_Strict):
    disable: list[Annotated[StrictStr, StringConstraints(pattern=r"^PM\d{3}$")]] = Field(default_factory=list)


class Imported(_Strict):
    """Where an imported postmortem came from, and what a person still has to check.

    Written by `postmortem import`; `source` is how a re-run recognises a source it
    already imported. Delete a `review` entry once it is settled (lint reports each).
    """

    source: Text  # stable id of the source document, e.g. "sha256:1f2e3d4c5b6a7980"
    path: Text | None = None  # the source file as given to the import
    url: Text | None = None  # the source's own address, when it had one
    review: list[Text] = Field(default_factory=list)  # "field: what could not be inferred"


class FrontMatter(_Strict):
    """The validated front matter of one postmortem (schema v1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Text | None = None
    title: Text
    date: Date
    severity: Text
    status: Status = "final"
    summary: Text | None = None
    services: list[Text] = Field(default_factory=list)
    teams: list[Text] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)
    patterns: list[PatternName] = Field(default_factory=list)
    contributing_factors: list[Factor] = Field(default_factory=list)
    started: Timestamp | None = None
    detected: Timestamp | None = None
    mitigated: Timestamp | None = None
    resolved: Timestamp | None = None
    impact: Impact | None = None
    trigger: Text | None = None
    people: People = Field(default_factory=People)
    action_items: list[ActionItem] = Field(default_factory=list)
    related: list[Text] = Field(default_factory=list)
    lint: LintOptions | None = None  # per-file lint settings, e.g. {disable: [PM201]}
    imported: Imported | None = None  # set by `postmortem import`

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str | None) -> str | None:
        if value is not None and not ID_RE.fullmatch(value):
            raise ValueError("may contain only letters, digits, '.', '_' and '-', starting with a letter or digit")
        return value

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str, info: ValidationInfo) -> str:
        levels = (info.context or {}).get("severities")
        if levels and value not in levels:
            raise ValueError(f"unknown severity {value!r}; use one of {', '.join(levels)}")
        return value

    @field_validator("started", "detected", "mitigated", "resolved")
    @classmethod
    def _zoned(cls, value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        zone = (info.context or {}).get("timezone")
        if zone is None:
            raise ValueError(
                f"timestamp {value.isoformat()} has no time zone; write it like "
                f"{value.isoformat()}Z or +02:00, or set the plugin's 'timezone' option"
            )
        return value.replace(tzinfo=zone)

    @field_validator("services", "teams", "tags", "patterns", "related")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))


def validate_front_matter(
    data: dict[str, Any], *, severities: tuple[str, ...], timezone: Any, taxonomy: Any = None
) -> FrontMatter:
    """Validate raw YAML data; raises pydantic.ValidationError."""
    context = {"severities": severities, "timezone": timezone, "taxonomy": taxonomy}
    return FrontMatter.model_validate(data, context=context)
