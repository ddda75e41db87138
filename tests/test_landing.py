"""The home page's generated block (pure function and built page), and drafts never counted anywhere."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import TODAY, Site, postmortem
from postmortem_archive.archive.collection import Archive
from postmortem_archive.core.loader import load_all
from postmortem_archive.core.settings import Settings
from postmortem_archive.site.landing import WINDOW_DAYS, landing

DAY = dt.date.fromisoformat(TODAY)
SINCE = DAY - dt.timedelta(days=WINDOW_DAYS - 1)  # first day inside the window


def item(status: str, due: str, **extra: object) -> dict[str, object]:
    return {"title": f"Fix {status} {due}", "owner": "Sam Park", "due": due, "status": status, **extra}


# Dates at the window's edges; every status; an item due today (not overdue) and one due yesterday.
ARCHIVE = {
    "2026/2026-11-20-newest.md": postmortem(
        title="Newest <b>incident</b>",
        date="2026-11-20",
        severity="SEV1",
        services=["payments-api"],
        patterns=["retry-storm"],
        action_items=[item("open", TODAY), item("open", str(DAY - dt.timedelta(days=1))), item("in-progress", TODAY)],
    ),
    "2026/2026-08-26-window-start.md": postmortem(
        title="On the first day of the window",
        date=SINCE.isoformat(),
        severity="SEV2",
        patterns=["config-change"],
        action_items=[item("in-progress", "2026-09-01"), item("done", "2026-09-01", completed="2026-08-30")],
    ),
    "2026/2026-08-25-before-window.md": postmortem(
        title="The day before the window",
        date=(SINCE - dt.timedelta(days=1)).isoformat(),
        severity="SEV3",
        patterns=["dns", "config-change"],
        action_items=[item("wont-fix", "2026-09-01")],
    ),
    "2025/2025-01-10-old.md": postmortem(
        title="Old incident", date="2025-01-10", severity="SEV2", patterns=["retry-storm", "certificate-expiry"]
    ),
    "2024/2024-01-10-older.md": postmortem(title="Older incident", date="2024-01-10", severity="SEV4"),
    "2023/2023-01-10-oldest.md": postmortem(title="Oldest incident", date="2023-01-10", severity="SEV3"),
    "2026/2026-11-21-draft.md": postmortem(
        title="Draft incident",
        date="2026-11-21",
        severity="SEV1",
        status="draft",
        summary=None,
        services=["draft-only-service"],
        tags=["draft-only-tag"],
        patterns=["certificate-expiry", "dns"],
        action_items=[item("open", "2026-01-01")],
    ),
}


def archive_of(files: dict[str, str], **settings: object) -> Archive:
    config = Settings(**{"today": DAY, **settings})  # type: ignore[arg-type]
    return Archive(load_all(((path, text.encode()) for path, text in files.items()), config), config)


def test_latest_counts_and_recurring_patterns() -> None:
    home = landing(archive_of(ARCHIVE))
    assert home.today == DAY and home.since == SINCE
    assert home.total == 6
    assert [pm.title for pm in home.latest] == [
        "Newest <b>incident</b>",
        "On the first day of the window",
        "The day before the window",
        "Old incident",
        "Older incident",
    ]
    assert home.by_severity == [("SEV1", 1), ("SEV2", 2), ("SEV3", 2), ("SEV4", 1)]
    # Overdue: the open item due yesterday and the in-progress one due 2026-09-01; due today is not overdue.
    assert (home.overdue, home.open, home.in_progress) == (2, 2, 2)
    assert home.completion_rate == pytest.approx(1 / 5)  # 1 done of 6 items, 1 won't fix
    # retry-storm: in the window and seen before; config-change: first day of the window + the day before;
    # dns: only the day before the window (and the draft); certificate-expiry: once, plus the draft.
    assert [(r.pattern.id, r.recent, r.total, r.last_seen) for r in home.recurring] == [
        ("retry-storm", 1, 2, dt.date(2026, 11, 20)),
        ("config-change", 1, 2, SINCE),
    ]


def test_a_first_occurrence_is_not_a_recurrence_and_the_window_is_90_days() -> None:
    files = {path: text for path, text in ARCHIVE.items() if "old" not in path}
    home = landing(archive_of(files))
    assert [r.pattern.id for r in home.recurring] == ["config-change"]  # retry-storm only seen once now
    later = archive_of(ARCHIVE, today=DAY + dt.timedelta(days=1))  # the window moves past 2026-08-26
    assert [r.pattern.id for r in landing(later).recurring] == ["retry-storm"]


def test_empty_archive_and_one_postmortem() -> None:
    empty = landing(archive_of({}))
    assert (empty.total, empty.latest, empty.recurring, empty.overdue, empty.completion_rate) == (0, [], [], 0, None)
    one = landing(archive_of({"2026/2026-11-23-today.md": postmortem(title="Today", date=TODAY, patterns=["dns"])}))
    assert one.total == 1 and [pm.title for pm in one.latest] == ["Today"] and one.recurring == []


def test_drafts_are_never_counted_even_when_included() -> None:
    included = archive_of(ARCHIVE, include_drafts=True)
    assert "2026-11-21-draft" in included.by_id  # built and listed, so authors can preview it
    assert landing(included) == landing(archive_of(ARCHIVE))
    assert not included.has_facet_value("services", "draft-only-service")
    assert [pm.title for pm in included.metrics.postmortems] == [pm.title for pm in included.published]
    assert all(not row.postmortem.is_draft for row in included.actions.rows)
    assert [row.item.title for row in included.action_rows(included.by_id["2026-11-21-draft"])] == [
        "Fix open 2026-01-01"
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("landing"))
    for path, text in ARCHIVE.items():
        site.add(path, text)
    site.add("index.md", "# Our incidents\n\nThe hand-written introduction.\n")
    site.build()
    return site


def test_home_page_shows_the_block_above_the_introduction(built: Site, text_of) -> None:
    soup = built.html("")
    article = soup.select_one("article")
    block = article.select_one("section.pm-landing")
    assert block is not None and block["data-pagefind-ignore"] == "all"
    order = [el.name for el in article.find_all(["h1", "section", "p"], recursive=False)]
    assert order[:3] == ["h1", "section", "p"] and "hand-written introduction" in text_of(block.find_next_sibling("p"))
    latest = [(a.get_text(), a["href"]) for a in block.select(".pm-latest a")]
    assert latest[0] == ("Newest <b>incident</b>", "2026/2026-11-20-newest/")  # escaped, not markup
    assert not block.select(".pm-latest b")
    figures = {
        dd["data-figure"]: (dd.get_text(strip=True), dd.a["href"] if dd.a else None) for dd in block.select("dd")
    }
    assert figures == {
        "overdue": ("2", "action-items/?status=overdue"),
        "open": ("2", "action-items/?status=open"),
        "in-progress": ("2", "action-items/?status=in-progress"),
        "completion": ("20%", None),
    }
    severity_links = {a["data-severity-link"]: a["href"] for a in block.select("a[data-severity-link]")}
    assert severity_links["sev1"] == "incidents/?severity=sev1"
    patterns = [(a["data-pattern"], a["href"]) for a in block.select(".pm-recurring a")]
    assert patterns == [("retry-storm", "patterns/retry-storm/"), ("config-change", "patterns/config-change/")]
    for href in [h for _, h in latest + patterns] + list(severity_links.values()):
        assert (built.site / href.split("?")[0] / "index.html").is_file(), href


def test_every_count_on_the_home_page_matches_its_filtered_view(built: Site) -> None:
    """The filters the links open (data-status / data-severity) select exactly the counted rows."""
    block = built.html("").select_one("section.pm-landing")
    # The lists filter from their JSON (every row, not just the first page): count the same way.
    items = json.loads((built.site / "action-items" / "rows.json").read_text(encoding="utf-8"))
    f = {name: i for i, name in enumerate(items["fields"])}
    for status in ("overdue", "open", "in-progress"):
        shown = [r for r in items["rows"] if status in ([r[f["status"]]] + ["overdue"] * (r[f["days_overdue"]] > 0))]
        assert str(len(shown)) == block.select_one(f"dd[data-figure={status}]").get_text(strip=True), status
    incidents = json.loads((built.site / "incidents" / "rows.json").read_text(encoding="utf-8"))
    severity = [incidents["facets"]["severity"][r[incidents["fields"].index("severity")]][0] for r in incidents["rows"]]
    for a in block.select("a[data-severity-link]"):
        level = a["data-severity-link"]
        assert a.get_text().endswith(f": {severity.count(level)}")


def test_landing_can_be_turned_off_and_overridden(tmp_path) -> None:
    site = Site(tmp_path / "off")
    site.add(*next(iter(ARCHIVE.items())))
    site.plugin_options["landing"] = False
    site.build()
    assert not site.html("").select("section.pm-landing")
    custom = Site(tmp_path / "custom")
    custom.add(*next(iter(ARCHIVE.items())))
    overrides = custom.root / "overrides" / "postmortems"
    overrides.mkdir(parents=True)
    (overrides / "landing.html").write_text('<p class="mine">{{ home.total }} in all, {{ home.overdue }} late</p>')
    custom.extra_config["theme"] = {"name": "material", "font": False, "custom_dir": "overrides"}
    custom.build()
    assert custom.html("").select_one("p.mine").get_text() == "1 in all, 1 late"


def test_drafts_are_previewable_but_never_counted_under_serve(tmp_path) -> None:
    """`mkdocs serve` with drafts_on_serve: the draft's page is built, but no figure counts it."""
    site = Site(tmp_path)
    for path, text in ARCHIVE.items():
        site.add(path, text)
    config = load_config(str(site.write_config()), strict=True)
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config, serve_url="http://127.0.0.1:8000/")
    finally:
        config.plugins.on_shutdown()
    draft = site.html("2026/2026-11-21-draft/")
    assert draft.select_one(".pm-status-draft").get_text() == "Draft"
    assert "Fix open 2026-01-01" in draft.get_text()  # its own action items are still shown
    assert not draft.select('a[href*="draft-only"]')  # no link to a facet page that does not exist
    assert not (site.site / "services" / "draft-only-service").exists()
    assert not (site.site / "tags" / "draft-only-tag").exists()
    published = built_figures(site)
    assert published["metrics lead"].startswith("6 published postmortems")
    assert published["metrics 2026-11"] == "1"  # the newest incident; the draft of 2026-11-21 is not counted
    assert published["landing total"] == "All 6 incidents"
    assert "Draft incident" not in published["landing latest"]
    assert published["action items"] == 6 and published["overdue"] == "2"
    assert published["pattern dns"] == 1
    assert published["severity sev1"] == 1
    lead = site.html("incidents/").select_one(".pm-lead").get_text()
    assert lead.startswith("6 postmortems and 1 draft (a preview"), lead  # listed for preview, counted apart


def built_figures(site: Site) -> dict[str, object]:
    metrics = site.html("metrics/")
    per_month = {
        tr.td.get_text(): tr.select("td")[-1].get_text()
        for tr in metrics.select("table[data-table=per-month] tbody tr")
    }
    home = site.html("").select_one("section.pm-landing")
    report = site.html("action-items/")
    patterns = site.html("patterns/dns/")
    return {
        "metrics lead": metrics.select_one(".pm-lead").get_text(),
        "metrics 2026-11": per_month["2026-11"],
        "landing total": home.select_one(".pm-landing-latest p a").get_text(),
        "landing latest": home.select_one(".pm-latest").get_text(),
        "action items": len(report.select("table.pm-table tbody tr")),
        "overdue": report.select_one("dd[data-figure=overdue]").get_text(strip=True),
        "pattern dns": len(patterns.select(".pm-pattern-details table.pm-incident-table tbody tr")),
        "severity sev1": len(site.html("severity/sev1/").select("table.pm-table tbody tr")),
    }
