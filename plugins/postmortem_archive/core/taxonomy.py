"""The failure-pattern taxonomy: shared names for recurring failure modes.

A default taxonomy ships with the plugin; a site extends it (same id: replaces
that entry) or replaces it with a YAML file of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints, ValidationError

PatternId = Annotated[StrictStr, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")]


class Pattern(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: PatternId
    title: Annotated[StrictStr, StringConstraints(min_length=1)]
    description: Annotated[StrictStr, StringConstraints(min_length=1)]
    aliases: tuple[PatternId, ...] = Field(default_factory=tuple)


def _p(id: str, title: str, description: str, *aliases: str) -> Pattern:
    return Pattern(id=id, title=title, description=description, aliases=aliases)


DEFAULT_PATTERNS: tuple[Pattern, ...] = (
    _p(
        "config-change",
        "Configuration change",
        "A change to configuration (flags, limits, routing, infrastructure settings) rather than code "
        "introduced the failure, often because configuration skips the review, testing and staged rollout "
        "that code gets.",
        "configuration",
        "config",
    ),
    _p(
        "bad-release",
        "Bad release",
        "A deployment shipped a defect to production; the rollout reached enough traffic before detection "
        "to cause impact.",
        "deploy",
        "bad-deploy",
        "release",
    ),
    _p(
        "capacity",
        "Capacity and overload",
        "Demand exceeded what a component could serve (CPU, memory, disk, connections, threads), from "
        "growth, a traffic spike or a batch job competing with live traffic.",
        "overload",
        "resource-exhaustion",
    ),
    _p(
        "cascading-failure",
        "Cascading failure",
        "A failure in one component spread to others through shared resources, retries or missing "
        "isolation, so the impact was much wider than the original fault.",
        "cascade",
    ),
    _p(
        "dependency-failure",
        "Dependency failure",
        "An upstream service or third-party provider failed or slowed down, and the system depending on it "
        "had no timeout, fallback or degradation path.",
        "third-party",
        "upstream",
    ),
    _p(
        "certificate-expiry",
        "Certificate expiry",
        "A TLS or signing certificate expired because its lifetime was not tracked or renewal was manual.",
        "cert-expiry",
        "tls-expiry",
    ),
    _p(
        "clock",
        "Time and clock issues",
        "Clock skew, time zones, leap seconds or date arithmetic made correct components disagree about "
        "what time it is.",
        "time",
        "clock-skew",
        "ntp",
    ),
    _p(
        "dns",
        "DNS",
        "Name resolution failed or returned wrong answers: a bad record, resolver configuration, TTLs or a "
        "provider outage.",
    ),
    _p(
        "data-corruption",
        "Data loss or corruption",
        "Data was lost, overwritten or became inconsistent, through a migration, a bug, replication or an "
        "operational step.",
        "data-loss",
    ),
    _p(
        "retry-storm",
        "Retry storm",
        "Clients retried failed requests without backoff or jitter, multiplying load on a recovering system "
        "and keeping it down.",
        "thundering-herd",
    ),
    _p(
        "failover",
        "Failover",
        "A planned or automatic failover took longer than designed, failed, or caused the outage it was "
        "meant to prevent.",
        "switchover",
    ),
    _p(
        "hardware",
        "Hardware and power",
        "Physical failure: disks, hosts, network gear, power or cooling in a rack or data centre.",
        "power",
        "hardware-failure",
    ),
    _p(
        "security",
        "Security incident",
        "An attack, abuse or vulnerability caused the impact, or the response to one did.",
        "abuse",
        "attack",
    ),
    _p(
        "expired-credentials",
        "Expired credentials",
        "A password, API key, token or access key expired or was rotated without updating everything that used it.",
        "credential-expiry",
        "expired-token",
    ),
    _p(
        "quota-limit",
        "Quota or limit reached",
        "A hard limit was reached: an API rate limit, a cloud quota, a connection or file-handle cap, an "
        "integer or ID range.",
        "quota",
        "rate-limit",
        "limit",
    ),
    _p(
        "migration",
        "Migration",
        "A schema, data or platform migration behaved differently in production than in testing.",
        "schema-migration",
    ),
)


@dataclass(frozen=True)
class Taxonomy:
    patterns: tuple[Pattern, ...] = DEFAULT_PATTERNS
    _by_name: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _by_id: dict[str, Pattern] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names: dict[str, str] = {}
        for pattern in self.patterns:
            names[pattern.id] = pattern.id
        for pattern in self.patterns:
            for alias in pattern.aliases:
                names.setdefault(alias, pattern.id)
        object.__setattr__(self, "_by_name", names)
        object.__setattr__(self, "_by_id", {pattern.id: pattern for pattern in self.patterns})

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.patterns]

    def canonical(self, name: str) -> str | None:
        """The pattern id for an id or alias (case-insensitive), else None."""
        return self._by_name.get(name.strip().lower())

    def get(self, pattern_id: str) -> Pattern:
        return self._by_id[pattern_id]


class TaxonomyError(ValueError):
    pass


def load_taxonomy(path: Path | None, *, include_defaults: bool = True) -> Taxonomy:
    """The default taxonomy, extended or replaced by a YAML list of patterns in `path`."""
    patterns: dict[str, Pattern] = {p.id: p for p in DEFAULT_PATTERNS} if include_defaults else {}
    if path is None:
        return Taxonomy(tuple(patterns.values()))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: cannot read the pattern taxonomy: {exc}") from None
    if not isinstance(data, list):
        raise TaxonomyError(f"{path}: expected a list of patterns (id, title, description, aliases)")
    problems = []
    for index, entry in enumerate(data):
        try:
            pattern = Pattern.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                where = ".".join(str(part) for part in err["loc"]) or "entry"
                problems.append(f"{path}: [{index}].{where}: {err['msg']}")
            continue
        patterns[pattern.id] = pattern
    if problems:
        raise TaxonomyError("\n".join(problems))
    return Taxonomy(tuple(patterns.values()))
