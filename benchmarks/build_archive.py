"""Build N synthetic postmortems with the plugin, and the same Markdown with plain MkDocs + Material.

    python benchmarks/build_archive.py [--count 1000] [--full-nav]

Prints wall-clock build times. Not a test: timings vary by machine; the point is
the comparison on one machine. `--full-nav` adds a plain build whose sidebar lists
every page, to show the quadratic cost the plugin avoids.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from synthetic import postmortems


def write_site(root: Path, files: dict[str, str], plugins: list[object], nav: list[object] | None) -> None:
    docs = root / "docs"
    for path, text in files.items():
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(text, encoding="utf-8")
    (docs / "index.md").write_text("# Archive\n", encoding="utf-8")
    config: dict[str, object] = {
        "site_name": "Benchmark",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material", "font": False},
        "plugins": plugins,
    }
    if nav is not None:
        config["nav"] = nav
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")


def timed_build(root: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=root, env=env, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--full-nav", action="store_true")
    parser.add_argument("--redact", action="store_true", help="also build with redaction of the 200 synthetic people")
    args = parser.parse_args()
    files = dict(postmortems(args.count))
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            # The plugin with its default search (Pagefind, indexed after the build) vs Material's own (lunr).
            "postmortems plugin (index-only nav)": ([{"postmortems": {"today": "2026-11-23"}}], None),
            "plain MkDocs + Material, index-only nav": (["search"], ["index.md"]),
        }
        if args.redact:
            redact = {"enabled": True, "salt": "benchmark"}
            runs["postmortems plugin with redaction"] = (
                [{"postmortems": {"today": "2026-11-23", "redact": redact}}],
                None,
            )
        if args.full_nav:
            runs["plain MkDocs + Material, every page in nav"] = (["search"], None)
        print(f"{args.count} synthetic postmortems, {os.cpu_count()} CPUs")
        for name, (plugins, nav) in runs.items():
            root = Path(tmp) / name.split()[0].replace(",", "") / str(len(name))
            write_site(root, files, plugins, nav)
            seconds = timed_build(root)
            pages = sum(1 for _ in (root / "site").rglob("index.html"))
            print(f"  {name:45s} {seconds:7.1f} s   {pages} pages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
