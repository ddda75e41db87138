"""Boundaries: due exactly today and a day either side, the 90-day window's edges, an empty archive,
a single postmortem, every person role filled (and redacted), the report's documented order, and
labels too long for a chart. Expected values are written here from the front matter, not computed
by the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import POSTMORTEM, REPO, TODAY, Site, postmortem

T = dt.date.fromisoformat(TODAY)


def day(offset: int) -> str:
    return (T + dt.timedelta(days=offset)).isoformat()


def item(title: str, status: str, due: str | None = None, **extra: object) -> dict[str, object]:
    return {"title": title, "owner": "Ada Quist", "status": status, **({"due": due} if due else {}), **extra}


# Items whose overdue state hangs on one day, with what a reader must see (days overdue; 0: not overdue).
EDGE = {
    "2026/2026-10-01-edges.md": postmortem(
        title="Edges",
        date="2026-10-01",
        severity="SEV2",
        action_items=[
            item("open, due yesterday", "open", day(-1)),
            item("open, due today", "open", day(0)),
            item("in progress, due tomorrow", "in-progress", day(1)),
            item("in progress, due yesterday", "in-progress", day(-1)),
            item("done, due yesterday", "done", day(-1), completed=day(0)),
            item("won't fix, due last year", "wont-fix", day(-365)),
        ],
    ),
    # No due date: due by the severity's SLO (SEV2 30 days, SEV3 60 days from the incident).
    "2026/2026-10-24-slo-today.md": postmortem(
        title="SLO today", date=day(-30), severity="SEV2", action_items=[item("SLO, due today", "open")]
    ),
    "2026/2026-09-23-slo-yesterday.md": postmortem(
        title="SLO yesterday", date=day(-61), severity="SEV3", action_items=[item("SLO, due yesterday", "open")]
    ),
    # The 90-day window: incidents at least 90 days old count; done by incident date + 90 counts.
    "2026/2026-08-25-ninety-days.md": postmortem(
        title="Ninety days ago",
        date=day(-90),
        severity="SEV4",
        action_items=[item("done on day 90", "done", day(-80), completed=day(0))],
    ),
    "2026/2026-08-15-hundred-days.md": postmortem(
        title="A hundred days ago",
        date=day(-100),
        severity="SEV4",
        action_items=[item("done on day 91", "done", day(-90), completed=day(-9))],
    ),
    "2026/2026-08-26-eighty-nine-days.md": postmortem(
        title="Eighty-nine days ago",
        date=day(-89),
        severity="SEV4",
        action_items=[item("done on day 1, too young to count", "done", day(-80), completed=day(-88))],
    ),
}
OVERDUE_DAYS = {
    "open, due yesterday": 1,
    "open, due today": 0,
    "in progress, due tomorrow": 0,
    "in progress, due yesterday": 1,
    "done, due yesterday": 0,
    "won't fix, due last year": 0,
    "SLO, due today": 0,
    "SLO, due yesterday": 1,
    "done on day 90": 0,
    "done on day 91": 0,
    "done on day 1, too young to count": 0,
}


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("edges"))
    for path, text in EDGE.items():
        site.add(path, text)
    site.build()
    return site


def test_due_today_is_not_overdue_yesterday_is(edges: Site) -> None:
    soup = edges.html("action-items/")
    rows = soup.select("table.pm-action-table tbody tr")
    seen = {}
    for tr in rows:
        flag = tr.select_one(".pm-flag")
        seen[tr.select_one(".pm-item-title").get_text()] = int(flag.get_text().split()[1]) if flag else 0
        assert ("pm-overdue" in tr["class"]) == bool(flag)
    assert seen == OVERDUE_DAYS
    figures = {dd["data-figure"]: dd.get_text(strip=True) for dd in soup.select("dd[data-figure]")}
    assert figures["overdue"] == "3" and figures["open"] == "6"
    # The SLO due dates are shown as such.
    slo = next(tr for tr in rows if tr.select_one(".pm-item-title").get_text() == "SLO, due today")
    assert slo.select_one("td[data-label=Due]").get_text(" ", strip=True) == f"{TODAY} (SLO)"
    # The postmortem's own header agrees.
    header = edges.html("2026/2026-10-01-edges/").select("table.pm-actions tbody tr")
    flagged = [tr.select_one("td").get_text() for tr in header if tr.select_one(".pm-flag")]
    assert flagged == ["open, due yesterday", "in progress, due yesterday"]
    caption = edges.html("2026/2026-10-01-edges/").select_one("table.pm-actions caption").get_text()
    assert caption == "Action items (2 of 6 closed, 2 overdue)"
    home = edges.html("")
    assert home.select_one("dd[data-figure=overdue]").get_text(strip=True) == "3"


def test_exports_and_list_json_agree_on_the_edges(edges: Site) -> None:
    data = json.loads((edges.site / "action-items.json").read_text(encoding="utf-8"))
    assert data["today"] == TODAY
    assert {i["title"]: i["days_overdue"] for i in data["items"]} == OVERDUE_DAYS
    assert {i["title"] for i in data["items"] if i["overdue"]} == {t for t, d in OVERDUE_DAYS.items() if d}
    slo = {i["title"]: (i["due"], i["due_is_default"]) for i in data["items"] if i["title"].startswith("SLO")}
    assert slo == {"SLO, due today": (day(0), True), "SLO, due yesterday": (day(-1), True)}
    rows = list(csv.DictReader(io.StringIO((edges.site / "action-items.csv").read_text(encoding="utf-8"))))
    assert {r["title"]: (r["overdue"], r["days_overdue"]) for r in rows} == {
        t: ("true" if d else "false", str(d)) for t, d in OVERDUE_DAYS.items()
    }
    listing = json.loads((edges.site / "action-items" / "rows.json").read_text(encoding="utf-8"))
    f = listing["fields"]
    days = {r[f.index("title")]: r[f.index("days_overdue")] for r in listing["rows"]}
    assert days == OVERDUE_DAYS


def test_ninety_day_window_edges(edges: Site) -> None:
    """Done within 90 days: only incidents at least 90 days old count (day -90 does, day -89 does
    not), and an item done on the incident date + 90 is within, + 91 is not."""
    soup = edges.html("action-items/")
    assert soup.select_one("dd[data-figure=within-90]").get_text(strip=True) == "50%"
    assert "counts the 2 items of incidents at least 90 days old" in soup.get_text(" ")


def test_the_pinned_today_moves_the_edges(edges: Site) -> None:
    """POSTMORTEM_TODAY overrides the config's today, and --today overrides both (the CLI, no build)."""

    def overdue(env_today: str | None, *args: str) -> dict[str, int]:
        env = {k: v for k, v in os.environ.items() if k != "POSTMORTEM_TODAY"}
        if env_today:
            env["POSTMORTEM_TODAY"] = env_today
        result = subprocess.run(
            [*POSTMORTEM, "actions", "--overdue", "--format", "json", *args],
            cwd=edges.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return {i["title"]: i["days_overdue"] for i in json.loads(result.stdout)["items"]}

    assert overdue(None) == {t: d for t, d in OVERDUE_DAYS.items() if d}  # the config's today
    assert overdue(day(1)) == {
        "open, due yesterday": 2,
        "in progress, due yesterday": 2,
        "SLO, due yesterday": 2,
        "open, due today": 1,
        "SLO, due today": 1,
    }
    assert overdue(day(1), "--today", day(-1)) == {}


def test_report_order_is_the_documented_one(tmp_path: Path) -> None:
    """README: overdue first (longest overdue first), then open by due date, then closed items with
    the newest incident first; tallies list the most overdue groups first, then the most open, then
    by name (ignoring case)."""
    site = Site(tmp_path)
    site.add(
        "2024/2024-01-01-old.md",
        postmortem(
            title="Old",
            date="2024-01-01",
            action_items=[
                {"title": "old done", "owner": "bea", "team": "zeta", "status": "done", "due": "2024-02-01"},
                {"title": "old overdue", "owner": "Cal", "team": "alpha", "status": "open", "due": "2024-02-01"},
            ],
        ),
    )
    site.add(
        "2025/2025-06-01-mid.md",
        postmortem(
            title="Mid",
            date="2025-06-01",
            action_items=[
                {"title": "mid wont", "owner": "Abe", "team": "alpha", "status": "wont-fix", "due": "2025-07-01"},
                {"title": "mid open later", "owner": "bea", "team": "Beta", "status": "open", "due": "2027-03-01"},
                {"title": "mid overdue less", "owner": "Abe", "team": "Beta", "status": "open", "due": "2026-11-01"},
            ],
        ),
    )
    site.add(
        "2026/2026-10-01-new.md",
        postmortem(
            title="New",
            date="2026-10-01",
            action_items=[
                {"title": "new done", "owner": "Dee", "team": "zeta", "status": "done", "due": "2026-10-10"},
                {"title": "new open sooner", "owner": "Dee", "team": "gamma", "status": "open", "due": "2027-01-01"},
                {"title": "new open later", "owner": "Eve", "team": "gamma", "status": "open", "due": "2027-05-01"},
                {"title": "new open last", "owner": "Eve", "team": "gamma", "status": "open", "due": "2027-06-01"},
            ],
        ),
    )
    site.build()
    soup = site.html("action-items/")
    titles = [x.get_text() for x in soup.select("table.pm-action-table .pm-item-title")]
    assert titles == [
        "old overdue",  # overdue since 2024-02-01
        "mid overdue less",  # overdue since 2026-11-01
        "new open sooner",  # open, due 2027-01-01
        "mid open later",  # open, due 2027-03-01
        "new open later",  # open, due 2027-05-01
        "new open last",  # open, due 2027-06-01
        "new done",  # closed: incident 2026-10-01
        "mid wont",  # closed: incident 2025-06-01
        "old done",  # closed: incident 2024-01-01
    ]

    def tally(group: str) -> list[str]:
        return [tr.td.get_text() for tr in soup.select(f"table[data-group={group}] tbody tr")]

    # Owners: Abe and Cal 1 overdue each (by name, case ignored), Eve 2 open, then bea and Dee 1 open each.
    assert tally("owner") == ["Abe", "Cal", "Eve", "bea", "Dee"]
    # Teams: Beta 1 overdue and 2 open, alpha 1 overdue and 1 open, gamma 3 open, zeta none open.
    assert tally("team") == ["Beta", "alpha", "gamma", "zeta"]
    assert tally("quarter") == ["2024-Q1", "2025-Q2", "2026-Q4"]  # oldest first


def test_empty_archive_every_output_is_valid_and_empty(site: Site) -> None:
    site.build()
    report = site.html("action-items/")
    figures = {dd["data-figure"]: dd.get_text(strip=True) for dd in report.select("dd[data-figure]")}
    assert figures["open"] == figures["overdue"] == figures["done"] == "0"
    assert not report.select("table.pm-action-table tbody tr") and not report.select("table.pm-tally tbody tr")
    assert not site.html("incidents/").select("table.pm-incident-table tbody tr")
    for name in ("postmortems", "action-items"):
        data = json.loads((site.site / f"{name}.json").read_text(encoding="utf-8"))
        schema = json.loads((site.site / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)
    assert json.loads((site.site / "action-items.json").read_text())["items"] == []
    assert (site.site / "action-items.csv").read_text(encoding="utf-8").count("\n") == 1  # the header only
    feed = ET.fromstring((site.site / "feed.xml").read_bytes())
    assert feed.findall("{http://www.w3.org/2005/Atom}entry") == []
    patterns = site.html("patterns/")
    assert {td.get_text() for tr in patterns.select("table.pm-patterns tbody tr") for td in tr.select("td")[1:2]} == {
        "0"
    }
    validate = subprocess.run([*POSTMORTEM, "validate"], cwd=site.root, capture_output=True, text=True, check=False)
    assert validate.returncode == 0, validate.stderr
    listed = subprocess.run(
        [*POSTMORTEM, "actions", "--format", "json", "--fail-on-overdue"],
        cwd=site.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0 and json.loads(listed.stdout)["items"] == []


def test_single_postmortem(site: Site) -> None:
    site.add(
        "2026/2026-11-23-only.md",
        postmortem(
            title="The only one",
            date=TODAY,
            services=["solo-svc"],
            teams=["solo-team"],
            tags=["solo"],
            patterns=["dns"],
            action_items=[item("the only item", "open", day(0))],
        ),
    )
    site.build()
    page = site.html("2026/2026-11-23-only/")
    assert not page.select("aside.pm-related")  # nothing related, nothing similar: no empty section
    lead = " ".join(site.html("incidents/").select_one(".pm-lead").get_text().split())
    assert lead.startswith("1 postmortem, newest first")
    facet = " ".join(site.html("services/solo-svc/").select_one(".pm-lead").get_text().split())
    assert facet.startswith(f"1 postmortem, from {TODAY} to {TODAY}.")
    assert " ".join(site.html("services/").select_one(".pm-lead").get_text().split()).startswith("1 service,")
    intro = site.html("patterns/dns/").select_one(".pm-recurrence").get_text(" ", strip=True)
    assert intro.startswith("Incidents 1 First seen") and "Mean time between" not in intro
    metrics = site.html("metrics/")
    assert " ".join(metrics.select_one(".pm-lead").get_text().split()).startswith(
        "1 published postmortem from 2026-11 to 2026-11."
    )
    assert [td.get_text() for td in metrics.select("table[data-table=per-month] tbody td")][-1] == "1"
    feed = ET.fromstring((site.site / "feed.xml").read_bytes())
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 1
    home = site.html("")
    assert home.select_one(".pm-landing-latest p a").get_text() == "All 1 incident"
    assert not home.select(".pm-recurring")  # one incident is no recurrence


PEOPLE = {
    "incident_commander": "Orla Vantreese",
    "scribe": "Piet Quarshie",
    "facilitator": "Fenna Drabble",
    "responders": ["Rune Okafor", "Saskia Pell"],
    "authors": ["Aurelio Mbatha", "Ilse Thornquist"],
}
OWNERS = ["Wendeline Rasku", "Tobiah Grint"]
EVERY_NAME = [
    PEOPLE["incident_commander"],
    PEOPLE["scribe"],
    PEOPLE["facilitator"],
    *PEOPLE["responders"],
    *PEOPLE["authors"],
    *OWNERS,
]


def test_every_person_role_is_redacted_everywhere(site: Site) -> None:
    """Names written only in front matter (no roster), one in every role: none is left in site/."""
    site.plugin_options["redact"] = {"enabled": True, "salt": "boundary-salt"}
    site.add(
        "2025/2025-05-05-roles.md",
        postmortem(
            title="Every role filled",
            date="2025-05-05",
            services=["roles-svc"],
            people=PEOPLE,
            action_items=[
                {"title": "first follow-up", "owner": OWNERS[0], "due": "2025-06-01", "status": "open"},
                {"title": "second follow-up", "owner": OWNERS[1], "due": "2027-06-01", "status": "open"},
            ],
        ),
    )
    site.add(
        "2025/2025-06-06-again.md",
        postmortem(title="Same service again", date="2025-06-06", services=["roles-svc"], people={"authors": OWNERS}),
    )
    site.build()
    header = site.html("2025/2025-05-05-roles/").select_one(".pm-header")
    roles = {dt.get_text(): dd.get_text() for dt, dd in zip(header.select("dt"), header.select("dd"), strict=True)}
    for role in ("Incident commander", "Scribe", "Facilitator"):
        assert roles[role].startswith("Engineer ") and len(roles[role].split(", ")) == 1, role
    for role in ("Responders", "Authors"):
        names = roles[role].split(", ")
        assert len(names) == 2 and all(n.startswith("Engineer ") for n in names), role
    pseudonyms = [roles[r] for r in ("Incident commander", "Scribe", "Facilitator")]
    pseudonyms += roles["Responders"].split(", ") + roles["Authors"].split(", ")
    assert len(set(pseudonyms)) == 7  # one person, one pseudonym
    owners = [td.get_text() for td in site.html("action-items/").select("td[data-label=Owner]")]
    assert len(owners) == 2 and all(o.startswith("Engineer ") for o in owners)
    # Nothing left in any file: pages, the search index (gzip), exports, feed, sitemap, file names.
    parts = {part.lower() for name in EVERY_NAME for part in name.split()}
    whole_word = re.compile(r"\b(" + "|".join(sorted(parts)) + r")\b")
    for path in site.site.rglob("*"):
        relative = path.relative_to(site.site).as_posix().lower()
        assert not whole_word.search(relative.replace("-", " ")), relative
        if path.is_file() and path.suffix not in {".png", ".ico", ".woff", ".woff2"}:
            raw = path.read_bytes()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            text = raw.decode("utf-8", errors="replace").lower()
            left = sorted(set(whole_word.findall(text)))
            assert not left, f"{relative}: {left}"


def test_labels_too_long_for_a_chart_are_cut_not_fatal() -> None:
    """A 2,000-character service name once sent pygal into an endless loop that grew memory: drawn in a
    separate process with a memory cap (a regression must fail here, not take the test run down)."""
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        from postmortem_archive.site import charts
        long = "payments-" + "x" * 2000
        svg = charts.horizontal_bars("s", "Incidents per service", [(long, 3), ("short", 1)], value_title="n")
        svg += charts.stacked_bars("m", "Per month", ["2024-01"], {long: [1], "SEV2": [2]}, x_title="m", y_title="n")
        sys.stdout.write(svg)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    cut = "payments-" + "x" * 30 + "…"  # 40 characters, the ellipsis included
    assert cut in result.stdout and "x" * 31 not in result.stdout
