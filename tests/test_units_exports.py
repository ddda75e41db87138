"""exports.py without a site: every exported field against the front matter it comes from, CSV cells, feed."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from postmortem_archive.archive.actions import action_rows
from postmortem_archive.site.exports import (
    ATOM,
    CSV_COLUMNS,
    _csv_cell,
    action_items_csv,
    action_items_json,
    atom_feed,
    export_schemas,
    postmortems_json,
)
from units import TODAY, make, settings

FULL = {
    "title": "Payments API outage",
    "date": "2024-03-12",
    "severity": "SEV1",
    "status": "in-review",
    "summary": "Card payments failed.",
    "services": ["payments-api", "postgres"],
    "teams": ["payments", "dba"],
    "tags": ["database", "failover"],
    "patterns": ["config-change"],
    "started": "2024-03-12T14:02:00Z",
    "detected": "2024-03-12T14:09:00Z",
    "mitigated": "2024-03-12T14:40:30Z",
    "resolved": "2024-03-12T15:55:00Z",
    "impact": {"users": 120000, "revenue": 45000.5, "description": "38 minutes down."},
    "trigger": "https://github.com/acme/payments/pull/4411",
    "imported": {"source": "url:https://status.example.org/1", "url": "https://status.example.org/1"},
    "related": ["older"],
    "action_items": [
        {
            "title": "Alert on lag",
            "owner": "Sam Park",
            "team": "payments",
            "due": "2024-04-12",
            "status": "in-progress",
            "type": "monitoring",
            "priority": "P1",
            "ticket": "https://tracker.example/PAY-1",
        },
        {"title": "Runbook", "status": "done", "completed": "2024-03-20", "type": "process", "ticket": "PAY-2"},
        {"title": "=cmd()", "status": "wont-fix", "due": "2099-01-01"},
    ],
}


def url_of(pm):
    return f"https://pm.example/{pm.id}/"


def _exports():
    pm = make("full", **FULL)
    bare = make("bare", date="2023-01-02")
    rows = action_rows([pm, bare], settings())
    return pm, bare, rows


def test_postmortems_json_carries_every_front_matter_field():
    pm, bare, rows = _exports()
    data = json.loads(postmortems_json([pm, bare], rows, url_of, TODAY))
    assert (data["schema"], data["version"], data["generated"]) == ("postmortem-archive/postmortems", 1, "2026-11-23")
    full, empty = data["postmortems"]
    assert full == {
        "id": "full",
        "url": "https://pm.example/full/",
        "title": FULL["title"],
        "date": "2024-03-12",
        "severity": "SEV1",
        "status": "in-review",
        "summary": FULL["summary"],
        "services": FULL["services"],
        "teams": FULL["teams"],
        "tags": FULL["tags"],
        "patterns": FULL["patterns"],
        "started": "2024-03-12T14:02:00Z",
        "detected": "2024-03-12T14:09:00Z",
        "mitigated": "2024-03-12T14:40:30Z",
        "resolved": "2024-03-12T15:55:00Z",
        "minutes_to_detect": 7.0,
        "minutes_to_mitigate": 38.5,
        "minutes_to_resolve": 113.0,
        "impact": {"users": 120000, "revenue": 45000.5, "description": "38 minutes down."},
        "trigger": FULL["trigger"],
        "source_url": "https://status.example.org/1",
        "related": ["older"],
        "action_items_total": 3,
        "action_items_open": 1,
    }
    assert empty["impact"] is None
    assert (empty["started"], empty["minutes_to_detect"], empty["minutes_to_resolve"]) == (None, None, None)
    assert (empty["action_items_total"], empty["action_items_open"]) == (0, 0)


def test_action_items_json_carries_every_item_field_and_effective_values():
    rows = _exports()[2]
    data = json.loads(action_items_json(rows, url_of, TODAY))
    assert (data["schema"], data["version"], data["today"]) == ("postmortem-archive/action-items", 1, "2026-11-23")
    by_title = {item["title"]: item for item in data["items"]}
    assert by_title["Alert on lag"] == {
        "postmortem_id": "full",
        "postmortem_url": "https://pm.example/full/",
        "postmortem_title": FULL["title"],
        "postmortem_date": "2024-03-12",
        "severity": "SEV1",
        "index": 0,
        "title": "Alert on lag",
        "owner": "Sam Park",
        "team": "payments",
        "due": "2024-04-12",
        "due_is_default": False,
        "status": "in-progress",
        "type": "monitoring",
        "priority": "P1",
        "priority_is_default": False,
        "ticket": "https://tracker.example/PAY-1",
        "ticket_url": "https://tracker.example/PAY-1",
        "completed": None,
        "overdue": True,
        "days_overdue": (TODAY - __import__("datetime").date(2024, 4, 12)).days,
    }
    runbook = by_title["Runbook"]
    assert (runbook["index"], runbook["due"], runbook["due_is_default"]) == (1, "2024-03-27", True)  # SEV1: 15 days
    assert (runbook["priority"], runbook["priority_is_default"]) == ("P1", True)  # process -> P1
    assert (runbook["ticket"], runbook["ticket_url"], runbook["completed"]) == ("PAY-2", None, "2024-03-20")
    assert (runbook["owner"], runbook["team"], runbook["type"], runbook["overdue"]) == (None, None, "process", False)
    assert [item["title"] for item in data["items"]] == [r.item.title for r in rows]


def test_csv_has_the_json_fields_and_neutralises_formulas():
    rows = _exports()[2]
    text = action_items_csv(rows, url_of)
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    records = list(csv.DictReader(io.StringIO(text)))
    items = json.loads(action_items_json(rows, url_of, TODAY))["items"]
    assert len(records) == len(items) == 3
    alert = next(r for r in records if r["title"] == "Alert on lag")
    assert alert["overdue"] == "true" and alert["due_is_default"] == "false"
    assert alert["completed"] == "" and alert["index"] == "0"
    assert alert["postmortem_url"] == "https://pm.example/full/"
    assert next(r for r in records if r["title"].endswith("cmd()"))["title"] == "'=cmd()"


@pytest.mark.parametrize("first", ["=", "+", "-", "@"])
def test_csv_guards_every_formula_prefix(first):
    pm = make(action_items=[{"title": f"{first}1+1", "owner": f"{first}Sam", "ticket": "T-1"}])
    records = list(csv.DictReader(io.StringIO(action_items_csv(action_rows([pm], settings()), url_of))))
    assert records[0]["title"] == f"'{first}1+1"
    assert records[0]["owner"] == f"'{first}Sam"
    assert records[0]["ticket"] == "T-1"


def test_csv_cell_guards_tab_and_carriage_return_too():
    # Front matter text is stripped, so only other callers can pass these; the guard still holds.
    assert (_csv_cell("\t=1"), _csv_cell("\r=1"), _csv_cell("a=1")) == ("'\t=1", "'\r=1", "a=1")
    assert (_csv_cell(None), _csv_cell(True), _csv_cell(False), _csv_cell(3)) == ("", "true", "false", 3)
    assert _csv_cell("") == ""


def test_exports_are_stable_readable_text():
    # Indented, sorted where documented, one newline at the end, Unix line ends: the files diff cleanly
    # between builds for whoever versions them.
    pm, bare, rows = _exports()
    for text in (postmortems_json([pm, bare], rows, url_of, TODAY), action_items_json(rows, url_of, TODAY)):
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    for text in export_schemas().values():
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    csv_text = action_items_csv(rows, url_of)
    assert "\r" not in csv_text and csv_text.endswith("\n") and csv_text.count("\n") == 1 + len(rows)


def test_export_schemas_describe_both_exports():
    schemas = {name: json.loads(text) for name, text in export_schemas().items()}
    assert sorted(schemas) == ["action-items.schema.json", "postmortems.schema.json"]
    for schema in schemas.values():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "schema" in schemas["postmortems.schema.json"]["properties"]  # the alias, as exported
    assert schemas["action-items.schema.json"]["properties"]["schema"]["const"] == "postmortem-archive/action-items"
    assert export_schemas()["postmortems.schema.json"].endswith("}\n")


def _feed(pms, site_url="https://pm.example/", limit=20):
    text = atom_feed(
        pms, title="Postmortems", site_url=site_url, url_of=url_of, feed_url="https://pm.example/feed.xml", limit=limit
    )
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')
    return ET.fromstring(text.split("\n", 1)[1])


def _t(el, path):
    return el.find(path.replace("a:", f"{{{ATOM}}}"))


def test_feed_entries_carry_the_postmortems():
    pm = make("full", **FULL)
    other = make("older", date="2023-05-06", severity="SEV3")
    feed = _feed([pm, other])
    assert _t(feed, "a:title").text == "Postmortems"
    assert _t(feed, "a:id").text == "https://pm.example/feed.xml"
    links = feed.findall(f"{{{ATOM}}}link")
    assert [(link.get("rel"), link.get("href")) for link in links] == [
        ("self", "https://pm.example/feed.xml"),
        ("alternate", "https://pm.example/"),
    ]
    assert _t(feed, "a:updated").text == "2024-03-12T00:00:00Z"
    assert _t(feed, "a:generator").text == "postmortem-archive"
    first, second = feed.findall(f"{{{ATOM}}}entry")
    assert _t(first, "a:title").text == "[SEV1] Payments API outage"
    assert _t(first, "a:id").text == "https://pm.example/full/"
    link = _t(first, "a:link")
    assert (link.get("rel"), link.get("type"), link.get("href")) == (
        "alternate",
        "text/html",
        "https://pm.example/full/",
    )
    assert _t(first, "a:updated").text == _t(first, "a:published").text == "2024-03-12T00:00:00Z"
    assert _t(first, "a:author/a:name").text == "payments, dba"
    terms = [c.get("term") for c in first.findall(f"{{{ATOM}}}category")]
    assert terms == ["payments-api", "postgres", "database", "failover"]
    assert _t(first, "a:summary").text == "Card payments failed."
    assert _t(second, "a:author/a:name").text == "Incident review"
    assert _t(second, "a:title").text == "[SEV3] Incident older"


def test_feed_without_site_url_uses_urns_and_honours_the_limit():
    pms = [make("b", date="2024-02-01", summary=None, status="draft"), make("a", date="2024-01-01")]
    feed = _feed(pms, site_url="", limit=1)
    assert _t(feed, "a:id").text == "urn:postmortem-archive:feed"
    assert [link.get("rel") for link in feed.findall(f"{{{ATOM}}}link")] == ["self"]
    (entry,) = feed.findall(f"{{{ATOM}}}entry")
    assert _t(entry, "a:id").text == "urn:postmortem-archive:b"
    assert _t(entry, "a:summary") is None
    assert _t(_feed([]), "a:updated").text == "1970-01-01T00:00:00Z"
