"""Two versions of the plugin side by side: the same synthetic archive built by each, in turns.

    python benchmarks/versions.py BEFORE_REV [--count 1000] [--repeat 5] [--redact] [--search material]

BEFORE_REV (a commit, tag or branch) is checked out into a git worktree under benchmarks/out/;
the other side is this checkout. Each build runs `mkdocs build` in its own process with the
version's package first on PYTHONPATH; the two take turns (before-after, after-before, ...) so a
slow spell of a shared machine hits both sides of a ratio. It prints each build's wall time,
CPU time and peak RSS (of MkDocs' process and its children), then the median of each side and
the median and range of the after/before ratios of the builds made in the same turn.

`--before-env KEY=VALUE` (repeatable) sets an environment variable for the "before" side only:
with BEFORE_REV `HEAD` it measures one switch of this code on and off (`--before-env TMPDIR=/tmp`
stages Pagefind's pages on disk rather than in memory).

`--redact` turns redaction on (names from every person field of the synthetic postmortems,
some of them with accents and special letters: Müller, Tomás).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import TODAY, write_archive

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"


def worktree(rev: str) -> Path:
    """A checkout of `rev` under benchmarks/out/ (made once, reused)."""
    sha = subprocess.run(["git", "rev-parse", rev], cwd=REPO, capture_output=True, text=True, check=True).stdout
    path = OUT / f"version-{sha.strip()[:12]}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), sha.strip()], cwd=REPO, check=True)
    return path


def build(plugins: Path, root: Path, extra: dict[str, str] | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one `mkdocs build` with `plugins` first on the path."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POSTMORTEM_TODAY": TODAY, "PYTHONPATH": str(plugins)}
    env.update(extra or {})
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q"], cwd=root, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build with {plugins} failed:\n{err.decode(errors='replace')[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the commit to compare this checkout with")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--redact", action="store_true")
    parser.add_argument("--search", choices=("pagefind", "material"), default="pagefind")
    parser.add_argument("--before-env", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    env = {"before": dict(item.split("=", 1) for item in args.before_env), "after": {}}
    sides = {"before": worktree(args.before) / "plugins", "after": REPO / "plugins"}
    docs = OUT / f"versions-{args.count}" / "docs"
    if not docs.exists():
        write_archive(docs, args.count)
    options: dict[str, object] = {"today": TODAY, "search": args.search}
    if args.redact:
        options["redact"] = {"enabled": True, "salt": "benchmark"}
    plugins = (["search"] if args.search == "material" else []) + [{"postmortems": options}]
    roots = {}
    for side in sides:
        root = OUT / f"versions-{args.count}" / side
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        (root / "docs").symlink_to(docs, target_is_directory=True)
        config = {"site_name": "Benchmark archive", "docs_dir": "docs", "theme": {"name": "material", "font": False}}
        (root / "mkdocs.yml").write_text(yaml.safe_dump({**config, "plugins": plugins}, sort_keys=False))
        roots[side] = root
    results: dict[str, list[tuple[float, float, float]]] = {side: [] for side in sides}
    for turn in range(args.repeat + 1):  # the first turn warms the disk cache and is not counted
        # before-after, then after-before: whatever one build leaves behind (a warm cache, a
        # process still exiting) falls on each side equally often
        order = list(sides) if turn % 2 else list(reversed(sides))
        for side in order:
            run = build(sides[side], roots[side], env[side])
            if turn:
                results[side].append(run)
                print(
                    f"turn {turn} {side:6} wall {run[0]:6.2f} s  cpu {run[1]:6.2f} s  rss {run[2]:7.0f} MiB", flush=True
                )
    ratios = [a[0] / b[0] for a, b in zip(results["after"], results["before"], strict=True)]
    for side, runs in results.items():
        walls = [r[0] for r in runs]
        print(f"{side:6} median wall {statistics.median(walls):.2f} s, peak RSS {max(r[2] for r in runs):.0f} MiB")
    print(f"after/before wall: median {statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
