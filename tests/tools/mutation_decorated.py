"""Mutation testing of what mutmut leaves out: decorated functions and code outside functions.

mutmut 3 mutates only inside functions, and not a function with a decorator other than a lone
@staticmethod or @classmethod (it would break its trampoline), so properties such as
ActionReport.within_90_days, PatternStats.mean_interval_days, the model's field validators and
module or class-level values (field constraints, limits) go untested by tests/tools/mutation.py.
Cosmic Ray rewrites files on disk instead, so it can mutate them: this script runs it on a copy
of the package (.mutation/cr/, git-ignored) and drops the mutants mutmut already makes, so the
two tools together cover each line of the configured modules once.

    python tests/tools/mutation_decorated.py                 # every module of [tool.mutmut] only_mutate
    python tests/tools/mutation_decorated.py actions model    # some of them
    python tests/tools/mutation_decorated.py --report         # the table of the last run

Each mutant runs its module's unit tests in a fresh interpreter (MODULE_TESTS below).
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutation import EQUIVALENT, configured_paths, parse_modules, print_table

REPO = Path(__file__).resolve().parents[2]
STAGE = Path(os.environ.get("MUTATION_CR_STAGE", REPO / ".mutation" / "cr"))  # another copy for a parallel run
PACKAGE = Path("plugins/postmortem_archive")
# The fast tests that exercise each module (the same files mutmut uses, narrowed per module).
MODULE_TESTS = {
    "actions": ["test_units_actions.py", "test_units_figures.py", "test_units_exports.py"],
    "exports": ["test_units_exports.py"],
    "redact": ["test_units_redact.py"],
    "folding": ["test_units_redact.py", "test_units_lint.py"],
    "leakcheck": ["test_units_redact.py"],
    "lint": ["test_units_lint.py"],
    "loader": ["test_units_loader.py"],
    "recurrence": ["test_units_figures.py"],
    "metrics": ["test_units_figures.py"],
    "model": ["test_units_loader.py", "test_units_lint.py", "test_units_figures.py"],
    "postmortem": ["test_units_figures.py", "test_units_redact.py"],
}
PLAIN = {"staticmethod", "classmethod"}  # alone, these mutmut does mutate


def mutmut_lines(path: Path) -> set[int]:
    """Lines mutmut mutates: bodies of top-level functions and methods that are not decorated (or only
    with a lone @staticmethod/@classmethod), nested functions included."""
    lines: set[int] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    scopes = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
    for body in scopes:
        for node in body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = [d.id if isinstance(d, ast.Name) else None for d in node.decorator_list]
            if names and not (len(names) == 1 and names[0] in PLAIN):
                continue
            lines.update(range(node.body[0].lineno, (node.end_lineno or node.body[-1].lineno) + 1))
    return lines


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where type annotations are: with `from __future__ import annotations` they are never evaluated,
    so changing `X | None` to `X & None` there changes nothing."""
    spans = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        found = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            found.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            found.append(node.returns)
        for a in found:
            spans.append(((a.lineno, a.col_offset), (a.end_lineno or a.lineno, a.end_col_offset or 0)))
    return spans


def stage() -> None:
    """A fresh copy of the package, tests and pyproject; the sessions of other modules stay."""
    for name in ("plugins", "tests"):
        shutil.rmtree(STAGE / name, ignore_errors=True)
    STAGE.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / PACKAGE, STAGE / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "tests", STAGE / "tests", ignore=shutil.ignore_patterns("__pycache__", "tools"))
    shutil.copy2(REPO / "pyproject.toml", STAGE / "pyproject.toml")


def cosmic_ray(*args: str) -> None:
    exe = Path(sys.executable).with_name("cosmic-ray")
    # The copy comes first on the path, ahead of the editable install of the real package.
    env = {**os.environ, "PYTHONPATH": str(STAGE / "plugins"), "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([str(exe), *args], cwd=STAGE, env=env, check=True, stdout=subprocess.DEVNULL)


def run(module: str) -> None:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    tests = " ".join(f"tests/{name}" for name in MODULE_TESTS[module])
    config = STAGE / f"{module}.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{PACKAGE / configured_paths()[module]}"\n'
        "timeout = 60.0\n"
        "excluded-modules = []\n"
        f'test-command = "{sys.executable} -m pytest -x -q -p no:cacheprovider -p no:xdist {tests}"\n'
        '[cosmic-ray.distributor]\nname = "local"\n',
        encoding="utf-8",
    )
    session = STAGE / f"{module}.sqlite"
    session.unlink(missing_ok=True)
    cosmic_ray("init", config.name, session.name)
    path = STAGE / PACKAGE / configured_paths()[module]
    mutmuts, annotations = mutmut_lines(path), annotation_spans(path)

    def elsewhere(m: object) -> bool:
        start = tuple(m.start_pos)  # type: ignore[attr-defined]
        return start[0] in mutmuts or any(a <= start < b for a, b in annotations)

    skipped = WorkResult(output=None, test_outcome=None, diff=None, worker_outcome=WorkerOutcome.SKIPPED)
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in db.work_items:
            if all(elsewhere(m) for m in item.mutations):
                db.set_result(item.job_id, skipped)
    cosmic_ray("exec", config.name, session.name)


def key(module: str, item: object) -> str:
    m = item.mutations[0]  # type: ignore[attr-defined]
    return f"cosmic-ray:{module}:{m.start_pos[0]}:{m.operator_name}:{m.occurrence}"


def report(modules: list[str]) -> int:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    known = set(equivalent_names())
    # Only mutants outside mutmut's reach: the rest are mutmut's (tests/tools/mutation.py).
    counts: dict[str, Counter[str]] = {}
    left = []
    for module in modules:
        session = STAGE / f"{module}.sqlite"
        c = counts[module] = Counter()
        if session.exists():
            with use_db(str(session), WorkDB.Mode.open) as db:
                for item, result in db.completed_work_items:
                    if result.worker_outcome == WorkerOutcome.SKIPPED:
                        continue
                    if result.worker_outcome != WorkerOutcome.NORMAL:
                        c["other"] += 1
                        left.append(f"{key(module, item)}: {result.worker_outcome}")
                    elif result.test_outcome == TestOutcome.KILLED:
                        c["killed"] += 1
                    elif key(module, item) in known:
                        c["equivalent"] += 1
                    else:
                        c["survived"] += 1
                        left.append(f"{key(module, item)}: survived\n{result.diff}")
    print_table(modules, counts, left)
    return 0


def equivalent_names() -> list[str]:
    lines = EQUIVALENT.read_text(encoding="utf-8").splitlines()
    return [line.split(" ", 1)[0] for line in lines if line.startswith("cosmic-ray:")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args, modules = parse_modules(parser)
    if not args.report:
        stage()
        for module in modules:
            print(f"cosmic-ray: {module}", flush=True)
            run(module)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
