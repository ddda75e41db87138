"""Search in the build: Pagefind (the default) indexing beside it, or Material's lunr plugin."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.plugin.config import PostmortemsConfig
from postmortem_archive.search import pagefind as search
from postmortem_archive.search.indexer import (
    BundleCache,
    IndexReport,
    IndexThread,
    StreamingIndexer,
    scratch_directory,
    staged_bytes,
)
from postmortem_archive.site.pages import Marks
from postmortem_archive.site.render import page_markdown

log = get_plugin_logger(__name__)
THEME = Path(search.__file__).parent / "theme"  # partials for the Pagefind search box (header, search)
ASSETS = Path(search.__file__).parent / "assets"


def source_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # a file another plugin added, with no source on disk
        return 0


class Search:
    """What search needs from each build step; `pagefind` says which backend."""

    def __init__(
        self,
        options: PostmortemsConfig,
        marks: Marks,
        *,
        is_serve: bool,
        dirty: bool,
        cache: BundleCache | None = None,
        background: IndexThread | None = None,
    ) -> None:
        self.options = options
        self.cache = cache  # under serve: bundles whose pages did not change are not indexed again
        self.background = background  # under serve: where the index is finished, after the build
        self.marks = marks
        self.pagefind = options.search != "material"  # unset: Pagefind
        self.is_serve = is_serve
        self.dirty = dirty
        self.bundles: list[search.Bundle] = []
        self.candidates: set[str] = set()  # src_uris of hand-written pages that may be indexed
        self.indexed: set[str] = set()  # dest_uris of pages marked data-pagefind-body
        self.indexer: StreamingIndexer | None = None  # Pagefind, indexing each bundle once it is complete
        self.html_tag = '<html lang="en">'
        self.page_url = "search/"
        self.pattern_pages: Mapping[str, str] = {}
        self.full_content: dict[
            str, str
        ] = {}  # lunr: postmortems' content while Material's search parses a lighter one

    @property
    def will_index(self) -> bool:
        return not self.is_serve or self.options.search_on_serve

    def configure(self, config: MkDocsConfig) -> None:
        """Check the plugins list against the backend; Pagefind brings its own search box."""
        name = next((n for n in ("material/search", "search") if n in config.plugins), None)
        if not self.pagefind:
            if name is None:
                raise PluginError(
                    "postmortems: search: material uses Material's search plugin, which is not listed; "
                    "add '- search' under plugins, or use the default search: pagefind"
                )
            return
        if name is not None:
            if self.options.search is not None:  # asked for both: say which one to keep
                raise PluginError(
                    "postmortems: search: pagefind replaces Material's search plugin, but 'search' is listed "
                    "under plugins; remove it, or set 'search: material' to keep Material's lunr search"
                )
            # The usual Material site lists `search`: adding this plugin keeps it working. Material's
            # plugin then writes no index and its box is not rendered (both read `enabled`).
            config.plugins[name].config["enabled"] = False
            log.info(
                "search: Pagefind replaces Material's search plugin (listed under plugins, now disabled); "
                "to keep Material's lunr search instead, set 'search: material' in the postmortems plugin's options"
            )
        if self.options.search_bundle_words < 1:
            raise PluginError("postmortems: option 'search_bundle_words' must be at least 1")
        # Our header and search partials, after the site's custom_dir (which still wins) and before Material's.
        theme = str(THEME)
        if theme not in config.theme.dirs:
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, theme)
        config.extra_css.append(search.ASSET_CSS)
        config.extra_javascript.append(search.ASSET_JS)

    def assets(self) -> dict[str, Path]:
        """Files the site serves for the search box: site path -> source."""
        if not self.pagefind:
            return {}
        return {asset: ASSETS / Path(asset).name for asset in (search.ASSET_CSS, search.ASSET_JS)}

    def plan(
        self,
        files: Files,
        config: MkDocsConfig,
        by_src: Mapping[str, Postmortem],
        add_page: Callable[[str, str], File],
    ) -> None:
        """Add the search page; choose the pages Pagefind indexes and their bundles; start the indexer."""
        if not self.pagefind:
            return
        page = add_page(search.SEARCH_PAGE, page_markdown("Search", self.marks("body")))
        self.page_url = page.url  # search/ or search/index.html (use_directory_urls)
        # Postmortems, by year; hand-written pages (not the home page, not generated listings) with them.
        candidates: list[tuple[str, int | None, int]] = []
        sources: list[str] = []  # their Markdown files, whose sizes tell how much staging them writes
        for file in files.documentation_pages():
            pm = by_src.get(file.src_uri)
            if pm is not None:
                candidates.append((file.dest_uri, pm.meta.date.year, search.word_count(pm.body)))
            elif file.generated_by is None and file.src_uri != "index.md":
                self.candidates.add(file.src_uri)
                candidates.append((file.dest_uri, None, 0))
            else:
                continue
            sources.append(file.abs_src_path or "")
        self.bundles = search.plan_bundles(candidates, self.options.search_bundle_words)
        if self.will_index:
            scratch = scratch_directory(staged_bytes(map(source_size, sources)))
            self.indexer = StreamingIndexer(Path(config.site_dir), self.bundles, cache=self.cache, scratch=scratch)
            # Pagefind takes the language from the <html> tag (stemming); the theme's, as Material writes it.
            self.html_tag = f'<html lang="{html.escape(str(config.theme.get("language") or "en"))}">'

    def env_globals(self) -> dict[str, Any]:
        """What the search box's partials read (`pm_search`)."""
        bundles = [bundle.url for bundle in self.bundles]
        pending = self.will_index and self.background is not None  # the box waits for pagefind/ready.json
        return {"bundles": bundles, "page": self.page_url, "indexed": self.will_index, "pending": pending}

    def mark_part(self, src_uri: str, name: str, fragment: str) -> str:
        """A generated part of a page as search should see it: listings inside a hand-written
        pattern page are not indexed by Pagefind; with lunr, the header and footer are marked so
        `lighten` can find them."""
        if self.pagefind:
            return search.ignored(fragment) if src_uri in self.pattern_pages else fragment
        if name in ("header", "footer"):
            return f"{self.marks(name + '-start')}{fragment}{self.marks(name + '-end')}"
        return fragment

    def article(self, content: str, page: Page, pm: Postmortem | None) -> str:
        """With Pagefind: a postmortem's or an indexable hand-written page's content marked as the
        indexed article, with its title."""
        if not self.pagefind:
            return content
        if pm is not None:
            title = pm.title
        elif page.file.src_uri in self.candidates and not (page.meta.get("search") or {}).get("exclude"):
            title = page.title or ""
        else:
            return content
        self.indexed.add(page.file.dest_uri)
        return search.article(content, title)

    def index(self, page: Page, content: str) -> None:
        """Only the article, now: Pagefind indexes it on the other core while MkDocs converts the
        remaining pages and renders the theme around all of them (a page is a tenth the bytes)."""
        if self.indexer is None or page.file.dest_uri not in self.indexed:
            return
        try:
            self.indexer.add(page.file.dest_uri, f"{self.html_tag}<body>{content}</body></html>")
        except search.SearchIndexError as exc:
            raise PluginError(f"postmortems: search: {exc}") from None

    def lighten(self, page: Page) -> None:
        """With Material's search, its plugin parses a postmortem whose metadata header is plain
        text (the same words, a fraction of the parse) and which has no related-incidents box:
        links to other incidents, which Pagefind skips too (a search for one incident's title
        would find every page that lists it). `restore` puts the page back."""
        if self.pagefind:
            return
        parts = search.split_marked(page.content or "", self.marks("header-start"), self.marks("header-end"))
        if parts is None:
            return
        before, header, rest = parts
        footer = search.split_marked(rest, self.marks("footer-start"), self.marks("footer-end"))
        body, related, after = footer if footer is not None else (rest, "", "")
        self.full_content[page.file.src_uri] = before + header + body + related + after
        page.content = before + search.as_search_text(header) + body + after

    def restore(self, page: Page) -> None:
        """The page as it is shown; Material's search strips its attributes from it too."""
        full = self.full_content.pop(page.file.src_uri, None)
        if full is not None:
            page.content = search.MATERIAL_SEARCH_ATTRIBUTES.sub("", full) if "data-search-" in full else full

    def finish(self, site_dir: Path) -> set[str]:
        """Wait for Pagefind's last bundles and finish them; returns the bundles' code files."""
        if not self.pagefind:
            return set()
        if self.indexer is None:
            search.remove_bundles(site_dir)
            log.info("search: Pagefind indexing is off under mkdocs serve (search_on_serve: false)")
            return set()
        indexer, self.indexer = self.indexer, None
        try:
            if self.dirty:
                indexer.add_unchanged()
            if self.background is not None:  # serve: the build goes on; the index follows in a thread
                self.background.start(indexer, self._report, lambda message: log.error(f"search: {message}"))
                return set()
            report = indexer.finish()
        except search.SearchIndexError as exc:
            raise PluginError(f"postmortems: search: {exc}") from None
        self._report(report)
        return search.code_files(self.bundles)

    def _report(self, report: IndexReport) -> None:
        if self.cache is None:
            when = f"alongside the build, {report.after_build_seconds:.1f} s after it"
        else:  # serve: in the background; unchanged bundles came from the last build
            reused, after = self.cache.reused, report.after_build_seconds
            when = f"{reused} unchanged since the last build; {after:.1f} s after the build"
        log.info(
            f"search: Pagefind indexed {report.pages} pages in {report.bundles} bundle(s), {when}, "
            f"CPU {report.cpu_seconds:.1f} s (largest process {report.peak_rss_bytes / 2**20:.0f} MB)"
        )

    def abort(self) -> None:
        """A failed build: no Pagefind process outlives it."""
        if self.indexer is not None:
            self.indexer.abort()
            self.indexer = None
