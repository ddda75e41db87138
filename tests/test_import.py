"""`postmortem import`: legacy postmortems in other formats become schema-valid postmortems."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import POSTMORTEM, Site
from postmortem_archive.core.loader import load_one
from postmortem_archive.core.model import FrontMatter
from postmortem_archive.core.settings import DEFAULT_SEVERITIES, Settings
from postmortem_archive.importing import textdates
from postmortem_archive.importing.importer import Outcome, Report, import_sources, write_new
from postmortem_archive.importing.infer import map_severity


def _validate(data: dict[str, object]) -> FrontMatter:
    return FrontMatter.model_validate(data, context={"severities": DEFAULT_SEVERITIES, "timezone": None})


def test_schema_keeps_the_import_record() -> None:
    meta = _validate(
        {
            "title": "t",
            "date": "2021-07-14",
            "severity": "SEV4",
            "imported": {
                "source": "sha256:0123456789abcdef",
                "path": "legacy/a.md",
                "url": "https://example.com/pm",
                "review": ["severity: not in the source; set to the default SEV4"],
            },
        }
    )
    assert meta.imported is not None
    assert meta.imported.review == ["severity: not in the source; set to the default SEV4"]
    with pytest.raises(ValidationError, match=r"imported\.reviw"):
        _validate({"title": "t", "date": "2021-07-14", "severity": "SEV4", "imported": {"source": "x", "reviw": []}})


# -- importing the fixture folders ---------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "import"
STYLES = ("template", "wiki", "archive", "named")
SEV_DEFAULT = "severity: not in the source; set to the default SEV4"


def _import(docs: Path, *sources: Path, dry_run: bool = False) -> Report:
    return import_sources(list(sources), docs, Settings(), default_severity="SEV4", dry_run=dry_run)


def _meta(docs: Path, target: str | None) -> dict[str, Any]:
    assert target is not None
    text = (docs / target).read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    docs = tmp_path_factory.mktemp("archive") / "docs"
    docs.mkdir()
    report = _import(docs, *(FIXTURES / style for style in STYLES))
    return docs, report


def _outcome(report: Report, name: str) -> Outcome:
    (found,) = [o for o in report.outcomes if o.source.endswith("/" + name)]
    return found


def test_every_fixture_file_is_imported(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    sources = sorted(p.name for style in STYLES for p in (FIXTURES / style).glob("*.md"))
    assert sorted(o.source.rsplit("/", 1)[1] for o in report.outcomes) == sources
    assert {o.status for o in report.outcomes} == {"imported"}
    assert report.exit_code == 0
    written = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
    assert written == sorted(o.target for o in report.outcomes if o.target)
    assert not list(docs.rglob(".import-*"))  # no temporary file left behind


def test_google_sre_style_template(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    outcome = _outcome(report, "recipe-search-overload.md")
    assert outcome.target == "2019/2019-11-02-recipe-search-overload-postmortem-incident-481.md"
    meta = _meta(docs, outcome.target)
    assert meta["title"] == "Recipe Search Overload Postmortem (incident #481)"
    assert meta["date"] == dt.date(2019, 11, 2)
    assert meta["severity"] == "SEV4"  # not written: the default, marked for review
    assert meta["status"] == "final"
    assert meta["summary"].startswith("Recipe search returned errors for 52 minutes")
    assert meta["impact"] == {"description": "About 3.4 million searches failed; no revenue impact."}
    assert meta["trigger"] == "A latent bug exposed by a sudden increase in traffic."
    assert meta["people"] == {"authors": ["Priya Raman", "Tomasz Nowak"]}
    assert meta["action_items"] == [
        {
            "title": "Write playbook steps for shedding search load",
            "owner": "Tomasz Nowak",
            "status": "done",
            "type": "mitigation",
        },
        {
            "title": "Add a load test that replays terms missing from the index",
            "owner": "Priya Raman",
            "status": "open",
            "ticket": "RS-4412",
        },
        {
            "title": "Fix the parser leak for terms missing from the index",
            "owner": "Jo Chen",
            "status": "done",
            "ticket": "RS-4413",
        },
        {
            "title": "Review capacity headroom for search every quarter",
            "status": "open",
            "type": "process",
            "ticket": "RS-4420",
        },
    ]
    assert (
        meta["imported"]["review"]
        == outcome.review
        == [
            SEV_DEFAULT,
            "action_items[1].due: none in the source",
            "action_items[3].owner: none in the source; name one person",
            "action_items[3].due: none in the source",
        ]
    )
    assert meta["imported"]["source"].startswith("sha256:")
    assert meta["imported"]["path"].endswith("tests/fixtures/import/template/recipe-search-overload.md")
    body = (docs / outcome.target).read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "| Write playbook steps for shedding search load | mitigate | Tomasz Nowak | n/a **DONE** |" in body
    assert "[Search dashboard](https://dashboards.example.com/search)" in body  # absolute links stay
    # The image it links to is copied next to the page and the link follows it.
    stem = outcome.target.removesuffix(".md").split("/")[1]
    assert f"- ![Error rate graph]({stem}/error-rate.png)" in body
    assert outcome.attachments == [f"2019/{stem}/error-rate.png"]
    copied = docs / outcome.attachments[0]
    assert copied.read_bytes() == (FIXTURES / "template" / "images" / "error-rate.png").read_bytes()


def test_pagerduty_style_template_with_timestamps_and_roles(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    outcome = _outcome(report, "2023-04-18-api-gateway-tls.md")
    meta = _meta(docs, outcome.target)
    assert meta["title"] == "API gateway TLS handshake failures"
    assert meta["severity"] == "SEV2"
    assert meta["summary"].startswith("For 41 minutes, about 30% of API requests failed")
    assert (meta["started"], meta["detected"], meta["resolved"]) == (
        "2023-04-18T09:14:00Z",
        "2023-04-18T09:20:00Z",  # start + 'Time to detection: 6 min'
        "2023-04-18T09:55:00Z",  # start + 'Time to resolution: 41 minutes'
    )
    assert "mitigated" not in meta
    assert meta["services"] == ["api-gateway", "auth-service"]
    assert meta["teams"] == ["edge"]
    assert meta["people"] == {"incident_commander": "Marta Kowalski", "scribe": "Ben Adeyemi"}
    items = meta["action_items"]
    assert items[0] == {
        "title": "Roll back automatically when handshake errors exceed 2%",
        "owner": "Ben Adeyemi",
        "due": dt.date(2023, 5, 2),
        "ticket": "EDGE-210",
        "status": "done",
    }
    assert items[1]["ticket"] == "EDGE-214" and items[1]["status"] == "open"
    assert items[2] == {"title": "Document the certificate rotation procedure", "status": "open"}
    assert outcome.review == [
        "action_items[2].owner: none in the source; name one person",
        "action_items[2].due: none in the source",
    ]
    assert outcome.inferred["detected"].startswith("start + 'time to detection' (6 min)")


def test_confluence_export_with_html_tables(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    outcome = _outcome(report, "Incident-Postmortem-Checkout-latency.md")
    meta = _meta(docs, outcome.target)
    assert meta["title"] == "Checkout latency after cache eviction change"  # 'Incident Postmortem:' dropped
    # The incident date, not the page's 'last modified on Mar 03, 2022'.
    assert meta["date"] == dt.date(2022, 2, 15)
    assert meta["severity"] == "SEV2"  # 'Sev 2'
    assert meta["services"] == ["checkout-web", "redis-cache"]
    assert meta["people"] == {"authors": ["Alex Morgan"]}  # 'Postmortem owner'
    assert meta["summary"].startswith("Between 10:02 and 11:15 UTC on 15 Feb 2022")
    assert meta["action_items"] == [
        {
            "title": "Alert on p99 checkout latency above 2 seconds",
            "owner": "Jun Park",
            "due": dt.date(2022, 3, 31),
            "status": "done",
            "ticket": "CHK-881",
        },
        {
            "title": "Load-test cache eviction settings before rollout",
            "owner": "@lina.s",
            "status": "in-progress",
            "ticket": "CHK-884",
        },
    ]
    assert "action_items[1].due: 'Q2' is not a date" in outcome.review
    assert "action_items[1].due: none in the source" not in outcome.review
    assert [r for r in outcome.review if r.startswith("body:")] == [
        "body: line 1 linked to 'index.html', which is not in the archive; link removed",
        "body: line 2 linked to 'Postmortems_2031.html', which is not in the archive; link removed",
        "body: line 49 linked to 'attachments/81920/cache-graph.png', which is not in the archive; link removed",
    ]


def test_wiki_page_with_title_line_and_property_table(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    outcome = _outcome(report, "Search-indexer-backlog.md")
    meta = _meta(docs, outcome.target)
    assert meta["title"] == "Search indexer backlog delayed new listings"
    assert meta["date"] == dt.date(2022, 6, 7)
    assert meta["severity"] == "SEV4" and SEV_DEFAULT in outcome.review  # 'Priority: P2' is not a severity
    assert meta["tags"] == ["search", "indexing"]
    assert meta["patterns"] == ["capacity"]  # a label that is a pattern id
    assert meta["people"] == {"incident_commander": "Kim Lee"}
    # A link to another source points at the page that source became.
    body = (docs / outcome.target).read_text(encoding="utf-8")
    checkout = _outcome(report, "Incident-Postmortem-Checkout-latency.md").target or ""
    assert f"[the checkout latency postmortem]({checkout.split('/')[1]}#timeline)" in body
    assert meta["action_items"] == [
        {
            "title": "Add an alert on the age of the oldest queued listing",
            "owner": "Kim Lee",
            "due": dt.date(2022, 7, 1),
        },
        {"title": "Give the indexer its own quota (SRCH-77)", "ticket": "SRCH-77"},
    ]


def test_foreign_front_matter_is_mapped_and_the_url_kept(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    outcome = _outcome(report, "9e1f3c2a-6b7d-4e8f-a1b2-c3d4e5f60718.md")
    meta = _meta(docs, outcome.target)
    assert outcome.target == "2020/2020-09-14-object-storage-unavailable-in-one-region-after-a-c.md"
    assert meta["title"] == "Object storage unavailable in one region after a configuration push"
    assert (meta["started"], meta["resolved"]) == ("2020-09-14T16:05:00Z", "2020-09-14T19:40:00Z")
    assert meta["patterns"] == ["config-change", "cascading-failure"]
    assert meta["tags"] == ["object storage", "metadata service", "Example Cloud"]
    assert meta["services"] == ["Object Storage"]
    assert meta["summary"].startswith("A configuration push shrank the metadata service's connection pool")
    assert meta["imported"]["source"] == "uid:9e1f3c2a-6b7d-4e8f-a1b2-c3d4e5f60718"
    assert meta["imported"]["url"] == "https://status.example.org/incidents/2020-09-14-object-storage"
    body = (docs / outcome.target).read_text(encoding="utf-8")
    # Keys we have no place for are kept, in the body, not dropped.
    assert "## Source metadata" in body and "archive_url: https://web.archive.org/web/2020/" in body
    assert "source_published_at: 2020-09-18" in body


def test_old_archive_entry_without_zone_or_heading(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    outcome = _outcome(report, "3f5a7c9e1b2d4f60.md")
    meta = _meta(docs, outcome.target)
    assert meta["date"] == dt.date(2018, 3, 21)
    assert "started" not in meta  # no zone: only the date is used
    assert meta["title"].startswith("An outage at the DNS provider made every Example Net domain")
    assert meta["patterns"] == ["dns"] and meta["tags"] == ["postmortem", "Example Net"]
    assert meta["imported"]["source"] == "url:https://blog.example.net/2018/dns-provider-outage"
    assert outcome.review[:2] == [
        "start_time: '2018-03-21T07:30:00' has no unambiguous time zone; only its date is used",
        "title: the source has no heading; taken from its first sentence",
    ]


def test_dates_and_ids_only_in_file_names(imported: tuple[Path, Report]) -> None:
    docs, report = imported
    inc = _outcome(report, "INC-2021-07.md")
    meta = _meta(docs, inc.target)
    assert meta["date"] == dt.date(2021, 7, 14)  # year from the id, month and day from the timeline
    # A 'TODO:' left in the text would fail the strict build for a final postmortem.
    assert meta["status"] == "in-review"
    assert inc.review[-1] == (
        "status: line 14 holds a placeholder ('TODO: attach the resolver dashboards.'); set to in-review, not final"
    )
    source_lines = (FIXTURES / "named" / "INC-2021-07.md").read_text(encoding="utf-8").splitlines()
    assert source_lines[13] == "TODO: attach the resolver dashboards."
    assert meta["severity"] == "SEV3"
    assert meta["action_items"] == [
        {
            "title": "Pin the resolver cache lifetime in configuration",
            "owner": "Omar Haddad",
            "due": dt.date(2021, 8, 15),
        }
    ]
    lag = _outcome(report, "2021-12-10-queue-consumer-lag.md")
    meta = _meta(docs, lag.target)
    assert meta["date"] == dt.date(2021, 12, 10) and lag.inferred["date"] == "file name"
    assert meta["title"].startswith("Consumers of the orders queue fell eight hours behind")
    cron = _outcome(report, "20200305_billing_cron.md")
    meta = _meta(docs, cron.target)
    assert (meta["date"], meta["severity"], meta["title"]) == (dt.date(2020, 3, 5), "SEV2", "Billing cron ran twice")
    assert cron.target == "2020/2020-03-05-billing-cron-ran-twice.md"


# -- the imported archive builds, redacted too -----------------------------------------------------


def _import_into_site(site: Site) -> Report:
    report = _import(site.docs, *(FIXTURES / style for style in STYLES))
    assert report.exit_code == 0
    return report


def test_every_imported_file_is_a_page_of_a_strict_build(site: Site, text_of: Any) -> None:
    report = _import_into_site(site)
    site.build()
    for outcome in report.outcomes:
        assert outcome.target is not None
        page = site.html(outcome.target.removesuffix(".md") + "/")
        meta = _meta(site.docs, outcome.target)
        assert page.find("h1") is not None
        assert meta["title"] in text_of(page.find("article") or page)
    backlog = site.html("2022/2022-06-07-search-indexer-backlog-delayed-new-listings/")
    link = backlog.find("a", string="the checkout latency postmortem")
    assert link["href"] == "../2022-02-15-checkout-latency-after-cache-eviction-change/#timeline"
    recipe = site.html("2019/2019-11-02-recipe-search-overload-postmortem-incident-481/")
    image = recipe.find("img", alt="Error rate graph")
    assert (site.site / "2019" / "2019-11-02-recipe-search-overload-postmortem-incident-481" / image["src"]).is_file()
    listed = json.loads((site.site / "postmortems.json").read_text(encoding="utf-8"))
    ids = {Path(o.target or "").stem for o in report.outcomes}
    assert ids <= {pm["id"] for pm in listed["postmortems"]}


def test_names_in_imported_files_are_redacted(site: Site) -> None:
    _import_into_site(site)
    site.plugin_options["redact"] = {"enabled": True, "salt": "test-salt"}
    site.build()  # the leak check runs as part of the build and would fail it
    names = ("Priya Raman", "Tomasz Nowak", "Jo Chen", "Marta Kowalski", "Ben Adeyemi", "Alex Morgan", "Kim Lee")
    names += ("Jun Park", "lina.s", "Omar Haddad")
    for path in site.site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".csv"):
            text = path.read_text(encoding="utf-8")
            for name in names:
                assert name not in text, f"{name} in {path}"


# -- re-runs, never overwriting, bad input ---------------------------------------------------------


def _snapshot(docs: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(docs).as_posix(): (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns)
        for p in docs.rglob("*")
    }


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    first = _import(docs, *(FIXTURES / style for style in STYLES))
    before = _snapshot(docs)
    second = _import(docs, *(FIXTURES / style for style in STYLES))
    assert _snapshot(docs) == before
    assert [o.status for o in second.outcomes] == ["skipped"] * len(first.outcomes)
    assert [o.message for o in second.outcomes] == [f"already imported as {o.target}" for o in first.outcomes]
    assert second.exit_code == 0
    assert second.text().endswith(
        "0 imported into " + second.into + ", 9 already imported, 0 not imported; 0 review items"
    )


def test_a_moved_source_is_still_recognised_and_a_taken_name_is_never_overwritten(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    original = FIXTURES / "named" / "20200305_billing_cron.md"
    taken = docs / "2020" / "2020-03-05-billing-cron-ran-twice.md"
    taken.parent.mkdir(parents=True)
    taken.write_text("not ours, must survive\n", encoding="utf-8")
    report = _import(docs, original)
    assert report.outcomes[0].target == "2020/2020-03-05-billing-cron-ran-twice-2.md"
    assert taken.read_text(encoding="utf-8") == "not ours, must survive\n"
    moved = tmp_path / "elsewhere" / "billing.md"
    moved.parent.mkdir()
    moved.write_bytes(original.read_bytes().replace(b"\n", b"\r\n"))  # same text, other place and line ends
    again = _import(docs, moved)
    assert again.outcomes[0].status == "skipped"
    assert again.outcomes[0].target == "2020/2020-03-05-billing-cron-ran-twice-2.md"


def test_write_new_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "2024" / "a.md"
    write_new(target, "first\n")
    with pytest.raises(FileExistsError):
        write_new(target, "second\n")
    assert target.read_text(encoding="utf-8") == "first\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.md"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    report = _import(docs, FIXTURES / "template", dry_run=True)
    assert not docs.exists()
    assert [o.status for o in report.outcomes] == ["imported", "imported"]
    assert report.text().splitlines()[0].startswith("would import  ")


def _bad_sources(tmp_path: Path) -> list[Path]:
    bad = tmp_path / "bad"
    bad.mkdir()
    for path in (FIXTURES / "bad").iterdir():
        (bad / path.name).write_bytes(path.read_bytes())
    (bad / "latin1.md").write_bytes("# Panne du caché\n\nDate: 2021-03-04\n\nLe caché était plein.\n".encode("latin-1"))
    (bad / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (bad / "broken-yaml.md").write_text("---\ntitle: [unclosed\n---\n\n# Body\n", encoding="utf-8")
    good = bad / "2022-01-05-good.md"
    good.write_text("# Good one\n\nSeverity: SEV1\n\nThe queue stalled for ten minutes at noon.\n", encoding="utf-8")
    return [bad, tmp_path / "missing-folder"]


def test_bad_input_gets_a_line_each_and_the_rest_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the report shows paths relative to the working directory
    docs = tmp_path / "docs"
    report = _import(docs, *_bad_sources(tmp_path))
    lines = report.text().splitlines()
    assert lines == [
        "imported  bad/2022-01-05-good.md -> 2022/2022-01-05-good-one.md",
        "    review: summary: taken from the first paragraph; shorten it to one or two sentences if needed",
        "    review: action_items: none found in the source (no 'Action items' or 'Follow-ups' list or table)",
        "error     bad/already-ours.md: already a postmortem in this archive's format (its front matter has title, "
        "date and severity); copy it into the archive as it is",
        "error     bad/broken-yaml.md: line 3: front matter: invalid YAML: while parsing a flow sequence: "
        "did not find expected ',' or ']'",
        "error     bad/danluu-style-entry.md: no incident date: none in the metadata, title, file name or timeline "
        "(add a 'Date: YYYY-MM-DD' line or start the file name with the date)",
        "error     bad/empty.md: no heading and no text",
        "error     bad/gone.md: cannot read it: No such file or directory",
        "error     bad/latin1.md: not valid UTF-8 (byte 0xe9 at offset 15); save the file as UTF-8",
        "error     missing-folder: no such file or directory",
        "1 imported into docs, 0 already imported, 7 not imported; 2 review items "
        "(each is in the file's imported.review; `postmortem lint` lists them)",
    ]
    assert report.exit_code == 1
    assert sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*")) == ["2022", "2022/2022-01-05-good-one.md"]
    assert _meta(docs, "2022/2022-01-05-good-one.md")["severity"] == "SEV1"


def test_undated_sources_never_get_todays_or_the_files_date(tmp_path: Path) -> None:
    source = tmp_path / "outage-notes.md"
    source.write_text("# Cache outage\n\nThe cache was down for an hour.\n", encoding="utf-8")
    report = _import(tmp_path / "docs", source)
    assert report.outcomes[0].status == "error"
    assert report.outcomes[0].message.startswith("no incident date")
    assert not (tmp_path / "docs").exists()


def test_json_report(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    report = _import(docs, FIXTURES / "named" / "INC-2021-07.md", FIXTURES / "bad" / "empty.md")
    document = json.loads(report.json())
    assert document["counts"] == {"imported": 1, "skipped": 0, "error": 1}
    first, second = document["sources"]
    assert first["status"] == "imported"
    assert first["target"] == "2021/2021-07-14-stale-dns-records-after-resolver-upgrade.md"
    assert first["id"].startswith("sha256:")
    assert first["review"] == _meta(docs, first["target"])["imported"]["review"]
    assert first["inferred"]["date"] == "year from the file name, day from the timeline"
    assert first["inferred"]["severity"] == "'SEV3' on line 3"
    assert second == {
        "source": second["source"],
        "status": "error",
        "target": None,
        "id": "sha256:e3b0c44298fc1c14",  # the digest of an empty text
        "message": "no heading and no text",
        "review": [],
        "inferred": {},
        "attachments": [],
    }


# -- the real command --------------------------------------------------------------------------------


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*POSTMORTEM, *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_cli_imports_into_docs_dir_then_skips_on_rerun(site: Site) -> None:
    site.write_config()
    sources = [str(FIXTURES / "template"), str(FIXTURES / "wiki")]
    first = run("import", *sources, "--format", "json", cwd=site.root)
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)
    assert document["into"] == "docs"
    assert document["counts"] == {"imported": 4, "skipped": 0, "error": 0}
    for entry in document["sources"]:
        assert (site.docs / entry["target"]).is_file()
    second = run("import", *sources, cwd=site.root)
    assert second.returncode == 0
    assert second.stdout.splitlines()[-1] == "0 imported into docs, 4 already imported, 0 not imported; 0 review items"
    site.build()


def test_cli_exit_codes_and_options(tmp_path: Path) -> None:
    into = tmp_path / "archive"
    bad = run("import", str(FIXTURES / "bad"), str(FIXTURES / "named"), "--into", str(into), cwd=tmp_path)
    assert bad.returncode == 1  # some sources could not be imported; the rest were
    assert "error     " in bad.stdout and len(list(into.rglob("*.md"))) == 3
    dry = run("import", str(FIXTURES / "template"), "--into", str(into), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and dry.stdout.startswith("would import  ")
    assert len(list(into.rglob("*.md"))) == 3
    severity = run(
        "import", str(FIXTURES / "template"), "--into", str(into), "--default-severity", "SEV3", cwd=tmp_path
    )
    assert severity.returncode == 0
    assert "severity: not in the source; set to the default SEV3" in severity.stdout
    unknown = run("import", str(FIXTURES / "template"), "--into", str(into), "--default-severity", "SEV9", cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: unknown severity 'SEV9' for --default-severity")
    no_config = run("import", str(FIXTURES / "template"), cwd=tmp_path)
    assert no_config.returncode == 2 and no_config.stderr.startswith("error: no MkDocs config at mkdocs.yml")
    nothing = run("import", cwd=tmp_path)
    assert nothing.returncode == 2 and "Missing argument 'SOURCES...'" in nothing.stderr


def test_a_wiki_byline_is_neither_the_date_nor_the_summary(tmp_path: Path) -> None:
    source = tmp_path / "Checkout-errors.md"
    source.write_text(
        "# Checkout errors\n\nCreated by Alex Morgan, last modified on Mar 03, 2022\n\n"
        "Checkout returned errors for twelve minutes.\n\n## Timeline\n\n- 2022-02-15 10:02 UTC alert fires\n",
        encoding="utf-8",
    )
    report = _import(tmp_path / "docs", source)
    meta = _meta(tmp_path / "docs", report.outcomes[0].target)
    assert meta["date"] == dt.date(2022, 2, 15)  # the timeline, not the page's last change
    assert meta["summary"] == "Checkout returned errors for twelve minutes."


PIECES = st.sampled_from(
    [
        "# Title\n",
        "## Action items\n",
        "## Timeline\n",
        "| Action | Owner | Due |\n|---|---|---|\n| Fix it | Sam Park | Q3 |\n",
        "Date: 2021-07-14\n",
        "Severity: 2\n",
        "Start time: 09:00 UTC\n",
        "Time to detect: 5 min\n",
        "- [ ] do (owner: A, due: 2021-13-40)\n",
        "<table><tr><td>Date</td><td>2020-01-01</td></tr></table>\n",
        "---\n",
        "start_time: 2020-01-01T00:00:00Z\n",
        "```\n",
        "[link](other.md) ![img](x.png)\n",
        "Jul 14 10:00 paged\n",
        "\n",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=20), st.sampled_from(["x", "2021-07-14-x", "INC-2021"])
)
def test_any_text_is_imported_valid_or_reported(parts: list[str], stem: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / f"{stem}.md"
        source.write_bytes("".join(parts).encode("utf-8", "surrogatepass"))
        report = _import(root / "docs", source)
        (outcome,) = report.outcomes
        if outcome.status == "imported":
            assert outcome.target is not None
            written = (root / "docs" / outcome.target).read_bytes()
            assert not isinstance(load_one(outcome.target, written, Settings()), list)
        else:
            assert outcome.status == "error" and outcome.message
            assert not (root / "docs").exists() or not any((root / "docs").rglob("*.md"))


def test_lint_reports_each_review_entry_where_it_is(site: Site) -> None:
    report = _import_into_site(site)
    site.write_config()
    result = run("lint", "--format", "json", cwd=site.root)
    found = [f for f in json.loads(result.stdout) if f["rule"] == "PM601"]
    for outcome in report.outcomes:
        path = f"docs/{outcome.target}"
        mine = [f for f in found if f["path"] == path]
        assert [f["message"] for f in mine] == [f"needs review after import: {entry}" for entry in outcome.review]
        lines = (site.docs / (outcome.target or "")).read_text(encoding="utf-8").splitlines()
        for finding, entry in zip(mine, outcome.review, strict=True):
            assert finding["level"] == "warning"
            assert entry[:12] in lines[finding["line"] - 1]
    assert len(found) == sum(len(o.review) for o in report.outcomes)


@pytest.mark.parametrize(
    ("text", "date", "stamp", "unknown_zone"),
    [
        ("Date: 2015-10-21", dt.date(2015, 10, 21), None, None),
        ("2021-07-14 09:12 UTC", dt.date(2021, 7, 14), dt.datetime(2021, 7, 14, 9, 12, tzinfo=dt.UTC), None),
        (
            "Wednesday, October 21, 2015 at 2:51 pm GMT",
            dt.date(2015, 10, 21),
            dt.datetime(2015, 10, 21, 14, 51, tzinfo=dt.UTC),
            None,
        ),
        ("14 Jul 2021 14:02 +02:00", dt.date(2021, 7, 14), dt.datetime(2021, 7, 14, 12, 2, tzinfo=dt.UTC), None),
        ("30th July 2012, 02:33 IST", dt.date(2012, 7, 30), None, "IST"),  # India, Israel or Ireland?
        ("2021-07-14 09:12", dt.date(2021, 7, 14), None, None),  # no zone: no timestamp
        ("01/02/2021", None, None, None),  # 1 February or January 2?
        ("2021-02-30", None, None, None),
        ("Jul 14 09:00", None, None, None),  # no year
    ],
)
def test_dates_are_read_only_when_unambiguous(
    text: str, date: dt.date | None, stamp: dt.datetime | None, unknown_zone: str | None
) -> None:
    found = textdates.first_date(text)
    assert (found.date if found else None) == date
    assert (found.timestamp if found else None) == stamp
    assert (found.unknown_zone if found else None) == unknown_zone


def test_durations_and_file_names() -> None:
    assert textdates.parse_duration("15 min") == dt.timedelta(minutes=15)
    assert textdates.parse_duration("1h 5m") == dt.timedelta(hours=1, minutes=5)
    assert textdates.parse_duration("1:05") == dt.timedelta(hours=1, minutes=5)
    assert textdates.parse_duration("soon") is None
    assert textdates.from_file_name("2021-12-10-db").date == dt.date(2021, 12, 10)  # type: ignore[union-attr]
    assert textdates.from_file_name("INC-2021-07") == textdates.NameDate(2021)  # 07: a month or a number?
    assert textdates.from_file_name("2021-07-api") == textdates.NameDate(2021, 7)
    assert textdates.from_file_name("postmortem") is None


@pytest.mark.parametrize(
    ("written", "levels", "expected"),
    [
        ("Sev 2", DEFAULT_SEVERITIES, "SEV2"),
        ("SEV-3", DEFAULT_SEVERITIES, "SEV3"),
        ("1", DEFAULT_SEVERITIES, "SEV1"),
        ("high", DEFAULT_SEVERITIES, None),
        ("SEV5", DEFAULT_SEVERITIES, None),
        ("Major", ("critical", "major", "minor"), "major"),
        ("1", ("critical", "major", "minor"), None),  # no number in the levels: not guessed
    ],
)
def test_severity_is_mapped_never_guessed(written: str, levels: tuple[str, ...], expected: str | None) -> None:
    assert map_severity(written, levels) == expected


def test_atlassian_property_table_gives_start_and_duration(tmp_path: Path) -> None:
    source = tmp_path / "jira-slow.md"
    source.write_text(
        "# Jira slow\n\n| | |\n|---|---|\n| **Incident Date & Time (UTC)** | 2023-10-27 14:00 |\n"
        "| **Severity** | Major |\n| **Duration** | 30 minutes |\n\n## Summary\n\nJira was slow for thirty minutes.\n",
        encoding="utf-8",
    )
    report = _import(tmp_path / "docs", source)
    meta = _meta(tmp_path / "docs", report.outcomes[0].target)
    assert meta["date"] == dt.date(2023, 10, 27)
    assert (meta["started"], meta["resolved"]) == ("2023-10-27T14:00:00Z", "2023-10-27T14:30:00Z")
    assert meta["severity"] == "SEV4"
    assert report.outcomes[0].review[0] == (
        "severity: the source says 'Major', which is not one of SEV1, SEV2, SEV3, SEV4; set to the default SEV4"
    )
