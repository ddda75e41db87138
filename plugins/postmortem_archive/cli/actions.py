"""`postmortem actions`: follow-ups straight from the repository, overdue first."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import click

from postmortem_archive.archive.actions import ActionRow
from postmortem_archive.archive.collection import Archive
from postmortem_archive.cli.common import (
    CONFIG_OPTION,
    CliError,
    SiteInfo,
    cli,
    load_archive,
    page_url,
    require_known,
)
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.slugs import slugify
from postmortem_archive.site import calendar, exports, urls


@cli.command()
@CONFIG_OPTION
@click.option("--open", "only_open", is_flag=True, help="Only open and in-progress items.")
@click.option("--overdue", "only_overdue", is_flag=True, help="Only overdue items.")
@click.option("--owner", help="Only items of this owner (case-insensitive).")
@click.option("--team", help="Only items of this team (case-insensitive).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "ics"]),
    default="table",
    show_default=True,
    help="ics: an iCalendar feed of the selected items that are open and have a due date, as the site's.",
)
@click.option("--fail-on-overdue", is_flag=True, help="Exit 1 when any listed item is overdue (for scheduled CI).")
@click.option("--today", help="Date to judge overdue by (default: $POSTMORTEM_TODAY, the config's today, the clock).")
def actions(
    config_file: Path,
    only_open: bool,
    only_overdue: bool,
    owner: str | None,
    team: str | None,
    fmt: str,
    fail_on_overdue: bool,
    today: str | None,
) -> None:
    """List action items straight from the repository (no build), open and overdue first."""
    site, postmortems = load_archive(config_file)
    settings = site.settings
    if today:
        try:
            settings = replace(settings, today=dt.date.fromisoformat(today))
        except ValueError:
            raise CliError(f"--today must be a date like 2024-03-12, got {today!r}") from None
    rows = Archive(postmortems, settings).actions.rows
    if owner:
        require_known("owner", owner, {r.owner for r in rows if r.owner})
    if team:
        require_known("team", team, {r.team for r in rows if r.team})
    if only_open:
        rows = [r for r in rows if r.is_open]
    if only_overdue:
        rows = [r for r in rows if r.overdue]
    if owner:
        rows = [r for r in rows if (r.owner or "").casefold() == owner.casefold()]
    if team:
        rows = [r for r in rows if (r.team or "").casefold() == team.casefold()]

    def url_of(pm: Postmortem) -> str:
        return page_url(pm.src_path, site)

    if fmt == "ics":
        click.echo(_feed(rows, site, settings.today, owner, team, only_overdue), nl=False)
    elif fmt == "json":
        click.echo(exports.action_items_json(rows, url_of, settings.today), nl=False)
    elif fmt == "csv":
        click.echo(exports.action_items_csv(rows, url_of), nl=False)
    elif not rows:
        click.echo("No matching action items.")
    else:
        click.echo(_table(rows))
    overdue = sum(r.overdue for r in rows)
    if fail_on_overdue and overdue:
        click.echo(f"{overdue} overdue action item{'s' if overdue != 1 else ''} (today is {settings.today})", err=True)
        sys.exit(1)


def _feed(
    rows: list[ActionRow], site: SiteInfo, today: dt.date, owner: str | None, team: str | None, only_overdue: bool
) -> str:
    """The feed the site publishes for the same selection (named as the site names it: all, one
    owner's, one team's), else one named after the filters. --open changes nothing: a feed holds
    open items only."""
    base = site.site_url if site.site_url.endswith("/") or not site.site_url else site.site_url + "/"
    feed_site = calendar.FeedSite(site.site_name, base, today)
    if only_overdue or (owner and team):
        parts = [f"owner {owner}" if owner else "", f"team {team}" if team else "", "overdue" if only_overdue else ""]
        name = f"{site.site_name}: action items ({', '.join(p for p in parts if p)})"
    else:
        path = urls.calendar_feed("owner" if owner else "team", slugify(owner or team or "")) if owner or team else None
        named = {f.path: f.name for f in calendar.feeds(rows, site.site_name)}
        name = named.get(path or urls.CALENDAR_ALL, f"{site.site_name}: action items")
    return calendar.one_feed(rows, name, feed_site, lambda pm: page_url(pm.src_path, site))


def _table(rows: list[ActionRow]) -> str:
    header = ("STATUS", "DUE", "PRIO", "OWNER", "TEAM", "TICKET", "POSTMORTEM", "ACTION ITEM")
    body = [
        (
            f"{r.item.status}{' OVERDUE ' + str(r.days_overdue) + 'd' if r.overdue else ''}",
            f"{r.due.isoformat() if r.due else '-'}{'*' if r.due_is_default else ''}",
            r.priority or "-",
            r.owner or "(none)",
            r.team or "-",
            r.item.ticket or "-",
            r.postmortem.id,
            r.item.title,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1]
        for line in (header, *body)
    ]
    if any(r.due_is_default for r in rows):
        lines.append("* due date from the severity's action-item SLO (none was given)")
    return "\n".join(lines)
