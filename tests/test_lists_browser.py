"""Paginated lists in a real headless Chromium: filters and sorting reach every row, the URL keeps
them, the first page works without JavaScript, and the layout fits at 1400 and 390 px."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import REPO, Site, postmortem
from site_browser import CHROMIUM, as_js_json, serve
from test_browser import sync_api

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import postmortems as synthetic_postmortems

N = 230
HOSTILE = '<img src=x onerror="window.pwned=1">'


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("lists"))
    for path, text in synthetic_postmortems(N):
        site.add(path, text)
    # The oldest incident of all, with markup in its title: it sorts first by date, from the last static page.
    site.add("2017/2017-01-01-hostile.md", postmortem(title=HOSTILE, date="2017-01-01", services=["zz-oldest"]))
    site.build()
    return site


@pytest.fixture(scope="module")
def server(built: Site) -> Iterator[str]:
    with serve(built.site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def new_page(browser: Any, server: str, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    page = new_page(browser, server)
    yield page
    errors = page.errors
    page.context.close()
    assert not errors, errors


def rows(built: Site, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = json.loads((built.site / name / "rows.json").read_text(encoding="utf-8"))
    return data, [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]]


TITLES = "[...document.querySelectorAll('table.pm-table tbody tr td:nth-child(2) a')].map(e => e.textContent)"
ITEMS = "[...document.querySelectorAll('table.pm-action-table tbody .pm-item-title')].map(e => e.textContent)"


def wait_for(page: Any, script: str, expected: list[str]) -> None:
    try:
        page.wait_for_function(
            f"JSON.stringify({script}) === {json.dumps(as_js_json(expected))}",
            timeout=10000,
        )
    except sync_api.TimeoutError:
        assert page.evaluate(script) == expected


def test_filter_reaches_rows_beyond_the_first_page(page: Any, server: str, built: Site) -> None:
    _, incidents = rows(built, "incidents")
    first_page = [r["title"] for r in incidents[:100]]
    oldest_year = incidents[-1]["date"][:4]
    older = sorted({r["date"][:4] for r in incidents})[1]  # a year whose rows all lie past page 1
    wanted = [r["title"] for r in incidents if r["date"][:4] == older]
    assert wanted and not set(wanted) & set(first_page) and oldest_year == "2017"
    page.goto(server + "incidents/")
    page.select_option("select[name=years]", older)
    wait_for(page, TITLES, wanted[:100])
    assert page.text_content("form.pm-filters output") == f"{len(wanted)} of {len(incidents)} shown"
    assert f"years={older}" in page.url


def test_sorting_covers_every_row_and_pages_stay_in_the_url(page: Any, server: str, built: Site) -> None:
    _, incidents = rows(built, "incidents")
    page.goto(server + "incidents/")
    page.click("table.pm-table th:nth-child(1) button")  # date, ascending: the oldest is on the last static page
    expected = [r["title"] for r in sorted(incidents, key=lambda r: r["date"])]
    wait_for(page, TITLES, [r for r in expected[:100]])
    # Markup in a title from the JSON is text, never HTML.
    assert page.text_content("table.pm-table tbody tr:first-child td:nth-child(2) a") == HOSTILE
    assert page.evaluate("document.querySelectorAll('table.pm-table tbody img').length") == 0
    assert page.evaluate("window.pwned") is None
    page.click("nav.pm-pager a[rel=next]")
    wait_for(page, TITLES, expected[100:200])
    assert "sort=date" in page.url and "dir=asc" in page.url and "page=2" in page.url
    page.goto(page.url)  # a shared link opens the same page of the same sort
    wait_for(page, TITLES, expected[100:200])
    assert page.get_attribute("table.pm-table th:nth-child(1)", "aria-sort") == "ascending"
    assert page.get_attribute("nav.pm-pager a[aria-current=page]", "href").endswith("page=2")


def test_action_item_filters_reach_every_row(page: Any, server: str, built: Site) -> None:
    data, items = rows(built, "action-items")
    owner = max(
        data["owners"], key=lambda o: sum(data["owners"][r["owner"]] == o for r in items if r["owner"] is not None)
    )
    wanted = [r["title"] for r in items if r["owner"] is not None and data["owners"][r["owner"]] == owner]
    page.goto(server + f"action-items/?owner={owner[0]}")
    wait_for(page, ITEMS, wanted[:100])
    page.select_option("select[name=status]", "overdue")
    overdue = [r["title"] for r in items if r["days_overdue"] and data["owners"][r["owner"]] == owner]
    wait_for(page, ITEMS, overdue)
    shown = "[...document.querySelectorAll('table.pm-action-table tbody tr')]"
    assert page.evaluate(f"{shown}.every(tr => tr.classList.contains('pm-overdue'))")


def test_a_value_in_the_url_that_matches_nothing_is_named(page: Any, server: str) -> None:
    page.goto(server + "incidents/?services=no-such-service")
    page.wait_for_selector(".pm-notice:not([hidden])")
    assert page.text_content(".pm-notice") == (
        "No service “no-such-service” in this archive. No incidents match these filters."
    )
    assert page.evaluate("document.querySelectorAll('table.pm-table tbody tr').length") == 0
    assert page.input_value("select[name=services]") == "no-such-service"


def test_without_javascript_the_first_page_reads_and_links_the_rest(browser: Any, server: str, built: Site) -> None:
    _, incidents = rows(built, "incidents")
    page = new_page(browser, server, java_script_enabled=False)
    try:
        page.goto(server + "incidents/")
        assert not page.is_visible("form.pm-filters")
        assert page.locator("table.pm-table tbody tr").count() == 100
        page.click("nav.pm-pager a[rel=next]")
        page.wait_for_url("**/incidents/page/2/")
        titles = page.locator("table.pm-table tbody tr td:nth-child(2) a").all_text_contents()
        assert titles == [r["title"] for r in incidents[100:200]]
        last = page.locator("nav.pm-pager a").filter(has_text="3")
        last.click()
        page.wait_for_url("**/incidents/page/3/")
        assert page.locator("table.pm-table tbody tr").count() == len(incidents) - 200
    finally:
        page.context.close()


@pytest.mark.parametrize("url", ["incidents/", "action-items/"])
def test_layout_fits_wide_screens_and_stacks_on_phones(browser: Any, server: str, url: str) -> None:
    page = new_page(browser, server, viewport={"width": 1400, "height": 900})
    try:
        page.goto(server + url)
        scroll = "document.querySelector('.pm-list .pm-scroll')"
        wide = page.evaluate(f"[{scroll}.scrollWidth, {scroll}.clientWidth]")
        assert wide[0] <= wide[1], f"{url} scrolls sideways at 1400 px: {wide}"
        page.set_viewport_size({"width": 390, "height": 844})
        narrow = page.evaluate(
            "(() => { const s = document.querySelector('.pm-list .pm-scroll');"
            " const tr = s.querySelector('tbody tr');"
            " return [s.scrollWidth, s.clientWidth, getComputedStyle(tr).display]; })()"
        )
        assert narrow[0] <= narrow[1] and narrow[2] == "block", f"{url} at 390 px: {narrow}"
        nowrap = "[...document.querySelectorAll('.pm-list tbody .pm-chip, .pm-list tbody time, .pm-list .pm-ticket')]"
        assert page.evaluate(f"{nowrap}.every(e => getComputedStyle(e).whiteSpace === 'nowrap')")
        page.set_viewport_size({"width": 1400, "height": 900})
        th = page.locator("table.pm-table th[data-sort]").nth(1)
        assert th.locator("button").count() == 1
        box = th.bounding_box()
        th.click(position={"x": box["width"] - 3, "y": box["height"] - 3})  # the whole cell is the button
        page.wait_for_function("document.querySelectorAll('table.pm-table th[data-sort]')[1].ariaSort === 'ascending'")
        th.locator("button").focus()
        page.keyboard.press("Enter")  # and a keyboard reaches and works it
        page.wait_for_function("document.querySelectorAll('table.pm-table th[data-sort]')[1].ariaSort === 'descending'")
    finally:
        page.context.close()
