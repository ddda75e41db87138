"""Scale (issue 12): paginated lists with a JSON of every row, bounded similar incidents, serve rebuilds.

The structure of a 200-postmortem synthetic archive is checked here; its speed is not (see benchmarks/).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

from conftest import REPO, Site, postmortem
from postmortem_archive.archive.collection import SIMILAR_WINDOW, Archive
from postmortem_archive.core.loader import load_one
from postmortem_archive.core.settings import Settings
from postmortem_archive.plugin import PostmortemsPlugin
from postmortem_archive.site import paginate

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import postmortems as synthetic_postmortems

N = 200
SIZE = paginate.PAGE_SIZE


def test_page_uris_and_links() -> None:
    assert paginate.page_uri("incidents/index.md", 1) == "incidents/index.md"
    assert paginate.page_uri("incidents/index.md", 2) == "incidents/page/2.md"
    assert paginate.page_uri("tags/db.md", 3) == "tags/db/page/3.md"
    assert paginate.page_count(0) == 1 and paginate.page_count(100) == 1 and paginate.page_count(101) == 2
    pager = paginate.Pager("incidents/index.md", 6, 1000)
    assert (pager.count, pager.start, pager.end) == (10, 500, 600)
    assert pager.numbers() == [1, None, 4, 5, 6, 7, 8, None, 10]
    assert paginate.Pager("x.md", 1, 250).numbers() == [1, 2, 3]
    assert paginate.Pager("x.md", 3, 250).rows(list(range(250))) == list(range(200, 250))


def test_similar_incidents_come_from_a_bounded_window() -> None:
    """Every incident shares one tag: only the SIMILAR_WINDOW nearest in time are candidates."""
    settings = Settings(today=dt.date(2026, 1, 1))
    first = dt.date(2020, 1, 1)
    pms = []
    for i in range(300):
        day = (first + dt.timedelta(days=i)).isoformat()
        loaded = load_one(
            f"2020/{day}-i{i:03d}.md", postmortem(title=f"I{i}", date=day, tags=["shared"]).encode(), settings
        )
        assert not isinstance(loaded, list), loaded
        pms.append(loaded)
    archive = Archive(pms, settings)
    oldest = archive.by_id[pms[0].id]
    shown = [other.meta.title for other, _ in archive.similar(oldest)]
    # Unbounded, equal scores would rank the newest (I299, I298...) first; bounded, the window
    # around the oldest is I0..I63, whose newest come first.
    assert shown == [f"I{i}" for i in range(SIMILAR_WINDOW - 1, SIMILAR_WINDOW - 6, -1)]
    middle = archive.by_id[pms[150].id]
    found = [int(other.meta.title[1:]) for other, _ in archive.similar(middle)]
    assert all(abs(i - 150) <= SIMILAR_WINDOW // 2 for i in found), found
    assert next(reasons for _, reasons in archive.similar(middle)) == ["same tag: shared"]


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("synthetic"))
    for path, text in synthetic_postmortems(N):
        site.add(path, text)
    site.build()
    return site


def rows_json(site: Site, path: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = json.loads((site.site / path).read_text(encoding="utf-8"))
    return data, [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]]


def table_rows(site: Site, url: str, table: str = "table.pm-table") -> list[Any]:
    return site.html(url).select(f"{table} tbody tr")


def test_incident_pages_cover_every_postmortem_once(synthetic_site: Site) -> None:
    published = [text for _, text in synthetic_postmortems(N) if "status: draft" not in text]
    _, rows = rows_json(synthetic_site, "incidents/rows.json")
    assert len(rows) == len(published)  # the JSON covers every row
    pages = paginate.page_count(len(rows))
    assert pages >= 2
    seen = []
    for number in range(1, pages + 1):
        url = "incidents/" if number == 1 else f"incidents/page/{number}/"
        trs = table_rows(synthetic_site, url)
        assert len(trs) == (SIZE if number < pages else len(rows) - SIZE * (pages - 1))
        seen += [tr.select_one("td:nth-of-type(2) a").get_text() for tr in trs]
    assert seen == [r["title"] for r in rows]  # static pages and JSON agree on every row and the order
    assert not (synthetic_site.site / "incidents" / "page" / "1").exists()
    assert not (synthetic_site.site / "incidents" / "page" / str(pages + 1)).exists()


def test_pager_links_every_page_without_javascript(synthetic_site: Site) -> None:
    nav = synthetic_site.html("incidents/").select_one("nav.pm-pager")
    links = {a.get_text(): a["href"] for a in nav.select("a")}
    # Links go via the site root (rows and pagers are shared by pages at every depth).
    assert links["1"] == "../incidents/" and links["2"] == links["Next \u203a"] == "../incidents/page/2/"
    assert nav.select_one("a[aria-current=page]").get_text() == "1"
    back = synthetic_site.html("incidents/page/2/").select_one("nav.pm-pager")
    assert {a.get_text(): a["href"] for a in back.select("a")}["\u2039 Previous"] == "../../../incidents/"


def test_action_item_pages_put_open_and_overdue_first(synthetic_site: Site) -> None:
    _, rows = rows_json(synthetic_site, "action-items/rows.json")
    published = [text for _, text in synthetic_postmortems(N) if "status: draft" not in text]
    assert len(rows) == sum(text.count("\n  ticket: ") for text in published)
    states = [0 if r["days_overdue"] else 1 if r["status"] in ("open", "in-progress") else 2 for r in rows]
    assert states == sorted(states) and states[0] == 0
    pages = paginate.page_count(len(rows))
    last = table_rows(synthetic_site, f"action-items/page/{pages}/")
    assert [tr.select_one(".pm-item-title").get_text() for tr in last] == [
        r["title"] for r in rows[SIZE * (pages - 1) :]
    ]
    first = table_rows(synthetic_site, "action-items/")
    assert len(first) == SIZE and all("pm-overdue" in tr["class"] for tr in first[: states.count(0)][:SIZE])


def test_facet_and_pattern_pages_are_paginated(synthetic_site: Site) -> None:
    _, rows = rows_json(synthetic_site, "incidents/rows.json")
    data, _ = rows_json(synthetic_site, "incidents/rows.json")
    biggest = max(
        data["facets"]["severity"], key=lambda v: sum(data["facets"]["severity"][r["severity"]] == v for r in rows)
    )
    count = sum(data["facets"]["severity"][r["severity"]] == biggest for r in rows)
    assert count > SIZE
    slug = biggest[0]
    assert len(table_rows(synthetic_site, f"severity/{slug}/")) == SIZE
    assert len(table_rows(synthetic_site, f"severity/{slug}/page/2/")) == min(SIZE, count - SIZE)
    patterns = data["facets"]["patterns"]
    pattern = max(patterns, key=lambda p: sum(patterns.index(p) in r["patterns"] for r in rows))
    with_pattern = sum(patterns.index(pattern) in r["patterns"] for r in rows)
    shown = table_rows(synthetic_site, f"patterns/{pattern[0]}/", ".pm-pattern-details table.pm-incident-table")
    assert len(shown) == min(SIZE, with_pattern)


def test_first_views_are_small_and_further_pages_stay_out_of_search_and_nav(synthetic_site: Site) -> None:
    for html in synthetic_site.site.rglob("index.html"):
        assert html.stat().st_size < 1_000_000, html
    page2 = synthetic_site.html("incidents/page/2/")
    assert not page2.select("[data-pagefind-body]")
    sidebar = [a["href"] for a in synthetic_site.html("").select("nav.md-nav--primary a[href]")]
    assert sidebar and not [href for href in sidebar if "/page/" in href]
    for url in ("incidents/", "action-items/"):
        attrs = synthetic_site.html(url).select_one("[data-pm-list]").attrs
        assert attrs["data-size"] == str(SIZE) and attrs["data-rows"].endswith("rows.json")


def serving(tmp_path: Path) -> tuple[dict[str, str], Site, Site, MkDocsConfig, PostmortemsPlugin]:
    """30 synthetic postmortems in a site configured as `mkdocs serve` does (its plugin object
    survives rebuilds), and an empty site for the clean build to compare with."""
    files = dict(synthetic_postmortems(30))
    served, fresh = Site(tmp_path / "served"), Site(tmp_path / "fresh")
    for path, text in files.items():
        served.add(path, text)
    config = load_config(str(served.write_config()), strict=True)
    config.plugins.on_startup(command="serve", dirty=False)
    plugin = config.plugins["postmortems"]
    assert isinstance(plugin, PostmortemsPlugin)
    return files, served, fresh, config, plugin


def test_serve_rebuild_reuses_unchanged_work_and_matches_a_clean_build(tmp_path: Path) -> None:
    """Like `mkdocs serve`: one plugin object, an edit, a rebuild; the result equals a fresh build."""
    files, served, fresh, config, plugin = serving(tmp_path)
    try:
        build(config)
        edited = sorted(files)[7]
        # A new title shows on other pages too (their related and similar incidents, the lists).
        text = files[edited].replace("## Summary\n", "## Summary\n\nEdited under serve.\n", 1)
        files[edited] = text.replace("\ntitle: ", "\ntitle: Retitled ", 1)
        served.add(edited, files[edited])
        again = load_config(str(served.write_config()), strict=True)
        assert again.plugins["postmortems"] is plugin  # MkDocs keeps plugins that have on_startup
        build(again)
    finally:
        config.plugins.on_shutdown()
    published = sum("status: draft" not in text for text in files.values())
    assert plugin.serve.parse.hits == len(files) - 1  # only the edited file was parsed again
    assert plugin.serve.fragments.hits >= published  # most headers and footers were reused
    assert plugin.serve.conversions.hits == len(files) - 1  # only the edited postmortem went through Markdown again
    for path, text in files.items():
        fresh.add(path, text)
    fresh.plugin_options["drafts"] = "include"  # serve previews drafts
    fresh.build()
    url = Path(edited).with_suffix("").as_posix() + "/"
    assert "Edited under serve." in served.html(url).get_text()
    pages = [Path(path).with_suffix("").as_posix() + "/" for path in files] + ["incidents/", "action-items/"]
    for page in pages:
        served_page, fresh_page = served.html(page), fresh.html(page)
        assert str(served_page.select_one("article")) == str(fresh_page.select_one("article")), page
        # The table of contents comes back with a reused conversion.
        toc = "nav.md-nav--secondary"
        assert str(served_page.select_one(toc)) == str(fresh_page.select_one(toc)), page
    assert sum("Retitled" in served.html(page).get_text() for page in pages) > 3  # not only on its own page


def test_serve_reuses_generated_pages_while_only_bodies_change(tmp_path: Path) -> None:
    """A body edit changes no list: every generated page is put back whole; a front-matter edit
    renders them all again. Both rebuilds equal a clean build."""
    files, served, fresh, config, plugin = serving(tmp_path)
    edited = sorted(files)[4]
    lists = ["incidents/", "action-items/", "metrics/", "services/", "tags/"]
    try:
        build(config)
        generated = len(plugin.assembly.generated)
        files[edited] = files[edited].replace("## Summary\n", "## Summary\n\nA body edit.\n", 1)
        served.add(edited, files[edited])
        build(load_config(str(served.write_config()), strict=True))
        assert plugin.serve.pages.hits == generated > 20
        body_edit = {url: str(served.html(url).select_one("article")) for url in lists}
        files[edited] = files[edited].replace("\ntitle: ", "\ntitle: Retitled ", 1)
        served.add(edited, files[edited])
        build(load_config(str(served.write_config()), strict=True))
        assert plugin.serve.pages.hits == 0, "a front-matter edit renders every generated page again"
    finally:
        config.plugins.on_shutdown()
    for path, text in files.items():
        fresh.add(path, text)
    fresh.plugin_options["drafts"] = "include"  # serve previews drafts
    fresh.build()
    assert "Retitled" in served.html("incidents/").get_text()
    for url in lists:
        assert str(served.html(url).select_one("article")) == str(fresh.html(url).select_one("article")), url
        assert body_edit[url] == str(fresh.html(url).select_one("article")).replace("Retitled ", ""), url


def test_serve_checks_a_reused_postmortems_anchors_against_this_builds_pages(tmp_path: Path) -> None:
    """A postmortem whose conversion is reused under serve links to a heading of another page;
    that heading is removed. The rebuild checks the link against the page as it is now (MkDocs
    reports the missing anchor), not against the last build's page, which is still in memory."""
    files, served, _, config, plugin = serving(tmp_path)
    source, target = sorted(files)[2], sorted(files)[9]
    files[target] += "\n## Follow-up notes\n\nNone yet.\n"
    files[source] += f"\nSee [its notes](../{target}#follow-up-notes).\n"
    for path in (source, target):
        served.add(path, files[path])
    served.extra_config["validation"] = {"anchors": "warn"}
    # Plugins after ours see each page's own Markdown, also where the conversion was reused.
    (served.root / "hooks.py").write_text(
        "EMPTY = []\n\ndef on_page_content(html, page, config, files):\n"
        "    if not page.markdown.strip():\n        EMPTY.append(page.file.src_uri)\n",
        encoding="utf-8",
    )
    served.extra_config["hooks"] = ["hooks.py"]
    records: list[Any] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        build(load_config(str(served.write_config()), strict=True))
        assert not records
        served.add(target, files[target].replace("## Follow-up notes", "## Notes", 1))
        build(load_config(str(served.write_config()), strict=False))  # strict would stop at the warning
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
        config.plugins.on_shutdown()
    assert plugin.serve.conversions.hits >= len(files) - 2, "the linking postmortem's conversion was reused"
    hooks = [h for h in sys.modules.values() if getattr(h, "__file__", None) == str(served.root / "hooks.py")]
    assert hooks and all(h.EMPTY == [] for h in hooks)  # type: ignore[attr-defined]
    warnings = [r.getMessage() for r in records]
    for record in records:
        record.expected = True
    assert any("#follow-up-notes" in w and "does not contain an anchor" in w for w in warnings), warnings
