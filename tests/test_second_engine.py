"""The seam proven on a second engine: ProperDocs (the maintained continuation of MkDocs 1.x)
builds the example archive with the same plugin, and the site is the one MkDocs builds."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from conftest import build_example

# The one line the engines write differently: <meta name="generator" content="mkdocs-1.6.1, ...">.
GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def _files(site: Path) -> dict[str, bytes]:
    """Every file outside Pagefind's bundles, the generator line blanked."""
    return {
        path.relative_to(site).as_posix(): GENERATOR.sub(b"", path.read_bytes())
        for path in sorted(site.rglob("*"))
        if path.is_file() and "pagefind" not in path.relative_to(site).parts
    }


def _search_records(site: Path) -> list[dict[str, object]]:
    """What Pagefind indexed, page by page: url, words, title, filters (file names are hashes)."""
    records = []
    for path in site.glob("pagefind/*/fragment/*.pf_fragment"):
        record = json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd") :])
        records.append({key: record[key] for key in ("url", "content", "meta", "filters")})
    return sorted(records, key=lambda r: str(r["url"]))


@pytest.mark.parametrize("config", ["mkdocs.yml", "mkdocs-redacted.yml"])
def test_properdocs_builds_the_example_archive_as_mkdocs_does(tmp_path: Path, config: str) -> None:
    by_mkdocs = tmp_path / "mkdocs"
    assert build_example(by_mkdocs, config).returncode == 0
    result = build_example(tmp_path / "properdocs", config, engine="properdocs")
    assert result.returncode == 0, result.stderr
    # ProperDocs says once that mkdocs.yml may be renamed; no warning otherwise.
    assert not [line for line in result.stderr.splitlines() if line.startswith("WARNING")], result.stderr
    mkdocs_files, properdocs_files = _files(by_mkdocs), _files(tmp_path / "properdocs")
    assert sorted(mkdocs_files) == sorted(properdocs_files)
    different = [name for name in mkdocs_files if mkdocs_files[name] != properdocs_files[name]]
    assert different == []
    # Generated pages and exports are among them, and the search bundles hold the same pages.
    assert {"incidents/index.html", "action-items/index.html", "postmortems.json", "feed.xml"} <= set(mkdocs_files)
    records = _search_records(by_mkdocs)
    assert len(records) > 10
    assert records == _search_records(tmp_path / "properdocs")
