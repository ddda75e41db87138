"""Pagefind search: what is indexed, in which bundles, and running the indexer (no MkDocs import).

Pagefind's CLI (shipped as a binary by `pagefind[bin]`) reads the built HTML. Only pages
carrying `data-pagefind-body` are indexed; the plugin puts it around the article of
postmortems and hand-written pages, never around listings.

Indexing memory grows with the distinct words of one bundle (measured: 0.6 GB at 1,000
postmortems, 5 GB at 10,000 in one bundle), so pages are indexed in bundles of at most
`max_pages`, grouped by year, one Pagefind process after another; the browser merges them
with `mergeIndex` (merged bundles share the primary's WebAssembly, so each costs only its
small entry/meta files and the chunks a query needs).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BUNDLE_ROOT = "pagefind"  # under site_dir: one sub-directory per bundle
SEARCH_PAGE = "search/index.md"  # the shareable search page (query and filters in its URL)
# Kept inside words, so ticket ids (PAY-1234), service names (payments-api, ledger_db) and
# versions stay whole; Pagefind also indexes the parts of such words.
INCLUDE_CHARACTERS = "-_."
# Inside the article, but not content: permalink anchors and the related-incidents box.
EXCLUDE_SELECTORS = (".headerlink", ".pm-related")
# Files of Pagefind's own UIs; ours replaces them, so they are not published.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
)
# Pagefind's code in a bundle: copied verbatim from the package, like theme assets.
CODE_FILES = ("pagefind.js", "pagefind-worker.js", "pagefind-highlight.js", "wasm.*.pagefind")
ASSET_JS = "assets/postmortems/search.js"
ASSET_CSS = "assets/postmortems/search.css"
DEFAULT_MAX_PAGES = 2000
FILTERS = ("severity", "status", "service", "team", "year", "pattern")


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site (the message says why)."""


@dataclass(frozen=True)
class Bundle:
    name: str  # directory under BUNDLE_ROOT, e.g. "2024" or "2018-2020"
    paths: tuple[str, ...]  # HTML files relative to site_dir

    @property
    def url(self) -> str:
        """Site-root relative URL of the bundle directory."""
        return f"{BUNDLE_ROOT}/{self.name}/"


@dataclass
class IndexReport:
    pages: int = 0
    bundles: int = 0
    seconds: float = 0.0
    peak_rss_bytes: int = 0  # largest peak of one Pagefind process
    per_bundle: list[tuple[str, int, float, int]] = field(default_factory=list)  # name, pages, s, peak bytes


def plan_bundles(pages: Iterable[tuple[str, int | None]], max_pages: int = DEFAULT_MAX_PAGES) -> list[Bundle]:
    """Group pages (HTML path, year or None) into bundles of consecutive years, newest first.

    Adjacent years share a bundle while it stays within `max_pages`; a year larger than that
    is a bundle of its own (a bundle is never split inside a year, so its name says what it
    holds). Pages without a year (hand-written pages) join the first bundle.
    """
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    by_year: dict[int, list[str]] = {}
    undated: list[str] = []
    for path, year in pages:
        if year is None:
            undated.append(path)
        else:
            by_year.setdefault(year, []).append(path)
    groups: list[list[int]] = []
    size = 0
    for year in sorted(by_year, reverse=True):
        count = len(by_year[year])
        if groups and size + count <= max_pages:
            groups[-1].append(year)
            size += count
        else:
            groups.append([year])
            size = count
    bundles = []
    for years in groups:
        name = str(years[0]) if len(years) == 1 else f"{years[-1]}-{years[0]}"
        paths = [path for year in years for path in sorted(by_year[year])]
        bundles.append(Bundle(name, tuple(paths)))
    if undated:
        if bundles:
            first = bundles[0]
            bundles[0] = Bundle(first.name, (*first.paths, *sorted(undated)))
        else:
            bundles.append(Bundle("pages", tuple(sorted(undated))))
    return bundles


_GLOB_SPECIAL = re.compile(r"([\\{}\[\]()*?,<>!:#~$])")


def glob_of(paths: Sequence[str]) -> str:
    """A Pagefind (wax) glob matching exactly these site-relative paths."""
    escaped = [_GLOB_SPECIAL.sub(r"\\\1", path) for path in paths]
    return escaped[0] if len(escaped) == 1 else "{" + ",".join(escaped) + "}"


def pagefind_executable() -> Path:
    """The Pagefind binary from the `pagefind[bin]` package (never downloaded at build time)."""
    try:
        import pagefind_bin
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise SearchIndexError("the Pagefind binary is missing: pip install 'pagefind[bin]'") from exc
    try:
        return Path(pagefind_bin.get_executable())
    except FileNotFoundError as exc:
        raise SearchIndexError(f"the Pagefind binary is missing from pagefind_bin: {exc}") from exc


def remove_bundles(site_dir: Path) -> None:
    """Delete a previous index, so no stale page survives a rebuild."""
    target = site_dir / BUNDLE_ROOT
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)


def _run(command: list[str], cwd: str) -> tuple[int, str, int]:
    """Run a process; (exit status, its output, its peak resident memory in bytes)."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    return process.returncode, text, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def index_bundle(site_dir: Path, bundle: Bundle, executable: Path | None = None) -> tuple[float, int]:
    """Index one bundle's pages with the Pagefind CLI; (seconds, peak memory in bytes)."""
    output = site_dir / BUNDLE_ROOT / bundle.name
    config = {
        "site": str(site_dir.resolve()),
        "output_path": str(output.resolve()),
        "glob": glob_of(bundle.paths),
        "include_characters": INCLUDE_CHARACTERS,
        "exclude_selectors": list(EXCLUDE_SELECTORS),
    }
    # A fresh working directory: Pagefind reads pagefind.{json,yml,toml} from there, so a stray
    # config file cannot change what we index; the glob can be longer than a command line.
    with tempfile.TemporaryDirectory(prefix="pagefind-") as cwd:
        Path(cwd, "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
        start = time.perf_counter()
        code, text, peak = _run([str(executable or pagefind_executable()), "--quiet"], cwd)
        seconds = time.perf_counter() - start
    if code != 0:
        raise SearchIndexError(f"Pagefind failed on bundle {bundle.name} (exit {code}):\n{text.strip()}")
    if not (output / "pagefind-entry.json").is_file():
        raise SearchIndexError(f"Pagefind wrote no index for bundle {bundle.name}:\n{text.strip()}")
    for name in UNUSED_FILES:
        (output / name).unlink(missing_ok=True)
    return seconds, peak


def index_site(site_dir: Path, bundles: Sequence[Bundle], executable: Path | None = None) -> IndexReport:
    """Replace the site's search index: remove the old one, then index each bundle in turn."""
    remove_bundles(site_dir)
    report = IndexReport(bundles=len(bundles))
    for bundle in bundles:
        seconds, peak = index_bundle(site_dir, bundle, executable)
        report.pages += len(bundle.paths)
        report.seconds += seconds
        report.peak_rss_bytes = max(report.peak_rss_bytes, peak)
        report.per_bundle.append((bundle.name, len(bundle.paths), seconds, peak))
    return report


def code_files(bundles: Sequence[Bundle]) -> set[str]:
    """Site-relative paths (globs) of Pagefind's own code in the bundles: scripts and WebAssembly."""
    return {f"{bundle.url}{name}" for bundle in bundles for name in CODE_FILES}


def article(content: str, title: str) -> str:
    """A page's content as Pagefind should see it: the article marked as the indexed body, with
    the page title (plain text, escaped here) as the result title, weighted like a heading.

    Material prints the title outside the content when the Markdown has no `# heading`, so
    Pagefind would not see it otherwise.
    """
    heading = f'<p data-pagefind-meta="title" data-pagefind-weight="7" hidden>{html.escape(title)}</p>'
    return f"<div data-pagefind-body>\n{heading}\n{content}\n</div>"


def ignored(content: str) -> str:
    """Generated HTML inside an indexed page that is navigation, not content (listings)."""
    return f"<div data-pagefind-ignore>\n{content}\n</div>"
