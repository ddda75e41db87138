"""An archive that spans centuries (issue 27): any real calendar date builds, the metrics page and
the sparklines group the years instead of drawing thousands of empty months, and an imported
postmortem links the write-up it came from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import Site, postmortem
from postmortem_archive.site.paginate import PAGE_SIZE

VASA = postmortem(
    "## Summary\n\nThe ship heeled over in a light gust and sank in the harbour.\n",
    id="1628-08-10-vasa",
    title="Vasa capsized on her maiden voyage",
    date="1628-08-10",
    severity="SEV1",
    summary="A new warship capsized within a mile of launch.",
    services=["navy"],
    teams=["shipwrights"],
    patterns=["config-change"],
    started="1628-08-10T16:00:00+01:00",
    resolved="1628-08-10T16:20:00+01:00",
    action_items=[{"title": "Run a stability test before sailing", "owner": "Hein Jacobsson", "status": "open"}],
    lint={"disable": ["PM701"]},
)
TITANIC = postmortem(
    id="1912-04-15-titanic",
    title="Titanic struck an iceberg",
    date="1912-04-15",
    severity="SEV1",
    services=["shipping"],
    patterns=["config-change"],
    imported={"source": "url:https://history.example.org/titanic", "url": "https://history.example.org/titanic"},
)
TODAY_ONE = postmortem(
    id="2026-11-20-api",
    title="API errors after a config push",
    date="2026-11-20",
    severity="SEV3",
    patterns=["config-change"],
    imported={"source": "sha256:1", "url": "javascript:alert(1)"},
)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("history"))
    for path, text in (
        ("1628/1628-08-10-vasa.md", VASA),
        ("1912/1912-04-15-titanic.md", TITANIC),
        ("2026/2026-11-20-api.md", TODAY_ONE),
    ):
        site.add(path, text)
    result = site.cli_build()  # --strict, without -q: a warning fails it
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return site


def test_incidents_from_three_centuries_build_with_their_dates(history: Site) -> None:
    page = history.html("1628/1628-08-10-vasa/")
    header = page.select_one(".pm-header")
    assert header is not None
    assert header.select_one("time")["datetime"] == "1628-08-10"  # type: ignore[index]
    assert "1628-08-10 15:00 UTC" in header.get_text(), "the start, in the display zone"
    assert "20 min" in header.get_text()
    for year in ("1628", "1912", "2026"):
        assert history.html(f"years/{year}/").select("table.pm-incident-table tbody tr"), year
    items = json.loads((history.site / "action-items.json").read_text(encoding="utf-8"))["items"]
    (vasa,) = [i for i in items if i["postmortem_id"] == "1628-08-10-vasa"]
    assert (vasa["due"], vasa["due_is_default"], vasa["overdue"]) == ("1628-08-25", True, True)


def test_the_metrics_page_groups_centuries_into_decades(history: Site) -> None:
    metrics = history.html("metrics/")
    rows = metrics.select("table[data-table=per-month] tbody tr")
    labels = [row.select_one("td").get_text() for row in rows]  # type: ignore[union-attr]
    assert (labels[0], labels[-1], len(labels)) == ("1620s", "2020s", 41)
    assert len(rows) <= PAGE_SIZE, "no longer than a list's page"
    totals = {row.select_one("td").get_text(): row.select("td")[-1].get_text() for row in rows}  # type: ignore[union-attr]
    assert (totals["1620s"], totals["1910s"], totals["2020s"], totals["1630s"]) == ("1", "1", "1", "0")
    assert metrics.select_one("#incidents-per-month").get_text() == "Incidents per decade"  # type: ignore[union-attr]
    assert (history.site / "metrics" / "index.html").stat().st_size < 1_000_000
    assert metrics.select_one("table[data-table=per-month] thead th").get_text() == "Decade"  # type: ignore[union-attr]


def test_a_patterns_sparkline_has_a_bar_per_period_not_per_year(history: Site) -> None:
    index = history.html("patterns/")
    spark = index.select_one("svg.pm-spark")
    assert spark is not None
    bars = spark.select("rect")
    assert 1 < len(bars) <= 40, len(bars)
    title = spark.select_one("title").get_text()  # type: ignore[union-attr]
    assert re.search(r"1600-1699: 1, .*2000-2099: 1", title), title


def test_an_imported_postmortem_links_its_source(history: Site) -> None:
    source = history.html("1912/1912-04-15-titanic/").select_one(".pm-header a.pm-source")
    assert source is not None and source["href"] == "https://history.example.org/titanic"
    unsafe = history.html("2026/2026-11-20-api/").select_one(".pm-header .pm-source")
    assert unsafe is not None and unsafe.name == "span", "a javascript: URL stays text"
    assert unsafe.get_text() == "javascript:alert(1)"
    assert history.html("1628/1628-08-10-vasa/").select_one(".pm-source") is None
    exported = json.loads((history.site / "postmortems.json").read_text(encoding="utf-8"))["postmortems"]
    urls = {p["id"]: p["source_url"] for p in exported}
    assert urls == {
        "1628-08-10-vasa": None,
        "1912-04-15-titanic": "https://history.example.org/titanic",
        "2026-11-20-api": "javascript:alert(1)",
    }


def test_the_first_and_the_last_day_of_the_calendar(tmp_path: Path) -> None:
    """Due dates past 9999-12-31 and a start east of UTC on 0001-01-01 do not overflow."""
    site = Site(tmp_path)
    site.add(
        "0001/0001-01-01-first.md",
        postmortem(
            date="0001-01-01", severity="SEV1", started="0001-01-01T00:30:00+05:00", lint={"disable": ["PM701"]}
        ),
    )
    site.add(
        "9999/9999-12-31-last.md",
        postmortem(
            date="9999-12-31",
            severity="SEV1",
            action_items=[{"title": "Add a second replica", "owner": "Kim Lee", "status": "open"}],
        ),
    )
    result = site.cli_build()
    assert result.returncode == 0, result.stderr
    assert "0001-01-01 00:30 UTC+05:00" in site.html("0001/0001-01-01-first/").get_text()
    items = json.loads((site.site / "action-items.json").read_text(encoding="utf-8"))["items"]
    assert [(i["due"], i["due_is_default"]) for i in items] == [("9999-12-31", True)]
    feed = (site.site / "calendar/all.ics").read_text(encoding="utf-8")
    assert "DTSTART;VALUE=DATE:99991231" in feed and "DTEND" not in feed, "the calendar's last day, one day long"
    labels = [
        row.select_one("td").get_text() for row in site.html("metrics/").select("table[data-table=per-month] tbody tr")
    ]  # type: ignore[union-attr]
    assert (labels[0], labels[-1], len(labels)) == ("0000-0099", "9900-9999", 100)
