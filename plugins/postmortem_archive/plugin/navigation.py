"""Keep postmortems and per-value facet pages out of the sidebar.

Material renders the whole nav into every page, so a nav listing N postmortems
costs O(N^2) to build; the sidebar holds the index pages instead.
"""

from __future__ import annotations

from collections.abc import Collection

from mkdocs.structure import StructureItem
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page


def _prune(items: list[StructureItem], hidden: Collection[str], parent: Section | None) -> list[StructureItem]:
    kept: list[StructureItem] = []
    for item in items:
        if isinstance(item, Page) and item.file.src_uri in hidden:
            continue
        if isinstance(item, Section):
            item.children = _prune(item.children, hidden, item)
            if not item.children:
                continue
            if len(item.children) == 1 and isinstance(item.children[0], Page) and item.children[0].file.name == "index":
                # A section left with only its index page becomes a plain link to it.
                item = item.children[0]
        item.parent = parent
        kept.append(item)
    return kept


def _pages(items: list[StructureItem]) -> list[Page]:
    out: list[Page] = []
    for item in items:
        if isinstance(item, Page):
            out.append(item)
        elif isinstance(item, Section):
            out += _pages(item.children)
    return out


def archive_nav(nav: Navigation, hidden: Collection[str], first: list[str]) -> Navigation:
    """A nav without the `hidden` pages; pages whose src_uri is in `first` move to the top (after Home)."""
    items = _prune(list(nav.items), hidden, None)
    rank = {uri: index for index, uri in enumerate(first)}

    def key(item: StructureItem) -> tuple[int, int]:
        if isinstance(item, Page) and item.is_homepage:
            return (0, 0)
        if isinstance(item, Page) and item.file.src_uri in rank:
            return (1, rank[item.file.src_uri])
        return (2, 0)

    items.sort(key=key)  # stable: the rest keep MkDocs' order
    pages = _pages(items)
    for index, page in enumerate(pages):
        page.previous_page = pages[index - 1] if index else None
        page.next_page = pages[index + 1] if index + 1 < len(pages) else None
    return Navigation(items, pages)
