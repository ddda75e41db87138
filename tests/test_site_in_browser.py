"""Every page type in real Chromium at desktop (1400 px) and phone (390 px) widths: no sideways
scrolling, key columns of the lists on screen, a visible focus ring, and the home page's links
opening views that really are filtered. Screenshots are kept for review as test artefacts
($PM_SCREENSHOT_DIR, default test-artifacts/screenshots/)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO
from site_browser import offline_context, require_chromium, serve
from test_accessibility import PAGES, READY

require_chromium()

SHOTS = Path(os.environ.get("PM_SCREENSHOT_DIR", REPO / "test-artifacts" / "screenshots"))
WIDTHS = {"desktop": 1400, "phone": 390}
# Columns a reader needs on each list page, by header text: they must be on screen, not behind a scroll.
KEY_COLUMNS = {
    "incidents": ["Date", "Title", "Severity"],
    "action items": ["Action item", "Owner", "Due", "Status"],
    "facet page": ["Date", "Title", "Severity"],
}
# Columns of running text need room to be read: at least this many CSS pixels wide.
WIDE = {"Title": 150, "Action item": 150}
KEY_CELLS = """(names) => {
  const out = [];
  for (const table of document.querySelectorAll("table.pm-table")) {
    const heads = [...table.tHead.rows[0].cells].map((th) => th.textContent.trim());
    const row = [...table.tBodies[0].rows].find((tr) => !tr.hidden);
    if (!row) continue;
    for (const name of names) {
      const cell = row.cells[heads.indexOf(name)];
      if (!cell) { out.push({name, missing: true}); continue; }
      const box = cell.getBoundingClientRect();
      out.push({name, left: box.left, right: box.right, width: box.width});
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(example_site: Path) -> Iterator[str]:
    with serve(example_site) as url:
        yield url


@pytest.fixture
def open_page(browser: object, server: str) -> Iterator[object]:
    contexts = []

    def open_(path: str, width: int = 1400, scheme: str = "light") -> object:
        context, blocked = offline_context(
            browser, server, viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        contexts.append((context, blocked))
        page = context.new_page()  # type: ignore[attr-defined]
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        page.goto(server + path)
        page.wait_for_load_state("load")
        return page

    yield open_
    for context, blocked in contexts:
        context.close()  # type: ignore[attr-defined]
        assert not blocked, blocked


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen(open_page, name: str, width: str) -> None:
    page = open_page(PAGES[name], WIDTHS[width])
    if name in READY:
        page.wait_for_selector(READY[name])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{re.sub(r'[^a-z0-9]+', '-', name).strip('-')}-{width}.png"), full_page=True)
    scroll_width, inner_width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{name} at {width}: the page scrolls sideways ({scroll_width} > {inner_width})"
    assert not page.errors, page.errors
    if name in KEY_COLUMNS:
        cells = page.evaluate(KEY_CELLS, KEY_COLUMNS[name])
        assert cells, f"{name}: no list found"
        off = [c for c in cells if c.get("missing") or c["left"] < 0 or c["right"] > inner_width]
        # A title squeezed to a few letters per line is on screen but unreadable.
        off += [c for c in cells if c["name"] in WIDE and not c.get("missing") and c["width"] < WIDE[c["name"]]]
        assert not off, f"{name} at {width}: key columns off screen: {off}"


def filtered_rows(page: object, column: str) -> tuple[int, list[str]]:
    """After a filter from the URL applied: 'N of M shown' and the text of `column` in the rows shown."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => /^\\d+ of \\d+ shown/.test(document.querySelector('form.pm-filters output')?.textContent || '')"
    )
    shown = int(page.text_content("form.pm-filters output").split()[0])  # type: ignore[attr-defined]
    cells = page.eval_on_selector_all(  # type: ignore[attr-defined]
        f"table.pm-table tbody tr:not([hidden]) td[data-label='{column}']", "cells => cells.map(c => c.textContent)"
    )
    return shown, cells


def test_home_page_links_open_really_filtered_views(open_page) -> None:
    home = open_page("")
    block = home.locator("section.pm-landing")
    for status in ("overdue", "open", "in-progress"):
        count = int(block.locator(f"dd[data-figure={status}] a").inner_text())
        block.locator(f"dd[data-figure={status}] a").click()
        home.wait_for_url(f"**/action-items/?status={status}")
        shown, cells = filtered_rows(home, "Status")
        assert shown == count == len(cells) and count < 39, (status, shown, count)  # 39 items in all
        assert all(status in cell.split() for cell in cells), (status, cells)
        home.go_back()
    sev1 = block.locator("a[data-severity-link=sev1]")
    expected = int(sev1.inner_text().rsplit(":", 1)[1])
    sev1.click()
    home.wait_for_url("**/incidents/?severity=sev1")
    shown, cells = filtered_rows(home, "Severity")
    assert shown == expected and [c.strip() for c in cells] == ["SEV1"] * expected
    home.go_back()
    pattern = block.locator(".pm-recurring a").first
    pattern_id = pattern.get_attribute("data-pattern")
    total = int(block.locator(".pm-recurring li").first.inner_text().split(" in all")[0].split()[-1])
    pattern.click()
    home.wait_for_url(f"**/patterns/{pattern_id}/")
    listed = home.eval_on_selector_all(".pm-list table.pm-table tbody tr", "rows => rows.length")
    assert listed == total >= 2  # every incident with the pattern, and only those (14 in the archive)


def test_the_introductions_sev1_link_is_filtered(open_page) -> None:
    home = open_page("")
    home.locator("article > ul a", has_text="SEV1 incidents").click()
    home.wait_for_url("**/incidents/?severity=sev1")
    shown, cells = filtered_rows(home, "Severity")
    assert shown == len(cells) > 0 and {c.strip() for c in cells} == {"SEV1"}


FOCUS_RING = """() => {
  let el = document.activeElement;
  const box = el.getBoundingClientRect();
  // A visually hidden control (Material's palette toggle) shows its focus on its visible label.
  if ((box.width === 0 || getComputedStyle(el).opacity === "0") && el.labels) {
    el = [...el.labels].find((label) => label.getBoundingClientRect().width > 0) || el;
  }
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== "none" && (style.outlineStyle === "auto" || parseFloat(style.outlineWidth) >= 2);
  return {tag: el.tagName, text: (el.textContent || el.name || "").trim().slice(0, 30), ring,
          shadow: style.boxShadow !== "none"};
}"""


@pytest.mark.parametrize("path", ["", "incidents/", "action-items/", "metrics/"])
def test_every_focus_stop_shows_a_ring(open_page, path: str) -> None:
    page = open_page(path)
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        seen.append(page.evaluate(FOCUS_RING))
    assert len(seen) >= 10, seen
    invisible = [s for s in seen if not (s["ring"] or s["shadow"])]
    assert not invisible, invisible


@pytest.mark.parametrize("path", ["", "guide/", "2024/2024-03-12-payments-db-failover/"])
def test_links_in_text_are_underlined(open_page, path: str) -> None:
    """Colour alone does not mark a link (axe's check passes on any style difference, so look directly)."""
    page = open_page(path)
    plain = page.eval_on_selector_all(
        "article p a:not(.pm-chip):not(.headerlink), article li a:not(.pm-chip):not(.headerlink)",
        "links => links.filter(a => !getComputedStyle(a).textDecorationLine.includes('underline'))"
        ".map(a => a.textContent.trim())",
    )
    assert not plain, plain
