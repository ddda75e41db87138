"""Compact JSON of every row of the incident and action-item lists, for filtering and sorting in the browser.

The static pages show PAGE_SIZE rows each; when a reader filters or sorts, the
page fetches one of these files and renders rows from it (as text, never as
HTML). Repeated values (services, owners, incidents) are stored once in a table
and rows refer to them by index, which keeps 10,000 postmortems to a few MB.
URLs are relative to the site root; the page prefixes its own way up to the root.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from postmortem_archive.archive.collection import Archive
from postmortem_archive.core.slugs import slugify
from postmortem_archive.site import timefmt, urls
from postmortem_archive.site.render import safe_url

LIST_FORMAT = 1
STATUS_LABELS = {"draft": "Draft", "in-review": "In review", "final": "Final"}
# Incident row fields, in order (the script reads them by these positions).
INCIDENT_FIELDS = (
    "url",
    "date",
    "title",
    "severity",
    "services",
    "teams",
    "tags",
    "status",
    "ttr",
    "ttr_label",
    "patterns",
)
ACTION_FIELDS = (
    "title",
    "owner",
    "team",
    "type",
    "priority",
    "priority_is_default",
    "due",
    "due_is_default",
    "status",
    "days_overdue",
    "ticket",
    "ticket_is_url",
    "incident",
)


class _Table:
    """Distinct values in first-seen order, referred to by index."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.values: list[Any] = []

    def add(self, key: Any, value: Any = None) -> int:
        if key not in self.index:
            self.index[key] = len(self.values)
            self.values.append(key if value is None else value)
        return self.index[key]

    def ids(self, keys: Iterable[Any]) -> list[int]:
        return [self.index[k] for k in keys]


def _dump(data: dict[str, Any]) -> str:
    # Compact, and '<' escaped so the file is inert even if someone inlines it in HTML.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _facet_tables(archive: Archive, url_of: Callable[[str], str]) -> dict[str, _Table]:
    """facet key -> table of [slug, name, url] (severity also carries its rank for the badge colour)."""
    tables: dict[str, _Table] = {}
    for key, facet in archive.facets.items():
        table = _Table()
        for value in facet.values:
            entry = [value.slug, value.name, url_of(urls.facet_page(key, value.slug))]
            if key == "severity":
                entry.append(archive.severity_rank(value.name))
            table.add(value.slug, entry)
        tables[key] = table
    patterns = _Table()
    for stats in archive.patterns:
        patterns.add(
            stats.pattern.id, [stats.pattern.id, stats.pattern.title, url_of(urls.pattern_page(stats.pattern.id))]
        )
    tables["patterns"] = patterns
    return tables


def incidents_json(archive: Archive, url_of: Callable[[str], str]) -> str:
    """Every listed postmortem as one row, newest first (the static pages' order)."""
    tables = _facet_tables(archive, url_of)

    def ids(key: str, names: Iterable[str]) -> list[int]:
        # A draft (listed under `mkdocs serve`) may carry a value no published postmortem has:
        # it gets an entry without a page (url null), as the static row shows it without a link.
        table = tables[key]
        out = []
        for name in names:
            slug = slugify(name)
            entry = [slug, name, None] + ([archive.severity_rank(name)] if key == "severity" else [])
            out.append(table.add(slug, entry))
        return list(dict.fromkeys(out))

    rows = []
    for pm in archive.postmortems:
        m = pm.meta
        ttr = pm.time_to_resolve
        rows.append(
            [
                url_of(pm.src_path),
                m.date.isoformat(),
                m.title,
                ids("severity", [m.severity])[0],
                ids("services", m.services),
                ids("teams", m.teams),
                ids("tags", m.tags),
                m.status,
                int(ttr.total_seconds()) if ttr is not None else None,
                timefmt.duration(ttr),
                tables["patterns"].ids(m.patterns),
            ]
        )
    return _dump(
        {
            "format": LIST_FORMAT,
            "fields": INCIDENT_FIELDS,
            "facets": {key: table.values for key, table in tables.items()},
            "status_labels": STATUS_LABELS,
            "rows": rows,
        }
    )


def action_items_json(archive: Archive, url_of: Callable[[str], str]) -> str:
    """Every action item, open and overdue first (the report's order), incidents stored once."""
    incidents = _Table()
    owners = _Table()  # [slug, name]: the filter's option values are slugs
    teams = _Table()
    patterns = {stats.pattern.id: i for i, stats in enumerate(archive.patterns)}
    rows = []
    for row in archive.actions.rows:
        pm, item = row.postmortem, row.item
        incident = incidents.add(
            pm.id,
            [
                url_of(pm.src_path),
                pm.date.isoformat(),
                pm.meta.severity,
                pm.title,
                [patterns[p] for p in pm.meta.patterns if p in patterns],
                pm.id,
            ],
        )
        rows.append(
            [
                item.title,
                owners.add(item.owner, [slugify(item.owner), item.owner]) if item.owner else None,
                teams.add(item.team, [slugify(item.team), item.team]) if item.team else None,
                item.type,
                row.priority,
                int(row.priority_is_default),
                row.due.isoformat() if row.due else None,
                int(row.due_is_default),
                item.status,
                row.days_overdue,
                item.ticket,
                int(bool(item.ticket and safe_url(item.ticket))),
                incident,
            ]
        )
    return _dump(
        {
            "format": LIST_FORMAT,
            "fields": ACTION_FIELDS,
            "incidents": incidents.values,
            "owners": owners.values,
            "teams": teams.values,
            "patterns": [[s.pattern.id, s.pattern.title] for s in archive.patterns],
            "rows": rows,
        }
    )
