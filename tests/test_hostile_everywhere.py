"""Hostile text in every front-matter field, on every page that shows it: rendered as text, never run.

Templates cannot be mutation-tested, so this covers them by input instead: a fixture archive of
several postmortems that share services, teams, tags and patterns (so list rows, facet pages,
pattern pages, related and similar sections, the action-items report, metrics tables, the landing
page, the feed and the exports all render), where every text field holds markup, attribute
breakers, template syntax, an entity and quotes. Each value starts with its own marker, so the
tests can check that the reader sees exactly what was written, in the place it belongs.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import Site, postmortem
from postmortem_archive.core.slugs import slugify

# Markup, an attribute breaker, SVG, template syntax (Jinja, as our templates use), an entity, quotes.
PAYLOAD = (
    "<script>alert(1)</script> \"><img src=x onerror=alert(1)> '><svg onload=alert(1)> "
    '{{ 7*7 }} {% if true %}jinja{% endif %} &amp; &lt;b&gt; it\'s "quoted"'
)


def v(marker: str) -> str:
    """A hostile value that starts with its own marker."""
    return f"{marker} {PAYLOAD}"


SEV = v("S1")  # a configured severity level is shown on every list: hostile too
PATTERN = {"id": "hostile-pattern", "title": v("PT"), "description": v("PD"), "aliases": ["hostile-alias"]}
SVC, SVC2 = v("SV1"), v("SV2")
TEAM, TEAM2 = v("TM1"), v("TM2")
TAG, TAG2 = v("TG1"), v("TG2")
# id -> (file, front matter)
POSTMORTEMS = {
    "2024-01-10-alpha": dict(
        title=v("TA"),
        date="2024-01-10",
        severity=SEV,
        summary=v("SUA"),
        services=[SVC, SVC2],
        teams=[TEAM],
        tags=[TAG],
        patterns=["dns", "hostile-pattern"],
        contributing_factors=[v("CF"), "retry-storm"],
        started="2024-01-10T10:00:00Z",
        detected="2024-01-10T10:05:00Z",
        mitigated="2024-01-10T10:30:00Z",
        resolved="2024-01-10T11:00:00Z",
        impact={"users": 10, "revenue": 5.5, "description": v("IMP")},
        trigger=v("TRG"),
        people={
            "incident_commander": v("IC"),
            "scribe": v("SCR"),
            "facilitator": v("FAC"),
            "responders": [v("RSP1"), v("RSP2")],
            "authors": [v("AU")],
        },
        action_items=[
            {
                "title": v("AI1"),
                "owner": v("OW1"),
                "team": TEAM,
                "due": "2024-02-01",
                "status": "open",
                "type": "monitoring",
                "priority": "P1",
                "ticket": v("TK1"),
            },
            {
                "title": v("AI2"),
                "owner": v("OW2"),
                "team": TEAM2,
                "due": "2024-02-01",
                "status": "done",
                "completed": "2024-01-20",
                "ticket": 'https://t.example/"><script>alert(1)</script>',
            },
        ],
        related=["2024-06-01-bravo"],
    ),
    "2024-06-01-bravo": dict(
        title=v("TB"),
        date="2024-06-01",
        severity="SEV2",
        summary=v("SUB"),
        services=[SVC],
        teams=[TEAM, TEAM2],
        tags=[TAG, TAG2],
        patterns=["dns"],
        action_items=[
            {"title": v("AI3"), "owner": v("OW1"), "team": TEAM2, "due": "2027-01-01", "status": "in-progress"},
            {"title": v("AI4"), "ticket": "javascript:alert(1)", "status": "open", "type": "process"},
        ],
    ),
    "2025-02-01-charlie": dict(
        title=v("TC"),
        date="2025-02-01",
        severity="SEV3",
        summary=v("SUC"),
        services=[SVC2],
        tags=[TAG2],
        patterns=["hostile-pattern"],
        action_items=[{"title": v("AI5"), "owner": v("OW2"), "status": "wont-fix", "type": "tooling"}],
    ),
    "2026-11-01-delta": dict(
        title=v("TD"),
        date="2026-11-01",
        severity=SEV,
        summary=v("SUD"),
        services=[SVC],
        teams=[TEAM],
        patterns=["dns", "hostile-pattern"],
    ),
}
TITLES = {pm_id: fields["title"] for pm_id, fields in POSTMORTEMS.items()}
ITEMS = [item for fields in POSTMORTEMS.values() for item in fields.get("action_items", [])]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("hostile"))
    (site.root / "patterns.yml").write_text(yaml.safe_dump([PATTERN], allow_unicode=True), encoding="utf-8")
    site.plugin_options.update(
        patterns="patterns.yml",
        severities=[SEV, "SEV2", "SEV3", "SEV4"],
        action_slo_days={SEV: 15, "SEV2": 30, "SEV3": 60, "SEV4": 90},
    )
    for pm_id, fields in POSTMORTEMS.items():
        site.add(f"{pm_id[:4]}/{pm_id}.md", postmortem(**fields))
    site.build()
    return site


def text(node: object) -> str:
    return node.get_text()  # type: ignore[attr-defined]


def html_files(site: Site) -> list[Path]:
    return sorted(p for p in site.site.rglob("*.html") if "pagefind" not in p.parts)


def test_no_page_runs_or_injects_anything(built: Site) -> None:
    """Every HTML file: no script, element or attribute of the fixture's, however it got there."""
    pages = html_files(built)
    assert len(pages) > 20
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        where = str(page.relative_to(built.site))
        for needle in ("<script>alert", "<img src=x", "<svg onload"):
            assert needle not in raw, f"{where}: raw {needle}"
        soup = BeautifulSoup(raw, "html.parser")
        for script in soup.find_all("script"):
            assert "alert(1)" not in script.get_text(), f"{where}: injected script"
        for tag in soup.find_all(True):
            for attr, value in tag.attrs.items():
                assert not attr.lower().startswith("on"), f"{where}: <{tag.name} {attr}>"
                if attr in ("href", "src", "action", "xlink:href", "formaction"):
                    assert not str(value).strip().lower().startswith("javascript:"), f"{where}: {attr}={value}"
        assert not soup.find("img", src="x"), where
        # Template syntax in a value is never evaluated, and the entity is not unescaped a second time.
        page_text = soup.get_text()
        before = "'><svg onload=alert(1)> "
        assert page_text.count(before) == page_text.count(before + "{{ 7*7 }} {% if true %}jinja{% endif %} &amp; "), (
            where
        )


def test_the_reader_sees_each_value_as_written(built: Site) -> None:
    """The payload survives intact (no evaluation, no double escaping of '&amp;') where it belongs."""
    a = built.html("2024/2024-01-10-alpha/")
    assert text(a.select_one("h1")) == TITLES["2024-01-10-alpha"]
    assert text(a.title) == f"{TITLES['2024-01-10-alpha']} - Fixture archive"
    assert a.find("meta", attrs={"name": "description"})["content"] == POSTMORTEMS["2024-01-10-alpha"]["summary"]
    header = a.select_one(".pm-header")
    assert text(header.select_one(".pm-summary")) == v("SUA")
    assert text(header.select_one(".pm-sev")) == SEV
    dd = {text(d): t for d, t in zip(header.select("dl.pm-meta > dt"), header.select("dl.pm-meta > dd"), strict=True)}
    assert [text(c) for c in dd["Services"].select(".pm-chip")] == [SVC, SVC2]
    assert [text(c) for c in dd["Teams"].select(".pm-chip")] == [TEAM]
    assert [text(c) for c in dd["Tags"].select(".pm-chip")] == [TAG]
    assert [text(c) for c in dd["Failure patterns"].select("a")][1] == v("PT")  # after dns
    assert text(dd["Contributing factors"].select("li")[0]) == v("CF")
    assert v("IMP") in text(dd["Impact"])
    assert text(dd["Trigger"]) == v("TRG") and not dd["Trigger"].find("a")
    assert text(dd["Incident commander"]) == v("IC") and text(dd["Scribe"]) == v("SCR")
    assert text(dd["Facilitator"]) == v("FAC")
    assert text(dd["Responders"]) == f"{v('RSP1')}, {v('RSP2')}" and text(dd["Authors"]) == v("AU")
    cells = [[text(td) for td in tr.select("td")] for tr in header.select("table.pm-actions tbody tr")]
    assert cells[0][0] == f"{v('AI1')} ({TEAM})" and cells[0][1] == v("OW1") and cells[0][6] == v("TK1")
    assert cells[1][6] == 'https://t.example/"><script>alert(1)</script>'  # not a safe URL: text, no link
    assert not header.select("table.pm-actions a.pm-ticket")


def test_related_and_similar_sections_escape_titles_and_reasons(built: Site) -> None:
    a = built.html("2024/2024-01-10-alpha/")
    assert [text(x) for x in a.select("ul.pm-related-explicit li a")] == [TITLES["2024-06-01-bravo"]]
    similar = {text(li.a): text(li.select_one(".pm-muted")) for li in a.select("ul.pm-related-similar li")}
    assert set(similar) == {TITLES["2026-11-01-delta"], TITLES["2025-02-01-charlie"]}
    assert f"same pattern: {v('PT')}" in similar[TITLES["2025-02-01-charlie"]]
    assert f"same service: {SVC2}" in similar[TITLES["2025-02-01-charlie"]]
    assert f"same service: {SVC}" in similar[TITLES["2026-11-01-delta"]]
    # Both directions: bravo lists alpha as related, and its similar incidents share a tag with it.
    b = built.html("2024/2024-06-01-bravo/")
    assert [text(x) for x in b.select("ul.pm-related-explicit li a")] == [TITLES["2024-01-10-alpha"]]
    c = built.html("2025/2025-02-01-charlie/")
    assert f"same tag: {TAG2}" in " ".join(text(li) for li in c.select("ul.pm-related-similar li"))


def test_lists_facets_and_filters_show_values_as_text(built: Site) -> None:
    incidents = built.html("incidents/")
    assert [text(x) for x in incidents.select("table.pm-incident-table td.pm-title a")] == list(TITLES.values())[::-1]
    rows = incidents.select("table.pm-incident-table tbody tr")
    assert [text(x) for x in rows[-1].select("td[data-label=Services] .pm-chip")] == [SVC, SVC2]
    assert text(rows[-1].select_one(".pm-sev")) == SEV
    options = {s["name"]: [text(o) for o in s.select("option")] for s in incidents.select("form.pm-filters select")}
    assert f"{SVC} (3)" in options["services"] and f"{TEAM2} (1)" in options["teams"]
    assert f"{TAG2} (2)" in options["tags"] and f"{SEV} (2)" in options["severity"]
    assert f"{v('PT')} (3)" in options["patterns"]
    for key, label, value, members in (
        ("services", "Service", SVC, ["TD", "TB", "TA"]),
        ("teams", "Team", TEAM2, ["TB"]),
        ("tags", "Tag", TAG2, ["TC", "TB"]),
        ("severity", "Severity", SEV, ["TD", "TA"]),
    ):
        page = built.html(f"{key}/{slugify(value)}/")
        assert text(page.select_one("h1")) == f"{label}: {value}"
        assert text(page.title).startswith(f"{label}: {value} - ")
        assert [text(x).split(" ", 1)[0] for x in page.select("td.pm-title a")] == members
        index = built.html(f"{key}/")
        assert value in [text(a) for a in index.select(".pm-facet-list a")]
    home = built.html("")
    assert [text(a) for a in home.select(".pm-latest li a")] == list(TITLES.values())[::-1]
    assert v("PT") in [text(a) for a in home.select(".pm-recurring a")]
    assert f"{SEV}: 2" in [text(a) for a in home.select(".pm-landing-latest p a")]


def test_pattern_pages_show_values_as_text(built: Site) -> None:
    index = built.html("patterns/")
    assert v("PT") in [text(a) for a in index.select("table.pm-patterns td a")]
    page = built.html("patterns/hostile-pattern/")
    assert text(page.select_one("h1")) == f"Pattern: {v('PT')}"
    assert text(page.select_one(".pm-pattern-intro .pm-summary")) == v("PD")
    intro = page.select_one(".pm-recurrence")
    assert sorted(text(a) for a in intro.select("a.pm-chip")) == [SVC, SVC2]  # two incidents each
    titles = [text(a) for a in page.select("table.pm-incident-table td.pm-title a")]
    assert titles == [TITLES["2026-11-01-delta"], TITLES["2025-02-01-charlie"], TITLES["2024-01-10-alpha"]]
    open_items = [text(x) for x in page.select("table.pm-pattern-actions .pm-item-title")]
    assert open_items == [v("AI1")]


def test_action_items_report_shows_values_as_text(built: Site) -> None:
    soup = built.html("action-items/")
    assert sorted(text(x) for x in soup.select("table.pm-action-table .pm-item-title")) == sorted(
        i["title"] for i in ITEMS
    )
    ai1 = next(tr for tr in soup.select("table.pm-action-table tbody tr") if v("AI1") in text(tr))
    assert text(ai1.select_one("td[data-label=Owner]")) == v("OW1")
    assert text(ai1.select_one(".pm-chip")) == TEAM and text(ai1.select_one(".pm-ticket")) == v("TK1")
    ai4 = next(tr for tr in soup.select("table.pm-action-table tbody tr") if v("AI4") in text(tr))
    assert ai4.select_one(".pm-ticket").name == "span"  # javascript: is never a link
    tallies = {t["data-group"]: [text(tr.td) for tr in t.select("tbody tr")] for t in soup.select("table.pm-tally")}
    assert set(tallies["owner"]) == {v("OW1"), v("OW2"), "unassigned"}
    assert set(tallies["team"]) == {TEAM, TEAM2, "(none)"}
    options = {s["name"]: [text(o) for o in s.select("option")] for s in soup.select("form.pm-filters select")}
    assert options["owner"][1:] == sorted([v("OW1"), v("OW2")], key=str.lower)
    assert options["team"][1:] == sorted([TEAM, TEAM2], key=str.lower)
    assert v("PT") in options["pattern"]


def test_metrics_tables_show_values_as_text(built: Site) -> None:
    soup = built.html("metrics/")
    services = {text(tr.a): text(tr.select("td")[1]) for tr in soup.select("table[data-table=services] tbody tr")}
    assert services == {SVC: "3", SVC2: "2"}
    patterns = {text(tr.a): text(tr.select("td")[1]) for tr in soup.select("table[data-table=patterns] tbody tr")}
    assert patterns[v("PT")] == "3"
    heads = [text(th) for th in soup.select("table[data-table=per-month] thead th")]
    assert SEV in heads
    for svg in soup.select("figure.pm-chart svg"):
        assert not svg.find("script") and not svg.find("foreignobject")


def test_feed_keeps_values_as_text(built: Site) -> None:
    raw = (built.site / "feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw and "<img" not in raw
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(raw.encode()).findall("a:entry", ns)
    by_title = {e.find("a:title", ns).text: e for e in entries}
    delta = by_title[f"[{SEV}] {TITLES['2026-11-01-delta']}"]
    assert delta.find("a:summary", ns).text == v("SUD")
    assert delta.find("a:author/a:name", ns).text == TEAM
    bravo = by_title[f"[SEV2] {TITLES['2024-06-01-bravo']}"]
    assert [c.get("term") for c in bravo.findall("a:category", ns)] == [SVC, TAG, TAG2]
    assert bravo.find("a:author/a:name", ns).text == f"{TEAM}, {TEAM2}"


def test_exports_keep_values_exactly(built: Site) -> None:
    pms = {p["id"]: p for p in json.loads((built.site / "postmortems.json").read_text())["postmortems"]}
    for pm_id, fields in POSTMORTEMS.items():
        got = pms[pm_id]
        assert got["title"] == fields["title"] and got["summary"] == fields["summary"]
        assert got["severity"] == fields["severity"]
        assert got["services"] == fields["services"] and got["tags"] == fields.get("tags", [])
        assert got["teams"] == fields.get("teams", [])
    assert pms["2024-01-10-alpha"]["trigger"] == v("TRG")
    assert pms["2024-01-10-alpha"]["impact"]["description"] == v("IMP")
    items = json.loads((built.site / "action-items.json").read_text())["items"]
    assert sorted(i["title"] for i in items) == sorted(i["title"] for i in ITEMS)
    assert {i["owner"] for i in items} == {v("OW1"), v("OW2"), None}
    rows = list(csv.DictReader(io.StringIO((built.site / "action-items.csv").read_text(encoding="utf-8"))))
    assert sorted(r["title"] for r in rows) == sorted(i["title"] for i in ITEMS)
    assert {r["ticket"] for r in rows} >= {v("TK1"), "javascript:alert(1)"}
    assert {r["ticket_url"] for r in rows} == {""}  # none of the fixture's tickets is a safe URL
    # The lists' JSON (read by archive.js) holds the values as text and no '<' at all.
    for name in ("incidents", "action-items"):
        raw = (built.site / name / "rows.json").read_text(encoding="utf-8")
        assert "<" not in raw
        data = json.loads(raw)
        if name == "incidents":
            assert [r[2] for r in data["rows"]] == list(TITLES.values())[::-1]
        else:
            assert sorted(r[0] for r in data["rows"]) == sorted(i["title"] for i in ITEMS)
            assert sorted(o[1] for o in data["owners"]) == sorted([v("OW1"), v("OW2")])
