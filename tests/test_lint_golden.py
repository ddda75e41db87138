"""`postmortem lint`'s findings are the ones recorded before lint was rewritten for speed (issue 25).

The golden files under tests/golden/lint/ were written by the lint of commit 03f3db0 (regexes
compiled per file), on the example archive (with and without the roster), the test fixtures and a
baited synthetic archive (tests/lint_corpus.py: 300 postmortems with blame, hindsight and cause
sentences, odd spellings of names, broken owners and hostile front matter), in every output
format, through the real `postmortem` command. A change to lint's findings shows here as a diff;
one made on purpose is recorded with `PM_REGENERATE_GOLDEN=1 pytest tests/test_lint_golden.py`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import lint_corpus
from conftest import POSTMORTEM, REPO

GOLDEN = Path(__file__).parent / "golden" / "lint"
REGENERATE = os.environ.get("PM_REGENERATE_GOLDEN") == "1"

# case -> (where it runs: the repository or the corpus, the command's arguments)
CASES = {
    "example": ("repo", []),
    "example-roster": ("repo", ["-f", "mkdocs-redacted.yml"]),
    "fixtures": ("repo", ["tests/fixtures"]),
    "corpus": ("corpus", []),
    "corpus-2024-dir": ("corpus", ["postmortems/2024"]),
}
FORMATS = ("text", "json", "github")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lint-corpus")
    lint_corpus.write(root)
    return root


def _run(cwd: Path, args: list[str], fmt: str) -> str:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [*POSTMORTEM, "lint", "--format", fmt, *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    return f"{result.stdout}--- stderr ---\n{result.stderr}--- exit {result.returncode} ---\n"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_lint_findings_are_unchanged(case: str, fmt: str, corpus: Path) -> None:
    where, args = CASES[case]
    got = _run(REPO if where == "repo" else corpus, args, fmt)
    golden = GOLDEN / f"{case}.{fmt}"
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if got != expected:  # the first differing line, rather than a diff of thousands of lines
        pairs = zip(got.splitlines(), expected.splitlines(), strict=False)
        first = next(((i, g, e) for i, (g, e) in enumerate(pairs) if g != e), None)
        assert got == expected, f"{golden.name}: first difference at line {first}"


def test_the_corpus_baits_every_rule(corpus: Path) -> None:
    """The comparison is only as good as what the corpus provokes: every rule fires in it."""
    golden = (GOLDEN / "corpus.text").read_text(encoding="utf-8")
    from postmortem_archive.authoring.lint import RULES

    # PM701 (a date in the future or before 1900) came after the golden findings were recorded
    # with the code before the rewrite for speed; it is baited in test_units_lint and test_history.
    missing = [rule for rule in RULES if f" {rule} " not in golden]
    assert missing == ["PM701"]
