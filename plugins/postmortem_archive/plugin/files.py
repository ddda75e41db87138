"""The files the plugin adds to MkDocs' list: assets, generated pages and exports."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from postmortem_archive.archive.collection import Archive
from postmortem_archive.site import urls
from postmortem_archive.site.generate import GeneratedPage, export_files, generated_pages
from postmortem_archive.site.listing import action_items_json, incidents_json

Add = Callable[[str, str], File]


def check_free(files: Files, src_uri: str) -> None:
    """A file in docs_dir where the plugin generates one is an error, never silently replaced."""
    if files.get_file_from_path(src_uri) is not None:
        raise PluginError(
            f"postmortems: '{src_uri}' exists in docs_dir, but the plugin generates that page; rename or remove it"
        )


def adder(files: Files, config: MkDocsConfig) -> Add:
    """add(src_uri, content): a generated file, with nothing written to docs_dir."""

    def add(src_uri: str, content: str) -> File:
        check_free(files, src_uri)
        file = File.generated(config, src_uri, content=content)
        files.append(file)
        return file

    return add


def pattern_pages(files: Files, pattern_ids: Iterable[str]) -> dict[str, str]:
    """Hand-written pattern pages (src_uri -> pattern id) of the taxonomy's patterns."""
    return {
        urls.pattern_page(pid): pid
        for pid in pattern_ids
        if files.get_file_from_path(urls.pattern_page(pid)) is not None
    }


def stray_pattern_pages(files: Files, known: dict[str, str]) -> list[str]:
    """`patterns/<id>.md` files whose id is not in the taxonomy (a typo would be a page about nothing)."""
    found = []
    for file in files.documentation_pages():
        uri = file.src_uri
        if uri.startswith("patterns/") and uri.count("/") == 1 and uri != urls.PATTERNS and uri not in known:
            found.append(uri)
    return found


def add_assets(add: Add, assets: Mapping[str, Path]) -> None:
    """The plugin's stylesheets and scripts (site path -> source), served with the site."""
    for asset, source in assets.items():
        add(asset, source.read_text(encoding="utf-8"))


def add_generated_pages(
    files: Files, add: Add, archive: Archive, log: logging.Logger
) -> tuple[list[GeneratedPage], dict[str, str]]:
    """Every generated page and the hand-written pattern pages the plugin completes (src_uri ->
    pattern id); a pattern page of no known pattern is a warning. A generated page's file has no
    content: on_page_read_source hands MkDocs its body (a placeholder) and on_page_markdown its meta."""
    known = archive.settings.taxonomy.ids
    handwritten = pattern_pages(files, known)
    for uri in stray_pattern_pages(files, handwritten):
        log.warning(f"{uri}: no pattern with the id '{uri[9:-3]}' in the taxonomy; known: {', '.join(known)}")
    pages = generated_pages(archive, handwritten)
    for page in pages:
        add(page.src_uri, "")
    return pages, handwritten


def export_makers(archive: Archive, config: MkDocsConfig, url_of: Mapping[str, str]) -> dict[str, Callable[[], str]]:
    """The exports and the lists' rows: site path -> what makes its content (links absolute when
    site_url is set; the rows' links relative, looked up when the rows are made)."""
    base = config.site_url or ""
    base = base if base.endswith("/") or not base else base + "/"
    pm_url = {pm.src_path: url_of[pm.src_path] for pm in archive.postmortems}
    makers = export_files(
        archive,
        lambda pm: base + pm_url[pm.src_path],
        site_name=config.site_name,
        site_url=base,
        feed_url=base + urls.EXPORTS["feed"],
    )
    rows = {urls.INCIDENTS_JSON: incidents_json, urls.ACTION_ITEMS_JSON: action_items_json}
    return makers | {path: functools.partial(make, archive, url_of.__getitem__) for path, make in rows.items()}
