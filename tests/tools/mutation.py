"""Run mutmut on the core modules and print killed/survived per module.

    python tests/tools/mutation.py                       # every configured module
    python tests/tools/mutation.py actions exports        # some modules
    python tests/tools/mutation.py --report               # the table of the last run, nothing run

mutmut 3 imports the mutated copy of a package from `mutants/`, `mutants/src` or `mutants/source`
and names mutants after the file path (only a leading `src.` is dropped). Our package lives in
`plugins/`, so this script stages the repository in `.mutation/` (git-ignored) with `src` linking
to `plugins/`: mutmut then sees an ordinary src layout and runs unchanged, configured by
`[tool.mutmut]` in pyproject.toml. Results stay in `.mutation/mutants/` between runs (mutmut
retests only what changed); `mutmut show <name>` in `.mutation/` prints one mutant's diff.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STAGE = REPO / ".mutation"
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.txt")
RESULT = re.compile(r"^\s*(?P<name>postmortem_archive\.(?:\w+\.)*?(?P<module>\w+)\.x\S+): (?P<status>.+)$")


def configured_paths() -> dict[str, Path]:
    """Each configured module's name (e.g. actions) and its path under the package (archive/actions.py)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return {Path(p).stem: Path(p).relative_to("src/postmortem_archive") for p in config["only_mutate"]}


def configured_modules() -> list[str]:
    return list(configured_paths())


def stage() -> None:
    STAGE.mkdir(exist_ok=True)
    for name, target in (("src", "plugins"), ("tests", "tests"), ("pyproject.toml", "pyproject.toml")):
        link = STAGE / name
        if not link.is_symlink():
            link.symlink_to(Path("..") / target)


def mutmut(*args: str, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run mutmut in the stage; its output (a progress spinner for `run`) goes to `log` when given."""
    # mutmut is a console script next to this interpreter (the venv's), whether or not the venv is active.
    exe = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if log is None:
        return subprocess.run([str(exe), *args], cwd=STAGE, env=env, text=True, capture_output=True, check=True)
    with log.open("w", encoding="utf-8") as out:
        return subprocess.run([str(exe), *args], cwd=STAGE, env=env, text=True, stdout=out, stderr=out, check=True)


def equivalent() -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour (tests/tools/mutation_equivalent.txt)."""
    out = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


def report(modules: list[str]) -> int:
    listing = mutmut("results", "--all", "true")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    known = equivalent()
    left = []
    for line in listing.stdout.splitlines():
        match = RESULT.match(line)
        if not match or match["module"] not in modules:
            continue
        status = match["status"].strip()
        if status == "survived" and match["name"] in known:
            status = "equivalent"
        elif status == "timeout":  # the mutant looped forever: the tests noticed it
            status = "killed"
        counts[match["module"]][status] += 1
        if status not in ("killed", "equivalent"):
            left.append(f"{match['name']}: {status}")
    print_table(modules, counts, left)
    return 0


def print_table(modules: list[str], counts: dict[str, Counter[str]], left: list[str]) -> None:
    """The Markdown table of docs/mutation.md (a row per module and one for all), then what was not killed."""
    print("| module | mutants | killed | equivalent | survived | other | killed of non-equivalent |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total: Counter[str] = Counter()
    for module in modules:
        c = counts[module]
        total += c
        print(_row(module, c))
    print(_row("**all**", total))
    if left:
        print("\nNot killed (and not listed as equivalent):")
        print("\n".join(left))


def _row(label: str, c: Counter[str]) -> str:
    # "killed" includes timeouts; "other" is what the tool could not judge (no tests, suspicious, ...).
    all_ = sum(c.values())
    other = all_ - c["killed"] - c["equivalent"] - c["survived"]
    real = all_ - c["equivalent"]
    share = f"{100 * c['killed'] / real:.2f}%" if real else "-"
    return f"| {label} | {all_} | {c['killed']} | {c['equivalent']} | {c['survived']} | {other} | {share} |"


def parse_modules(parser: argparse.ArgumentParser) -> tuple[argparse.Namespace, list[str]]:
    """Both scripts' command line: the modules (each must be configured; default: all) and --report."""
    parser.add_argument("modules", nargs="*", help="module names, e.g. actions (default: every configured one)")
    parser.add_argument("--report", action="store_true", help="only print the table of the last run")
    args = parser.parse_args()
    everything = configured_modules()
    unknown = set(args.modules) - set(everything)
    if unknown:
        parser.error(f"not configured in [tool.mutmut] only_mutate: {', '.join(sorted(unknown))}")
    return args, args.modules or everything


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-children", default="2", help="parallel mutants (default 2: the machine's cores)")
    args, modules = parse_modules(parser)
    stage()
    if not args.report:
        paths = configured_paths()
        dotted = {m: ".".join(paths[m].with_suffix("").parts) for m in modules}
        selection = [] if not args.modules else [f"postmortem_archive.{dotted[m]}.*" for m in modules]
        log = STAGE / "last-run.log"
        print(f"mutmut run {' '.join(selection)} (output in {log.relative_to(REPO)})", flush=True)
        mutmut("run", "--max-children", args.max_children, *selection, log=log)
        speed = [line for line in log.read_text(encoding="utf-8").splitlines() if "mutations/second" in line]
        print(speed[-1].split("\r")[-1].split("⠇")[-1].strip() if speed else "", flush=True)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
