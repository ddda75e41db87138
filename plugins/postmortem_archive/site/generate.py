"""The pages the plugin generates, as (src_uri, title, body) without any MkDocs object."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from postmortem_archive.archive.collection import Archive
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.site import calendar, exports, urls
from postmortem_archive.site.paginate import Pager, pagers
from postmortem_archive.site.render import Renderer, page_meta


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    title: str
    body: Callable[[Renderer, urls.Linker], str]
    in_nav: bool = False
    page_number: int = 1  # > 1: a further page of a paginated list (kept out of search and the sidebar)

    def meta(self) -> dict[str, Any]:
        """The page's meta (MkDocs is given its body only, by on_page_read_source)."""
        return page_meta(self.title)


def _paged(
    first: str, title: str, total: int, body: Callable[[Renderer, urls.Linker, Pager], str], in_nav: bool = False
) -> list[GeneratedPage]:
    """One page per PAGE_SIZE rows: page 1 at `first` (in the nav if `in_nav`), the rest never in the nav."""
    return [
        GeneratedPage(
            pager.uri(pager.number),
            title if pager.number == 1 else f"{title} (page {pager.number})",
            lambda r, link, p=pager: body(r, link, p),
            in_nav=in_nav and pager.number == 1,
            page_number=pager.number,
        )
        for pager in pagers(first, total)
    ]


def generated_pages(archive: Archive, handwritten: Collection[str] = ()) -> list[GeneratedPage]:
    """Every index page: incidents, patterns, then one index and one page per value for each facet.

    Lists that grow with the archive come in static pages of PAGE_SIZE rows (page 2 on at
    `<list>/page/<n>/`). A pattern with a hand-written page in docs_dir (`handwritten` src_uris)
    gets no generated first page: the plugin adds the generated parts to the hand-written one.
    """
    pages = _paged(urls.INCIDENTS, "Incidents", len(archive.postmortems), Renderer.incidents, in_nav=True)
    pages.append(GeneratedPage(urls.PATTERNS, "Failure patterns", lambda r, link: r.patterns_index(link), in_nav=True))
    pages += _paged(urls.ACTION_ITEMS, "Action items", len(archive.actions.rows), Renderer.action_items, in_nav=True)
    pages.append(GeneratedPage(urls.METRICS, "Metrics", lambda r, link: r.metrics(link), in_nav=True))
    for stats in archive.patterns:
        uri = urls.pattern_page(stats.pattern.id)
        paged = _paged(
            uri,
            f"Pattern: {stats.pattern.title}",
            stats.count,
            lambda r, link, pager, p=stats.pattern.id: (
                (r.pattern_intro(p, link) + "\n" if pager.number == 1 else "") + r.pattern_details(p, link, pager)
            ),
        )
        pages += paged[1:] if uri in handwritten else paged
    for facet in archive.facets.values():
        pages.append(
            GeneratedPage(
                urls.facet_index(facet.key), facet.title, lambda r, link, f=facet: r.facet_index(f, link), in_nav=True
            )
        )
        for value in facet.values:
            pages += _paged(
                urls.facet_page(facet.key, value.slug),
                f"{facet.label}: {value.name}",
                value.count,
                lambda r, link, pager, f=facet, v=value: r.facet_page(f, v, link, pager),
            )
    return pages


def insert_header(body: str, header: str, footer: str) -> str:
    """Header after a leading `# H1` of the body if it has one, else at the top; footer at the end."""
    lines = body.splitlines(keepends=True)
    index = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if index < len(lines) and lines[index].startswith("# "):
        head, rest = "".join(lines[: index + 1]), "".join(lines[index + 1 :])
    else:
        head, rest = "", body
    return f"{head}\n{header}\n\n{rest.rstrip()}\n\n{footer}\n"


def export_files(
    archive: Archive, url_of: Callable[[Postmortem], str], *, site_name: str, site_url: str, feed_url: str
) -> dict[str, Callable[[], str]]:
    """Exports at the site root, their JSON Schemas and the calendar feeds: path -> a function that
    makes its content (the plugin makes the large ones on a second core while the build goes on)."""
    rows, today = archive.actions.rows, archive.settings.today
    files: dict[str, Callable[[], str]] = {
        urls.EXPORTS["postmortems_json"]: lambda: exports.postmortems_json(archive.postmortems, rows, url_of, today),
        urls.EXPORTS["action_items_json"]: lambda: exports.action_items_json(rows, url_of, today),
        urls.EXPORTS["action_items_csv"]: lambda: exports.action_items_csv(rows, url_of),
        urls.EXPORTS["feed"]: lambda: exports.atom_feed(
            archive.postmortems,
            title=f"{site_name}: new postmortems",
            site_url=site_url,
            url_of=url_of,
            feed_url=feed_url,
            limit=archive.settings.feed_entries,
        ),
    }
    for name, schema in exports.export_schemas().items():
        files[f"{urls.SCHEMAS_DIR}/{name}"] = functools.partial(str, schema)
    site = calendar.FeedSite(site_name, site_url, today)
    return files | calendar.calendar_files(rows, site, url_of)
