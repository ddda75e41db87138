"""Filtering, sorting and search in a real headless Chromium (Debian's package, no downloads)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Site
from site_browser import CHROMIUM, as_js_json, require_chromium, serve
from test_site_build import FIXTURE

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = Site(tmp_path_factory.mktemp("browser"))
    for path, text in FIXTURE.items():
        site.add(path, text)
    site.build()
    with serve(site.site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    context = browser.new_context()
    blocked: list[str] = []

    def only_local(route) -> None:
        # The site must work offline: refuse anything that is not our own server, and remember it.
        if route.request.url.startswith(server):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.blocked = blocked
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


TITLES_JS = "[...document.querySelectorAll('table.pm-table tbody tr td:nth-child(2) a')].map(e => e.textContent)"


def visible_titles(page) -> list[str]:
    return page.evaluate(TITLES_JS)


def wait_titles(page, titles: list[str]) -> None:
    """Filtering and sorting fetch the list's JSON first: wait until the table shows `titles`."""
    try:
        page.wait_for_function(
            f"JSON.stringify({TITLES_JS}) === {json.dumps(as_js_json(titles))}",
            timeout=5000,
        )
    except sync_api.TimeoutError:
        assert visible_titles(page) == titles


def test_filters_narrow_the_table_and_live_in_the_url(page, server: str) -> None:
    page.goto(server + "incidents/")
    assert page.is_visible("form.pm-filters"), "the script shows the filters"
    assert visible_titles(page) == ["DNS resolution failures", "Cache stampede", "Database outage"]
    page.select_option("select[name=services]", "payments-api")
    wait_titles(page, ["Cache stampede", "Database outage"])
    assert page.text_content("form.pm-filters output") == "2 of 3 shown"
    assert "services=payments-api" in page.url
    page.select_option("select[name=years]", "2023")
    wait_titles(page, ["Database outage"])
    page.click("form.pm-filters button[type=reset]")
    page.wait_for_function("document.querySelector('form.pm-filters output').textContent === '3 of 3 shown'")
    page.fill("input[name=q]", "stampede")
    wait_titles(page, ["Cache stampede"])


def test_filter_from_a_shared_link(page, server: str) -> None:
    page.goto(server + "incidents/?severity=sev1")
    wait_titles(page, ["Database outage"])


def test_sorting_by_column(page, server: str) -> None:
    page.goto(server + "incidents/")
    page.click("table.pm-table th:nth-child(1) button")  # date: currently descending -> ascending
    wait_titles(page, ["Database outage", "Cache stampede", "DNS resolution failures"])
    page.click("table.pm-table th:nth-child(3) button")  # severity: most severe first
    page.wait_for_function("document.querySelector('table.pm-table th:nth-child(3)').ariaSort === 'ascending'")
    assert visible_titles(page)[0] == "Database outage"
    assert "sort=severity" in page.url and "dir=asc" in page.url


def test_search_finds_a_postmortem_by_its_ticket(page, server: str) -> None:
    page.goto(server)
    page.click(".md-search__input")
    page.wait_for_function("document.querySelector('.md-search-result__meta').textContent.includes('Type to start')")
    page.keyboard.type("ZQX-9001", delay=30)  # Material searches on key events, not on a programmatic fill
    page.wait_for_selector(".md-search-result__item a", timeout=10000)
    links = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.getAttribute('href'))")
    assert any("2023/2023-05-01-db-outage/" in href for href in links), links


def test_metrics_chart_is_visible_offline(page, server: str, tmp_path: Path) -> None:
    from PIL import Image

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "metrics/")
    chart = page.locator("figure.pm-chart svg").first
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    shot = tmp_path / "chart.png"
    chart.screenshot(path=str(shot))
    image = Image.open(shot).convert("RGB")
    # Bars are drawn in the severity colours: count clearly coloured (not grey, not white) pixels.
    pixels = image.tobytes()
    coloured = sum(1 for i in range(0, len(pixels), 3) if max(pixels[i : i + 3]) - min(pixels[i : i + 3]) > 80)
    assert coloured > 5000, f"chart looks empty ({coloured} coloured pixels)"
    assert page.blocked == [], page.blocked  # nothing was fetched from the network
