"""Build N synthetic postmortems with the plugin, and the same Markdown with plain MkDocs + Material.

    python benchmarks/build_archive.py [--count 1000] [--full-nav]

Prints wall-clock build times. Not a test: timings vary by machine; the point is
the comparison on one machine. `--full-nav` adds a plain build whose sidebar lists
every page, to show the quadratic cost the plugin avoids.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

SERVICES = [f"service-{i:02d}" for i in range(30)]
TEAMS = [f"team-{i}" for i in range(10)]
TAGS = [f"tag-{i:02d}" for i in range(40)]
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]
BODY = """
## Summary

{summary}

## Timeline

| Time (UTC) | Event |
|---|---|
{timeline}

## Contributing factors

{factors}

## What went well

- Alerts fired within minutes and the on-call engineer had a runbook.

## Where we got lucky

- Traffic was low at the time.
"""


def synthetic(index: int, rng: random.Random) -> tuple[str, str]:
    date = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(0, 8 * 365))
    started = dt.datetime.combine(date, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=dt.UTC)
    detected = started + dt.timedelta(minutes=rng.randrange(1, 60))
    mitigated = detected + dt.timedelta(minutes=rng.randrange(5, 240))
    resolved = mitigated + dt.timedelta(minutes=rng.randrange(5, 600))
    services = rng.sample(SERVICES, rng.randrange(1, 4))
    meta = {
        "title": f"Incident {index}: {services[0]} degraded",
        "date": date,
        "severity": rng.choice(SEVERITIES),
        "status": "final",
        "summary": f"{services[0]} returned errors for {int((mitigated - started).total_seconds() // 60)} minutes.",
        "services": services,
        "teams": rng.sample(TEAMS, rng.randrange(1, 3)),
        "tags": rng.sample(TAGS, rng.randrange(1, 5)),
        "started": started,
        "detected": detected,
        "mitigated": mitigated,
        "resolved": resolved,
        "impact": {"users": rng.randrange(10, 100000)},
        "people": {
            "incident_commander": f"Person {rng.randrange(200)}",
            "responders": [f"Person {rng.randrange(200)}"],
        },
        "action_items": [
            {
                "title": f"Follow-up {j} for incident {index}",
                "owner": f"Person {rng.randrange(200)}",
                "due": date + dt.timedelta(days=30),
                "status": rng.choice(["open", "in-progress", "done", "wont-fix"]),
                "ticket": f"OPS-{index * 10 + j}",
            }
            for j in range(rng.randrange(1, 5))
        ],
    }
    steps = (started + dt.timedelta(minutes=5 * k) for k in range(8))
    timeline = "\n".join(f"| {when:%H:%M} | Step {k} of the response |" for k, when in enumerate(steps))
    factors = "\n".join(f"- Factor {k}: a condition in {rng.choice(SERVICES)} that made this worse." for k in range(4))
    summary = f"{meta['summary']} " + "Details of what happened. " * 20
    body = BODY.format(summary=summary, timeline=timeline, factors=factors)
    path = f"{date.year}/{date.isoformat()}-incident-{index:04d}.md"
    return path, "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body


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
    rng = random.Random(42)
    files = dict(synthetic(i, rng) for i in range(args.count))
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            "postmortems plugin (index-only nav)": (["search", {"postmortems": {"today": "2026-11-23"}}], None),
            "plain MkDocs + Material, index-only nav": (["search"], ["index.md"]),
        }
        if args.redact:
            redact = {"enabled": True, "salt": "benchmark"}
            runs["postmortems plugin with redaction"] = (
                ["search", {"postmortems": {"today": "2026-11-23", "redact": redact}}],
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
