"""Calendar feeds of open action items' due dates (issue 26): calendar/all.ics, one per owner and team.

Every feed is read with icalendar (which writes them) and with `ical`, a second parser written
independently, and both must read the same events.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar.parser import unescape_backslash
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import POSTMORTEM, REPO, TODAY, Site, build_example, postmortem
from postmortem_archive.archive.actions import action_row
from postmortem_archive.core.slugs import slugify
from postmortem_archive.site import calendar
from units import make
from units import settings as unit_settings

T = dt.date.fromisoformat(TODAY)


def events(text: str) -> list[dict[str, Any]]:
    """The feed's events as icalendar reads them, checked against what `ical` reads."""
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", ""), "a bare line feed: lines end in CRLF only"
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75, "RFC 5545 folds lines at 75 octets"
    first = [
        {
            "uid": str(e["UID"]),
            "summary": str(e["SUMMARY"]),
            "start": e["DTSTART"].dt,
            "end": e["DTEND"].dt,
            "description": str(e["DESCRIPTION"]),
            "url": str(e["URL"]) if "URL" in e else None,
            "sequence": int(e["SEQUENCE"]),
            "stamp": e["DTSTAMP"].dt,
            "categories": [str(c) for c in e["CATEGORIES"].cats],
        }
        for e in icalendar.Calendar.from_ical(text).walk("VEVENT")
    ]
    second = [
        {
            "uid": e.uid,
            "summary": e.summary,
            "start": e.dtstart,
            "end": e.dtend,
            "description": e.description,
            "url": e.url,
            "sequence": e.sequence,
            "stamp": e.dtstamp,
            "categories": e.categories,
        }
        for e in IcsCalendarStream.calendar_from_ics(text).events
    ]
    assert first == second
    return first


def calendar_name(text: str) -> str:
    """NAME as `ical` reads it; icalendar reads NAME and X-WR-CALNAME without a type, so they are
    unescaped here as TEXT, and must say the same."""
    [name] = IcsCalendarStream.calendar_from_ics(text).name
    read = icalendar.Calendar.from_ical(text)
    assert [unescape_backslash(read[key].to_ical().decode()) for key in ("NAME", "X-WR-CALNAME")] == [name, name]
    return name


def feeds_of(site_dir: Path) -> dict[str, str]:
    """site path -> text of every .ics under site_dir (read as bytes: CRLF kept)."""
    return {p.relative_to(site_dir).as_posix(): p.read_bytes().decode() for p in sorted(site_dir.rglob("*.ics"))}


def open_items(site_dir: Path) -> list[dict[str, Any]]:
    items = json.loads((site_dir / "action-items.json").read_text(encoding="utf-8"))["items"]
    return [i for i in items if i["status"] in ("open", "in-progress") and i["due"]]


def check_against_export(site_dir: Path) -> dict[str, str]:
    """Every feed has exactly the open items with a due date of action-items.json that it should,
    all, per owner and per team; no other feed exists. Returns the feeds."""
    feeds = feeds_of(site_dir)
    every = json.loads((site_dir / "action-items.json").read_text(encoding="utf-8"))["items"]
    wanted = open_items(site_dir)
    expected = {"calendar/all.ics": wanted}
    for key in ("owner", "team"):
        for name in {i[key] for i in every if i[key]}:  # every owner and team on any item has a feed
            path = f"calendar/{key}/{slugify(name)}.ics"
            expected[path] = [i for i in wanted if i[key] and slugify(i[key]) == slugify(name)]
    assert sorted(feeds) == sorted(expected)
    for path, items in expected.items():
        found = events(feeds[path])
        assert len(found) == len(items), path
        assert [(e["summary"], e["start"]) for e in found] == [
            (i["title"], dt.date.fromisoformat(i["due"])) for i in items
        ]
        assert all(e["end"] == e["start"] + dt.timedelta(days=1) for e in found)  # all-day
    return feeds


# --- the example archive ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("example") / "site"
    result = build_example(dest)  # `mkdocs build --strict`, without -q
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return dest


def test_example_feeds_hold_every_open_item_with_a_due_date(example: Path) -> None:
    feeds = check_against_export(example)
    wanted = open_items(example)
    assert len(wanted) >= 10 and len(feeds) > 10  # the example really exercises it
    found = events(feeds["calendar/all.ics"])
    by_uid = {e["uid"]: e for e in found}
    assert len(by_uid) == len(found)  # a UID per item
    for item, event in zip(wanted, found, strict=True):
        anchor = f"pm-action-item-{item['index'] + 1}"
        assert event["uid"] == f"{item['postmortem_id']}#{anchor}@postmortems.acme.example"
        assert event["url"] == f"{item['postmortem_url']}#{anchor}"
        page = example / item["postmortem_url"].removeprefix("https://postmortems.acme.example/") / "index.html"
        assert f'id="{anchor}"' in page.read_text(encoding="utf-8")  # the URL lands on the item's row
        assert event["stamp"] == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
        description = event["description"]
        for field in ("postmortem_title", "severity", "owner", "team", "ticket", "priority", "status"):
            if item[field]:
                assert str(item[field]) in description, (field, description)
        assert ("Overdue since " in description) == item["overdue"]
        if item["overdue"]:
            since = dt.date.fromisoformat(item["due"]) + dt.timedelta(days=1)
            assert description.startswith(f"Overdue since {since.isoformat()}.")
            assert "Overdue" in event["categories"]
        assert ("action-item SLO" in description) == item["due_is_default"]
        assert ("Due date from SLO" in event["categories"]) == item["due_is_default"]
    assert any(i["due_is_default"] for i in wanted) and any(i["overdue"] for i in wanted)
    assert any(not i["overdue"] for i in wanted)


def test_example_action_items_page_links_the_feeds(example: Path) -> None:
    html = (example / "action-items" / "index.html").read_text(encoding="utf-8")
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    subscribe = soup.select_one("p.pm-subscribe")
    assert subscribe["data-feeds"] == "../calendar/"
    assert subscribe.select_one('a[data-feed="all"]')["href"] == "../calendar/all.ics"
    linked = []
    for caption, kind in (("By owner", "owner"), ("By team", "team")):
        table = next(t for t in soup.select("table.pm-tally") if t.caption.get_text() == caption)
        for tr in table.select("tbody tr"):
            label, link = tr.td.get_text(), tr.select("td")[-1].select_one("a")
            if label in ("unassigned", "(none)"):
                assert link is None
                continue
            assert link["href"] == f"../calendar/{kind}/{slugify(label)}.ics"
            linked.append(link["href"].removeprefix("../"))
    assert sorted(linked) == sorted(p for p in feeds_of(example) if p != "calendar/all.ics")
    team_page = BeautifulSoup((example / "teams" / "payments" / "index.html").read_text(), "html.parser")
    hrefs = [a["href"] for a in team_page.select("p.pm-subscribe a")]
    assert hrefs == ["../../action-items/?team=payments", "../../calendar/team/payments.ics"]
    assert (example / "calendar" / "team" / "payments.ics").is_file()


def test_cli_writes_the_sites_feed_for_its_filters(example: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*POSTMORTEM, "actions", "--today", TODAY, "--format", "ics", *args],
            cwd=REPO,
            capture_output=True,
            check=False,
        )  # bytes, decoded here: text mode would turn CRLF into LF
        return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())

    assert run().stdout == (example / "calendar/all.ics").read_bytes().decode()
    assert run("--owner", "Dana Smith").stdout == (example / "calendar/owner/dana-smith.ics").read_bytes().decode()
    assert run("--team", "payments", "--open").stdout == (example / "calendar/team/payments.ics").read_bytes().decode()
    overdue = run("--team", "payments", "--overdue").stdout
    expected = [i["title"] for i in open_items(example) if i["team"] == "payments" and i["overdue"]]
    assert expected and [e["summary"] for e in events(overdue)] == expected
    assert calendar_name(overdue) == "Acme incident postmortems: action items (team payments, overdue)"
    unknown = run("--owner", "Nobody Here")
    assert unknown.returncode == 2 and "unknown owner 'Nobody Here'" in unknown.stderr


# --- a fixture archive with every field and the boundaries -------------------------------------


def boundary_archive(site: Site) -> None:
    site.plugin_options["action_slo_days"] = {"SEV1": 15, "SEV2": 30, "SEV3": 60}  # SEV4: no SLO
    items = [
        {"title": "Due today", "owner": "Dana Smith", "team": "payments", "due": TODAY, "status": "open",
         "type": "monitoring", "priority": "P1", "ticket": "PAY-1"},
        {"title": "Due yesterday", "owner": "Dana Smith", "team": "payments", "due": "2026-11-22",
         "status": "in-progress", "type": "process", "priority": "P0", "ticket": "https://tickets.example/PAY-2"},
        {"title": "Due by the SLO", "owner": "Lee Wong", "team": "platform", "status": "open", "type": "tooling",
         "ticket": "PLAT-3"},
        {"title": "Done already", "owner": "Omar Farouk", "team": "closed-team", "due": "2026-12-01",
         "status": "done", "type": "process", "priority": "P2", "ticket": "CL-4", "completed": "2026-11-20"},
        {"title": "Decided against", "owner": "Dana Smith", "team": "payments", "due": "2026-12-02",
         "status": "wont-fix", "type": "architecture", "priority": "P3", "ticket": "PAY-5"},
        {"title": "Nobody owns it", "team": "payments", "due": "2027-01-01", "status": "open",
         "type": "mitigation", "priority": "P1", "ticket": "PAY-6"},
    ]  # fmt: skip
    site.add("2026/2026-11-01-boundaries.md", postmortem(title="Boundaries", date="2026-11-01", severity="SEV1",
                                                        teams=["payments"], action_items=items))  # fmt: skip
    no_slo = [{"title": "No due date and no SLO", "owner": "Lee Wong", "team": "platform", "status": "open",
               "type": "process", "priority": "P2", "ticket": "PLAT-7"}]  # fmt: skip
    site.add("2025/2025-06-01-no-slo.md", postmortem(title="No SLO", date="2025-06-01", severity="SEV4",
                                                     action_items=no_slo))  # fmt: skip


@pytest.fixture(scope="module")
def boundaries(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("boundaries"))
    boundary_archive(site)
    site.build()
    return site


def test_boundaries_due_today_overdue_slo_closed_and_unowned(boundaries: Site) -> None:
    feeds = check_against_export(boundaries.site)
    found = {e["summary"]: e for e in events(feeds["calendar/all.ics"])}
    assert sorted(found) == ["Due by the SLO", "Due today", "Due yesterday", "Nobody owns it"]
    today, yesterday, slo = found["Due today"], found["Due yesterday"], found["Due by the SLO"]
    assert today["start"] == T and "Overdue" not in today["description"] and "Overdue" not in today["categories"]
    assert yesterday["description"].startswith(f"Overdue since {TODAY}.")  # overdue from the day after it was due
    assert slo["start"] == dt.date(2026, 11, 16)  # incident 2026-11-01 + the SEV1 SLO of 15 days
    assert "(no due date given: the SEV1 action-item SLO, 15 days after the incident)" in slo["description"]
    assert "Priority: P2 (default for tooling items)" in slo["description"]
    assert slo["categories"] == ["Action item", "SEV1", "open", "tooling", "P2", "Overdue", "Due date from SLO"]
    assert today["description"] == (
        "Postmortem: Boundaries (2026-11-01)\nSeverity: SEV1\nOwner: Dana Smith\nTeam: payments\nTicket: PAY-1\n"
        "Priority: P1\nStatus: open\nDue: 2026-11-23\n"
        "https://postmortems.example.com/2026/2026-11-01-boundaries/#pm-action-item-1"
    )
    assert "Owner: unassigned" in found["Nobody owns it"]["description"]
    assert "Ticket: https://tickets.example/PAY-2" in yesterday["description"]
    # Closed items' owner and team keep a feed, empty: a subscription never points at a missing file.
    assert events(feeds["calendar/owner/omar-farouk.ics"]) == []
    assert events(feeds["calendar/team/closed-team.ics"]) == []
    assert calendar_name(feeds["calendar/owner/dana-smith.ics"]) == "Fixture archive: action items of Dana Smith"
    assert calendar_name(feeds["calendar/team/platform.ics"]) == "Fixture archive: action items of team platform"
    assert [e["summary"] for e in events(feeds["calendar/team/platform.ics"])] == ["Due by the SLO"]  # not the SEV4


def test_empty_archive_still_has_the_all_feed(tmp_path: Path) -> None:
    site = Site(tmp_path)
    site.build()
    assert sorted(feeds_of(site.site)) == ["calendar/all.ics"]
    assert events(feeds_of(site.site)["calendar/all.ics"]) == []
    assert site.html("action-items/").select_one('a[data-feed="all"]')["href"] == "../calendar/all.ics"


def test_one_postmortem_without_site_url(tmp_path: Path) -> None:
    """No site_url: events carry no URL, and UIDs a domain of their own."""
    site = Site(tmp_path)
    site.add("2026/2026-10-01-one.md", postmortem(title="One", date="2026-10-01", action_items=[
        {"title": "Only item", "owner": "Ana Lopez", "due": "2026-12-24", "status": "open"}]))  # fmt: skip
    site.extra_config["site_url"] = None
    site.build()
    [event] = events(check_against_export(site.site)["calendar/owner/ana-lopez.ics"])
    assert event["url"] is None and "https://" not in event["description"]
    assert event["uid"] == "2026-10-01-one#pm-action-item-1@postmortem-archive.invalid"


def test_two_builds_are_identical_and_one_due_date_changes_one_event(tmp_path: Path) -> None:
    site = Site(tmp_path / "a")
    boundary_archive(site)
    first = feeds_of(site.build())
    assert feeds_of(site.build()) == first
    source = site.docs / "2026/2026-11-01-boundaries.md"
    source.write_text(source.read_text().replace("due: '2027-01-01'", "due: '2027-02-01'"), encoding="utf-8")
    changed = feeds_of(site.build())
    assert sorted(changed) == sorted(first)
    moved = "2026-11-01-boundaries#pm-action-item-6@postmortems.example.com"
    differ = [path for path in first if changed[path] != first[path]]
    assert differ == ["calendar/all.ics", "calendar/team/payments.ics"]  # the item's feeds, nothing else
    for path in differ:
        before, after = events(first[path]), events(changed[path])
        assert [e["uid"] for e in before] == [e["uid"] for e in after]  # moved, not duplicated
        assert [e for e in before if e["uid"] != moved] == [e for e in after if e["uid"] != moved]
        old, new = (next(e for e in feed if e["uid"] == moved) for feed in (before, after))
        assert (old["start"], new["start"]) == (dt.date(2027, 1, 1), dt.date(2027, 2, 1))
        assert new["sequence"] != old["sequence"]


def test_sequence_follows_due_date_and_title_only() -> None:
    def row(pm_id: str = "a", **changes: Any) -> Any:
        item = {"title": "Fix it", "due": "2026-12-01", "status": "open", **changes}
        pm = make(pm_id, action_items=[item])
        return action_row(pm, 0, pm.meta.action_items[0], unit_settings())

    first = calendar.sequence(row())
    assert first == calendar.sequence(row("b", owner="X", status="in-progress", ticket="T-1"))
    assert first != calendar.sequence(row(title="Fix it now"))
    assert first != calendar.sequence(row(due="2026-12-02"))
    assert 0 <= first < 2**31


# --- untrusted text ---------------------------------------------------------------------------

HOSTILE = [
    "Line one\nLine two\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected",
    "Commas, semicolons; and back\\slashes\\n \\, \\; \\\\",
    "A very long title " + "that goes on and on " * 20 + "and ends here",
    "Ünïcödé everywhere: " + "日本語のタイトル" * 12 + " ✓",
    'Markup <script>alert(1)</script> & "quotes"',
    "Tab\tinside",
]


def test_hostile_titles_and_names_round_trip_through_both_parsers(tmp_path: Path) -> None:
    site = Site(tmp_path)
    owner = "Evil; Owner, \\ with\nBEGIN:VEVENT"
    items = [{"title": t, "owner": owner, "team": "team;x,y", "due": "2026-12-01", "ticket": "T;1,2"} for t in HOSTILE]
    site.add("2026/2026-11-01-hostile.md", postmortem(title="Hostile; title,\nwith a break", action_items=items))
    site.build()
    feeds = check_against_export(site.site)  # the titles come back exactly, from both parsers
    owner_feed = feeds[f"calendar/owner/{slugify(owner)}.ics"]
    assert [e["summary"] for e in events(owner_feed)] == HOSTILE
    assert calendar_name(owner_feed) == f"Fixture archive: action items of {owner}"
    assert IcsCalendarStream.calendar_from_ics(owner_feed).events.__len__() == len(HOSTILE)  # nothing injected
    description = events(owner_feed)[0]["description"]
    assert f"Owner: {owner}\nTeam: team;x,y\nTicket: T;1,2\n" in description
    assert description.startswith("Postmortem: Hostile; title,\nwith a break (2024-03-12)\n")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(title=st.text(min_size=1, max_size=300).filter(lambda t: t.strip()))
def test_any_title_is_inert_text(title: str) -> None:
    """Any string: one event whose SUMMARY reads back as the title (control characters TEXT cannot
    hold as U+FFFD, CR and CRLF as line breaks), through both parsers."""
    pm = make("any", action_items=[{"title": title, "owner": title, "due": "2026-12-01", "status": "open"}])
    row = action_row(pm, 0, pm.meta.action_items[0], unit_settings())
    site = calendar.FeedSite("Site", "https://example.com/", T)
    text = calendar.one_feed([row], f"Items of {row.item.title}", site, lambda _: "https://example.com/any/")
    [event] = events(text)
    expected = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "\ufffd", row.item.title.replace("\r\n", "\n").replace("\r", "\n"))
    assert event["summary"] == expected
    assert calendar_name(text) == calendar.text(f"Items of {row.item.title}")


def test_control_characters_become_replacement_characters() -> None:
    assert calendar.text("a\r\nb\rc\x00d\x1be\x7ff\tg\nh") == "a\nb\nc\ufffdd\ufffde\ufffdf\tg\nh"


# --- redaction --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redacted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("redacted") / "site"
    result = build_example(dest, "mkdocs-redacted.yml")
    assert result.returncode == 0, result.stderr
    return dest


def roster_names() -> list[str]:
    import yaml

    entries = yaml.safe_load((REPO / "people.yml").read_text(encoding="utf-8"))
    return [n for e in entries for n in (e["name"], *e.get("aliases", []), *e.get("emails", []))]


def test_redacted_feeds_name_only_pseudonyms(redacted: Path) -> None:
    feeds = check_against_export(redacted)
    owners = [p for p in feeds if p.startswith("calendar/owner/")]
    assert owners and all(re.fullmatch(r"calendar/owner/engineer-[0-9a-f]{6}\.ics", p) for p in owners), owners
    for path, text in feeds.items():
        shown = " ".join(
            [calendar_name(text)] + [v for e in events(text) for v in (e["summary"], e["description"])]
        ).casefold()
        for name in roster_names():
            assert not re.search(rf"\b{re.escape(name.casefold())}\b", shown), (path, name)
    assert "Owner: Engineer " in feeds["calendar/all.ics"].replace("\r\n ", "")
    check = check_redaction(redacted)
    assert check.returncode == 0, check.stdout + check.stderr


def check_redaction(site_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*POSTMORTEM, "check-redaction", str(site_dir), "--roster", str(REPO / "people.yml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "planted",
    [
        "DESCRIPTION:Handed over to Dana Smith\r\n",  # as written
        "DESCRIPTION:Handed over to Dana Sm\r\n ith\r\n",  # split by a fold, as icalendar folds long lines
        "DESCRIPTION:Status: open\\nDana Smith to follow up\r\n",  # right after an escaped line break
    ],
)
def test_leak_check_finds_a_name_planted_in_a_feed(redacted: Path, tmp_path: Path, planted: str) -> None:
    leaky = tmp_path / "leaky"
    shutil.copytree(redacted, leaky)
    feed = leaky / "calendar" / "all.ics"
    text = feed.read_bytes().decode()
    feed.write_bytes(text.replace("BEGIN:VEVENT\r\n", "BEGIN:VEVENT\r\n" + planted, 1).encode())
    bad = check_redaction(leaky)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"{feed}: 'Dana Smith'" in bad.stdout


# --- mkdocs serve -----------------------------------------------------------------------------


def test_feeds_under_serve_and_after_a_serve_rebuild(tmp_path: Path) -> None:
    """`mkdocs serve` makes the feeds too, and a rebuild with the same plugin object (as serve
    does) writes the changed due date; both equal a clean build's feeds."""
    served, fresh = Site(tmp_path / "served"), Site(tmp_path / "fresh")
    boundary_archive(served)
    boundary_archive(fresh)
    config = load_config(str(served.write_config()), strict=True)
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config, serve_url="http://127.0.0.1:8000/")
        assert feeds_of(served.site) == feeds_of(fresh.build())
        for site in (served, fresh):
            source = site.docs / "2026/2026-11-01-boundaries.md"
            source.write_text(source.read_text().replace("due: '2027-01-01'", "due: '2027-03-01'"), encoding="utf-8")
        again = load_config(str(served.write_config()), strict=True)
        assert again.plugins["postmortems"] is config.plugins["postmortems"]
        build(again, serve_url="http://127.0.0.1:8000/")
    finally:
        config.plugins.on_shutdown()
    feeds = feeds_of(served.site)
    assert feeds == feeds_of(fresh.build())
    assert dt.date(2027, 3, 1) in [e["start"] for e in events(feeds["calendar/all.ics"])]
    report = served.html("action-items/")
    assert report.select_one('a[data-feed="all"]')["href"] == "../calendar/all.ics"


# --- the second core --------------------------------------------------------------------------


def test_feeds_made_by_the_exports_worker_equal_the_commands(tmp_path: Path) -> None:
    """60 postmortems: the real `mkdocs build` makes the feeds on the second core (its debug log
    counts them); they equal what `postmortem actions` makes in its own process."""
    site = Site(tmp_path)
    owners = ["Ana Lopez", "Ben Adeyemi", "Chen Wei"]
    for n in range(60):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=5 * n)
        site.add(f"{day.year}/{day.isoformat()}-incident-{n}.md", postmortem(
            title=f"Incident {n}", date=day.isoformat(), action_items=[
                {"title": f"Item {n}", "owner": owners[n % 3], "team": f"team-{n % 4}",
                 "due": (day + dt.timedelta(days=60)).isoformat(), "status": ["open", "done"][n % 2]}]))  # fmt: skip
    result = site.cli_build("-v", env={"POSTMORTEM_TODAY": TODAY})
    assert result.returncode == 0, result.stderr
    assert "the exports: in this process only" not in result.stderr
    assert "the exports: made in this process" not in result.stderr
    feeds = check_against_export(site.site)
    assert Counter(len(events(t)) for p, t in feeds.items() if "/owner/" in p) == Counter({10: 3})
    # The large exports and the lists' rows (6 files) and every feed: all written by the worker.
    assert f"the exports: {6 + len(feeds)} files made on a second core" in result.stderr

    def command(*args: str) -> str:
        return subprocess.run(
            [*POSTMORTEM, "actions", "-f", str(site.root / "mkdocs.yml"), "--today", TODAY, "--format", "ics", *args],
            capture_output=True, check=True,
        ).stdout.decode()  # fmt: skip

    assert command() == feeds["calendar/all.ics"]
    assert command("--owner", "Chen Wei") == feeds["calendar/owner/chen-wei.ics"]
    assert command("--team", "team-2") == feeds["calendar/team/team-2.ics"]
