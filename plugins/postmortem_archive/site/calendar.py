"""iCalendar (RFC 5545) feeds of action items' due dates: one for all, one per owner, one per team.

The rule: a feed holds one all-day event per *open or in-progress* action item that has an
effective due date (its own `due`, or the one its severity's action-item SLO gives, marked so in
the description and the categories), on that date. Done and won't-fix items are absent, not
CANCELLED: a subscribed calendar replaces its copy with the feed on every refresh, so an event
that is gone is removed, while a cancelled event stays on the calendar, struck through, for ever.

There is a feed for every owner and every team named on any action item, open or closed, at
`calendar/owner/<slug>.ics` and `calendar/team/<slug>.ics` (slugs as the action-items page's
filter has them, so the page links the feed of its current filter): when someone's last item
closes, their feed empties instead of vanishing (a subscription to a missing URL shows an error
in most calendar applications). `calendar/all.ics` exists even in an empty archive.

Nothing depends on the clock or the machine, so two builds with the same "today" write the same
bytes:

- UID: `<postmortem id>#pm-action-item-<n>@<site host and path>` (n counts from 1 in the
  postmortem's list, as the anchor on its page): the same item keeps its UID from build to build,
  so a changed due date moves the event instead of adding one; the site's host keeps two archives
  apart.
- DTSTAMP: the build's "today" at 00:00 UTC (the same "today" that decides what is overdue),
  the same for every event of a build.
- SEQUENCE: a number from a hash of the due date and the title, so it changes when either does
  (and only then). It is not monotonic: for a published feed (METHOD:PUBLISH) clients replace
  events by UID on each refresh and never compare it; it exists for those that cache by it.

Text is untrusted: icalendar escapes and folds it (commas, semicolons, backslashes, newlines,
lines over 75 octets); control characters TEXT cannot hold become U+FFFD, CR and CRLF become
line breaks.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar

from postmortem_archive.archive.actions import ActionRow
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.slugs import slugify
from postmortem_archive.site import urls

PRODID = "-//postmortem-archive//action items//EN"
# How often a subscribed calendar should fetch the feed again (RFC 7986; X-PUBLISHED-TTL for
# Outlook and Apple Calendar): a site is rebuilt on each merge and by schedule, not by the minute.
REFRESH = dt.timedelta(hours=12)
NO_HOST = "postmortem-archive.invalid"  # UIDs' domain when the site has no site_url
_END = b"END:VCALENDAR\r\n"
# US-ASCII control characters RFC 5545 TEXT excludes (tab and line feed are kept: tab is allowed,
# a line feed is written as \n).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class FeedSite:
    """What every feed of a site shares."""

    name: str  # site_name, in the calendars' names
    url: str  # site_url ending in "/", or "" (then events carry no URL)
    today: dt.date

    @property
    def uid_domain(self) -> str:
        parts = urlsplit(self.url)
        return (parts.netloc + parts.path.rstrip("/")) or NO_HOST


@dataclass(frozen=True)
class Feed:
    path: str  # site path, e.g. calendar/owner/dana-smith.ics
    name: str  # the calendar's name
    rows: tuple[ActionRow, ...]  # its events' items, in the report's order


def in_feed(row: ActionRow) -> bool:
    return row.is_open and row.due is not None


def text(value: str) -> str:
    """Untrusted text as TEXT can carry it: 'a\\r\\nb' -> 'a\\nb', '\\x00' -> '\\ufffd'."""
    return _CONTROL.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def feeds(rows: Sequence[ActionRow], site_name: str) -> list[Feed]:
    """All, then one per owner and one per team (each named on any item, slugs as the page's
    filter has them; the first spelling in the report's order names the calendar)."""
    out = [Feed(urls.CALENDAR_ALL, f"{site_name}: action items", tuple(r for r in rows if in_feed(r)))]
    for kind, key, label in (("owner", "owner", "action items of {}"), ("team", "team", "action items of team {}")):
        groups: dict[str, list[ActionRow]] = {}
        names: dict[str, str] = {}
        for row in rows:
            name = getattr(row, key)
            if name:
                slug = slugify(name)
                names.setdefault(slug, name)
                groups.setdefault(slug, [])
                if in_feed(row):
                    groups[slug].append(row)
        for slug in sorted(groups):
            out.append(
                Feed(urls.calendar_feed(kind, slug), f"{site_name}: {label.format(names[slug])}", tuple(groups[slug]))
            )
    return out


def feed_paths(rows: Sequence[ActionRow]) -> frozenset[str]:
    """Every feed's site path, without making any (pages use it to link only feeds that exist)."""
    return frozenset(feed.path for feed in feeds(rows, ""))


def uid(row: ActionRow, site: FeedSite) -> str:
    return f"{row.postmortem.id}#{urls.action_anchor(row.index)}@{site.uid_domain}"


def sequence(row: ActionRow) -> int:
    """Changes when the due date or the title does; under 2**28 (SEQUENCE is a 32-bit INTEGER)."""
    assert row.due is not None
    digest = hashlib.sha256(f"{row.due.isoformat()}\n{row.item.title}".encode()).hexdigest()
    return int(digest[:7], 16)


def description(row: ActionRow, url: str | None) -> str:
    item, pm = row.item, row.postmortem
    assert row.due is not None
    lines = [f"Overdue since {(row.due + dt.timedelta(days=1)).isoformat()}."] if row.overdue else []
    lines += [
        f"Postmortem: {pm.title} ({pm.date.isoformat()})",
        f"Severity: {pm.meta.severity}",
        f"Owner: {item.owner or 'unassigned'}",
    ]
    if item.team:
        lines.append(f"Team: {item.team}")
    if item.ticket:
        lines.append(f"Ticket: {item.ticket}")
    if row.priority:
        default = f" (default for {item.type} items)" if row.priority_is_default else ""
        lines.append(f"Priority: {row.priority}{default}")
    lines.append(f"Status: {item.status}")
    due = f"Due: {row.due.isoformat()}"
    if row.due_is_default:
        days = (row.due - pm.date).days
        due += f" (no due date given: the {pm.meta.severity} action-item SLO, {days} days after the incident)"
    lines.append(due)
    if url:
        lines.append(url)
    return "\n".join(lines)


def categories(row: ActionRow) -> list[str]:
    found = ["Action item", row.postmortem.meta.severity, row.item.status]
    found += [value for value in (row.item.type, row.priority) if value]
    if row.overdue:
        found.append("Overdue")
    if row.due_is_default:
        found.append("Due date from SLO")
    return [text(c) for c in found]


def event(row: ActionRow, site: FeedSite, page_url: str) -> icalendar.Event:
    """The item's all-day event (`page_url`: its postmortem's page, absolute, when site.url is set)."""
    assert row.due is not None
    url = f"{page_url}#{urls.action_anchor(row.index)}" if site.url else None
    ev = icalendar.Event()
    ev.add("uid", uid(row, site))
    ev.add("dtstamp", dt.datetime.combine(site.today, dt.time(), tzinfo=dt.UTC))
    ev.add("dtstart", row.due)
    if row.due < dt.date.max:  # without DTEND an all-day event lasts its one day (RFC 5545 3.6.1)
        ev.add("dtend", row.due + dt.timedelta(days=1))
    ev.add("summary", text(row.item.title))
    ev.add("description", text(description(row, url)))
    ev.add("categories", categories(row))
    ev.add("sequence", sequence(row))
    ev.add("transp", "TRANSPARENT")  # a due date does not make its owner busy
    if url:
        ev.add("url", url, parameters={"VALUE": "URI"})
    return ev


def calendar(name: str, events: Iterable[bytes], site: FeedSite) -> str:
    """A VCALENDAR around events already serialized (each is made once and shared by its feeds)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    described = f"Due dates of open action items, as of {site.today.isoformat()}."
    # X- properties have no known type: vText makes icalendar escape them like NAME and DESCRIPTION.
    for key, value in (("name", name), ("x-wr-calname", name), ("description", described), ("x-wr-caldesc", described)):
        cal.add(key, icalendar.vText(text(value)))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    head = cal.to_ical()
    assert head.endswith(_END)
    return (head[: -len(_END)] + b"".join(events) + _END).decode("utf-8")


def feed_texts(rows: Sequence[ActionRow], site: FeedSite, url_of: Callable[[Postmortem], str]) -> dict[str, str]:
    """site path -> feed text, for every feed of `feeds`."""
    made: dict[tuple[str, int], bytes] = {}

    def serialized(row: ActionRow) -> bytes:
        key = (row.postmortem.id, row.index)
        if key not in made:
            made[key] = event(row, site, url_of(row.postmortem)).to_ical()
        return made[key]

    return {feed.path: calendar(feed.name, map(serialized, feed.rows), site) for feed in feeds(rows, site.name)}


def calendar_files(
    rows: Sequence[ActionRow], site: FeedSite, url_of: Callable[[Postmortem], str]
) -> dict[str, Callable[[], str]]:
    """site path -> a function that makes the feed (all are made at the first call, each event once)."""
    every = functools.cache(lambda: feed_texts(rows, site, url_of))
    return {path: functools.partial(lambda p: every()[p], path) for path in sorted(feed_paths(rows))}


def one_feed(rows: Sequence[ActionRow], name: str, site: FeedSite, url_of: Callable[[Postmortem], str]) -> str:
    """One feed of exactly `rows`' open items with a due date (`postmortem actions --format ics`)."""
    return calendar(name, (event(r, site, url_of(r.postmortem)).to_ical() for r in rows if in_feed(r)), site)
