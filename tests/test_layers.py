"""The package's layering (pyproject.toml's import-linter contracts) and the size of its glue."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "plugins" / "postmortem_archive"


def test_import_contracts_are_kept() -> None:
    """Each folder imports only the folders below it; only the glue imports MkDocs; no cycles."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=PACKAGE.parents[1], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_no_module_left_in_the_flat_folder() -> None:
    """Every module lives in a folder that says what it is for."""
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py"]


def _class_sizes() -> dict[str, int]:
    sizes = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                sizes[f"{path.relative_to(PACKAGE)}:{node.name}"] = node.end_lineno - node.lineno + 1  # type: ignore[operator]
    return sizes


def test_no_class_over_300_lines_and_a_thin_plugin() -> None:
    sizes = _class_sizes()
    assert {name: n for name, n in sizes.items() if n > 300} == {}
    assert sizes["plugin/__init__.py:PostmortemsPlugin"] < 250
