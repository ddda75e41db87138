"""The action-items page in a real headless Chromium: every filter and sort the README lists
(`?status=overdue&owner=...&team=...&type=...&priority=...&pattern=...&q=...`, `sort`, `dir`, `page`),
on a list of two static pages, so filters and sorts must reach rows that only the second page holds.

What each filter should show is worked out here from the fixture's own values; the order they keep is
the server's (read from the static pages, whose order test_boundaries and test_action_items check).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import TODAY, Site, postmortem
from postmortem_archive.core.slugs import slugify
from site_browser import as_js_json, offline_context, require_chromium, serve

require_chromium()

T = dt.date.fromisoformat(TODAY)
HOSTILE_OWNER = '<img src=x onerror="window.pwned=1">'
# Owners whose filter value (a slug) differs from the name shown; None: no owner.
OWNERS = ["Zoë Ölberg", "ada lovelace", "Bram Stoker", "Chen Wei", None]
TEAMS = ["Núcleo Core", "edge", "Platform Ops"]
TYPES = ["mitigation", "process", "tooling", "architecture", "monitoring"]
PRIORITIES = ["P0", "P1", "P2", "P3"]
STATUSES = ["open", "in-progress", "done", "wont-fix"]
PATTERNS = ["dns", "config-change", "retry-storm"]
N_POSTMORTEMS = 45  # 3 items each: 135 items, two static pages of 100


def definitions() -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(file -> text, item title -> what a filter looks at)."""
    files: dict[str, str] = {}
    items: dict[str, dict[str, Any]] = {}
    k = 0
    for n in range(N_POSTMORTEMS):
        date = dt.date(2023, 1, 5) + dt.timedelta(days=20 * n)
        pm_id = f"{date.isoformat()}-incident-{n:02d}"
        pattern = PATTERNS[n % 3]
        written = []
        for _ in range(3):
            owner = OWNERS[k % 5] if k != 131 else HOSTILE_OWNER  # the hostile one sorts late: page 2
            due = dt.date(2027, 1, 1) + dt.timedelta(days=k) if k % 3 == 0 else date + dt.timedelta(days=30)
            title = f"Item {k:03d} of incident {n:02d}"
            item = {
                "title": title,
                "owner": owner,
                "team": TEAMS[k % 3],
                "type": TYPES[k % 5],
                "priority": PRIORITIES[k % 4],
                "status": STATUSES[k % 4],
                "due": due.isoformat(),
                "ticket": f"TCK-{k:03d}",
            }
            written.append({key: value for key, value in item.items() if value is not None})
            items[title] = {**item, "pattern": pattern, "incident": date.isoformat(), "pm_id": pm_id}
            items[title]["overdue"] = item["status"] in ("open", "in-progress") and due < T
            k += 1
        files[f"{date.year}/{pm_id}.md"] = postmortem(
            title=f"Incident {n:02d}", date=date.isoformat(), patterns=[pattern], action_items=written
        )
    return files, items


FILES, ITEMS = definitions()
ROWS = "[...document.querySelectorAll('table.pm-action-table tbody .pm-item-title')].map(e => e.textContent)"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("action-browser"))
    for path, text in FILES.items():
        site.add(path, text)
    site.build()
    return site


@pytest.fixture(scope="module")
def order(built: Site) -> list[str]:
    """The report's order, from its static pages (without JavaScript, as a crawler reads them)."""
    titles = []
    for path in ("action-items/", "action-items/page/2/"):
        titles += [x.get_text() for x in built.html(path).select("table.pm-action-table .pm-item-title")]
    assert sorted(titles) == sorted(ITEMS) and not (built.site / "action-items" / "page" / "3").exists()
    return titles


@pytest.fixture(scope="module")
def server(built: Site) -> Iterator[str]:
    with serve(built.site) as url:
        yield url


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context, blocked = offline_context(browser, server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors and not blocked, (errors, blocked)


def shown(page: Any, expected: list[str]) -> None:
    """Wait until the table shows exactly `expected` (the JSON rows arrive asynchronously)."""
    try:
        page.wait_for_function(
            f"JSON.stringify({ROWS}) === {json.dumps(as_js_json(expected))}",
            timeout=10000,
        )
    except PlaywrightTimeout:
        assert page.evaluate(ROWS) == expected


def where(order: list[str], **match: Any) -> list[str]:
    return [t for t in order if all(ITEMS[t][k] == v for k, v in match.items())]


def count_text(page: Any) -> str:
    return page.text_content("form.pm-filters output")


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("owner=" + slugify("Zoë Ölberg"), {"owner": "Zoë Ölberg"}),
        ("team=" + slugify("Núcleo Core"), {"team": "Núcleo Core"}),
        ("type=architecture", {"type": "architecture"}),
        ("priority=P3", {"priority": "P3"}),
        ("pattern=retry-storm", {"pattern": "retry-storm"}),
        ("status=done", {"status": "done"}),
        ("status=in-progress", {"status": "in-progress"}),
        ("status=overdue", {"overdue": True}),
        ("owner=" + slugify("Bram Stoker") + "&status=open", {"owner": "Bram Stoker", "status": "open"}),
    ],
)
def test_each_filter_in_the_address_reaches_every_row(page: Any, server: str, order: list[str], query: str, match):
    wanted = where(order, **match)
    # Open items come first in the report, so only filters that keep closed items reach page 2.
    reaches_page_two = any(order.index(t) >= 100 for t in wanted)
    assert wanted and reaches_page_two == (
        match.get("status") not in ("open", "in-progress") and "overdue" not in match
    )
    page.goto(server + f"action-items/?{query}")
    shown(page, wanted[:100])
    assert count_text(page) == f"{len(wanted)} of {len(order)} shown"
    for key, value in (part.split("=") for part in query.split("&")):
        assert page.input_value(f"select[name={key}]") == value


def test_filters_chosen_in_the_form_combine_and_stay_in_the_address(page: Any, server: str, order: list[str]) -> None:
    page.goto(server + "action-items/")
    assert count_text(page) == f"{len(order)} of {len(order)} shown"
    page.select_option("select[name=owner]", label="ada lovelace")
    shown(page, where(order, owner="ada lovelace"))
    assert "owner=ada-lovelace" in page.url
    page.select_option("select[name=team]", label="Platform Ops")
    both = where(order, owner="ada lovelace", team="Platform Ops")
    shown(page, both)
    assert "team=platform-ops" in page.url
    # The text box searches titles, tickets, owners, teams and the incident: here a ticket id.
    last = both[-1]
    assert order.index(last) >= 100
    page.fill("form.pm-filters input[name=q]", ITEMS[last]["ticket"].lower())
    shown(page, [last])
    page.reload()  # a shared link opens the same view
    shown(page, [last])
    assert page.input_value("select[name=owner]") == "ada-lovelace"
    page.click("form.pm-filters button[type=reset]")
    shown(page, order[:100])
    assert page.url.endswith("/action-items/")


def test_text_search_finds_the_incident_and_the_owner(page: Any, server: str, order: list[str]) -> None:
    page.goto(server + "action-items/?q=incident 44")  # the incident's title: its three items
    shown(page, where(order, pm_id=ITEMS["Item 132 of incident 44"]["pm_id"]))
    page.fill("form.pm-filters input[name=q]", "CHEN")  # case-insensitive, the owner's name
    shown(page, where(order, owner="Chen Wei"))


def sort_key(name: str, title: str) -> Any:
    item = ITEMS[title]
    return {
        "owner": (item["owner"] or "\uffff").lower(),
        "due": item["due"],
        "priority": item["priority"],
        "incident": item["incident"],
        "title": title.lower(),
        "status": ("0" if item["overdue"] else "1") + item["status"],
    }[name]


@pytest.mark.parametrize(
    ("column", "name"), [(2, "owner"), (3, "priority"), (4, "due"), (5, "status"), (6, "incident")]
)
def test_sorting_each_column_covers_every_row(page: Any, server: str, order: list[str], column: int, name: str) -> None:
    page.goto(server + "action-items/")
    header = f"table.pm-action-table th:nth-child({column})"
    page.click(f"{header} button")
    ascending = sorted(order, key=lambda t: sort_key(name, t))  # stable: ties keep the report's order
    shown(page, ascending[:100])
    assert page.get_attribute(header, "aria-sort") == "ascending"
    assert f"sort={name}" in page.url and "dir=asc" in page.url
    page.click("nav.pm-pager a[rel=next]")
    shown(page, ascending[100:])
    assert "page=2" in page.url
    page.click(f"{header} button")  # again: descending, from the first page
    descending = sorted(order, key=lambda t: sort_key(name, t), reverse=True)
    # JavaScript's sort keeps ties in the report's order in both directions; Python's reverse=True
    # keeps them too, so the two agree.
    shown(page, descending[:100])
    assert page.get_attribute(header, "aria-sort") == "descending" and "dir=desc" in page.url


def test_page_two_of_a_filtered_sorted_view_from_a_shared_link(page: Any, server: str, order: list[str]) -> None:
    wanted = sorted(where(order), key=lambda t: sort_key("due", t), reverse=True)  # every title says 'item'
    page.goto(server + "action-items/?q=item&sort=due&dir=desc&page=2")
    shown(page, wanted[100:])
    assert page.get_attribute("table.pm-action-table th:nth-child(4)", "aria-sort") == "descending"
    assert page.text_content("nav.pm-pager a[aria-current=page]") == "2"
    page.click("nav.pm-pager a[rel=prev]")
    shown(page, wanted[:100])


def test_owner_markup_is_text_in_rows_and_options(page: Any, server: str, order: list[str]) -> None:
    page.goto(server + "action-items/?owner=" + slugify(HOSTILE_OWNER))
    shown(page, where(order, owner=HOSTILE_OWNER))
    assert page.text_content("table.pm-action-table tbody td[data-label=Owner]") == HOSTILE_OWNER
    assert page.evaluate("document.querySelectorAll('table.pm-action-table img').length") == 0
    assert page.evaluate("window.pwned") is None
    labels = page.eval_on_selector_all("select[name=owner] option", "os => os.map(o => o.textContent)")
    assert HOSTILE_OWNER in labels


FEED_LINKS = """() => [...document.querySelectorAll('p.pm-subscribe a')].filter(a => !a.closest('[hidden]'))
    .map(a => [a.textContent, a.getAttribute('href')])"""


def test_subscribe_links_follow_the_owner_and_team_filters(page: Any, server: str, built: Site) -> None:
    """The calendar link of the current owner and team filter, kept to the filter as it changes;
    each link's feed exists and holds that owner's or team's open items."""
    everyone = ["every open item (.ics)", "../calendar/all.ics"]
    page.goto(server + "action-items/")
    assert page.evaluate(FEED_LINKS) == [everyone]
    owner, team = "Zoë Ölberg", "Núcleo Core"
    page.select_option("select[name=owner]", slugify(owner))
    page.wait_for_function("document.querySelector('span[data-feed=owner]').hidden === false")
    owner_link = [f"open items of {owner} (.ics)", f"../calendar/owner/{slugify(owner)}.ics"]
    assert page.evaluate(FEED_LINKS) == [everyone, owner_link]
    page.select_option("select[name=team]", slugify(team))
    page.wait_for_function("document.querySelector('span[data-feed=team]').hidden === false")
    team_link = [f"open items of team {team} (.ics)", f"../calendar/team/{slugify(team)}.ics"]
    assert page.evaluate(FEED_LINKS) == [everyone, owner_link, team_link]
    for _, href in (owner_link, team_link):  # the links resolve to feeds the build wrote
        feed = built.site / "action-items" / href
        assert feed.resolve().is_file() and "BEGIN:VCALENDAR" in feed.read_text(encoding="utf-8")
    assert f"X-WR-CALNAME:Fixture archive: action items of {owner}" in (
        built.site / "calendar" / "owner" / f"{slugify(owner)}.ics"
    ).read_text(encoding="utf-8")
    page.select_option("select[name=owner]", "")
    page.wait_for_function("document.querySelector('span[data-feed=owner]').hidden === true")
    assert page.evaluate(FEED_LINKS) == [everyone, team_link]
    page.click("form.pm-filters button[type=reset]")
    page.wait_for_function("document.querySelector('span[data-feed=team]').hidden === true")
    assert page.evaluate(FEED_LINKS) == [everyone]


def test_subscribe_link_of_a_shared_link_and_of_markup(page: Any, server: str) -> None:
    """From the address: the owner's feed; a hostile owner's name is text in the link; an owner
    the archive does not have gets no link."""
    page.goto(server + "action-items/?owner=" + slugify(HOSTILE_OWNER))
    page.wait_for_function("document.querySelector('span[data-feed=owner]').hidden === false")
    text, href = page.evaluate(FEED_LINKS)[1]
    assert text == f"open items of {HOSTILE_OWNER} (.ics)" and href == f"../calendar/owner/{slugify(HOSTILE_OWNER)}.ics"
    assert page.evaluate("document.querySelectorAll('p.pm-subscribe img').length") == 0
    page.goto(server + "action-items/?owner=nobody-at-all")
    page.wait_for_function("document.querySelector('p.pm-notice').hidden === false")
    assert page.evaluate(FEED_LINKS) == [["every open item (.ics)", "../calendar/all.ics"]]
