"""The pages the plugin generates, as (src_uri, title, body) without any MkDocs object."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from . import exports, urls
from .archive import Archive
from .postmortem import Postmortem
from .render import Renderer, page_markdown


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    title: str
    body: Callable[[Renderer, urls.Linker], str]
    in_nav: bool = False

    def markdown(self, body: str) -> str:
        return page_markdown(self.title, body)


def generated_pages(archive: Archive, handwritten: Collection[str] = ()) -> list[GeneratedPage]:
    """Every index page: incidents, patterns, then one index and one page per value for each facet.

    A pattern with a hand-written page in docs_dir (`handwritten` src_uris) gets no generated page:
    the plugin adds the generated parts to the hand-written one.
    """
    pages = [
        GeneratedPage(urls.INCIDENTS, "Incidents", lambda r, link: r.incidents(link), in_nav=True),
        GeneratedPage(urls.PATTERNS, "Failure patterns", lambda r, link: r.patterns_index(link), in_nav=True),
        GeneratedPage(urls.ACTION_ITEMS, "Action items", lambda r, link: r.action_items(link), in_nav=True),
        GeneratedPage(urls.METRICS, "Metrics", lambda r, link: r.metrics(link), in_nav=True),
    ]
    for stats in archive.patterns:
        uri = urls.pattern_page(stats.pattern.id)
        if uri not in handwritten:
            pages.append(
                GeneratedPage(
                    uri,
                    f"Pattern: {stats.pattern.title}",
                    lambda r, link, p=stats.pattern.id: r.pattern_intro(p, link) + "\n" + r.pattern_details(p, link),
                )
            )
    for facet in archive.facets.values():
        pages.append(
            GeneratedPage(
                urls.facet_index(facet.key), facet.title, lambda r, link, f=facet: r.facet_index(f, link), in_nav=True
            )
        )
        for value in facet.values:
            pages.append(
                GeneratedPage(
                    urls.facet_page(facet.key, value.slug),
                    f"{facet.label}: {value.name}",
                    lambda r, link, f=facet, v=value: r.facet_page(f, v, link),
                )
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
) -> dict[str, str]:
    """Exports at the site root and their JSON Schemas: path -> content."""
    rows, today = archive.actions.rows, archive.settings.today
    files = {
        urls.EXPORTS["postmortems_json"]: exports.postmortems_json(archive.postmortems, rows, url_of, today),
        urls.EXPORTS["action_items_json"]: exports.action_items_json(rows, url_of, today),
        urls.EXPORTS["action_items_csv"]: exports.action_items_csv(rows, url_of),
        urls.EXPORTS["feed"]: exports.atom_feed(
            archive.postmortems,
            title=f"{site_name}: new postmortems",
            site_url=site_url,
            url_of=url_of,
            feed_url=feed_url,
            limit=archive.settings.feed_entries,
        ),
    }
    for name, schema in exports.export_schemas().items():
        files[f"{urls.SCHEMAS_DIR}/{name}"] = schema
    return files
