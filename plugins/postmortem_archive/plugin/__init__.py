"""The `postmortems` MkDocs plugin: MkDocs events translated into calls of the core.

Each event is a few lines; what they call lives in MkDocs-free modules (core, archive, site,
search, redaction) and in small glue objects beside this one: `Search` (Pagefind or Material's
lunr), `Redaction`, `ServeReuse` (what `mkdocs serve` rebuilds reuse) and `Workers` (the second
core). `host.py` holds every MkDocs internal the plugin relies on.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import Files, get_files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from postmortem_archive.archive.collection import Archive
from postmortem_archive.authoring import placeholders
from postmortem_archive.core.loader import is_postmortem, load_all
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import ArchiveInvalid
from postmortem_archive.core.settings import Settings
from postmortem_archive.plugin import files as added
from postmortem_archive.plugin import host
from postmortem_archive.plugin.config import OptionError, PostmortemsConfig, to_settings
from postmortem_archive.plugin.navigation import archive_nav
from postmortem_archive.plugin.redaction import Redaction
from postmortem_archive.plugin.search import Search
from postmortem_archive.plugin.serve import ServeReuse
from postmortem_archive.plugin.workers import Workers
from postmortem_archive.search.pagefind import SEARCH_PAGE
from postmortem_archive.site import urls
from postmortem_archive.site.pages import LostPlaceholder, Marks, PageAssembly
from postmortem_archive.site.render import ASSETS, Renderer

log = get_plugin_logger(__name__)


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.is_serve = False
        self.dirty = False
        self.serve = ServeReuse()  # kept across `mkdocs serve` rebuilds: this object survives them
        # Unguessable, so no body can hold a placeholder; kept across serve rebuilds, whose reused
        # conversions hold the placeholders of the build that made them.
        self.marks = Marks(secrets.token_hex(8))

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.is_serve = command == "serve"
        self.dirty = dirty  # MkDocs converts only changed pages; search still indexes them all

    def on_shutdown(self) -> None:
        # After an interrupted build too (Ctrl-C skips on_build_error): no worker, Pagefind process
        # or staged page (in memory, under /dev/shm) outlives the command.
        if hasattr(self, "search"):
            self.workers.close()
            self.search.abort()
        self.serve.close()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # Everything per build is made anew here: `mkdocs serve` reuses this object across rebuilds.
        try:
            self.settings: Settings = to_settings(self.config, serve=self.is_serve)
        except OptionError as exc:
            raise PluginError(f"postmortems: {exc}") from exc
        self.redaction = Redaction(self.config.redact, config) if self.config.redact.enabled else None
        config.extra_css.append(urls.ASSET_CSS)
        config.extra_javascript.append(urls.ASSET_JS)
        # Under serve, the index is finished after the build (not with redaction: its leak check reads it).
        cache, background = (self.serve.index_cache, self.serve.index) if self.is_serve else (None, None)
        background = background if self.redaction is None else None
        self.search = Search(
            self.config, self.marks, is_serve=self.is_serve, dirty=self.dirty, cache=cache, background=background
        )
        self.search.configure(config)
        self.workers = Workers(enabled=not self.is_serve, log=log)
        self.postmortems: list[Postmortem] = []
        self.assembly: PageAssembly | None = None
        self.hidden: set[str] = set()  # pages kept out of the sidebar
        self.nav_first: list[str] = []  # generated index pages, first in the sidebar
        if self.is_serve:
            self.serve.start(config)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # Validate before MkDocs cleans site_dir: a broken archive must not cost the last good site.
        docs = get_files(config)
        sources = [f for f in docs.documentation_pages() if is_postmortem(f.src_uri, self.settings)]
        items = [(f.src_uri, f.content_bytes) for f in sources]
        if self.is_serve:  # unchanged files come from the cache of the last build
            loader = self.serve.parse.loader(self.settings, config.docs_dir)
        else:
            loader = self.workers.loader(items, self.settings)
        try:
            self.postmortems = load_all(items, self.settings, loader)
        except ArchiveInvalid as exc:
            raise PluginError(f"postmortems: {exc.report()}") from None
        for pm in self.postmortems:  # a warning, so `mkdocs build --strict` fails on a forgotten prompt
            for found in self.workers.prompts(pm, placeholders.in_final):
                log.warning(f"{pm.src_path}:{found.line}: {found.describe()} (status is final)")
        if self.redaction is not None:
            self.postmortems = self.redaction.start(self.postmortems, docs)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        archive = Archive([pm for pm in self.postmortems if files.get_file_from_path(pm.src_path)], self.settings)
        for pm in self.postmortems:
            if pm.id not in archive.by_id and (file := files.get_file_from_path(pm.src_path)):
                files.remove(file)  # an excluded draft: not built at all
        by_src = {pm.src_path: pm for pm in archive.postmortems}
        add = added.adder(files, config)
        assets = {asset: ASSETS / Path(asset).name for asset in (urls.ASSET_CSS, urls.ASSET_JS)} | self.search.assets()
        added.add_assets(add, assets)
        if self.redaction is not None:
            self.redaction.note_code(files, config.theme.dirs, assets)
        pages, pattern_pages = added.add_generated_pages(files, add, archive, log)
        self.search.pattern_pages = pattern_pages
        self.search.plan(files, config, by_src, add)
        url_of = {f.src_uri: f.url for f in files}
        makers = added.export_makers(archive, config, url_of)
        made = self.workers.exports(files, config, makers, add, len(archive.postmortems))
        url_of.update((f.src_uri, f.url) for f in files)
        generated = {p.src_uri: p for p in pages}
        self.assembly = PageAssembly(
            archive, self._renderer(archive, config), self.marks, url_of, by_src, generated, pattern_pages,
            landing=self.config.landing, part_hook=self.search.mark_part,
        )  # fmt: skip
        if self.search.pagefind:
            search_page = self.assembly.renderer.render("search.html", self.assembly.linker(self.search.page_url))
            self.assembly.add_part(SEARCH_PAGE, "body", search_page)
        self.hidden = set(by_src) | set(pattern_pages) | {p.src_uri for p in pages if not p.in_nav} | {SEARCH_PAGE}
        self.nav_first = [p.src_uri for p in pages if p.in_nav]
        order = [f.src_uri for f in files.documentation_pages() if f.src_uri in by_src]
        self.assembly.fragments = self.workers.render_ahead(order, self.assembly.header_and_footer)
        if self.is_serve:  # generated pages are reused while nothing they show has changed
            bundles = tuple(bundle.name for bundle in self.search.bundles)  # the search box lists them
            what = (repr(self.settings), self.config.search, self.redaction is not None, bundles)
            self.serve.start_pages(made, what, files, config, self.config.redact.roster)
        return files

    def _renderer(self, archive: Archive, config: MkDocsConfig) -> Renderer:
        """Page bodies from templates a site can override; under serve, fragments are kept for the
        next build (a one-off build would just hold them)."""
        custom_dir = config.theme.custom_dir
        site_key = (config.docs_dir, config.use_directory_urls, config.site_url, self.config.search)
        if self.is_serve:
            self.serve.fragments.keep_only(archive.postmortems)
        fragments = self.serve.fragments if self.is_serve else None
        return Renderer(archive, [custom_dir] if custom_dir else [], fragments, site_key)

    def _nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        return archive_nav(nav, self.hidden, self.nav_first if config.nav is None else [])

    @event_priority(-100)  # last: the worker forked here converts with the final files and pages
    def _nav_last(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        assert self.assembly is not None
        # Not under serve (it reuses conversions) nor --dirty (MkDocs skips pages).
        if not self.is_serve and not self.dirty and host.converts_alone(config.plugins, self):
            by_src = self.assembly.by_src
            pages = {f.src_uri: f.page for f in files.documentation_pages() if f.src_uri in by_src and f.page}
            self.workers.convert(pages, self._postmortem_markdown, config, files)
        return nav

    on_nav = CombinedEvent(_nav, _nav_last)

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        if self.search.pagefind:
            env.globals["pm_search"] = self.search.env_globals()
        self.workers.stop_ahead()
        self.workers.stop_conversion()  # every page has been converted by now
        return env

    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        # MkDocs would parse the front matter again with its pure-Python YAML loader (a tenth of a
        # 10,000-postmortem build): hand over the body only. The leading newline stops MkDocs
        # from reading `key: value` lines at the top as meta.
        assert self.assembly is not None
        pm = self.assembly.by_src.get(page.file.src_uri)
        if pm is not None:
            return "\n" + pm.body
        if page.file.src_uri in self.assembly.generated:
            return "\n" + self.marks("body") + "\n"
        return None

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        assert self.assembly is not None
        uri = page.file.src_uri
        converted, meta = self.assembly.markdown(uri, page.url, markdown)
        if meta is not None:
            page.meta = meta
        if self.is_serve and uri in self.assembly.generated:
            self.serve.reuse_page(page)
        if self.redaction is not None:
            # Before Markdown runs, so headings, their anchors and the table of contents carry no names.
            page.meta = self.redaction.meta(page.meta)
            converted = self.redaction.text(markdown if converted is None else converted)
        if uri in self.assembly.by_src:
            converted = markdown if converted is None else converted
            if self.workers.take_conversion(uri, converted):
                return ""  # on_page_content puts the worker's conversion in place
            if self.is_serve:
                return self.serve.reuse_conversion(converted, page, config, files)
        return converted

    def _postmortem_markdown(self, page: Page) -> str:
        """For the conversion worker: the Markdown on_page_markdown makes of a postmortem (its
        header and footer are rendered in MkDocs' process, by on_page_markdown)."""
        assert self.assembly is not None
        markdown = self.assembly.postmortem_markdown(self.assembly.by_src[page.file.src_uri])
        return markdown if self.redaction is None else self.redaction.text(markdown)

    def on_page_content(self, content: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        assert self.assembly is not None
        content = self.workers.restore(content, page, files)
        if self.is_serve:
            content = self.serve.restore(content, page, files)
        try:
            content = self.assembly.fill_parts(page.file.src_uri, content)
        except LostPlaceholder as exc:
            raise PluginError(f"postmortems: {exc}") from None
        content = self.search.article(content, page, self.assembly.by_src.get(page.file.src_uri))
        if self.redaction is not None:  # the search index is built from this content
            content = self.redaction.text(content)
        self.search.index(page, content)
        return content

    @event_priority(100)  # first: the other plugins see the page Material's search will parse
    def _page_context_first(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        self.search.lighten(page)
        return context

    @event_priority(-100)  # last: the context as the page's template gets it
    def _page_context_last(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        self.search.restore(page)
        return context

    on_page_context = CombinedEvent(_page_context_first, _page_context_last)

    @event_priority(100)  # first: the other plugins' on_post_page get the whole page
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        assert self.assembly is not None
        uri, dest = page.file.src_uri, page.file.dest_uri
        reused = self.serve.take_page(uri) if self.is_serve else None
        if reused is not None:
            if self.redaction is not None:
                self.redaction.page_done(dest)  # redacted when it was made
            return reused
        try:
            output = self.assembly.finish(uri, page.url, output)
        except LostPlaceholder as exc:
            raise PluginError(f"postmortems: {exc}") from None
        if self.redaction is not None:
            output = self.redaction.page(dest, output)
        if self.is_serve and uri in self.assembly.generated:
            self.serve.pages.put(uri, output)
        return output

    def on_build_error(self, *, error: Exception) -> None:
        self.workers.close()
        self.search.abort()

    @event_priority(100)  # first: the other plugins' on_post_build may read the exports
    def _post_build_first(self, *, config: MkDocsConfig) -> None:
        self.workers.wait_exports()

    def _post_build(self, *, config: MkDocsConfig) -> None:
        self.workers.close()
        site_dir = Path(config.site_dir)
        if self.redaction is not None:
            self.redaction.sweep(site_dir)
        code = self.search.finish(site_dir)
        if self.redaction is not None:
            self.redaction.check(site_dir, code)

    on_post_build = CombinedEvent(_post_build_first, _post_build)
