"""What search costs an author under `mkdocs serve` (issue 24): per rebuild after an edit to one
postmortem's body, seconds until the served page shows the edit (what the author waits for), and
until the search index is current again (pagefind/ready.json back), with search indexed under
serve (the default) and with `search_on_serve: false`.

    python benchmarks/serve_search.py               # 1,000 postmortems, 4 edits each way
    python benchmarks/serve_search.py --size 200 --edits 2
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import ENV, config_for, free_port
from synthetic import write_archive


def status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, ""
    except OSError:
        return 0, ""


def loop(docs: Path, index: bool, edits: int) -> list[tuple[float, float | None]]:
    """(edit to page served, edit to index ready) per edit, in seconds."""
    with tempfile.TemporaryDirectory(prefix="pm-serve-search-") as tmp:
        root = Path(tmp)
        shutil.copytree(docs, root / "docs")
        config = config_for("ours-pagefind")
        if not index:
            config["plugins"] = [{"postmortems": {"search_on_serve": False}}]
        (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        sources = sorted((root / "docs").glob("20*/*.md"))
        target = sources[len(sources) // 2]
        base = f"http://127.0.0.1:{free_port()}/"
        port = base.rsplit(":", 1)[1].strip("/")
        page_url = base + target.relative_to(root / "docs").with_suffix("").as_posix() + "/"
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=root,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times: list[tuple[float, float | None]] = []
        try:
            deadline = time.monotonic() + 900
            while status(page_url)[0] != 200:
                if time.monotonic() > deadline:
                    raise SystemExit("mkdocs serve never served the page")
                time.sleep(0.5)
            while index and status(base + "pagefind/ready.json")[0] != 200:
                time.sleep(0.2)
            time.sleep(2)  # let the watcher settle
            original = target.read_text(encoding="utf-8")
            for edit in range(edits):
                marker = f"edit-marker-{edit}-{time.time_ns()}"
                target.write_text(original + f"\n\nAdded paragraph {marker}.\n", encoding="utf-8")
                start = time.perf_counter()
                while marker not in status(page_url)[1]:
                    if time.perf_counter() - start > 600:
                        raise SystemExit("the edit never showed up")
                    time.sleep(0.05)
                served = time.perf_counter() - start
                ready = None
                if index:  # MkDocs emptied site_dir before the rebuild: ready.json is this build's
                    while status(base + "pagefind/ready.json")[0] != 200:
                        time.sleep(0.05)
                    ready = time.perf_counter() - start
                times.append((served, ready))
                time.sleep(2)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pm-serve-docs-") as tmp:
        docs = Path(tmp) / "docs"
        write_archive(docs, args.size, args.seed)
        # Alternating, so the machine's load falls on both alike.
        results: dict[str, list[tuple[float, float | None]]] = {"indexed": [], "off": []}
        for _ in range(2):
            results["indexed"] += loop(docs, True, args.edits // 2)
            results["off"] += loop(docs, False, args.edits // 2)
    for name, runs in results.items():
        served = [s for s, _ in runs]
        line = f"N={args.size}, search {name}: edit to served page " + ", ".join(f"{s:.1f}" for s in served)
        line += f" s (median {statistics.median(served):.1f} s)"
        ready = [r for _, r in runs if r is not None]
        if ready:
            line += "; to index ready " + ", ".join(f"{r:.1f}" for r in ready)
            line += f" s (median {statistics.median(ready):.1f} s)"
        print(line)


if __name__ == "__main__":
    main()
