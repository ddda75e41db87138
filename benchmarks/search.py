"""Search at scale: Pagefind (our default) against Material's lunr search on the same archive.

    python benchmarks/search.py --count 1000 [--count 10000] [--bundle-pages 2000] [--per-year]

For each N it writes N synthetic postmortems (benchmarks/synthetic.py), builds them
three ways and reports:

* build: wall time, CPU time (user + system, with the Pagefind processes it waits for) and
  peak memory (VmHWM) of the MkDocs process, with the plugin and Pagefind (default), with
  the plugin and `search: material` (lunr), and plain MkDocs + Material (lunr, index-only
  nav) on the same Markdown; indexing's CPU time (the Pagefind processes, which index each
  page as it is built, and finishing the bundles), the wall time the build waits for it
  after its last page, and the peak memory of the largest Pagefind process, as the plugin
  logs them, with indexing's share of plain Material's build; the load average around the
  builds;
* per query (a body word, a ticket id, a service), in a cold headless Chromium against
  http.server on 127.0.0.1: the bytes downloaded and the time until the first result
  shows, for the shareable search URL (Pagefind: /search/?q=..., lunr: /?q=...), and for
  typing into the header's search box on a page that is already open (Pagefind only: lunr
  downloads its whole index with every page view, whether or not the reader searches);
  bytes until the first result showed and once the page settled (1 s later), and what the
  Pagefind search URL downloaded by kind of file.

`--bundle-words N` sets the plugin's `search_bundle_words`; `--per-year` adds a Pagefind build
with one bundle per year, to compare one bundle with several merged in the browser.
Not a test: the figures depend on the machine; compare them within one run.
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.server
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import TODAY, write_archive

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
INDEXED = re.compile(
    r"Pagefind indexed (\d+) pages in (\d+) bundle\(s\) alongside the build, CPU ([\d.]+) s, ([\d.]+) s after it"
    r" \(largest process (\d+) MB\)"
)


# ---- Building ----


def write_config(root: Path, plugins: list[Any], nav: list[Any] | None = None) -> None:
    config: dict[str, Any] = {
        "site_name": "Benchmark",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material", "font": False},
        "plugins": plugins,
    }
    if nav is not None:
        config["nav"] = nav
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_build(root: Path) -> dict[str, Any]:
    """`mkdocs build` in a child process: wall and CPU time (user + system, with the Pagefind processes
    it waited for), its own peak RSS (polled VmHWM), its log."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cpu = children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = 0
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout))  # type: ignore[arg-type]
    reader.start()
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak = max(peak, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) * 1024)  # type: ignore[union-attr]
        except (OSError, AttributeError):
            pass
        time.sleep(0.1)
    reader.join()
    seconds = time.perf_counter() - start
    cpu = children_cpu() - cpu
    log = b"".join(output).decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"build failed in {root}:\n{log[-3000:]}")
    result: dict[str, Any] = {"seconds": seconds, "cpu": cpu, "peak": peak}
    found = INDEXED.search(log)
    if found:
        result.update(
            pages=int(found[1]),
            bundles=int(found[2]),
            index_cpu=float(found[3]),
            index_seconds=float(found[4]),
            index_peak=int(found[5]) * 2**20,
        )
    return result


# ---- The browser ----


@contextmanager
def served(directory: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a closed browser context drops connections mid-response

    httpd = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


# Records when the first search result appears, on the page's own clock (0 = navigation start).
FIRST_RESULT = """
new MutationObserver((_, observer) => {
  const hit = document.querySelector(
    ".pm-search-results .md-search-result__item, [data-pm-search] .md-search-result__item:not(.pm-search-more),"
    + " [data-md-component=search-result] .md-search-result__item");
  if (hit && window.__firstResult === undefined) { window.__firstResult = performance.now(); observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


def is_search_request(url: str) -> bool:
    return any(part in url for part in ("/pagefind/", "search.js", "search_index.json", "/workers/search", "/lunr/"))


KINDS = (  # what a Pagefind search downloads, by file
    ("code", ("pagefind.js", ".pagefind", "pagefind-entry.json")),
    ("metadata", (".pf_meta",)),
    ("word chunks", (".pf_index",)),
    ("results", (".pf_fragment",)),
    ("filters", (".pf_filter", "facets.json")),
    ("date order", ("date-order.json",)),
    ("search.js", ("search.js",)),
)


def kind_of(url: str) -> str:
    path = url.split("?")[0]
    return next((kind for kind, ends in KINDS if path.endswith(ends)), "other")


class Meter:
    """A fresh browser context (cold cache) that counts every response's bytes."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context()
        self.context.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort()
        )
        self.context.add_init_script(FIRST_RESULT)
        self.page = self.context.new_page()
        self.requests: list[tuple[str, int, float]] = []  # url, bytes, start (ms since the epoch)
        self.page.on("requestfinished", self._finished)

    def _finished(self, request: Any) -> None:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.requests.append((request.url, size, request.timing["startTime"]))

    def bytes(self, since: int = 0, settled: bool = False) -> tuple[int, int]:
        """(all bytes, search bytes) of the responses from request number `since` on that started
        before the first result showed, or (`settled`) of all of them until now."""
        shown = self.page.evaluate("performance.timeOrigin + window.__firstResult")
        chosen = [(url, n) for url, n, start in self.requests[since:] if settled or start <= shown]
        return sum(n for _, n in chosen), sum(n for url, n in chosen if is_search_request(url))

    def close(self) -> None:
        self.context.close()


def first_hrefs(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.slice(0, 3).map(e => e.getAttribute('href'))")


def measure_url(browser: Any, base: str, url: str, selector: str) -> dict[str, Any]:
    """Open a search URL in a cold browser: time to the first result, bytes until then."""
    meter = Meter(browser, base)
    try:
        meter.page.goto(url, wait_until="commit")
        meter.page.wait_for_function("window.__firstResult !== undefined", timeout=120_000)
        ms = meter.page.evaluate("window.__firstResult")
        meter.page.wait_for_timeout(1000)  # let responses under way when it showed finish, and any after
        total, searching = meter.bytes()
        _, settled = meter.bytes(settled=True)
        by_kind: dict[str, int] = collections.Counter()
        for request_url, n, _ in meter.requests:
            if is_search_request(request_url):
                by_kind[kind_of(request_url)] += n
        return {
            "by_kind": by_kind,
            "ms": ms,
            "bytes": total,
            "search_bytes": searching,
            "settled_search_bytes": settled,
            "top": first_hrefs(meter.page, selector),
        }
    finally:
        meter.close()


def measure_box(browser: Any, base: str, query: str) -> dict[str, Any]:
    """Pagefind: type into the header's box on an open page; time and bytes from the first keystroke."""
    meter = Meter(browser, base)
    try:
        meter.page.goto(base, wait_until="load")
        meter.page.wait_for_timeout(300)
        since = len(meter.requests)
        meter.page.evaluate(
            """q => { window.__firstResult = undefined; window.__typed = performance.now();
                const input = document.querySelector('.md-search__input');
                input.focus(); input.value = q; input.dispatchEvent(new Event('input')); }""",
            query,
        )
        meter.page.wait_for_function("window.__firstResult !== undefined", timeout=120_000)
        ms = meter.page.evaluate("window.__firstResult - window.__typed")
        meter.page.wait_for_timeout(1000)
        _, searching = meter.bytes(since, settled=True)
        return {"ms": ms, "search_bytes": searching}
    finally:
        meter.close()


# ---- The archive and its queries ----


def pick_queries(docs: Path) -> dict[str, tuple[str, str]]:
    """(query, URL path of the postmortem that should come first, or '') for each kind of query."""
    files = sorted(p for p in docs.glob("[0-9]*/*.md"))
    words: collections.Counter[str] = collections.Counter()
    services: collections.Counter[str] = collections.Counter()
    target = files[len(files) // 2]
    ticket = ""
    for path in files:
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        if meta.get("status") == "draft":
            continue
        words.update({w for w in re.findall(r"[a-z]{8,}", body.lower())})
        services.update(meta.get("services") or [])
        if path == target:
            ticket = next(item["ticket"] for item in meta.get("action_items") or [] if item.get("ticket"))
    # A body word in about 1% of postmortems (what someone looking for one incident types).
    share = max(2, len(files) // 100)
    body_word = min(words, key=lambda w: (abs(words[w] - share), w))
    service = min((s for s in services if "-" in s), key=lambda s: (abs(services[s] - share), s))
    url = "/" + target.relative_to(docs).as_posix().removesuffix(".md") + "/"
    return {"body word": (body_word, ""), "ticket id": (ticket, url), "service": (service, "")}


def mb(n: float) -> str:
    return f"{n / 2**20:.2f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, action="append", help="postmortems (repeatable; default 1000)")
    parser.add_argument("--bundle-words", type=int, default=None, help="search_bundle_words (default: the plugin's)")
    parser.add_argument("--per-year", action="store_true", help="also a Pagefind build with one bundle per year")
    parser.add_argument("--keep", type=Path, help="build under this directory and keep it")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    counts = args.count or [1000]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    print(f"{os.cpu_count()} CPUs; Chromium {CHROMIUM}; under {workdir}")
    try:
        for count in counts:
            root = workdir / str(count)
            if root.exists():
                shutil.rmtree(root)
            docs = root / "docs"
            write_archive(docs, count)
            queries = pick_queries(docs)
            options: dict[str, Any] = {"today": TODAY}
            if args.bundle_words:
                options["search_bundle_words"] = args.bundle_words
            variants: dict[str, tuple[list[Any], list[Any] | None]] = {
                "pagefind": ([{"postmortems": options}], None),
                "lunr": (["search", {"postmortems": {**options, "search": "material"}}], None),
                "plain Material": (["search"], ["index.md"]),
            }
            if args.per_year:
                one_year = {**options, "search_bundle_words": 1}  # every year exceeds it: one bundle each
                variants["pagefind, per year"] = ([{"postmortems": one_year}], None)
            builds: dict[str, dict[str, Any]] = {}
            load_before = os.getloadavg()
            for name, (plugins, nav) in variants.items():
                site_root = root / name.replace(" ", "-").replace(",", "")
                site_root.mkdir()
                os.symlink(docs, site_root / "docs")
                write_config(site_root, plugins, nav)
                builds[name] = {**run_build(site_root), "site": site_root / "site"}
            load_after = os.getloadavg()
            print(f"\n## {count:,} postmortems")
            print(
                f"\nload average (1, 5, 15 min) before the builds {load_before[0]:.1f}, {load_before[1]:.1f},"
                f" {load_before[2]:.1f}; after {load_after[0]:.1f}, {load_after[1]:.1f}, {load_after[2]:.1f}"
            )
            print(
                "\n| build | wall | CPU | MkDocs peak | indexing: wall after the pages | indexing CPU | Pagefind peak"
                " | bundles |"
            )
            print("|---|---|---|---|---|---|---|---|")
            for name, b in builds.items():
                index = f"{b['index_seconds']:.1f} s | {b['index_cpu']:.1f} s" if "index_seconds" in b else " | "
                peak = mb(b["index_peak"]) if "index_peak" in b else ""
                print(
                    f"| {name} | {b['seconds']:.1f} s | {b['cpu']:.1f} s | {mb(b['peak'])} | {index} | {peak}"
                    f" | {b.get('bundles', '')} |"
                )
            plain = builds["plain Material"]
            for name, b in builds.items():
                if "index_cpu" in b:
                    print(
                        f"\n{name}: indexing / plain Material's build: CPU {b['index_cpu'] / plain['cpu']:.2f},"
                        f" wall the build waited for it {b['index_seconds'] / plain['seconds']:.2f}"
                    )
            print(
                "\n| query | backend | first result (search URL, cold) | bytes until it (all / search)"
                " | search bytes, settled | top result | typed in the box (search bytes, settled) |"
            )
            print("|---|---|---|---|---|---|---|")
            breakdown: dict[str, dict[str, int]] = {}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                for kind, (query, expected) in queries.items():
                    for name in [n for n in builds if n != "plain Material"]:
                        with served(builds[name]["site"]) as base:
                            if name.startswith("pagefind"):
                                url = base + "search/?q=" + query
                                selector = ".pm-search-results .md-search-result__link"
                            else:
                                url = base + "?q=" + query
                                selector = "[data-md-component=search-result] .md-search-result__link"
                            r = measure_url(browser, base, url, selector)
                            box = ""
                            if name.startswith("pagefind"):
                                b = measure_box(browser, base, query)
                                box = f"{b['ms']:.0f} ms, {mb(b['search_bytes'])}"
                        if name == "pagefind":
                            breakdown[f"{kind} `{query}`"] = r["by_kind"]
                        top = (r["top"] or ["none"])[0]
                        ok = "" if not expected else (" (expected first)" if expected in top else f" (NOT {expected})")
                        print(
                            f"| {kind} `{query}` | {name} | {r['ms']:.0f} ms"
                            f" | {mb(r['bytes'])} / {mb(r['search_bytes'])} | {mb(r['settled_search_bytes'])}"
                            f" | {top}{ok} | {box} |"
                        )
                browser.close()
            names = [kind for kind, _ in KINDS]
            print("\nWhat the Pagefind search URL downloaded (settled), KB by kind of file:\n")
            print("| query | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
            for label, counts in breakdown.items():
                print(f"| {label} | " + " | ".join(f"{counts.get(n, 0) / 1024:.1f}" for n in names) + " |")
            sizes = {
                name: sum(f.stat().st_size for f in (b["site"] / d).rglob("*") if f.is_file())
                for name, b in builds.items()
                for d in (["pagefind"] if name.startswith("pagefind") else ["search"])
                if (b["site"] / d).exists()
            }
            print("\nindex on disk: " + ", ".join(f"{name} {mb(n)}" for name, n in sizes.items()))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
