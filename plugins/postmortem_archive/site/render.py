"""Render page bodies from Jinja templates (autoescaped; a site can override any template).

Templates live under the `postmortems/` namespace; a file with the same name in
the site's theme `custom_dir` (e.g. `overrides/postmortems/header.html`) wins.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import operator
import secrets
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from postmortem_archive.archive.actions import ActionRow
from postmortem_archive.archive.collection import Archive, Facet, FacetValue
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.slugs import slugify
from postmortem_archive.site import calendar, charts, landing, timefmt, urls
from postmortem_archive.site.fragments import FragmentCache, templates_signature
from postmortem_archive.site.paginate import Pager

TEMPLATES = Path(__file__).parent / "templates"
ASSETS = Path(__file__).parent / "assets"  # the lists' script and the stylesheet, served at urls.ASSET_*
# A pattern page lists at most this many of its open action items (the rest: the filtered report).
PATTERN_OPEN_ITEMS = 50


class Renderer:
    def __init__(
        self,
        archive: Archive,
        override_dirs: list[str] | None = None,
        fragments: FragmentCache | None = None,
        site_key: Hashable = None,
    ) -> None:
        self.archive = archive
        # Headers and footers reused across `mkdocs serve` rebuilds when all they read is unchanged.
        self.fragments = fragments
        dirs = [Path(d) for d in override_dirs or []] + [TEMPLATES]
        # Everything a cached fragment depends on besides its own postmortem: settings, templates, and
        # the site (`site_key`: docs_dir, URL style...), so a changed mkdocs.yml renders everything again.
        self._signature = (
            (repr(archive.settings), templates_signature(dirs), site_key) if fragments is not None else None
        )
        # Rows are rendered once, with links starting at this marker, and reused on every page
        # (any depth) that lists them: the cost of all lists stays linear in the archive.
        self.marker = fragments.marker if fragments is not None else f"@@root-{secrets.token_hex(8)}@@"
        self._incident_rows: dict[str, str] = {}
        self._action_rows: dict[tuple[str, int], str] = {}
        self._forms: dict[str, Markup] = {}
        self._action_filters: list[tuple[str, str, list[tuple[str, str]]]] | None = None
        self._feeds: frozenset[str] | None = None
        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(d) for d in override_dirs or []]
        loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,  # every front-matter value is untrusted text
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        zone = archive.settings.display_timezone
        self.env.filters.update(
            duration=timefmt.duration,
            timestamp=lambda when: timefmt.timestamp(when, zone),
            number=timefmt.number,
            percent=timefmt.percent,
            slugify=slugify,
            safe_url=safe_url,
        )
        self.env.globals.update(
            archive=archive,
            settings=archive.settings,
            today=archive.settings.today,
            severity_rank=archive.severity_rank,
            facet_page=urls.facet_page,
            facet_index=urls.facet_index,
            INCIDENTS=urls.INCIDENTS,
            PATTERNS=urls.PATTERNS,
            ACTION_ITEMS=urls.ACTION_ITEMS,
            METRICS=urls.METRICS,
            pattern_page=urls.pattern_page,
            taxonomy=archive.settings.taxonomy,
            attribute_getter=operator.attrgetter,
            filter_form=self.filter_form,
            INCIDENTS_JSON=urls.INCIDENTS_JSON,
            ACTION_ITEMS_JSON=urls.ACTION_ITEMS_JSON,
            action_anchor=urls.action_anchor,
            CALENDAR_ALL=urls.CALENDAR_ALL,
            CALENDAR_DIR=urls.CALENDAR_DIR,
            calendar_feed=self.calendar_feed,
        )

    def render(self, name: str, link: urls.Linker, **context: Any) -> str:
        body = self.env.get_template(f"postmortems/{name}").render(link=link, **context)
        # Compact output: drop the blank lines the template tags leave behind.
        # Split on "\n" only: str.splitlines() also splits on characters a value may contain.
        return "\n".join(line for line in body.split("\n") if line.strip(" \t\r"))

    def _facet_pages(self, pm: Postmortem) -> tuple[bool, ...]:
        """Which of pm's services, teams and tags have a facet page (the templates link only those)."""
        m, has = pm.meta, self.archive.has_facet_value
        return tuple(
            has(k, name)
            for k, names in (("services", m.services), ("teams", m.teams), ("tags", m.tags))
            for name in names
        )

    def incident_rows(self, postmortems: Sequence[Postmortem], link: urls.Linker) -> Markup:
        """Rows of an incident table for the page `link` belongs to."""
        out = []
        for pm in postmortems:
            row = self._incident_rows.get(pm.id)
            if row is None:

                def render(pm: Postmortem = pm) -> str:
                    return self.render("incident_row.html", link.rooted(self.marker), pm=pm)

                if self.fragments is not None:
                    row = self.fragments.get("incident-row", pm, (self._signature, self._facet_pages(pm)), render)
                else:
                    row = render()
                self._incident_rows[pm.id] = row
            out.append(row)
        return Markup("\n".join(out).replace(self.marker, link.prefix))

    def action_rows(self, rows: Sequence[ActionRow], link: urls.Linker) -> Markup:
        """Rows of an action-item table for the page `link` belongs to."""
        out = []
        for row in rows:
            key = (row.postmortem.id, row.index)
            html_row = self._action_rows.get(key)
            if html_row is None:

                def render(row: ActionRow = row) -> str:
                    return self.render("action_row.html", link.rooted(self.marker), row=row)

                if self.fragments is not None:
                    # One entry per item: the kind names the item's position in its postmortem.
                    html_row = self.fragments.get(
                        f"action-row-{row.index}", row.postmortem, (self._signature, row), render
                    )
                else:
                    html_row = render()
                self._action_rows[key] = html_row
            out.append(html_row)
        return Markup("\n".join(out).replace(self.marker, link.prefix))

    def filter_form(self, fixed_key: str) -> Markup:
        """The incident lists' filter form (every facet's values): the same on every list page, so made once."""
        if fixed_key not in self._forms:
            template = self.env.get_template("postmortems/_macros.html")
            self._forms[fixed_key] = Markup(template.module.incident_filters(fixed_key))  # type: ignore[attr-defined]
        return self._forms[fixed_key]

    def action_filters(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(name, label, [(value, shown text)]) of each action-item filter, computed once per build."""
        if self._action_filters is None:
            rows = self.archive.actions.rows

            def distinct(values: list[str | None], slug: bool = True) -> list[tuple[str, str]]:
                found = sorted({v for v in values if v}, key=str.lower)
                return [(slugify(v) if slug else v, v) for v in found]

            statuses = ["overdue", "open", "in-progress", "done", "wont-fix"]
            self._action_filters = [
                ("status", "Status", [(s, s) for s in statuses]),
                ("owner", "Owner", distinct([r.owner for r in rows])),
                ("team", "Team", distinct([r.team for r in rows])),
                # Types and priorities are fixed words (validated), used as they are.
                ("type", "Type", distinct([r.item.type for r in rows], slug=False)),
                ("priority", "Priority", distinct([r.priority for r in rows], slug=False)),
                (
                    "pattern",
                    "Failure pattern",
                    [(s.pattern.id, s.pattern.title) for s in self.archive.patterns if s.count],
                ),
            ]
        return self._action_filters

    def calendar_feed(self, kind: str, name: str | None) -> str | None:
        """The site path of the owner's or team's calendar feed, or None when it has none."""
        if self._feeds is None:
            self._feeds = calendar.feed_paths(self.archive.actions.rows)
        path = urls.calendar_feed(kind, slugify(name)) if name else None
        return path if path in self._feeds else None

    def header(self, pm: Postmortem, link: urls.Linker) -> str:
        def render() -> str:
            return self.render("header.html", link, pm=pm)

        if self.fragments is None:
            return render()
        # What header.html reads beyond pm and the settings: which of its values have a facet page.
        m, has = pm.meta, self.archive.has_facet_value
        pages = tuple(
            has(key, name)
            for key, names in (("services", m.services), ("teams", m.teams), ("tags", m.tags))
            for name in names
        )
        return self.fragments.get("header", pm, (self._signature, link.prefix, pages), render)

    def footer(self, pm: Postmortem, link: urls.Linker) -> str:
        related, similar = self.archive.related(pm), self.archive.similar(pm)

        def render() -> str:
            return self.render("footer.html", link, pm=pm, related=related, similar=similar)

        if self.fragments is None:
            return render()
        shown = (tuple(related), tuple((other, tuple(reasons)) for other, reasons in similar))
        return self.fragments.get("footer", pm, (self._signature, link.prefix, shown), render)

    def landing(self, link: urls.Linker) -> str:
        """The home page's generated part: latest postmortems, follow-ups, recurring patterns."""
        home = landing.landing(self.archive)
        return self.render("landing.html", link, home=home, window_days=landing.WINDOW_DAYS)

    def action_items(self, link: urls.Linker, pager: Pager) -> str:
        rows = self.action_rows(pager.rows(self.archive.actions.rows), link)
        return self.render("action_items.html", link, pager=pager, rows_html=rows, filters=self.action_filters())

    def metrics(self, link: urls.Linker) -> str:
        mx = self.archive.metrics
        span, per_period = mx.periods, mx.per_period()
        kinds = ("detect", "mitigate", "resolve")
        rows = {kind: {row.quarter: row for row in mx.durations(kind)} for kind in kinds}
        quarters = sorted({q for kind in kinds for q in rows[kind]})
        completion = mx.actions.by_quarter()
        tops = {field: mx.top(field) for field in ("services", "patterns")}
        pattern_title = self.archive.settings.taxonomy.get
        chart_svgs = {
            "per_month": charts.stacked_bars(
                "per-month",
                f"Incidents per {span.unit} by severity",
                list(span.labels),
                per_period,
                x_title=f"{span.unit.capitalize()} of incident",
                y_title="Incidents",
            ),
            "durations": charts.lines(
                "durations",
                "Median minutes from start, per quarter",
                quarters,
                {f"to {kind}": [rows[kind][q].median if q in rows[kind] else None for q in quarters] for kind in kinds},
                x_title="Quarter of incident",
                y_title="Minutes (median)",
            ),
            "completion": charts.bars(
                "completion",
                "Action items done, % per quarter",
                [t.label for t in completion],
                [t.completion_rate for t in completion],
                x_title="Quarter of incident",
                y_title="Done (%)",
                percent=True,
            ),
            "services": charts.horizontal_bars(
                "services", "Incidents per service", tops["services"], value_title="Incidents"
            ),
            "patterns": charts.horizontal_bars(
                "patterns",
                "Incidents per failure pattern",
                [(pattern_title(p).title, n) for p, n in tops["patterns"]],
                value_title="Incidents",
            ),
        }
        return self.render(
            "metrics.html",
            link,
            charts={name: Markup(svg) for name, svg in chart_svgs.items()},
            durations={"quarters": quarters, **rows},
            span=span,
            per_period=per_period,
            totals=[sum(values[i] for values in per_period.values()) for i in range(len(span.labels))],
            minutes=lambda value: timefmt.duration(dt.timedelta(minutes=value)) if value is not None else "",
        )

    def patterns_index(self, link: urls.Linker) -> str:
        return self.render("patterns_index.html", link, patterns=self.archive.patterns)

    def pattern_intro(self, pattern_id: str, link: urls.Linker) -> str:
        return self.render("pattern_intro.html", link, stats=self.archive.pattern(pattern_id))

    def pattern_details(self, pattern_id: str, link: urls.Linker, pager: Pager) -> str:
        stats = self.archive.pattern(pattern_id)
        open_items = [r for r in self.archive.pattern_action_rows(pattern_id) if r.is_open]
        return self.render(
            "pattern_details.html",
            link,
            stats=stats,
            pager=pager,
            rows_html=self.incident_rows(pager.rows(stats.postmortems), link),
            open_items=self.action_rows(open_items[:PATTERN_OPEN_ITEMS], link),
            open_count=len(open_items),
            open_items_shown=PATTERN_OPEN_ITEMS,
        )

    def incidents(self, link: urls.Linker, pager: Pager) -> str:
        rows = self.incident_rows(pager.rows(self.archive.postmortems), link)
        return self.render("incidents.html", link, pager=pager, rows_html=rows)

    def facet_index(self, facet: Facet, link: urls.Linker) -> str:
        return self.render("facet_index.html", link, facet=facet)

    def facet_page(self, facet: Facet, value: FacetValue, link: urls.Linker, pager: Pager) -> str:
        rows = self.incident_rows(pager.rows(value.postmortems), link)
        return self.render("facet_page.html", link, facet=facet, value=value, pager=pager, rows_html=rows)


def safe_url(value: str | None) -> str | None:
    """The value if it is an http(s) URL, else None (so `javascript:` and friends stay text)."""
    if not value:
        return None
    lowered = value.strip().lower()
    if lowered.startswith(("https://", "http://")) and not any(c in value for c in "\"'<> \t\n"):
        return value.strip()
    return None


def page_meta(title: str) -> dict[str, Any]:
    """Meta of a generated page: escaped title; kept out of the search index; no table of contents.

    Listings are kept out of the search index (a search should land on a postmortem) and have
    no headings, so the table of contents is hidden to give the tables the width.
    """
    return {"title": html.escape(title), "search": {"exclude": True}, "hide": ["toc"]}


def page_markdown(title: str, body_html: str) -> str:
    """A generated page as Markdown: page_meta() as front matter (JSON is valid YAML) + an HTML body."""
    meta = page_meta(title)
    lines = ["---", f"title: {json.dumps(meta['title'])}", "search:", "  exclude: true", "hide:", "  - toc"]
    lines += ["---", "", body_html, ""]
    return "\n".join(lines)
