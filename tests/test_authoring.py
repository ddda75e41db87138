"""Adding a postmortem by pull request: new, lint, schema, workflows, PR template, pre-commit hook."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import POSTMORTEM, REPO, Site, actionlint, postmortem
from postmortem_archive.authoring.lint import RULES

BAD = """\
---
title: Payments outage caused by Dana
date: 2024-03-12
severity: SEV1
status: final
services: [payments-api]
teams: [payments]
people:
  incident_commander: Dana Smith
action_items:
  - title: Be more careful when deploying
    owner: payments team
  - title: Improve monitoring
    owner: Sam Park and Lee Wong
    due: 2024-04-01
  - title: Add a deploy confirmation prompt for production targets
---

## Summary

The root cause was human error: Dana Smith carelessly ran the migration.
She should have checked the replica lag first, and obviously failed to read the runbook.
A human error like this is stupid.
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*POSTMORTEM, *args], cwd=cwd, capture_output=True, text=True, check=False)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def archive(site: Site) -> Site:
    site.add("2024/2024-01-01-fine.md", postmortem(date="2024-01-01", severity="SEV3"))
    site.write_config()
    return site


FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<level>error|warning) (?P<rule>PM\d{3}) \S")


def test_lint_reports_schema_and_content_findings_in_one_run(archive: Site) -> None:
    """Like a compiler: the missing summary (a schema error) and every content finding, in one run."""
    path = archive.add("2024/2024-03-12-bad.md", BAD)
    result = run("lint", str(path.relative_to(archive.root)), cwd=archive.root)
    assert result.returncode == 1
    got = result.stdout.splitlines()
    where = "docs/2024/2024-03-12-bad.md"
    for line in got:
        match = FINDING.match(line)
        assert match and match["path"] == where, line
        assert match["level"] == RULES[match["rule"]].level, line

    def expect(rule: str, needle: str, col_needle: str | None = None) -> None:
        line = line_of(BAD, needle)
        col = BAD.splitlines()[line - 1].index(col_needle) + 1 if col_needle else 1
        prefix = f"{where}:{line}:{col}: {RULES[rule].level} {rule} "
        assert any(g.startswith(prefix) for g in got), f"missing {prefix!r} in:\n" + "\n".join(got)

    expect("PM501", "---")  # the schema error...
    expect("PM101", "The root cause was human error", "human error")  # ...and the content rules, together
    expect("PM101", "The root cause was human error", "Dana Smith")  # a person as the root cause
    expect("PM103", "title: Payments outage caused by Dana", "Dana")  # a person as the cause, in the title
    expect("PM102", "A human error like this", "human error")
    expect("PM201", "carelessly ran", "carelessly")
    expect("PM201", "is stupid", "stupid")
    expect("PM202", "should have checked", "should have")
    expect("PM202", "obviously failed", "obviously")
    expect("PM202", "failed to read", "failed to")
    expect("PM301", "Be more careful when deploying", "Be more ca")
    expect("PM301", "Improve monitoring", "Improve mo")
    expect("PM302", "owner: payments team", "payments team")
    expect("PM303", "owner: Sam Park and Lee Wong", "Sam Park and Lee Wong")
    expect("PM304", "Add a deploy confirmation prompt")
    expect("PM305", "Be more careful when deploying")
    expect("PM306", "Improve monitoring")
    for section in ("Impact", "Timeline", "Contributing factors"):
        assert any(f"error PM401 a SEV1 postmortem needs a '## {section}' section" in g for g in got)
    rules = [FINDING.match(g)["rule"] for g in got]  # type: ignore[index]
    errors = sum(RULES[r].level == "error" for r in rules)
    assert errors >= 9
    assert result.stderr.strip() == f"{errors} errors, {len(rules) - errors} warnings in 1 file (1 file checked)"
    # A YAML error stops the schema, not the body's rules.
    broken = archive.add("2024/2024-03-13-broken.md", BAD.replace("date: 2024-03-12", "date: [2024"))
    result = run("lint", "--format", "json", str(broken.relative_to(archive.root)), cwd=archive.root)
    found = {f["rule"] for f in json.loads(result.stdout)}
    assert {"PM000", "PM101", "PM201", "PM202"} <= found, found


def test_lint_summary_counts_files_with_findings(archive: Site) -> None:
    bad = archive.add("2024/2024-03-12-bad.md", BAD)
    result = run("lint", str(bad.parent.relative_to(archive.root)), cwd=archive.root)
    errors = sum(" error " in line for line in result.stdout.splitlines())
    warnings = sum(" warning " in line for line in result.stdout.splitlines())
    assert result.stderr.strip() == f"{errors} errors, {warnings} warnings in 1 file (2 files checked)"
    assert run("lint", "docs/2024/2024-01-01-fine.md", cwd=archive.root).stderr.strip() == (
        "0 errors, 0 warnings in 0 files (1 file checked)"
    )


def test_lint_exit_codes_are_documented(archive: Site) -> None:
    help_text = run("lint", "--help", cwd=archive.root).stdout
    for code in ("0  no errors", "1  at least one error", "2  the command could not run"):
        assert code in help_text
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "Exit status of `postmortem lint`" in readme
    assert run("lint", "--format", "nope", cwd=archive.root).returncode == 2


def test_lint_is_quiet_on_the_example_archive() -> None:
    result = run("lint", cwd=REPO)
    assert result.returncode == 0 and result.stdout == "", result.stdout
    assert result.stderr.strip().startswith("0 errors, 0 warnings in 0 files")


def test_lint_formats_strict_and_disabling(archive: Site) -> None:
    text = postmortem(
        date="2024-02-02", severity="SEV3", action_items=[{"title": "Alert on lag above 30 s", "owner": "Sam Park"}]
    )
    path = archive.add("2024/2024-02-02-warn.md", text)
    rel = str(path.relative_to(archive.root))
    plain = run("lint", rel, cwd=archive.root)
    assert plain.returncode == 0 and [line.split()[2] for line in plain.stdout.splitlines()] == ["PM305", "PM306"]
    assert run("lint", "--strict", rel, cwd=archive.root).returncode == 1
    github = run("lint", "--format", "github", rel, cwd=archive.root).stdout.splitlines()
    assert github[0].startswith(f"::warning file={rel},line=") and ",title=PM305::" in github[0]
    data = json.loads(run("lint", "--format", "json", rel, cwd=archive.root).stdout)
    assert [(f["rule"], f["level"]) for f in data] == [("PM305", "warning"), ("PM306", "warning")]
    # per file
    path.write_text(text.replace("status: final\n", "status: final\nlint:\n  disable: [PM305]\n"), encoding="utf-8")
    assert [line.split()[2] for line in run("lint", rel, cwd=archive.root).stdout.splitlines()] == ["PM306"]
    # per site
    archive.plugin_options["lint"] = {"disable": ["PM306"]}
    archive.write_config()
    assert run("lint", rel, cwd=archive.root).stdout == ""


def test_every_rule_is_documented_with_bad_and_good_examples() -> None:
    doc = (REPO / "postmortems" / "guide" / "lint-rules.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", doc, flags=re.M)[1:]
    documented = {s.split()[0]: s for s in sections}
    assert set(documented) == set(RULES)
    for rule_id, text in documented.items():
        assert f"({RULES[rule_id].level})" in text.splitlines()[0]
        assert "Bad" in text and "Good" in text, rule_id
    listed = run("lint", "--list-rules", cwd=REPO).stdout.splitlines()
    assert [line.split()[0] for line in listed] == list(RULES)


def test_new_creates_a_file_that_lints_and_builds(archive: Site) -> None:
    title = 'Checkout: "quoted" errors # after a cache resize'
    result = run(
        "new",
        title,
        "--severity",
        "SEV1",
        "--date",
        "2026-11-20",
        "--service",
        "checkout-web",
        "--team",
        "storefront",
        cwd=archive.root,
    )
    assert result.returncode == 0, result.stderr
    path = archive.root / result.stdout.strip()
    assert path == archive.docs / "2026" / "2026-11-20-checkout-quoted-errors-after-a-cache-resize.md"
    text = path.read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["title"] == title and meta["severity"] == "SEV1" and meta["status"] == "draft"
    assert meta["services"] == ["checkout-web"] and meta["teams"] == ["storefront"]
    for section in (
        "Summary",
        "Impact",
        "Timeline",
        "Detection",
        "Response",
        "Contributing factors",
        "What went well",
        "Where we got lucky",
        "Action items",
    ):
        assert f"\n## {section}\n" in text
    lint = run("lint", str(path.relative_to(archive.root)), cwd=archive.root)
    assert lint.returncode == 0 and lint.stdout == "", lint.stdout
    # Promote it as an author would, and it builds.
    archive.plugin_options["drafts"] = "include"
    archive.build()
    assert (archive.site / "2026" / "2026-11-20-checkout-quoted-errors-after-a-cache-resize" / "index.html").is_file()


def test_new_short_form_and_no_overwrite(archive: Site) -> None:
    args = ("new", "Search latency blip", "--severity", "SEV4", "--date", "2026-11-21")
    first = run(*args, cwd=archive.root)
    path = archive.root / first.stdout.strip()
    text = path.read_text(encoding="utf-8")
    assert "## Summary" in text and "## Detection" not in text
    path.write_text(text + "\nMy notes.\n", encoding="utf-8")
    second = run(*args, cwd=archive.root)
    assert second.returncode == 2 and "already exists; not overwriting it" in second.stderr
    assert path.read_text(encoding="utf-8").endswith("My notes.\n")
    bad = run("new", "X", "--severity", "SEV9", cwd=archive.root)
    assert bad.returncode == 2 and "unknown severity 'SEV9'" in bad.stderr


def test_schema_command_validates_the_example(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(run("schema", cwd=REPO).stdout)
    example = (REPO / "postmortems" / "2024" / "2024-03-12-payments-db-failover.md").read_text(encoding="utf-8")
    data = yaml.safe_load(example.split("---")[1])
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**json.loads(json.dumps(data, default=str)), "sevrity": "SEV1"}, schema)


def test_workflows_pass_actionlint() -> None:
    """This repository's own workflows (the ones `postmortem init` writes: tests/test_init.py)."""
    workflows = sorted(str(p) for p in (REPO / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) == 3
    result = subprocess.run([actionlint(), "-no-color", *workflows], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_hook_definition(archive: Site) -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    [hook] = clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "postmortem-lint" and hook["language"] == "python"
    files_re = re.compile(hook["files"])
    bad = archive.add("2024/2024-03-12-bad.md", BAD.replace("docs/", ""))
    candidates = [
        "postmortems/2024/2024-03-12-bad.md",
        "postmortems/index.md",
        "postmortems/patterns/dns.md",
        "README.md",
    ]
    assert [c for c in candidates if files_re.search(c)] == ["postmortems/2024/2024-03-12-bad.md"]
    # Run the hook as pre-commit would: entry + the matching file names.
    entry = hook["entry"].split()
    assert entry[0] == "postmortem"
    failing = subprocess.run(
        [*POSTMORTEM, *entry[1:], str(bad.relative_to(archive.root))],
        cwd=archive.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failing.returncode == 1 and "PM501" in failing.stdout
    passing = subprocess.run(
        [*POSTMORTEM, *entry[1:], "docs/2024/2024-01-01-fine.md"],
        cwd=archive.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert passing.returncode == 0, passing.stdout


def test_pull_request_template_has_the_checklist() -> None:
    text = (REPO / ".github" / "PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
    assert text.count("- [ ]") >= 8 and "postmortem lint" in text and "one** owner" in text


def test_edit_link_on_postmortems_not_on_generated_pages(tmp_path: Path) -> None:
    from bs4 import BeautifulSoup

    dest = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(dest)],
        check=True,
        env=env,
        capture_output=True,
    )
    page = BeautifulSoup((dest / "2024" / "2024-03-12-payments-db-failover" / "index.html").read_text(), "html.parser")
    edit = page.select_one("a.md-content__button[title='Edit this page']")
    assert edit is not None
    assert edit["href"].endswith("edit/main/postmortems/2024/2024-03-12-payments-db-failover.md")
    listing = BeautifulSoup((dest / "incidents" / "index.html").read_text(), "html.parser")
    assert listing.select_one("a.md-content__button[title='Edit this page']") is None
    guide = BeautifulSoup((dest / "guide" / "index.html").read_text(), "html.parser")
    assert "postmortem new" in guide.get_text()


def test_every_rule_fires_on_some_bad_postmortem(archive: Site) -> None:
    no_items = BAD.split("action_items:")[0] + "summary: Payments failed.\n---\n\n## Summary\n\nText.\n"
    schema = "---\ntitle: T\ndate: 12:30\nseverity: SEV1\nsummary: s\n---\n\n## Summary\n"
    fixed = BAD.replace("status: final\n", "status: final\nsummary: Payments failed for 38 minutes.\n")
    todo = postmortem(summary="TODO: one or two sentences.", severity="SEV3")
    imported = postmortem(severity="SEV4", imported={"source": "sha256:0", "review": ["severity: not in the source"]})
    vasa = postmortem(date="1628-08-10", severity="SEV3")  # historical, or a typo: PM701 asks
    named = (("bad", BAD), ("fixed", fixed), ("no-items", no_items), ("schema", schema), ("todo", todo))
    paths = []
    for name, text in (*named, ("imported", imported), ("vasa", vasa)):
        paths.append(str(archive.add(f"2024/2024-03-12-{name}.md", text).relative_to(archive.root)))
    found = json.loads(run("lint", "--format", "json", *paths, cwd=archive.root).stdout)
    by_file = {(f["path"].rsplit("-", 1)[-1], f["rule"], f["line"]) for f in found}
    assert ("items.md", "PM402", 1) in by_file
    assert ("schema.md", "PM000", line_of(schema, "date: 12:30")) in by_file
    assert {f["rule"] for f in found} == set(RULES)


def _promote(path: Path) -> str:
    """What an author in a hurry does: mark the new file final without replacing the prompts."""
    text = path.read_text(encoding="utf-8").replace("status: draft", "status: final")
    path.write_text(text, encoding="utf-8")
    return text


def test_template_prompts_all_carry_the_marker() -> None:
    """One source of truth: every prompt `new` writes starts with the marker the checker looks for."""
    from postmortem_archive.authoring.new import render_new
    from postmortem_archive.authoring.placeholders import MARKER, body_lines

    for full in (True, False):
        text = render_new("T", "SEV1", dt.date(2026, 1, 1), [], [], full)
        body = text.split("---\n", 2)[2]
        prose = [
            line.strip()
            for _, line in body_lines(body, 1)
            if line.strip() and not line.startswith(("#", "|---", "| Time", "  ")) and line.strip() != "All times UTC."
        ]
        assert prose and all(MARKER in line for line in prose), prose
        assert f"summary: '{MARKER}" in text


def test_placeholders_left_in_a_final_postmortem_fail_lint_and_the_strict_build(archive: Site) -> None:
    created = run("new", "Queue backlog", "--severity", "SEV2", "--date", "2026-11-20", cwd=archive.root)
    path = archive.root / created.stdout.strip()
    rel = str(path.relative_to(archive.root))
    assert run("lint", rel, cwd=archive.root).returncode == 0  # a draft may hold prompts
    text = _promote(path)
    result = run("lint", "--format", "json", rel, cwd=archive.root)
    assert result.returncode == 1
    found = [(f["line"], f["col"]) for f in json.loads(result.stdout) if f["rule"] == "PM502"]
    expected = [
        (number, line.index("TODO:") + 1) for number, line in enumerate(text.splitlines(), 1) if "TODO:" in line
    ]
    # Every prompt: the summary in the front matter and each one in the body (not the HTML comment).
    assert found == [e for e in expected if '"TODO:"' not in text.splitlines()[e[0] - 1]]
    assert len(found) == 12  # summary; Summary, Impact, 4 timeline rows, Detection, Response, 3 lists
    # The build warns, so --strict fails and names the file and line.
    message = archive.build_error_or_warning()
    summary_line = line_of(text, "summary: 'TODO:")
    assert (
        f"{path.relative_to(archive.docs).as_posix()}:{summary_line}: template placeholder left in summary" in message
    )
    # Replaced by the author: clean again.
    done = [line for line in text.splitlines() if "TODO:" not in line or '"TODO:"' in line]
    done.insert(1, "summary: The queue backed up for an hour.")
    path.write_text("\n".join(done), encoding="utf-8")
    assert "PM502" not in run("lint", rel, cwd=archive.root).stdout


def test_a_person_given_as_the_cause_in_any_free_text_field(archive: Site) -> None:
    (archive.root / "people.yml").write_text("- name: Kim Ortiz\n  aliases: [Kimmy]\n", encoding="utf-8")
    archive.plugin_options["redact"] = {"roster": "people.yml"}  # lint reads the roster even with redaction off
    archive.write_config()
    text = postmortem(
        severity="SEV3",
        summary="Checkout failed after Ortiz broke the deploy.",  # a roster surname alone, a broad verb
        contributing_factors=["The certificate expired because Tom forgot to renew it"],  # unknown name, person verb
        impact={"description": "Kafka failed to elect a leader for 4 minutes."},  # a system: not a person
        action_items=[
            {"title": "Kimmy's mistake: add a renewal alert", "owner": "Lee Wong", "due": "2024-05-01", "ticket": "X-1"}
        ],
        people={"incident_commander": "Lee Wong"},
        body="## Summary\n\nThe rollout stalled when Wong ignored the alert. We forgot the runbook.\n",
    )
    path = archive.add("2024/2024-03-12-causes.md", text)
    found = json.loads(run("lint", "--format", "json", str(path.relative_to(archive.root)), cwd=archive.root).stdout)
    got = {(f["line"], f["message"].split(" is given")[0]) for f in found if f["rule"] == "PM103"}
    assert got == {
        (line_of(text, "summary:"), "summary: a person (Ortiz)"),
        (line_of(text, "Tom forgot"), "contributing_factors[0]: a person (Tom)"),
        (line_of(text, "Kimmy"), "action_items[0].title: a person (Kimmy)"),
        (line_of(text, "Wong ignored"), "a person (Wong)"),  # a people-field surname, in the body
    }, found
    col = next(f["col"] for f in found if f["rule"] == "PM103" and "Ortiz" in f["message"])
    assert col == text.splitlines()[line_of(text, "summary:") - 1].index("Ortiz") + 1
