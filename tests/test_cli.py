"""The `postmortem` console script, run for real."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import POSTMORTEM, REPO, Site, postmortem


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*POSTMORTEM, *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_validate_the_example_archive() -> None:
    result = run("validate", cwd=REPO)
    assert result.returncode == 0, result.stderr
    count = len(list((REPO / "postmortems").glob("[0-9][0-9][0-9][0-9]/*.md")))
    assert result.stdout.strip() == f"{count} postmortems valid in {REPO / 'postmortems'}"


def test_validate_reports_every_problem(site: Site) -> None:
    site.add("2024/a.md", postmortem(severity="SEV9"))
    site.add("2024/b.md", "---\ntitle: x\n")
    site.write_config()
    result = run("validate", cwd=site.root)
    assert result.returncode == 1
    assert "2024/a.md:4: severity: unknown severity 'SEV9'" in result.stderr
    assert "2024/b.md:1: front matter: not closed" in result.stderr


def test_validate_without_config_explains(tmp_path: Path) -> None:
    result = run("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: no MkDocs config at mkdocs.yml")
    assert "hint:" in result.stderr


def test_schema_is_json_schema_with_the_fields() -> None:
    result = run("schema", cwd=REPO)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["required"] == ["title", "date", "severity"]
    assert schema["additionalProperties"] is False
    assert {"action_items", "people", "impact", "related"} <= set(schema["properties"])


@pytest.fixture
def facets(site: Site) -> Site:
    site.add(
        "2024/2024-03-12-db.md",
        postmortem(
            services=["payments-api", "postgres"],
            teams=["payments"],
            action_items=[
                {"title": "Alert on lag", "owner": "Dana Smith", "team": "payments", "due": "2024-04-01"},
                {"title": "Runbook for failover", "owner": "Sam Park", "team": "platform", "due": "2024-05-01"},
            ],
        ),
    )
    (site.root / "services.yml").write_text("payments-api: ['payments/**']\npostgress: ['db/**']\n")
    site.write_config()
    return site


def test_unknown_values_are_never_silent(facets: Site) -> None:
    cases = {
        ("related", "--service", "paymnts-api"): "error: unknown service 'paymnts-api'; did you mean 'payments-api'?",
        ("related", "--service", "zzz"): "error: unknown service 'zzz'\nhint: known services: payments-api, postgres",
        ("actions", "--owner", "dana smth"): "error: unknown owner 'dana smth'; did you mean 'Dana Smith'?",
        ("actions", "--team", "platfrom"): "error: unknown team 'platfrom'; did you mean 'platform'?",
        ("new", "X", "--severity", "sev1"): "error: unknown severity 'sev1'; did you mean 'SEV1'?",
    }
    for args, expected in cases.items():
        result = run(*args, cwd=facets.root)
        assert result.returncode == 2 and result.stderr.startswith(expected), (args, result.stderr)
        assert result.stdout == "", args
    # Known values in any spelling that names the same page still work.
    assert "Fixture incident" in run("related", "--service", "Payments API", cwd=facets.root).stdout
    assert "Alert on lag" in run("actions", "--owner", "DANA SMITH", cwd=facets.root).stdout


def test_new_values_are_allowed_but_likely_typos_are_said(facets: Site) -> None:
    result = run("new", "Queue stall", "-s", "SEV3", "--service", "paymnts-api", "--team", "search", cwd=facets.root)
    assert result.returncode == 0
    note = "note: unknown service 'paymnts-api'; did you mean 'payments-api'? (no postmortem names it yet;"
    assert result.stderr == note + " a new service is fine)\n"  # and nothing about the new team 'search'
    # A service from the service map that no postmortem names: a note when it looks like a typo, not an error.
    mapped = run("related", "--paths", "db/schema.sql", cwd=facets.root)
    assert mapped.returncode == 0 and "No past incidents for postgress." in mapped.stdout
    assert "note: unknown service 'postgress'; did you mean 'postgres'?" in mapped.stderr
