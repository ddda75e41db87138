"""Pagefind run bundle by bundle while the site builds (search_indexer): real Pagefind binary, real files."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from postmortem_archive.search import pagefind as search
from postmortem_archive.search.indexer import StreamingIndexer


def records(site: Path) -> dict[str, list[str]]:
    """Bundle name -> the URLs Pagefind stored in it."""
    found: dict[str, list[str]] = {}
    for path in sorted((site / "pagefind").glob("*/fragment/*.pf_fragment")):
        raw = gzip.decompress(path.read_bytes())
        found.setdefault(path.parent.parent.name, []).append(json.loads(raw[len(b"pagefind_dcd") :])["url"])
    return {name: sorted(urls) for name, urls in found.items()}


def page(words: str) -> str:
    body = f"<main data-pagefind-body><h1>{words}</h1><p>{words}</p></main>"
    return f"<html lang=en><body><nav>menu</nav>{body}</body></html>"


def test_bundles_are_written_as_their_last_page_arrives(tmp_path: Path) -> None:
    names = ["2023/a{b,c}/index.html", "2023/d[1]/index.html", "2024/e*f?/index.html", "guide/index.html"]
    bundles = [search.Bundle("2024", (names[2], names[3])), search.Bundle("2023", (names[0], names[1]))]
    (tmp_path / "pagefind" / "stale").mkdir(parents=True)
    indexer = StreamingIndexer(tmp_path, bundles)
    indexer.add(names[0], page("alpha PAY-1234"))
    assert (tmp_path / "pagefind" / "stale").exists() is False, "the old index goes before the first bundle opens"
    indexer.add("not/planned/index.html", page("ignored"))
    indexer.add(names[1], page("beta"))
    (first,) = indexer._all
    assert first.running or (tmp_path / "pagefind" / "2023" / "pagefind-entry.json").exists(), (
        "2023 had all its pages: it is indexed without waiting for the end of the build"
    )
    indexer.add(names[2], page("gamma"))
    report = indexer.finish()  # 2024 is still open (its guide page never came): written now
    assert report.pages == 3 and report.bundles == 2 and report.peak_rss_bytes > 0
    assert [(name, pages) for name, pages, _, _ in report.per_bundle] == [("2023", 2), ("2024", 1)]
    assert records(tmp_path) == {"2023": ["/2023/a{b,c}/", "/2023/d[1]/"], "2024": ["/2024/e*f?/"]}
    entry = json.loads((tmp_path / "pagefind" / "2023" / "pagefind-entry.json").read_text())
    assert set(entry["include_characters"]) >= set(search.INCLUDE_CHARACTERS), "ticket ids stay whole"
    for unused in search.UNUSED_FILES:
        assert not (tmp_path / "pagefind" / "2023" / unused).exists()


def test_nothing_indexed_still_removes_the_old_index(tmp_path: Path) -> None:
    (tmp_path / "pagefind" / "stale").mkdir(parents=True)
    report = StreamingIndexer(tmp_path, [search.Bundle("2024", ("a/index.html",))]).finish()
    assert report.pages == 0 and report.bundles == 0
    assert not (tmp_path / "pagefind").exists()


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("echo 'no such thing' >&2\nexit 3", r"exit 3\) while indexing bundle x:\n(.|\n)*no such thing"),
        ("exit 0", r"wrote no index while indexing bundle x"),
    ],
)
def test_a_failing_pagefind_is_a_clear_error(tmp_path: Path, script: str, error: str) -> None:
    fake = tmp_path / "fake-pagefind"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    indexer = StreamingIndexer(tmp_path / "site", [search.Bundle("x", ("a/index.html",))], fake)
    indexer.add("a/index.html", page("alpha"))
    with pytest.raises(search.SearchIndexError, match=error):
        indexer.finish()
    assert not (tmp_path / "site" / "pagefind").exists(), "no part of an index is left"


def test_an_aborted_build_leaves_no_process_and_no_index(tmp_path: Path) -> None:
    slow = tmp_path / "slow-pagefind"
    slow.write_text("#!/bin/sh\nsleep 60\n")
    slow.chmod(0o755)
    bundles = [search.Bundle("2024", ("a/index.html",)), search.Bundle("2023", ("b/index.html", "c/index.html"))]
    indexer = StreamingIndexer(tmp_path, bundles, slow)
    indexer.add("a/index.html", page("alpha"))  # 2024 is complete: its process starts
    indexer.add("b/index.html", page("beta"))  # 2023 is not: staged only
    started, staged = indexer._all
    assert started.running and not staged.running
    stage = started.stage.parent
    assert (stage / "2023" / "b" / "index.html").is_file()
    indexer.abort()
    assert not started.running, "the Pagefind process was stopped"
    assert not stage.exists(), "nothing staged is left behind"
    assert not (tmp_path / "pagefind").exists(), "a failed build leaves no part of an index"


def test_a_dirty_build_still_indexes_every_page(tmp_path: Path) -> None:
    """`mkdocs build --dirty` converts only changed pages; the index is made anew from all of them."""
    import subprocess
    import sys
    import time

    from conftest import Site, postmortem

    site = Site(tmp_path)
    for day in (1, 2, 3):
        site.add(f"2024/2024-01-0{day}-a{day}.md", postmortem(title=f"Incident {day}", date=f"2024-01-0{day}"))
    first = site.cli_build()
    assert first.returncode == 0, first.stderr
    before = records(site.site)
    assert sum(len(urls) for urls in before.values()) == 3
    time.sleep(1.1)  # MkDocs compares modification times in whole seconds on some file systems
    site.add("2024/2024-01-02-a2.md", postmortem(title="Incident 2 renamed", date="2024-01-02"))
    dirty = subprocess.run(  # not --strict: MkDocs warns that a dirty build is for development only
        [sys.executable, "-m", "mkdocs", "build", "--dirty"], cwd=site.root, capture_output=True, text=True
    )
    assert dirty.returncode == 0, dirty.stderr
    assert "Pagefind indexed" in dirty.stderr
    assert records(site.site) == before, "unchanged pages are indexed from their built HTML"
    titles = [
        json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd") :])["meta"]["title"]
        for path in (site.site / "pagefind").glob("*/fragment/*.pf_fragment")
    ]
    assert sorted(titles) == ["Incident 1", "Incident 2 renamed", "Incident 3"]


def test_pagefind_runs_at_a_lower_priority_with_no_python_in_the_forked_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind yields the core to MkDocs through `nice`, not a preexec_fn (Python code run in the
    forked child, unsafe while the build has any other thread); the index is still written."""
    from postmortem_archive.search import indexer

    started: list[tuple[list[str], dict[str, object]]] = []
    popen = subprocess.Popen

    def spy(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        started.append((args, kwargs))
        return popen(args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(indexer.subprocess, "Popen", spy)
    streaming = StreamingIndexer(tmp_path, [search.Bundle("all", ("a/index.html",))])
    streaming.add("a/index.html", page("alpha"))
    assert streaming.finish().pages == 1
    # Pagefind, and beside it the scan for whole tokens (search/tokens.py), both niced.
    ((pagefind, kwargs), (scan, scan_kwargs)) = started
    assert "preexec_fn" not in kwargs and "preexec_fn" not in scan_kwargs
    for args in (pagefind, scan):
        assert args[:3] == [shutil.which("nice"), "-n", str(indexer.INDEXER_NICENESS)]
    assert scan[4:6] == ["-m", "postmortem_archive.search.tokens"]
    assert records(tmp_path) == {"all": ["/a/"]}


def test_pages_are_staged_in_memory_when_it_has_twice_the_room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from postmortem_archive.search.indexer import scratch_directory, staged_bytes

    memory = tmp_path / "shm"
    memory.mkdir()
    monkeypatch.delenv("TMPDIR", raising=False)
    usage = shutil.disk_usage(memory)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1000))
    assert scratch_directory(500, memory) == str(memory)
    assert scratch_directory(501, memory) is None, "never more than half of what is free"
    assert scratch_directory(1, tmp_path / "missing") is None
    (tmp_path / "file").write_text("not a directory")
    assert scratch_directory(1, tmp_path / "file") is None
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert scratch_directory(1, memory) is None, "a TMPDIR the user set is kept"
    # Twice the Markdown, and 4 KiB a page for its metadata header (a staged article is 1.5-2.5x).
    assert staged_bytes([1000, 0]) == 2000 + 2 * 4096


@pytest.mark.parametrize("room", [True, False])
def test_a_build_stages_in_memory_only_with_room_and_leaves_nothing_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: bool
) -> None:
    """At exactly twice the estimate free, tmpfs; one byte less, the temporary directory."""
    from conftest import Site, postmortem
    from postmortem_archive.search import indexer

    site = Site(tmp_path / "archive")
    sources = [site.add("guide.md", "# Guide\n\nHow we write postmortems.\n")]
    for day in (1, 2):
        sources.append(site.add(f"2024/2024-01-0{day}-a.md", postmortem(title=f"PM {day}", date=f"2024-01-0{day}")))
    needed = indexer.staged_bytes(path.stat().st_size for path in sources)  # not index.md: never indexed
    memory = tmp_path / "shm"
    memory.mkdir()
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(indexer, "IN_MEMORY", memory)
    usage = shutil.disk_usage
    free = 2 * needed if room else 2 * needed - 1
    monkeypatch.setattr(indexer.shutil, "disk_usage", lambda path: usage(path)._replace(free=free))
    staged: list[Path] = []
    add = indexer.BundleIndex.add

    def spy(self: indexer.BundleIndex, dest_uri: str, html: str) -> None:
        staged.append(self.stage / dest_uri)
        add(self, dest_uri, html)

    monkeypatch.setattr(indexer.BundleIndex, "add", spy)
    site.build()
    assert len(staged) == 3
    assert all(path.is_relative_to(memory) == room for path in staged)
    assert list(memory.iterdir()) == [], "nothing staged is left in memory"
    urls = sorted(page["url"] for page in site.pagefind_records())
    assert urls == ["/2024/2024-01-01-a/", "/2024/2024-01-02-a/", "/guide/"]


def test_no_room_to_stage_is_a_clear_error_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    indexer = StreamingIndexer(tmp_path / "site", [search.Bundle("2024", ("a/index.html", "b/index.html"))])
    indexer.add("a/index.html", page("alpha"))
    stage = indexer._all[0].stage.parent

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    error = r"could not stage b/index.html in .*: No space left on device \(TMPDIR"
    with pytest.raises(search.SearchIndexError, match=error):
        indexer.add("b/index.html", page("beta"))
    monkeypatch.undo()
    indexer.abort()
    assert not stage.exists()


def test_an_interrupted_build_leaves_nothing_staged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C skips MkDocs' on_build_error; on_shutdown still removes what was staged (in memory)."""
    from conftest import Site, postmortem
    from postmortem_archive.search import indexer

    memory = tmp_path / "shm"
    memory.mkdir()
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(indexer, "IN_MEMORY", memory)
    site = Site(tmp_path / "archive")
    for day in (1, 2, 3):
        site.add(f"2024/2024-01-0{day}-a.md", postmortem(title=f"PM {day}", date=f"2024-01-0{day}"))
    hooks = site.root / "interrupt.py"
    hooks.write_text(
        "def on_page_content(html, page, config, files):\n"
        "    if page.file.src_uri.endswith('02-a.md'):\n"
        "        raise KeyboardInterrupt\n"
    )
    site.extra_config["hooks"] = [str(hooks)]
    staged: list[Path] = []
    add = indexer.BundleIndex.add

    def spy(self: indexer.BundleIndex, dest_uri: str, html: str) -> None:
        add(self, dest_uri, html)
        staged.append(self.stage / dest_uri)

    monkeypatch.setattr(indexer.BundleIndex, "add", spy)
    with pytest.raises(KeyboardInterrupt):
        site.build()
    assert len(staged) == 2 and all(path.is_relative_to(memory) for path in staged), "staged before the interrupt"
    assert list(memory.iterdir()) == []
