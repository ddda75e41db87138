"""Validation problems, collected across every file and reported together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one field of one file: `path:line: field: message`."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class ArchiveInvalid(Exception):
    """Raised with every problem found, so authors fix them all in one round."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(self.report())

    def report(self) -> str:
        count = len(self.problems)
        files = len({p.path for p in self.problems})
        head = f"{count} problem{'s' if count != 1 else ''} in {files} postmortem file{'s' if files != 1 else ''}:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])
