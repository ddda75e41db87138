"""The collection of published postmortems and its facets (tags, services, teams...)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from postmortem_archive.archive.actions import ActionReport, ActionRow, action_rows
from postmortem_archive.archive.metrics import Metrics
from postmortem_archive.archive.recurrence import PatternStats, pattern_stats
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.settings import Settings
from postmortem_archive.core.slugs import slugify

# How many incidents per shared value similar() considers (see there).
SIMILAR_WINDOW = 64


@dataclass
class FacetValue:
    """One value of a facet (e.g. the service 'payments-api') and its incidents, newest first."""

    slug: str
    name: str
    postmortems: list[Postmortem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.postmortems)

    @property
    def first_seen(self) -> Postmortem:
        return self.postmortems[-1]

    @property
    def last_seen(self) -> Postmortem:
        return self.postmortems[0]


@dataclass
class Facet:
    key: str  # URL segment: tags, services, teams, severity, years
    title: str  # 'Services'
    label: str  # singular: 'Service'
    values: list[FacetValue]  # in display order


# (key, title, label, values of a postmortem)
FACETS: tuple[tuple[str, str, str, Callable[[Postmortem], Iterable[str]]], ...] = (
    ("services", "Services", "Service", lambda pm: pm.meta.services),
    ("teams", "Teams", "Team", lambda pm: pm.meta.teams),
    ("tags", "Tags", "Tag", lambda pm: pm.meta.tags),
    ("severity", "Severity", "Severity", lambda pm: [pm.meta.severity]),
    ("years", "Years", "Year", lambda pm: [f"{pm.date.year:04d}"]),
)


def _build_facet(
    key: str,
    title: str,
    label: str,
    values_of: Callable[[Postmortem], Iterable[str]],
    postmortems: list[Postmortem],
    order: Callable[[FacetValue], object],
) -> Facet:
    # Values that slugify alike ('Payments API', 'payments-api') are one value, shown with its
    # most used spelling (ties: the oldest), so the name is stable as the archive grows.
    found: dict[str, FacetValue] = {}
    spellings: dict[str, Counter[str]] = {}
    for pm in reversed(postmortems):  # oldest first
        for name in values_of(pm):
            slug = slugify(name)
            value = found.setdefault(slug, FacetValue(slug, name))
            if not value.postmortems or value.postmortems[-1] is not pm:
                value.postmortems.append(pm)
            spellings.setdefault(slug, Counter())[name] += 1
    for slug, value in found.items():
        value.name = spellings[slug].most_common(1)[0][0]  # Counter keeps first-seen order on ties
        value.postmortems.reverse()  # newest first
    return Facet(key, title, label, sorted(found.values(), key=order))


class Archive:
    """Published postmortems (newest first), their facets and explicit relations."""

    def __init__(self, postmortems: list[Postmortem], settings: Settings) -> None:
        self.settings = settings
        self.all = sorted(postmortems, key=lambda pm: (pm.date, pm.id), reverse=True)
        # Built (and listed in /incidents/, marked Draft) when drafts are included, e.g. under `mkdocs serve`.
        self.postmortems = [pm for pm in self.all if settings.include_drafts or not pm.is_draft]
        # What every figure counts: facets, patterns, action items, metrics, the home page. A draft is
        # previewable but never counted, in any mode.
        self.published = [pm for pm in self.postmortems if not pm.is_draft]
        self.by_id = {pm.id: pm for pm in self.postmortems}
        self._age = {pm.id: -pm.date.toordinal() for pm in self.postmortems}  # newer sorts first
        rank = {level: index for index, level in enumerate(settings.severities)}
        orders: dict[str, Callable[[FacetValue], object]] = {
            "severity": lambda v: (rank.get(v.name, len(rank)), v.name),
            "years": lambda v: -int(v.name),
        }
        self.facets = {
            key: _build_facet(
                key, title, label, values_of, self.published, orders.get(key, lambda v: (v.name.lower(), v.slug))
            )
            for key, title, label, values_of in FACETS
        }
        self._facet_slugs = {key: {value.slug for value in facet.values} for key, facet in self.facets.items()}
        self.patterns = pattern_stats(settings.taxonomy.patterns, self.published)
        # For similar(): who has each pattern, service and tag, read off the pattern stats and facets.
        self._members: dict[str, dict[str, list[Postmortem]]] = {
            "pattern": {stats.pattern.id: stats.postmortems for stats in self.patterns},
            "service": {value.slug: value.postmortems for value in self.facets["services"].values},
            "tag": {value.slug: value.postmortems for value in self.facets["tags"].values},
        }
        self._positions: dict[tuple[str, str], dict[str, int]] = {}
        rows = action_rows(self.postmortems, settings)  # a draft's page still shows its own items
        self.actions = ActionReport([r for r in rows if not r.postmortem.is_draft], settings.today)
        self._rows_of: dict[str, list[ActionRow]] = {}
        self._rows_by_pattern: dict[str, list[ActionRow]] = {}
        for row in self.actions.rows:  # the report's order: overdue, open, then closed
            for pattern_id in row.postmortem.meta.patterns:
                self._rows_by_pattern.setdefault(pattern_id, []).append(row)
        for row in sorted(rows, key=lambda r: r.index):
            self._rows_of.setdefault(row.postmortem.id, []).append(row)
        self.metrics = Metrics(self.published, settings.severities, self.actions)
        self._related_to: dict[str, list[str]] = {pm.id: [] for pm in self.postmortems}
        for pm in self.postmortems:
            for target in pm.meta.related:
                if target in self._related_to:
                    self._related_to[target].append(pm.id)

    def action_rows(self, pm: Postmortem) -> list[ActionRow]:
        """This postmortem's action items in their written order, with effective due date and priority."""
        return self._rows_of.get(pm.id, [])

    def has_facet_value(self, key: str, name: str) -> bool:
        """Whether the facet `key` has a page for `name` (a value only drafts carry has none)."""
        return slugify(name) in self._facet_slugs[key]

    def pattern(self, pattern_id: str) -> PatternStats:
        return next(stats for stats in self.patterns if stats.pattern.id == pattern_id)

    def pattern_action_rows(self, pattern_id: str) -> list[ActionRow]:
        """Action items of the incidents showing a pattern, in the report's order (overdue first)."""
        return self._rows_by_pattern.get(pattern_id, [])

    def severity_rank(self, severity: str) -> int:
        """1 for the most severe configured level; used for badge colours and sorting."""
        try:
            return self.settings.severities.index(severity) + 1
        except ValueError:
            return len(self.settings.severities) + 1

    def similar(self, pm: Postmortem, limit: int = 5) -> list[tuple[Postmortem, list[str]]]:
        """Other incidents ranked by shared patterns (3), services (2) and tags (1), with the reasons.

        Explicit relations are left out (they are listed first, separately). Ties: newest, then id.
        Candidates are bounded so the cost per page does not grow with the archive: for each value
        this incident has, only the SIMILAR_WINDOW incidents with that value nearest to it in time
        (half before, half after). A value shared by thousands of incidents would otherwise make
        ranking every page quadratic; the nearest ones are also the likeliest to be the same story.
        """
        explicit = {other.id for other in self.related(pm)} | {pm.id}
        scores: dict[str, int] = {}
        half = SIMILAR_WINDOW // 2
        for kind, weight, names in (
            ("pattern", 3, pm.meta.patterns),
            ("service", 2, pm.meta.services),
            ("tag", 1, pm.meta.tags),
        ):
            for slug in dict.fromkeys(map(slugify, names)):
                members = self._members[kind].get(slug, ())
                if len(members) > SIMILAR_WINDOW:
                    at = self._position(kind, slug).get(pm.id, 0)
                    start = max(0, min(at - half, len(members) - SIMILAR_WINDOW))
                    members = members[start : start + SIMILAR_WINDOW]
                for other in members:
                    scores[other.id] = scores.get(other.id, 0) + weight
        for other_id in explicit:
            scores.pop(other_id, None)
        age = self._age
        ranked = heapq.nsmallest(limit, ((-score, age[i], i) for i, score in scores.items()))
        return [(self.by_id[i], self._reasons(pm, self.by_id[i])) for _, _, i in ranked]

    def _position(self, kind: str, slug: str) -> dict[str, int]:
        """Index of each member in a value's member list (built on first use, once per value)."""
        key = (kind, slug)
        if key not in self._positions:
            self._positions[key] = {other.id: i for i, other in enumerate(self._members[kind][slug])}
        return self._positions[key]

    def _reasons(self, pm: Postmortem, other: Postmortem) -> list[str]:
        reasons = []
        for kind, mine, theirs in (
            ("pattern", pm.meta.patterns, other.meta.patterns),
            ("service", pm.meta.services, other.meta.services),
            ("tag", pm.meta.tags, other.meta.tags),
        ):
            shared = {slugify(name) for name in theirs}
            for name in dict.fromkeys(mine):
                if slugify(name) in shared:
                    label = self.settings.taxonomy.get(name).title if kind == "pattern" else name
                    reasons.append(f"same {kind}: {label}")
        return reasons

    def related(self, pm: Postmortem) -> list[Postmortem]:
        """Explicit relations in both directions (`related:` here, or there pointing here)."""
        ids = [*pm.meta.related, *self._related_to.get(pm.id, [])]
        return [self.by_id[i] for i in dict.fromkeys(ids) if i in self.by_id and i != pm.id]
