"""The checks of a pull request at an organisation's size (issue 25).

    python benchmarks/checks.py --sizes 1000 10000 --repeat 5     # lint and validate against parsing
    python benchmarks/checks.py --sizes 10000 --pr --serve         # and the PR workflow, the author's loop

For each N, one synthetic archive (benchmarks/synthetic.py) under benchmarks/out/checks-<N>/ and,
taking turns in one run so that a slow spell of a shared machine hits both sides of a ratio:

- `parse`: the yardstick, a process that reads every postmortem and parses its front matter with
  PyYAML's C parser (`yaml.load(..., Loader=yaml.CSafeLoader)`) and nothing else;
- `postmortem lint` and `postmortem validate` over the whole archive.

It prints wall and CPU seconds of each (median) and the ratios lint/parse and validate/parse, taken
turn by turn (median and range). `--pr` times the pull-request workflow's own commands after that:
`postmortem lint --format github`, then `mkdocs build --strict`. `--serve` measures the author's
loop: seconds from saving one postmortem to `mkdocs serve` serving the changed page, and the same
under `mkdocs serve --dirty`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import config_for, machine, run_child, serve_loop, versions
from synthetic import write_archive

OUT = Path(__file__).resolve().parent / "out"


def parse_only(docs: Path) -> int:
    """The yardstick: each postmortem's front matter parsed with CSafeLoader, nothing else."""
    count = 0
    for path in sorted(docs.rglob("20*/*.md")):
        text = path.read_bytes().decode("utf-8-sig")
        end = text.find("\n---", 3)
        yaml.load(text[4 : end + 1], Loader=yaml.CSafeLoader)
        count += 1
    return count


def archive(n: int) -> Path:
    root = OUT / f"checks-{n}"
    if not (root / "mkdocs.yml").is_file():
        write_archive(root / "docs", n)
        (root / "mkdocs.yml").write_text(yaml.safe_dump(config_for("ours-pagefind"), sort_keys=False), "utf-8")
    return root


def postmortem_command() -> list[str]:
    script = Path(sys.executable).with_name("postmortem")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "postmortem_archive.cli"]


def ratios(n: int, repeat: int) -> None:
    root = archive(n)
    commands = {
        "parse": [sys.executable, __file__, "--parse-only", str(root / "docs")],
        "lint": [*postmortem_command(), "lint", "--format", "github"],
        "validate": [*postmortem_command(), "validate"],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for turn in range(repeat + 1):  # the first turn warms the file cache and is not counted
        for name, args in commands.items():
            run = run_child(args, root, check=name != "lint")  # lint exits 1 when it finds errors
            if turn:
                runs[name].append((run.wall, run.cpu))
    print(f"\nN = {n:,}, {repeat} turns")
    for name, got in runs.items():
        wall, cpu = statistics.median(w for w, _ in got), statistics.median(c for _, c in got)
        print(f"  {name:<9} wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    for name in ("lint", "validate"):
        for kind, index in (("wall", 0), ("cpu", 1)):
            per_turn = [a[index] / b[index] for a, b in zip(runs[name], runs["parse"], strict=True)]
            print(
                f"  {name}/parse ({kind}): median {statistics.median(per_turn):.2f}"
                f" (range {min(per_turn):.2f}-{max(per_turn):.2f})"
            )


def pull_request(n: int) -> None:
    root = archive(n)
    lint = run_child([*postmortem_command(), "lint", "--format", "github"], root, check=False)
    build = run_child([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], root)
    print(f"\nN = {n:,}, the pull-request workflow's commands")
    print(f"  postmortem lint --format github   wall {lint.wall:7.2f} s   cpu {lint.cpu:7.2f} s")
    print(f"  mkdocs build --strict             wall {build.wall:7.2f} s   cpu {build.cpu:7.2f} s")
    print(f"  together                          wall {lint.wall + build.wall:7.2f} s")


def serve(n: int) -> None:
    root = archive(n)
    for args in ((), ("--dirty",)):
        times = serve_loop("ours-pagefind", root / "docs", serve_args=args)
        print(
            f"\nN = {n:,}, mkdocs serve {' '.join(args)}: save to served page " + ", ".join(f"{t:.1f}" for t in times)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pr", action="store_true", help="time the pull-request workflow's commands")
    parser.add_argument("--serve", action="store_true", help="time an edit under mkdocs serve (and --dirty)")
    parser.add_argument("--no-ratios", action="store_true", help="skip lint and validate against parsing")
    parser.add_argument("--parse-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.parse_only:
        print(parse_only(args.parse_only))
        return 0
    print(machine())
    print(versions())
    for n in args.sizes:
        if not args.no_ratios:
            ratios(n, args.repeat)
        if args.pr:
            pull_request(n)
        if args.serve:
            serve(n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
