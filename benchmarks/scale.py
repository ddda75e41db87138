"""Build synthetic archives with the plugin and with plain MkDocs + Material, and compare.

    python benchmarks/scale.py                       # N = 100, 1,000 and 10,000, three builds of each
    python benchmarks/scale.py --sizes 100 1000      # what the helpers run; 10,000 takes ~20 minutes
    python benchmarks/scale.py --sizes 1000 --variants ours-pagefind plain-pagefind --serve

For each N it writes N synthetic postmortems (benchmarks/synthetic.py) and builds them
with each variant, in a child process each, under benchmarks/out/<N>/<variant>/ (kept, so
benchmarks/search.py can query the sites). Variants compare like with like, as issue 12 asks:

    ours-pagefind   the plugin, default search (Pagefind, indexed inside the build)
    plain-pagefind  Material with its search plugin off, then the Pagefind CLI over its site
    ours-lunr       the plugin with `search: material` and Material's search plugin (lunr)
    plain-lunr      Material with its search plugin (lunr)

"Plain" builds the same Markdown with an index-only nav (the plugin's nav holds only index
pages too). Printed per build: wall time, CPU time, peak RSS of the child (os.wait4), site
size; per N the ratio ours/plain and the time per postmortem against the smallest N. Each
variant is built `--repeat` times (3 by default), the variants taking turns (ours, plain, ours,
plain...), so a slow spell of a shared machine hits both sides: the summary gives median wall
times and the median of the ratios of builds made side by side, with their range. For the
plugin's sites, the first view of /incidents/ and /action-items/ in headless Chromium: load
time (navigation start to the load event, cold cache, local http server) and bytes (the HTML,
and everything the page fetched). Peak RSS is the MkDocs process's own (its target: < 1 GiB
at 10,000) and, in brackets, with the Pagefind indexer it starts. `--serve` also times the
author's loop: `mkdocs serve` on the 1,000-postmortem archive, one postmortem edited, seconds
until the served page shows it.

Not a test: timings vary by machine and load. Results also go to benchmarks/out/results.json.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import TODAY, write_archive

OUT = Path(__file__).resolve().parent / "out"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
VARIANTS = ("ours-pagefind", "plain-pagefind", "ours-lunr", "plain-lunr")
LISTS = ("incidents/", "action-items/")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POSTMORTEM_TODAY": TODAY}


@dataclass
class Run:
    """One child process: seconds of wall and CPU time; peak RSS in MiB, of it and of its own children
    (the Pagefind indexer the plugin starts) together, and of its own process alone (MkDocs)."""

    wall: float
    cpu: float
    rss_mib: float
    self_rss_mib: float | None = None


@dataclass
class Build:
    n: int
    variant: str
    runs: list[Run]
    site_mib: float
    pages: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def wall(self) -> float:
        return sum(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return sum(r.cpu for r in self.runs)

    @property
    def rss_mib(self) -> float:
        return max(r.rss_mib for r in self.runs)

    @property
    def mkdocs_rss_mib(self) -> float:
        return self.runs[0].self_rss_mib or 0.0


# Runs `mkdocs build` and writes the peak RSS of that Python process alone (KiB) to argv[1] at exit.
MKDOCS_SELF_RSS = (
    "import atexit, resource, sys; out = sys.argv.pop(1);"
    "atexit.register(lambda: open(out, 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)));"
    "sys.argv[0] = 'mkdocs'; from mkdocs.__main__ import cli; cli()"
)


def run_mkdocs(cwd: Path) -> Run:
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        run = run_child([sys.executable, "-c", MKDOCS_SELF_RSS, rss.name, "build", "-q"], cwd)
        run.self_rss_mib = int(Path(rss.name).read_text() or 0) / 1024
    return run


def run_child(args: list[str], cwd: Path, check: bool = True) -> Run:
    """Run a command; its wall time, CPU time and peak RSS (its own and its children's, not other jobs')."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()  # drain while it runs; the build logs little with -q
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{err.decode(errors='replace')[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def config_for(variant: str) -> dict[str, object]:
    plugins: list[object]
    if variant == "ours-pagefind":
        plugins = [{"postmortems": {"today": TODAY}}]
    elif variant == "ours-lunr":
        plugins = ["search", {"postmortems": {"today": TODAY, "search": "material"}}]
    elif variant == "plain-pagefind":
        plugins = []
    else:
        plugins = ["search"]
    config: dict[str, object] = {
        "site_name": "Benchmark archive",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material", "font": False},
        "plugins": plugins,
    }
    if variant.startswith("plain"):
        config["nav"] = ["index.md"]
    return config


def build(n: int, variant: str, docs: Path) -> Build:
    root = OUT / str(n) / variant
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "docs").symlink_to(docs, target_is_directory=True)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config_for(variant), sort_keys=False), encoding="utf-8")
    runs = [run_mkdocs(root)]
    if variant == "plain-pagefind":
        runs.append(run_child([sys.executable, "-m", "pagefind", "--site", "site", "--silent"], root))
    size = sum(p.stat().st_size for p in (root / "site").rglob("*") if p.is_file())
    return Build(n, variant, runs, size / 2**20)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a download the browser dropped when its context closed (Material's search index)


def measure_pages(site: Path, urls: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """First view of each URL in a fresh browser context: load time and bytes."""
    from playwright.sync_api import sync_playwright

    httpd = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    out: dict[str, dict[str, float]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for url in urls:
                context = browser.new_context()
                page = context.new_page()
                page.goto(base + url, wait_until="load")
                out[url] = page.evaluate(
                    """() => {
                      const nav = performance.getEntriesByType('navigation')[0];
                      const res = performance.getEntriesByType('resource');
                      return {
                        load_ms: nav.loadEventEnd - nav.startTime,
                        html_kib: nav.decodedBodySize / 1024,
                        total_kib: (nav.encodedBodySize + res.reduce((s, r) => s + r.encodedBodySize, 0)) / 1024,
                        rows: document.querySelectorAll('table.pm-table tbody tr').length,
                      };
                    }"""
                )
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, str]:
    """(HTTP status, body) of a GET; (0, "") when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, ""
    except OSError:
        return 0, ""


def serve_edits(
    variant: str,
    docs: Path,
    edits: int = 3,
    serve_args: tuple[str, ...] = (),
    options: dict[str, object] | None = None,
    wait_for: str | None = None,
) -> list[tuple[float, float | None]]:
    """Per edit to one postmortem under `mkdocs serve`: seconds until the changed page is served,
    and (with `wait_for`, a site path such as "pagefind/ready.json") until that path is served
    again. `serve_args` (e.g. ("--dirty",)) are added to the command, `options` to the plugin's."""
    with tempfile.TemporaryDirectory(prefix="pm-serve-") as tmp:
        root = Path(tmp)
        shutil.copytree(docs, root / "docs")
        config = config_for(variant)
        if options:
            plugins = config["plugins"]
            assert isinstance(plugins, list) and isinstance(plugins[-1], dict), "options for our plugin only"
            plugins[-1]["postmortems"].update(options)
        (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        sources = sorted((root / "docs").glob("20*/*.md"))
        target = sources[len(sources) // 2]
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        url = base + target.relative_to(root / "docs").with_suffix("").as_posix() + "/"
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", *serve_args],
            cwd=root,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def served(path: str) -> bool:
            return fetch(base + path)[0] == 200

        times: list[tuple[float, float | None]] = []
        try:
            deadline = time.monotonic() + 900
            while fetch(url)[0] != 200:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{variant}: mkdocs serve never served the page")
                time.sleep(0.5)
            while wait_for and not served(wait_for):
                time.sleep(0.2)
            time.sleep(2)  # let the watcher settle after the first build
            original = target.read_text(encoding="utf-8")
            for edit in range(edits):
                marker = f"edit-marker-{edit}-{time.time_ns()}"
                target.write_text(original + f"\n\nAdded paragraph {marker}.\n", encoding="utf-8")
                start = time.perf_counter()
                while marker not in fetch(url)[1]:
                    if time.perf_counter() - start > 600:
                        raise SystemExit(f"{variant}: the edit never showed up under mkdocs serve")
                    time.sleep(0.05)
                page = time.perf_counter() - start
                ready = None
                if wait_for:  # MkDocs emptied site_dir before the rebuild: what is served is this build's
                    while not served(wait_for):
                        time.sleep(0.05)
                    ready = time.perf_counter() - start
                times.append((page, ready))
                time.sleep(2)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return times


def serve_loop(variant: str, docs: Path, edits: int = 3, serve_args: tuple[str, ...] = ()) -> list[float]:
    """Seconds from writing an edit to one postmortem until `mkdocs serve` serves the changed page."""
    return [page for page, _ in serve_edits(variant, docs, edits, serve_args)]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
        kib = int(next(x for x in lines if x.startswith("MemTotal")).split()[1])
        mem = f", {kib / 2**20:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} CPUs ({cpu}){mem}, Python {platform.python_version()}, load average {load:.1f} at start"


def versions() -> str:
    from importlib.metadata import version

    names = ("mkdocs", "mkdocs-material", "pagefind")
    return ", ".join(f"{name} {version(name)}" for name in names)


def print_summary(builds: list[Build]) -> None:
    """Per N and search backend: median walls, the median (and range) of the ratios of the builds
    made in the same turn, time per postmortem against the smallest N, MkDocs' largest peak RSS."""
    print("\n| N | search | ours (s) | plain (s) | ours/plain (range) | ours ms each | vs smallest N | MkDocs MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for backend in ("pagefind", "lunr"):
        ours: dict[int, list[Build]] = {}
        plain: dict[int, list[Build]] = {}
        for b in builds:
            side = ours if b.variant == f"ours-{backend}" else plain if b.variant == f"plain-{backend}" else None
            if side is not None:
                side.setdefault(b.n, []).append(b)
        if not ours:
            continue
        wall = {n: statistics.median(b.wall for b in runs) for n, runs in ours.items()}
        smallest = min(ours)
        for n in sorted(ours):
            per = wall[n] / n * 1000
            base = wall[smallest] / smallest * 1000
            ratio, plain_s = "—", "—"
            if n in plain:
                ratios = [a.wall / b.wall for a, b in zip(ours[n], plain[n], strict=False)]
                ratio = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
                plain_s = f"{statistics.median(b.wall for b in plain[n]):.1f}"
            rss = max(b.mkdocs_rss_mib for b in ours[n])
            print(
                f"| {n:,} | {backend} | {wall[n]:.1f} | {plain_s} | {ratio} | {per:.1f} | {per / base:.2f} "
                f"| {rss:.0f} |"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium page measurements")
    parser.add_argument("--serve", action="store_true", help="also time the author's loop under mkdocs serve")
    parser.add_argument("--serve-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="builds of each variant per N, taking turns")
    args = parser.parse_args(argv)

    print(f"Machine: {machine()}; {versions()}")
    builds: list[Build] = []
    for n in args.sizes:
        docs = OUT / str(n) / "docs"
        if docs.exists():
            shutil.rmtree(docs)
        write_archive(docs, n, args.seed)
        for turn in range(1, args.repeat + 1):
            for variant in args.variants:
                result = build(n, variant, docs)
                builds.append(result)
                print(
                    f"N={n:<6} {variant:15s} {turn}/{args.repeat} {result.wall:7.1f} s wall {result.cpu:7.1f} s CPU "
                    f"{result.mkdocs_rss_mib:6.0f} MiB MkDocs peak RSS ({result.rss_mib:.0f} with children) "
                    f"{result.site_mib:7.0f} MiB site",
                    flush=True,
                )
        for variant in args.variants:
            if variant.startswith("ours") and not args.no_browser:  # the site of the last build
                last = [b for b in builds if b.n == n and b.variant == variant][-1]
                last.pages = measure_pages(OUT / str(n) / variant / "site", LISTS)
                for url, m in last.pages.items():
                    print(
                        f"N={n:<6} {variant:15s} {url} {m['load_ms']:.0f} ms, {m['html_kib']:.0f} KiB HTML, "
                        f"{m['total_kib']:.0f} KiB in all",
                        flush=True,
                    )
    print_summary(builds)
    serve: dict[str, list[float]] = {}
    if args.serve:
        docs = OUT / "serve-docs"
        if docs.exists():
            shutil.rmtree(docs)
        write_archive(docs, args.serve_size, args.seed)
        for variant in ("ours-pagefind", "plain-pagefind"):
            serve[variant] = serve_loop(variant, docs)
            print(
                f"mkdocs serve, N={args.serve_size}, {variant}: edit to served page in "
                + ", ".join(f"{t:.1f}" for t in serve[variant])
                + f" s (median {statistics.median(serve[variant]):.1f} s)",
                flush=True,
            )
    results = {
        "machine": machine(),
        "versions": versions(),
        "builds": [
            {**asdict(b), "wall": b.wall, "cpu": b.cpu, "rss_mib": b.rss_mib, "mkdocs_rss_mib": b.mkdocs_rss_mib}
            for b in builds
        ],
        "serve": serve,
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
