"""Static pages of rows for lists that grow with the archive (incidents, action items, facets).

Page 1 lives at the list's own URL; page n at `<list>/page/<n>/`. Each page holds
PAGE_SIZE rows, so the first view of a list stays small at any archive size; the
browser fetches a compact JSON of every row only when a reader filters or sorts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

PAGE_SIZE = 100
T = TypeVar("T")


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for `total` rows; an empty list still has its first page."""
    return max(1, -(-total // size))


def page_uri(first: str, number: int) -> str:
    """src_uri of page `number` of the list whose first page is `first`.

    'incidents/index.md' -> 'incidents/page/2.md'; 'tags/db.md' -> 'tags/db/page/2.md'.
    """
    if number == 1:
        return first
    if first == "index.md" or first.endswith("/index.md"):
        base = first.removesuffix("index.md")
    else:
        base = first.removesuffix(".md") + "/"
    return f"{base}page/{number}.md"


@dataclass(frozen=True)
class Pager:
    """Where one page sits in its list: which rows, and which pages to link."""

    first: str  # src_uri of page 1
    number: int  # 1-based
    total: int  # rows in the whole list
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        return page_count(self.total, self.size)

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def end(self) -> int:
        return min(self.total, self.start + self.size)

    def rows(self, items: Sequence[T]) -> Sequence[T]:
        return items[self.start : self.end]

    def uri(self, number: int) -> str:
        return page_uri(self.first, number)

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: first, last and `around` either side of this one; None = a gap."""
        shown = sorted(
            {1, self.count} | set(range(max(1, self.number - around), min(self.count, self.number + around) + 1))
        )
        out: list[int | None] = []
        for previous, number in zip([0, *shown], shown, strict=False):
            if number - previous > 1:
                out.append(None)
            out.append(number)
        return out


def pagers(first: str, total: int, size: int = PAGE_SIZE) -> list[Pager]:
    return [Pager(first, number, total, size) for number in range(1, page_count(total, size) + 1)]
