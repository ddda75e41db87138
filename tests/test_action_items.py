"""The action-items report, metrics and exports, checked against figures computed here."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import statistics
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

import jsonschema
import pytest

from conftest import POSTMORTEM, TODAY, Site, postmortem

T = dt.date.fromisoformat(TODAY)  # 2026-11-23
SLO = {"SEV1": 15, "SEV2": 30, "SEV3": 60, "SEV4": 90}
DEFAULT_PRIORITY = {"mitigation": "P0", "process": "P1", "monitoring": "P2", "tooling": "P2", "architecture": "P3"}

# file -> (date, severity, started/detected/mitigated/resolved offsets in minutes, items)
FIXTURE = {
    "2025/2025-01-10-a.md": (
        "2025-01-10",
        "SEV1",
        (0, 5, 30, 120),
        [
            {
                "title": "A1 alert",
                "owner": "Ann",
                "team": "core",
                "due": "2025-02-01",
                "status": "done",
                "completed": "2025-02-01",
                "type": "monitoring",
                "priority": "P1",
                "ticket": "CORE-1",
            },
            {
                "title": "A2 no due date",
                "owner": "Bob",
                "team": "core",
                "status": "open",
                "type": "mitigation",
                "ticket": "CORE-2",
            },  # due = 2025-01-25 by the SEV1 SLO; priority P0 by type
            {"title": "A3 wont fix", "owner": "Ann", "status": "wont-fix", "type": "process", "priority": "P3"},
        ],
    ),
    "2025/2025-02-20-b.md": (
        "2025-02-20",
        "SEV2",
        (0, 20, 90, 300),
        [
            {
                "title": "B1 late done",
                "owner": "Cy",
                "team": "edge",
                "due": "2025-03-20",
                "status": "done",
                "completed": "2025-08-01",
                "type": "tooling",
                "ticket": "https://t.example.com/EDGE-9",
            },
            {
                "title": "B2 future",
                "owner": "Ann",
                "team": "edge",
                "due": "2027-01-01",
                "status": "in-progress",
                "type": "architecture",
                "priority": "P2",
                "ticket": "EDGE-10",
            },
            {"title": "B3 no owner", "team": "edge", "due": "2025-12-01", "status": "open", "type": "process"},
        ],
    ),
    "2026/2026-10-01-c.md": (
        "2026-10-01",
        "SEV3",
        (0, 10, 60, 61),
        [
            {
                "title": "C1 open, due soon",
                "owner": "Bob",
                "team": "core",
                "due": "2026-12-01",
                "status": "open",
                "type": "tooling",
                "priority": "P2",
                "ticket": "CORE-30",
            },
            {
                "title": "C2 =cmd|' /C calc'!A0",
                "owner": "Cy",
                "due": "2026-11-01",
                "status": "in-progress",
                "ticket": "CORE-31",
            },
        ],
    ),
    "2026/2026-11-01-d.md": ("2026-11-01", "SEV3", (0, 3, 9, 12), []),
}


def _stamp(date: str, minutes: int) -> str:
    return (dt.datetime.fromisoformat(date + "T10:00:00+00:00") + dt.timedelta(minutes=minutes)).isoformat()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("actions"))
    for path, (date, sev, offsets, items) in FIXTURE.items():
        times = dict(
            zip(("started", "detected", "mitigated", "resolved"), (_stamp(date, m) for m in offsets), strict=True)
        )
        site.add(
            path,
            postmortem(
                title=f"Incident {path[-4]}",
                date=date,
                severity=sev,
                services=[f"svc-{path[-4]}"],
                teams=["core"],
                action_items=items,
                **times,
            ),
        )
    site.build()
    return site


def expected_items() -> list[dict[str, object]]:
    """Every item with effective due date, priority and overdue state, computed here from FIXTURE."""
    out = []
    for path, (date, sev, _, items) in FIXTURE.items():
        incident = dt.date.fromisoformat(date)
        for item in items:
            due = dt.date.fromisoformat(item["due"]) if "due" in item else incident + dt.timedelta(days=SLO[sev])
            status = item["status"]
            overdue = status in ("open", "in-progress") and due < T
            out.append(
                {
                    "title": item["title"],
                    "due": due,
                    "status": status,
                    "overdue": overdue,
                    "owner": item.get("owner"),
                    "team": item.get("team"),
                    "type": item.get("type"),
                    "incident": incident,
                    "priority": item.get("priority") or DEFAULT_PRIORITY.get(item.get("type")),
                    "completed": dt.date.fromisoformat(item["completed"]) if "completed" in item else None,
                    "ticket": item.get("ticket"),
                    "id": path.rsplit("/", 1)[1][:-3],
                }
            )
    return out


def test_report_rows_order_and_overdue_flags(built: Site) -> None:
    rows = built.html("action-items/").select("table.pm-action-table tbody tr")
    titles = [r.select_one(".pm-item-title").get_text() for r in rows]
    items = expected_items()
    overdue = sorted((i for i in items if i["overdue"]), key=lambda i: i["due"])  # longest overdue first
    still_open = sorted(
        (i for i in items if i["status"] in ("open", "in-progress") and not i["overdue"]), key=lambda i: i["due"]
    )
    closed = [i for i in items if i["status"] in ("done", "wont-fix")]
    assert titles[: len(overdue)] == [i["title"] for i in overdue]
    assert titles[len(overdue) : len(overdue) + len(still_open)] == [i["title"] for i in still_open]
    assert sorted(titles[len(overdue) + len(still_open) :]) == sorted(i["title"] for i in closed)
    flagged = {r.select_one(".pm-item-title").get_text() for r in rows if "pm-overdue" in r["class"]}
    assert (
        flagged
        == {i["title"] for i in items if i["overdue"]}
        == {"A2 no due date", "B3 no owner", "C2 =cmd|' /C calc'!A0"}
    )
    a2 = next(r for r in rows if r.select_one(".pm-item-title").get_text() == "A2 no due date")
    cells = [td.get_text(" ", strip=True) for td in a2.select("td")]
    assert cells[1] == "Bob" and cells[2] == "P0 (default)" and cells[3] == "2025-01-25 (SLO)"
    assert cells[4] == f"open overdue {(T - dt.date(2025, 1, 25)).days} d"


def test_rows_json_has_every_item_in_report_order(built: Site) -> None:
    """The browser filters and sorts from this file: every item, same order and values as the table."""
    data = json.loads((built.site / "action-items" / "rows.json").read_text(encoding="utf-8"))
    rows = [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]]
    table = built.html("action-items/").select("table.pm-action-table tbody tr")
    assert [r["title"] for r in rows] == [tr.select_one(".pm-item-title").get_text() for tr in table]
    assert len(rows) == len(expected_items())
    a2 = next(r for r in rows if r["title"] == "A2 no due date")
    overdue_days = (T - dt.date(2025, 1, 25)).days
    assert data["owners"][a2["owner"]] == ["bob", "Bob"] and data["teams"][a2["team"]] == ["core", "core"]
    assert {k: a2[k] for k in ("type", "priority", "priority_is_default", "due")} == {
        "type": "mitigation",
        "priority": "P0",
        "priority_is_default": 1,
        "due": "2025-01-25",
    }
    assert (a2["due_is_default"], a2["status"], a2["days_overdue"], a2["ticket"]) == (1, "open", overdue_days, "CORE-2")
    url, date, severity, title, _patterns, pm_id = data["incidents"][a2["incident"]]
    assert (url, date, severity, title, pm_id) == (
        "2025/2025-01-10-a/",
        "2025-01-10",
        "SEV1",
        "Incident a",
        "2025-01-10-a",
    )


def test_headline_figures(built: Site) -> None:
    items = expected_items()
    soup = built.html("action-items/")
    figure = {dd["data-figure"]: dd.get_text(strip=True) for dd in soup.select("dd[data-figure]")}
    done = sum(i["status"] == "done" for i in items)
    wont = sum(i["status"] == "wont-fix" for i in items)
    counted = len(items) - wont
    eligible = [i for i in items if i["status"] != "wont-fix" and i["incident"] + dt.timedelta(days=90) <= T]
    within = sum(1 for i in eligible if i["completed"] and i["completed"] <= i["incident"] + dt.timedelta(days=90))

    def pct(x: float) -> str:
        return f"{x:.0%}"

    assert figure["open"] == str(sum(i["status"] in ("open", "in-progress") for i in items)) == "5"
    assert figure["overdue"] == str(sum(i["overdue"] for i in items)) == "3"
    assert figure["done"] == str(done) and figure["wont-fix"] == str(wont)
    assert figure["completion"] == pct(done / counted)
    assert figure["within-90"] == pct(within / len(eligible))
    n = len(items)
    assert figure["missing-owner"] == f"{sum(i['owner'] is None for i in items)} ({pct(1 / n)})"
    raw = [item for *_, its in FIXTURE.values() for item in its]
    no_due = sum("due" not in item for item in raw)
    assert figure["missing-due"] == f"{no_due} ({pct(no_due / n)})" == "2 (25%)"
    no_ticket = sum(i["ticket"] is None for i in items)
    assert figure["missing-ticket"] == f"{no_ticket} ({pct(no_ticket / n)})"


def test_grouping_by_owner_team_type_priority_and_quarter(built: Site) -> None:
    soup = built.html("action-items/")

    def table(group: str) -> dict[str, list[str]]:
        rows = soup.select(f"table[data-group='{group}'] tbody tr")
        return {r.select_one("td").get_text(): [td.get_text() for td in r.select("td")[1:]] for r in rows}

    items = expected_items()
    for group, missing in (("owner", "unassigned"), ("team", "(none)"), ("type", "(none)"), ("priority", "(none)")):
        got = table(group)
        labels = {i[group] or missing for i in items}
        assert set(got) == labels, group
        for label in labels:
            mine = [i for i in items if (i[group] or missing) == label]
            assert got[label][:4] == [
                str(len(mine)),
                str(sum(i["status"] in ("open", "in-progress") for i in mine)),
                str(sum(i["overdue"] for i in mine)),
                str(sum(i["status"] == "done" for i in mine)),
            ], (group, label)
    quarters = defaultdict(list)
    for i in items:
        quarters[f"{i['incident'].year}-Q{(i['incident'].month - 1) // 3 + 1}"].append(i)
    by_quarter = table("quarter")
    assert list(by_quarter) == sorted(quarters)
    for q, mine in quarters.items():
        counted = [i for i in mine if i["status"] != "wont-fix"]
        rate = f"{sum(i['status'] == 'done' for i in counted) / len(counted):.0%}"
        assert by_quarter[q][0] == str(len(mine)) and by_quarter[q][-1] == rate


def test_postmortem_page_shows_effective_due_and_overdue(built: Site) -> None:
    rows = built.html("2025/2025-01-10-a/").select("table.pm-actions tbody tr")
    a2 = [td.get_text(" ", strip=True) for td in rows[1].select("td")]
    assert a2[2] == "2025-01-25 (SLO)" and a2[3] == "open overdue" and a2[5] == "P0 (default)"


def test_csv_export(built: Site) -> None:
    text = (built.site / "action-items.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    items = {i["title"]: i for i in expected_items()}
    assert len(rows) == len(items)
    for row in rows:
        if row["title"].startswith("'"):  # spreadsheet formula injection is neutralised
            assert row["title"] == "'=cmd|' /C calc'!A0"
            continue
        want = items[row["title"]]
        assert row["due"] == want["due"].isoformat()
        assert row["overdue"] == ("true" if want["overdue"] else "false")
        assert row["owner"] == (want["owner"] or "") and row["postmortem_id"] == want["id"]
        assert row["postmortem_url"] == f"https://postmortems.example.com/{want['incident'].year}/{want['id']}/"
    b1 = next(r for r in rows if r["title"] == "B1 late done")
    assert (
        b1["ticket_url"] == "https://t.example.com/EDGE-9"
        and b1["priority"] == "P2"
        and b1["priority_is_default"] == "true"
    )


def test_json_exports_validate_against_their_schemas(built: Site) -> None:
    for name in ("action-items", "postmortems"):
        data = json.loads((built.site / f"{name}.json").read_text(encoding="utf-8"))
        schema = json.loads((built.site / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)
        assert data["schema"] == f"postmortem-archive/{name}" and data["version"] == 1
    items = json.loads((built.site / "action-items.json").read_text())["items"]
    assert sum(i["overdue"] for i in items) == 3
    pms = json.loads((built.site / "postmortems.json").read_text())["postmortems"]
    assert [p["id"] for p in pms] == ["2026-11-01-d", "2026-10-01-c", "2025-02-20-b", "2025-01-10-a"]
    assert pms[3]["minutes_to_resolve"] == 120 and pms[3]["action_items_open"] == 1
    broken = dict(items[0], overdue="yes")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"schema": "postmortem-archive/action-items", "version": 1, "today": TODAY, "items": [broken]},
            json.loads((built.site / "schemas" / "action-items.schema.json").read_text()),
        )


def test_feed_is_atom(built: Site) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring((built.site / "feed.xml").read_bytes())
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("title", "id", "updated"):
        assert root.find(f"a:{required}", ns) is not None
    entries = root.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == [
        "[SEV3] Incident d",
        "[SEV3] Incident c",
        "[SEV2] Incident b",
        "[SEV1] Incident a",
    ]
    first = entries[0]
    assert first.find("a:id", ns).text == "https://postmortems.example.com/2026/2026-11-01-d/"
    assert first.find("a:updated", ns).text == "2026-11-01T00:00:00Z"
    assert root.find("a:updated", ns).text == "2026-11-01T00:00:00Z"


def test_metrics_tables(built: Site) -> None:
    soup = built.html("metrics/")
    per_month = soup.select("table[data-table='per-month'] tbody tr")
    months = [r.select_one("td").get_text() for r in per_month]
    assert months[0] == "2025-01" and months[-1] == "2026-11" and len(months) == 23
    counts = Counter(date[:7] for date, *_ in FIXTURE.values())
    totals = {r.select_one("td").get_text(): int(r.select("td")[-1].get_text()) for r in per_month}
    assert totals == {m: counts.get(m, 0) for m in months}

    def quantile(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=10, method="inclusive")[int(q * 10) - 1] if len(values) > 1 else values[0]

    durations = {
        r.select_one("td").get_text(): [td.get_text() for td in r.select("td")[1:]]
        for r in soup.select("table[data-table='durations'] tbody tr")
    }
    # 2026-Q4 has c (resolve 61 min) and d (12 min): median 36.5 -> '36 min', p90 56.1 -> '56 min'
    resolve = [61.0, 12.0]
    assert durations["2026-Q4"][4] == f"{int(statistics.median(resolve))} min"
    assert durations["2026-Q4"][5] == f"{int(quantile(resolve, 0.9))} min"
    assert durations["2025-Q1"][4:6] == ["3 h 30 min", "4 h 42 min"]  # a 120, b 300: median 210, p90 282


def test_metrics_charts_are_inline_svg_without_script(built: Site) -> None:
    soup = built.html("metrics/")
    charts = soup.select("figure.pm-chart > svg")
    assert len(charts) == 5
    for svg in charts:
        assert svg["role"] == "img" and svg["aria-label"]
        assert not svg.find("script") and not svg.select("[href^='http']")
    assert len(charts[0].select("rect")) > 5


def test_actions_command(built: Site) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*POSTMORTEM, "actions", "--today", TODAY, *args],
            cwd=built.root,
            capture_output=True,
            text=True,
            check=False,
        )

    table = run("--overdue")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["STATUS", "DUE", "PRIO"]
    assert [line.rsplit("  ", 1)[-1] for line in lines[1:4]] == [
        "A2 no due date",
        "B3 no owner",
        "C2 =cmd|' /C calc'!A0",
    ]
    failing = run("--fail-on-overdue")
    assert failing.returncode == 1 and "3 overdue action items (today is 2026-11-23)" in failing.stderr
    assert run("--fail-on-overdue", "--owner", "ann").returncode == 0  # Ann has nothing overdue
    as_csv = list(csv.DictReader(io.StringIO(run("--format", "csv", "--team", "edge").stdout)))
    assert sorted(r["title"] for r in as_csv) == ["B1 late done", "B2 future", "B3 no owner"]
    as_json = json.loads(run("--format", "json", "--open").stdout)
    assert len(as_json["items"]) == 5 and as_json["today"] == TODAY
    early = run("--fail-on-overdue", "--today", "2025-01-11")
    assert early.returncode == 0, early.stdout
