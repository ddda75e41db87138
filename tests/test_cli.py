"""The `postmortem` console script, run for real."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, Site, postmortem

EXE = shutil.which("postmortem")
pytestmark = pytest.mark.skipif(EXE is None, reason="package not installed (pip install -e .)")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, check=False)  # type: ignore[list-item]


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
