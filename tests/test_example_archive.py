"""The repository's own example archive: what a new user sees first."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from conftest import POSTMORTEM, REPO, build_example
from postmortem_archive.archive.collection import Archive
from postmortem_archive.cli.common import collect
from postmortem_archive.core.loader import load_all
from postmortem_archive.core.settings import Settings


def test_example_builds_strict_and_lists_every_published_postmortem(example_site: Path) -> None:
    settings = Settings(today=Settings().today)
    postmortems = load_all(collect(REPO / "postmortems", settings), settings)
    published = [pm for pm in postmortems if not pm.is_draft]
    soup = BeautifulSoup((example_site / "incidents" / "index.html").read_text(), "html.parser")
    titles = [a.get_text() for a in soup.select("table.pm-table tbody tr td:nth-of-type(2) a")]
    assert titles == [pm.title for pm in published]
    for pm in published:
        assert (example_site / pm.src_path.removesuffix(".md") / "index.html").is_file()


def test_example_is_realistic() -> None:
    settings = Settings()
    postmortems = load_all(collect(REPO / "postmortems", settings), settings)
    metas = [pm.meta for pm in postmortems]
    assert len(postmortems) >= 12
    assert len({m.date.year for m in metas}) >= 3
    assert {m.severity for m in metas} == {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert len({s for m in metas for s in m.services}) >= 6
    assert len({t for m in metas for t in m.teams}) >= 4
    statuses = {i.status for m in metas for i in m.action_items}
    assert statuses == {"open", "in-progress", "done", "wont-fix"}
    overdue = [row for row in Archive(postmortems, settings).actions.rows if row.overdue]
    assert len(overdue) >= 3
    for pm in postmortems:
        if pm.meta.status == "final":
            assert "## Timeline" in pm.body and "## Contributing factors" in pm.body, pm.src_path


def test_two_builds_are_identical(example_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert build_example(again).returncode == 0
    comparison = filecmp.dircmp(example_site, again)

    def differences(cmp: filecmp.dircmp[str]) -> list[str]:
        found = cmp.left_only + cmp.right_only + cmp.diff_files
        for sub in cmp.subdirs.values():
            found += differences(sub)
        return found

    # Pagefind 1.5 writes its filter chunks in hash-map order, so they (and the meta file and entry
    # that name them by content hash) differ between runs; its word index and fragments do not.
    def unstable(path: str) -> bool:
        return bool(re.fullmatch(r"pagefind/[^/]+/(filter/.*|pagefind\.[^/]*\.pf_meta|pagefind-entry\.json)", path))

    # Compare contents, not only stat signatures.
    mismatched = [
        str(p.relative_to(example_site))
        for p in example_site.rglob("*")
        if p.is_file()
        and not unstable(p.relative_to(example_site).as_posix())
        and (again / p.relative_to(example_site)).read_bytes() != p.read_bytes()
    ]
    assert not [p for p in differences(comparison) if not p.endswith((".pf_filter", ".pf_meta", "pagefind-entry.json"))]
    assert not mismatched, mismatched
    assert sorted(p.name for p in example_site.glob("pagefind/*/fragment/*")) == sorted(
        p.name for p in again.glob("pagefind/*/fragment/*")
    )


def test_build_writes_nothing_outside_site_dir(tmp_path: Path) -> None:
    repo_copy = tmp_path / "repo"
    shutil.copytree(
        REPO, repo_copy, ignore=shutil.ignore_patterns("site", ".git", ".venv", "*.egg-info", "__pycache__", ".*cache")
    )
    before = {p: p.stat().st_mtime_ns for p in repo_copy.rglob("*")}
    config = yaml.safe_load((repo_copy / "mkdocs.yml").read_text())
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    site_dir = repo_copy / config["site_dir"]
    after = {p: p.stat().st_mtime_ns for p in repo_copy.rglob("*") if not p.is_relative_to(site_dir) and p != site_dir}
    assert after == before


def test_example_redacted_build_has_no_names(tmp_path: Path) -> None:
    dest = tmp_path / "site"
    result = build_example(dest, "mkdocs-redacted.yml")
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [*POSTMORTEM, "check-redaction", str(dest), "--roster", "people.yml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    page = (dest / "2024" / "2024-03-12-payments-db-failover" / "index.html").read_text()
    assert "Dana Smith" not in page and "Incident commander" in page
