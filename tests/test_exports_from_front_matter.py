"""Every field of every export, compared with the front matter it comes from (written out here), not with
the models that produce it: a field that takes another field's value, drops it or reorders it fails.
Also the CSV's spreadsheet-formula guard, on every text column and every leading character it covers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from conftest import TODAY, Site, postmortem

BASE = "https://postmortems.example.com/"
# Every value distinct from every other, so a swapped field cannot match by accident.
ALPHA: dict[str, Any] = {
    "title": "Alpha: card payments failed",
    "date": "2025-03-12",
    "severity": "SEV1",
    "status": "final",
    "summary": "Card payments failed for 38 minutes.",
    "services": ["payments-api", "postgres"],
    "teams": ["payments", "storage"],
    "tags": ["database", "failover"],
    "patterns": ["config-change", "dns"],
    "started": "2025-03-12T14:02:00Z",
    "detected": "2025-03-12T16:09:00+02:00",  # 7 minutes after the start, written in another zone
    "mitigated": "2025-03-12T14:40:00Z",  # 38
    "resolved": "2025-03-12T10:55:00-05:00",  # 113
    "impact": {"users": 120000, "revenue": 45000.5, "description": "Checkout failed."},
    "trigger": "https://github.com/acme/payments/pull/4411",
    "imported": {"source": "url:https://blog.example.net/alpha", "url": "https://blog.example.net/alpha"},
    "related": ["2024-11-02-bravo"],
    "action_items": [
        {
            "title": "Alert on replication lag",
            "owner": "Olive Owner",
            "team": "team-tango",
            "due": "2025-04-12",
            "status": "done",
            "type": "monitoring",
            "priority": "P2",
            "ticket": "PAY-1234",
            "completed": "2025-04-01",
        },
        {
            "title": "Fence the old primary",
            "owner": "Milo Member",
            "team": "team-uniform",
            "status": "in-progress",
            "type": "mitigation",
            "ticket": "https://tickets.example.com/PAY-77",
        },  # no due date: SEV1 SLO (15 days); no priority: P0 for mitigation
        {"title": "Write the runbook", "status": "open", "due": "2027-01-31", "priority": "P3"},
    ],
}
BRAVO: dict[str, Any] = {
    "title": "Bravo: timeouts",
    "date": "2024-11-02",
    "severity": "SEV3",
    "status": "in-review",
    "summary": "Timeouts.",
    "services": ["edge"],
}
FILES = {"2025/2025-03-12-alpha.md": ALPHA, "2024/2024-11-02-bravo.md": BRAVO}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("exports"))
    for path, fields in FILES.items():
        site.add(path, postmortem(**fields))
    site.build()
    return site


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def expected_postmortem(pm_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    start = when(fields["started"]) if "started" in fields else None

    def minutes(key: str) -> float | None:
        return None if start is None or key not in fields else (when(fields[key]) - start).total_seconds() / 60

    items = fields.get("action_items", [])
    return {
        "id": pm_id,
        "url": f"{BASE}{fields['date'][:4]}/{pm_id}/",
        "title": fields["title"],
        "date": fields["date"],
        "severity": fields["severity"],
        "status": fields["status"],
        "summary": fields["summary"],
        "services": fields.get("services", []),
        "teams": fields.get("teams", []),
        "tags": fields.get("tags", []),
        "patterns": fields.get("patterns", []),
        "started": fields.get("started"),
        "detected": fields.get("detected"),
        "mitigated": fields.get("mitigated"),
        "resolved": fields.get("resolved"),
        "minutes_to_detect": minutes("detected"),
        "minutes_to_mitigate": minutes("mitigated"),
        "minutes_to_resolve": minutes("resolved"),
        "impact": fields.get("impact"),
        "trigger": fields.get("trigger"),
        "source_url": fields.get("imported", {}).get("url"),
        "related": fields.get("related", []),
        "action_items_total": len(items),
        "action_items_open": sum(i["status"] in ("open", "in-progress") for i in items),
    }


def test_postmortems_json_fields_come_from_their_front_matter(built: Site) -> None:
    data = json.loads((built.site / "postmortems.json").read_text(encoding="utf-8"))
    assert (data["schema"], data["version"], data["generated"]) == ("postmortem-archive/postmortems", 1, TODAY)
    assert [p["id"] for p in data["postmortems"]] == ["2025-03-12-alpha", "2024-11-02-bravo"]  # newest first
    for got, (path, fields) in zip(data["postmortems"], FILES.items(), strict=True):
        want = expected_postmortem(path.rsplit("/", 1)[1][:-3], fields)
        assert set(got) == set(want), "a field was added or removed: compare it here too"
        for key in ("started", "detected", "mitigated", "resolved"):
            # Same instant and the offset as written.
            if want[key] is not None:
                assert when(got[key]) == when(want[key]) and when(got[key]).utcoffset() == when(want[key]).utcoffset()
                got, want = {**got, key: None}, {**want, key: None}
        assert got == want
    alpha = data["postmortems"][0]
    assert (alpha["minutes_to_detect"], alpha["minutes_to_mitigate"], alpha["minutes_to_resolve"]) == (7, 38, 113)


# Expected action items, written out from ALPHA: (title, owner, team, due, due_is_default, status, type,
# priority, priority_is_default, ticket, ticket_url, completed, overdue, days_overdue), in report order.
ITEMS = [
    (
        "Fence the old primary",
        "Milo Member",
        "team-uniform",
        "2025-03-27",  # 2025-03-12 + 15 days (SEV1)
        True,
        "in-progress",
        "mitigation",
        "P0",
        True,
        "https://tickets.example.com/PAY-77",
        "https://tickets.example.com/PAY-77",
        None,
        True,
        (dt.date.fromisoformat(TODAY) - dt.date(2025, 3, 27)).days,
    ),
    (
        "Write the runbook",
        None,
        None,
        "2027-01-31",
        False,
        "open",
        None,
        "P3",
        False,
        None,
        None,
        None,
        False,
        0,
    ),
    (
        "Alert on replication lag",
        "Olive Owner",
        "team-tango",
        "2025-04-12",
        False,
        "done",
        "monitoring",
        "P2",
        False,
        "PAY-1234",
        None,
        "2025-04-01",
        False,
        0,
    ),
]
ITEM_KEYS = (
    "title",
    "owner",
    "team",
    "due",
    "due_is_default",
    "status",
    "type",
    "priority",
    "priority_is_default",
    "ticket",
    "ticket_url",
    "completed",
    "overdue",
    "days_overdue",
)
INDEX = {"Alert on replication lag": 0, "Fence the old primary": 1, "Write the runbook": 2}


def expected_items() -> list[dict[str, Any]]:
    out = []
    for values in ITEMS:
        row = dict(zip(ITEM_KEYS, values, strict=True))
        out.append(
            {
                "postmortem_id": "2025-03-12-alpha",
                "postmortem_url": f"{BASE}2025/2025-03-12-alpha/",
                "postmortem_title": ALPHA["title"],
                "postmortem_date": ALPHA["date"],
                "severity": ALPHA["severity"],
                "index": INDEX[row["title"]],
                **row,
            }
        )
    return out


def test_action_items_json_fields_come_from_their_front_matter(built: Site) -> None:
    data = json.loads((built.site / "action-items.json").read_text(encoding="utf-8"))
    assert (data["schema"], data["version"], data["today"]) == ("postmortem-archive/action-items", 1, TODAY)
    assert data["items"] == expected_items()


def test_action_items_csv_columns_come_from_their_front_matter(built: Site) -> None:
    raw = (built.site / "action-items.csv").read_bytes().decode("utf-8")
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    want = expected_items()
    assert reader.fieldnames == list(want[0])  # the documented column order

    def cell(value: object) -> str:
        return "" if value is None else ("true" if value else "false") if isinstance(value, bool) else str(value)

    assert list(reader) == [{k: cell(v) for k, v in row.items()} for row in want]


def test_feed_entries_come_from_their_front_matter(built: Site) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring((built.site / "feed.xml").read_bytes())
    entries = root.findall("a:entry", ns)
    assert len(entries) == 2
    for entry, (path, fields) in zip(entries, FILES.items(), strict=True):
        url = f"{BASE}{fields['date'][:4]}/{path.rsplit('/', 1)[1][:-3]}/"
        assert entry.find("a:title", ns).text == f"[{fields['severity']}] {fields['title']}"
        assert entry.find("a:id", ns).text == url and entry.find("a:link", ns).get("href") == url
        assert entry.find("a:updated", ns).text == entry.find("a:published", ns).text == f"{fields['date']}T00:00:00Z"
        assert entry.find("a:summary", ns).text == fields["summary"]
        assert [c.get("term") for c in entry.findall("a:category", ns)] == fields["services"] + fields.get("tags", [])
        assert entry.find("a:author/a:name", ns).text == (", ".join(fields.get("teams", [])) or "Incident review")


# Spreadsheets run a cell starting with one of these as a formula; a configured severity level can
# start with one too.
FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
LEVELS = ["=SEV1", "+SEV2", "-SEV3", "@SEV4", "SEV5"]


def test_csv_neutralises_every_formula_lead_in_every_text_column(site: Site) -> None:
    site.plugin_options.update(severities=LEVELS, action_slo_days=dict.fromkeys(LEVELS, 30))
    for n, (formula, level) in enumerate(zip(FORMULAS, LEVELS[:4], strict=True)):
        site.add(
            f"2024/2024-0{n + 1}-01-f{n}.md",
            postmortem(
                title=formula,
                date=f"2024-0{n + 1}-01",
                severity=level,
                action_items=[
                    {"title": formula, "owner": formula, "team": formula, "ticket": formula, "status": "open"}
                ],
            ),
        )
    site.add(
        "2024/2024-06-01-plain.md",
        postmortem(
            title="a=b, not a formula",
            date="2024-06-01",
            severity="SEV5",
            action_items=[{"title": "x-1 @ noon", "owner": "Ann", "status": "open"}],
        ),
    )
    site.build()
    rows = list(csv.DictReader(io.StringIO((site.site / "action-items.csv").read_bytes().decode(), newline="")))
    guarded = [r for r in rows if r["postmortem_title"] != "a=b, not a formula"]
    assert len(guarded) == 4
    for row in guarded:
        formula = row["title"][1:]
        assert formula in FORMULAS and row["title"] == "'" + formula
        for column in ("postmortem_title", "owner", "team", "ticket"):
            assert row[column] == "'" + formula, column
    assert sorted(r["severity"] for r in guarded) == sorted("'" + level for level in LEVELS[:4])
    plain = next(r for r in rows if r["postmortem_title"] == "a=b, not a formula")
    assert (plain["title"], plain["owner"], plain["severity"]) == ("x-1 @ noon", "Ann", "SEV5")
    # The JSON export keeps the values exactly as written: the guard is for spreadsheets only.
    items = json.loads((site.site / "action-items.json").read_text(encoding="utf-8"))["items"]
    assert sorted(i["title"] for i in items) == sorted([*FORMULAS, "x-1 @ noon"])
    assert sorted(i["severity"] for i in items) == sorted(LEVELS)


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cell_guard_covers_tab_and_carriage_return(lead: str) -> None:
    """Tab and carriage return lead a formula too. No front matter reaches the CSV with them (text
    fields are stripped, severities must match a stripped value), so the cell function is checked."""
    from postmortem_archive.site.exports import _csv_cell

    assert _csv_cell(lead + "cmd") == "'" + lead + "cmd"
    assert _csv_cell("cmd" + lead) == "cmd" + lead
