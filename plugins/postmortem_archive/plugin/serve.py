"""What `mkdocs serve` rebuilds reuse from the last build: parsed postmortems, rendered headers and
footers, postmortems' conversions and whole generated pages. The plugin object survives serve
rebuilds, so it keeps one `ServeReuse`; a plain build uses none of it."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from postmortem_archive.plugin import host
from postmortem_archive.plugin.serve_cache import ConversionCache, PageCache, ParseCache, files_signature
from postmortem_archive.search.indexer import BundleCache, IndexThread
from postmortem_archive.site import urls
from postmortem_archive.site.fragments import FragmentCache

# A one-line template for generated pages reused whole: MkDocs renders it, on_post_page puts the page back.
TEMPLATES = Path(__file__).parent / "reuse"
REUSED_TEMPLATE = "postmortems-reused.html"


class ServeReuse:
    def __init__(self) -> None:
        self.parse = ParseCache()
        self.fragments = FragmentCache()
        self.conversions = ConversionCache()
        self.pages = PageCache()
        self.index_cache = BundleCache()  # each Pagefind bundle as last indexed, by its pages
        self.index = IndexThread()  # the search index of the last build, finishing in a thread
        self._reset()

    def _reset(self) -> None:
        self.context: Hashable = None  # what every conversion of this build depends on
        # src_uri -> the last build's conversion, put back, and the Markdown it was made from.
        self.reused: dict[str, tuple[host.Conversion, str]] = {}
        self.to_record: dict[str, str] = {}  # src_uri -> the Markdown converted this time
        self.reused_pages: dict[str, str] = {}  # src_uri -> a generated page's HTML, put back whole

    def start(self, config: MkDocsConfig) -> None:
        self.index.stop()  # the last build's indexing, before MkDocs empties site_dir
        self._reset()
        if str(TEMPLATES) not in config.theme.dirs:
            config.theme.dirs.append(str(TEMPLATES))  # last: a site's own template of that name would win

    def close(self) -> None:
        """`mkdocs serve` ends: no Pagefind process or cached index outlives it."""
        self.index.stop()
        self.index_cache.close()

    def start_pages(
        self, exports: dict[str, str], options: Hashable, files: Files, config: MkDocsConfig, roster: str | None
    ) -> None:
        """Generated pages are reused while nothing they show has changed: the archive's data as
        exported, the plugin's settings (`options`), the set of pages and their URLs, and the
        site's config, theme overrides and roster files."""
        data = tuple(exports[urls.EXPORTS[name]] for name in ("postmortems_json", "action_items_json"))
        watched = [Path(config.config_file_path)] if config.config_file_path else []
        watched += [Path(config.theme.custom_dir)] if config.theme.custom_dir else []
        watched += [Path(roster)] if roster else []
        pages = tuple((f.src_uri, f.url) for f in files)
        self.pages.start((hash(data), options, files_signature(watched), hash(pages)))

    def reuse_page(self, page: Page) -> bool:
        """A generated page unchanged since the last build: MkDocs renders a one-line template
        and `take_page` hands back the page."""
        reused = self.pages.get(page.file.src_uri)
        if reused is None:
            return False
        self.reused_pages[page.file.src_uri] = reused
        page.meta["template"] = REUSED_TEMPLATE
        return True

    def take_page(self, src_uri: str) -> str | None:
        return self.reused_pages.pop(src_uri, None)

    def reuse_conversion(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """An unchanged postmortem is not converted again: Markdown gets an empty page and
        `restore` puts back what it made of this exact Markdown in the last build."""
        if self.context is None:
            self.context = (
                repr(config.markdown_extensions),
                repr(config.mdx_configs),
                config.use_directory_urls,
                hash(frozenset(f.src_uri for f in files)),
            )
            self.conversions.start(self.context)
        record = self.conversions.get(page.file.src_uri, markdown)
        if record is None:
            self.to_record[page.file.src_uri] = markdown
            return markdown
        self.reused[page.file.src_uri] = (record, markdown)
        return ""

    def restore(self, content: str, page: Page, files: Files) -> str:
        """The page's content: the reused conversion's, or this one's, recorded for next time."""
        uri = page.file.src_uri
        reused = self.reused.pop(uri, None)
        if reused is not None:
            record, markdown = reused
            return host.restore_conversion(page, record, files, markdown)
        markdown = self.to_record.pop(uri, None)
        if markdown is not None:
            self.conversions.put(uri, markdown, host.conversion_of(page, content))
        return content
