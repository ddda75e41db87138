"""MkDocs event glue. All logic lives in pure modules that tests and the CLI call directly."""

from __future__ import annotations

import contextlib
import functools
import gc
import html
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel, get_files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from postmortem_archive.archive.collection import Archive
from postmortem_archive.authoring import placeholders
from postmortem_archive.authoring.placeholders import Placeholder
from postmortem_archive.core.loader import LoadOne, is_postmortem, load_all, load_one
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import ArchiveInvalid, Problem
from postmortem_archive.core.settings import Settings
from postmortem_archive.plugin.config import OptionError, PostmortemsConfig, to_settings
from postmortem_archive.plugin.navigation import archive_nav
from postmortem_archive.plugin.serve_cache import ConversionCache, PageCache, ParseCache, files_signature
from postmortem_archive.redaction.leakcheck import scan
from postmortem_archive.redaction.redact import (
    DEFAULT_KEEP,
    DEFAULT_SALT,
    Redactor,
    RosterEntry,
    RosterError,
    load_roster,
    person_names,
    redact_postmortem,
)
from postmortem_archive.redaction.sweep import sweep
from postmortem_archive.search import pagefind as search
from postmortem_archive.search.indexer import StreamingIndexer
from postmortem_archive.site import urls
from postmortem_archive.site.fragments import FragmentCache
from postmortem_archive.site.generate import GeneratedPage, export_files, generated_pages, insert_header
from postmortem_archive.site.listing import action_items_json, incidents_json
from postmortem_archive.site.paginate import Pager
from postmortem_archive.site.render import Renderer, page_markdown
from postmortem_archive.workers import ahead

log = get_plugin_logger(__name__)
SALT_ENV = "POSTMORTEM_REDACTION_SALT"
# Plugins that publish people's names (git authors) or render text into images a text sweep cannot reach.
INCOMPATIBLE_WITH_REDACTION = {"git-authors", "git-committers", "material/social", "social"}
# Events of a page's conversion up to our on_page_content: the conversion worker runs ours alone.
CONVERSION_EVENTS = ("pre_page", "page_read_source", "page_markdown")
ASSETS = Path(__file__).parent.parent / "site" / "assets"
SEARCH_ASSETS = Path(__file__).parent.parent / "search" / "assets"
THEME = Path(__file__).parent.parent / "search" / "theme"  # partials for the Pagefind search box (header, search)
# A one-line template for pages whose HTML the plugin puts in whole: under serve, generated pages
# reused from the last build; in a build, pages the second core built (ahead.Split).
REUSE = Path(__file__).parent / "reuse"
REUSED_TEMPLATE = "postmortems-reused.html"
# Exports large enough to make on the second core (every postmortem or action item in them).
LARGE_EXPORTS = frozenset({*urls.EXPORTS.values(), urls.INCIDENTS_JSON, urls.ACTION_ITEMS_JSON})
SearchEntries = list[dict[str, Any]]  # Material's search index entries of one page
Conversion = dict[str, Any]  # a postmortem converted on the second core: the Page attributes render() sets
# What Page.render() sets; the worker's conversion puts them back (links_to_anchors by src_uri: its keys are Files).
RENDERED = ("toc", "_title_from_render", "present_anchor_ids", "links_to_anchors")


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.is_serve = False
        self.dirty = False
        # Kept across `mkdocs serve` rebuilds (this object survives them; _reset does not touch these).
        self.parse_cache = ParseCache()
        self.fragments = FragmentCache()
        self.conversions = ConversionCache()
        self.pages = PageCache()
        # Unguessable, so a body cannot contain a placeholder; kept across serve rebuilds, because
        # converted pages reused from the last build hold their placeholders.
        self.token = secrets.token_hex(8)
        self._reset()

    def _reset(self) -> None:
        self.settings = Settings()
        self.postmortems: list[Postmortem] = []
        self.prompts: dict[str, list[Placeholder]] = {}  # src_path -> prompts in_final found while loading
        self.archive: Archive | None = None
        self.renderer: Renderer | None = None
        self.by_src: dict[str, Postmortem] = {}
        self.hidden: set[str] = set()
        self.nav_first: list[str] = []
        self.url_of: dict[str, str] = {}
        self.pattern_pages: dict[str, str] = {}  # hand-written pattern page src_uri -> pattern id
        # HTML we put into pages after Markdown, keyed by src_uri, then by its placeholder comment.
        # Raw HTML never goes through Python-Markdown: it cannot be reinterpreted as Markdown, and
        # big listing tables cost seconds in Markdown's HTML parser (measured on 1,000 postmortems).
        self.inserts: dict[str, dict[str, str]] = {}
        # Generated pages by src_uri. Their bodies are rendered in on_post_page, one page at a time,
        # so the HTML of every listing page is never held in memory at once.
        self.generated: dict[str, GeneratedPage] = {}
        # Under `mkdocs serve`: pages whose conversion is reused (uri -> record), or to be recorded (uri -> Markdown).
        self.reused: dict[str, dict[str, Any]] = {}
        self.to_record: dict[str, str] = {}
        self.conversion_context: object = None
        self.reused_pages: dict[str, str] = {}  # under serve: generated pages put back whole (uri -> HTML)
        self.redactor: Redactor | None = None
        self.static_assets: set[str] = set()  # theme and plugin assets: code, not content
        self.redacted_pages: set[str] = set()  # pages on_post_page redacted: the sweep skips them
        self.roster: list[RosterEntry] = []
        self.salt = DEFAULT_SALT
        self.search_bundles: list[search.Bundle] = []
        self.search_candidates: set[str] = set()  # src_uris of hand-written pages that may be indexed
        self.search_indexed: set[str] = set()  # dest_uris of pages marked data-pagefind-body
        # Pagefind indexes each page as it is built, on the other core (None: not indexing).
        self.indexer: StreamingIndexer | None = None
        self.search_html_tag = '<html lang="en">'
        # Postmortems' headers and footers rendered ahead on another core (None: rendered here).
        self.ahead: ahead.Ahead[str, tuple[str, str]] | None = None
        # The large exports, written into site_dir by a forked worker (None: written by MkDocs).
        self.exports_job: ahead.Background | None = None
        self.export_writes: list[Callable[[], None]] = []  # what it does, done here if it fails
        # Postmortems converted on both cores (_split_conversion); None: all converted here.
        self.conversion: ahead.Split[str, Conversion] | None = None
        # Pages built on both cores (_split_pages); None: all built here, as MkDocs does.
        self.split: ahead.Split[str, SearchEntries | None] | None = None
        self.nav: Navigation | None = None
        self.env: Any = None
        self.page_templates: dict[str, tuple[str, Any]] = {}  # src_uri -> (template, meta's own value)
        self.render_here: dict[str, str] = {}  # src_uri -> template MkDocs' process renders itself
        self.render_context: dict[str, Any] = {}  # src_uri -> the context other plugins made for it
        self.from_worker: set[str] = set()  # src_uris whose HTML the worker wrote
        self.worker_indexed = 0  # pages whose entries in Material's search index the worker made
        self.search_entries: SearchEntries | None = None  # Material's search index entries, if listed
        self.worker_entries: dict[str, tuple[SearchEntries, Any]] = {}  # src_uri -> (entries, meta's search)
        # With Material's search: postmortems' content while the search plugin parses a lighter one.
        self.full_content: dict[str, str] = {}

    def _placeholder(self, name: str) -> str:
        return f"<!-- postmortems:{self.token}:{name} -->"

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.is_serve = command == "serve"
        self.dirty = dirty  # MkDocs converts only changed pages; search still indexes them all

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._reset()  # `mkdocs serve` reuses this object across rebuilds
        try:
            self.settings = to_settings(self.config, serve=self.is_serve)
        except OptionError as exc:
            raise PluginError(f"postmortems: {exc}") from exc
        if self.config.redact.enabled:
            self._configure_redaction(config)
        config.extra_css.append(urls.ASSET_CSS)
        config.extra_javascript.append(urls.ASSET_JS)
        self._configure_search(config)
        if str(REUSE) not in config.theme.dirs:
            config.theme.dirs.append(str(REUSE))  # last: a site's own template of that name would win
        return config

    @property
    def pagefind(self) -> bool:
        return self.config.search == "pagefind"

    def _configure_search(self, config: MkDocsConfig) -> None:
        material_search = "material/search" in config.plugins or "search" in config.plugins
        if not self.pagefind:
            if not material_search:
                raise PluginError(
                    "postmortems: search: material uses Material's search plugin, which is not listed; "
                    "add '- search' under plugins, or use the default search: pagefind"
                )
            return
        if material_search:
            raise PluginError(
                "postmortems: search: pagefind (the default) replaces Material's search plugin, but 'search' is "
                "listed under plugins; remove it, or set 'search: material' to keep Material's lunr search"
            )
        if self.config.search_bundle_words < 1:
            raise PluginError("postmortems: option 'search_bundle_words' must be at least 1")
        # Our header and search partials, after the site's custom_dir (which still wins) and before Material's.
        theme = str(THEME)
        if theme not in config.theme.dirs:
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, theme)
        config.extra_css.append(search.ASSET_CSS)
        config.extra_javascript.append(search.ASSET_JS)

    def _configure_redaction(self, config: MkDocsConfig) -> None:
        opts = self.config.redact
        clash = sorted(set(config.plugins) & INCOMPATIBLE_WITH_REDACTION)
        if clash:
            raise PluginError(
                f"postmortems: redaction is on, but the plugin(s) {', '.join(clash)} put people's names "
                "(git authors) or text into images the redaction cannot reach; remove them or turn redaction off"
            )
        if opts.roster:
            roster = Path(opts.roster).resolve()
            if roster.is_relative_to(Path(config.docs_dir).resolve()):
                raise PluginError(
                    f"postmortems: redact.roster {opts.roster} is inside docs_dir, so it would be "
                    "published; move it next to mkdocs.yml"
                )
            try:
                self.roster = load_roster(roster)
            except RosterError as exc:
                raise PluginError(f"postmortems: {exc}") from None
        self.salt = os.environ.get(SALT_ENV) or opts.salt or DEFAULT_SALT
        if self.salt == DEFAULT_SALT:
            log.info(f"redaction uses the default salt: set ${SALT_ENV} so pseudonyms cannot be guessed")

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # Validate before MkDocs cleans site_dir: a broken archive must not cost the last good site.
        docs = get_files(config)
        sources = [f for f in docs.documentation_pages() if is_postmortem(f.src_uri, self.settings)]
        items = [(f.src_uri, f.content_bytes) for f in sources]
        try:
            if self.is_serve:  # unchanged files come from the cache of the last build
                loader = self.parse_cache.loader(self.settings, config.docs_dir)
            else:  # the files shared with a worker on the second core (ahead.split_map)
                loader = self._load_in_parallel(items)
            self.postmortems = load_all(items, self.settings, loader)
        except ArchiveInvalid as exc:
            raise PluginError(f"postmortems: {exc.report()}") from None
        for pm in self.postmortems:  # a warning, so `mkdocs build --strict` fails on a forgotten prompt
            prompts = self.prompts.pop(pm.src_path, None)
            for found in placeholders.in_final(pm) if prompts is None else prompts:
                log.warning(f"{pm.src_path}:{found.line}: {found.describe()} (status is final)")
        if self.config.redact.enabled:
            redactor = Redactor(
                self.roster,
                person_names(self.postmortems),
                salt=self.salt,
                prefix=self.config.redact.prefix,
                keep=DEFAULT_KEEP | set(self.config.redact.keep),
            )
            named = [f.src_uri for f in docs if redactor.names_in_path(f.src_uri)]
            if named:
                raise PluginError(
                    "postmortems: redaction is on, but these file names contain a person's name and would be "
                    "published in URLs; rename them: " + ", ".join(named)
                )
            self.redactor = redactor
            self.postmortems = [redact_postmortem(pm, redactor) for pm in self.postmortems]

    def _load_in_parallel(self, items: list[tuple[str, bytes]]) -> LoadOne:
        raw_of, settings = dict(items), self.settings

        def load(src: str) -> tuple[Postmortem | list[Problem], list[Placeholder]]:
            # Prompts left in a final postmortem are looked for here too: about half on the second core.
            result = load_one(src, raw_of[src], settings)
            return result, placeholders.in_final(result) if isinstance(result, Postmortem) else []

        results = ahead.split_map(list(raw_of), load)
        self.prompts = {src: prompts for src, (_, prompts) in zip(raw_of, results, strict=True)}
        loaded = {src: result for src, (result, _) in zip(raw_of, results, strict=True)}
        return lambda src, raw, settings: loaded.pop(src) if src in loaded else load_one(src, raw, settings)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        postmortems = [pm for pm in self.postmortems if files.get_file_from_path(pm.src_path) is not None]
        archive = Archive(postmortems, self.settings)
        self.archive = archive
        for pm in postmortems:
            if pm.id not in archive.by_id:  # an excluded draft: not built at all
                files.remove(files.get_file_from_path(pm.src_path))  # type: ignore[arg-type]
        self.by_src = {pm.src_path: pm for pm in archive.postmortems}
        custom_dir = config.theme.custom_dir
        self.fragments.keep_only(archive.postmortems)
        site_key = (config.docs_dir, config.use_directory_urls, config.site_url, self.config.search)
        # Fragments are kept for the next build only under serve; a one-off build would just hold them.
        fragments = self.fragments if self.is_serve else None
        self.renderer = Renderer(archive, [custom_dir] if custom_dir else [], fragments, site_key)

        assets = [urls.ASSET_CSS, urls.ASSET_JS] + ([search.ASSET_CSS, search.ASSET_JS] if self.pagefind else [])
        for asset in assets:
            folder = SEARCH_ASSETS if asset in (search.ASSET_CSS, search.ASSET_JS) else ASSETS
            self._add(files, config, asset, (folder / Path(asset).name).read_text(encoding="utf-8"))
        if self.redactor is not None:  # only the leak check needs to know which files are theme code
            theme_dirs = [Path(d).resolve() for d in config.theme.dirs]
            self.static_assets = set(assets) | {
                f.dest_uri
                for f in files
                if f.abs_src_path
                and not f.is_documentation_page()
                and any(Path(f.abs_src_path).resolve().is_relative_to(d) for d in theme_dirs)
            }
        self.pattern_pages = {
            urls.pattern_page(p.id): p.id
            for p in self.settings.taxonomy.patterns
            if files.get_file_from_path(urls.pattern_page(p.id)) is not None
        }
        self._check_pattern_pages(files)
        pages = generated_pages(archive, self.pattern_pages)
        placeholder = self._placeholder("body")
        for page in pages:
            self._add(files, config, page.src_uri, page.markdown(placeholder))
        self.generated = {page.src_uri: page for page in pages}
        base = config.site_url or ""
        base = base if base.endswith("/") or not base else base + "/"
        pm_url = {f.src_uri: f.url for f in files if f.src_uri in self.by_src}
        makers = export_files(
            archive,
            lambda pm: base + pm_url[pm.src_path],
            site_name=config.site_name,
            site_url=base,
            feed_url=base + urls.EXPORTS["feed"],
        )
        made = self._add_exports(files, config, makers)
        self.url_of.update((f.src_uri, f.url) for f in files)
        url = self.url_of.__getitem__  # every page's URL: the rows link to them
        rows = {urls.INCIDENTS_JSON: incidents_json, urls.ACTION_ITEMS_JSON: action_items_json}
        self._add_exports(files, config, {path: functools.partial(make, archive, url) for path, make in rows.items()})
        self.url_of.update((f.src_uri, f.url) for f in files)
        if self.export_writes:
            writes = self.export_writes

            def write_all() -> None:  # in the worker
                for write in writes:
                    write()

            self.exports_job = ahead.Background(write_all)
        if self.is_serve:
            self._start_page_cache(files, config, made)  # under serve every export is made here
        self.hidden = set(self.by_src) | set(self.pattern_pages) | {p.src_uri for p in pages if not p.in_nav}
        self.nav_first = [p.src_uri for p in pages if p.in_nav]
        if self.pagefind:
            self._plan_search(files, config)
        self._render_ahead(files)
        self._freeze_collector()
        return files

    def _freeze_collector(self) -> None:
        """The archive, and after conversion the pages, live until the build ends: the garbage
        collector's full passes need not walk them again and again (measured at 1,000
        postmortems: 0.61 s of collection in the build's own process, plain Material's 0.25 s).
        Not under serve, whose plugin object outlives builds; undone when the build ends."""
        if not self.is_serve:
            gc.freeze()

    def _add_exports(self, files: Files, config: MkDocsConfig, makers: dict[str, Callable[[], str]]) -> dict[str, str]:
        """Add the exports; returns the contents made here. The large ones are made on the second
        core and written straight into site_dir (MkDocs cleaned it before on_files, and copying a
        generated file onto itself is a no-op it allows), unless under serve or without a core to spare."""
        background = not self.is_serve and ahead.usable(len(self.by_src))
        made: dict[str, str] = {}
        for path, make in makers.items():
            if background and path in LARGE_EXPORTS:
                self._check_free(files, path)
                file = File.generated(config, path, abs_src_path=os.path.join(config.site_dir, path))
                files.append(file)
                self.export_writes.append(functools.partial(_write, file.abs_dest_path, make))
            else:
                made[path] = make()
                self._add(files, config, path, made[path])
        return made

    def _wait_for_exports(self) -> None:
        """Before MkDocs copies files (right after on_env), the exports must be in site_dir."""
        job, self.exports_job = self.exports_job, None
        if job is not None and not job.wait():
            log.debug("the exports could not be made on a second core: making them here")
            for write in self.export_writes:
                write()

    def _start_page_cache(self, files: Files, config: MkDocsConfig, exported: dict[str, str]) -> None:
        """What generated pages show, as a key: any change in it renders them all again."""
        data = [exported[urls.EXPORTS[name]] for name in ("postmortems_json", "action_items_json")]
        # mkdocs.yml and the site's own theme overrides (installed themes do not change under serve).
        watched = [Path(config.config_file_path)] if config.config_file_path else []
        watched += [Path(config.theme.custom_dir)] if config.theme.custom_dir else []
        if self.config.redact.roster:
            watched.append(Path(self.config.redact.roster))
        self.pages.start(
            (
                hash(tuple(data)),
                repr(self.settings),
                self.config.search,
                self.redactor is not None,
                files_signature(watched),
                hash(tuple((f.src_uri, f.url) for f in files)),
            )
        )

    def _render_ahead(self, files: Files) -> None:
        """Headers and footers of postmortems, in build order, on the second core (not under serve:
        its rebuilds reuse them from the fragment cache, and its server threads make fork unsafe)."""
        order = [f.src_uri for f in files.documentation_pages() if f.src_uri in self.by_src]
        if self.is_serve or self.renderer is None or not ahead.usable(len(order)):
            return
        renderer, url_of, by_src = self.renderer, self.url_of, self.by_src

        def fragments(src_uri: str) -> tuple[str, str]:
            pm, link = by_src[src_uri], urls.Linker(url_of[src_uri], url_of)
            return renderer.header(pm, link), renderer.footer(pm, link)

        self.ahead = ahead.Ahead(order, fragments)

    def _plan_search(self, files: Files, config: MkDocsConfig) -> None:
        """Add the search page; choose the pages Pagefind indexes and their bundles."""
        assert self.renderer is not None
        page = self._add(files, config, search.SEARCH_PAGE, "")
        self.url_of[search.SEARCH_PAGE] = page.url  # search/ or search/index.html (use_directory_urls)
        placeholder = self._placeholder("body")
        page.content_string = page_markdown("Search", placeholder)
        self.inserts[search.SEARCH_PAGE] = {
            placeholder: self.renderer.render("search.html", urls.Linker(page.url, self.url_of))
        }
        self.hidden.add(search.SEARCH_PAGE)
        # Postmortems, by year; hand-written pages (not the home page, not generated listings) with them.
        generated = {f.src_uri for f in files if f.generated_by is not None}
        candidates: list[tuple[str, int | None, int]] = []
        for file in files.documentation_pages():
            pm = self.by_src.get(file.src_uri)
            if pm is not None:
                candidates.append((file.dest_uri, pm.meta.date.year, search.word_count(pm.body)))
            elif file.src_uri not in generated and file.src_uri != "index.md":
                self.search_candidates.add(file.src_uri)
                candidates.append((file.dest_uri, None, 0))
        self.search_bundles = search.plan_bundles(candidates, self.config.search_bundle_words)
        if self._will_index:
            self.indexer = StreamingIndexer(Path(config.site_dir), self.search_bundles)
            # Pagefind takes the language from the <html> tag (stemming); the theme's, as Material writes it.
            self.search_html_tag = f'<html lang="{html.escape(str(config.theme.get("language") or "en"))}">'

    @property
    def _will_index(self) -> bool:
        return not self.is_serve or self.config.search_on_serve

    @event_priority(-100)  # last: the worker forked here must see every plugin's changes to the environment
    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        if self.pagefind:
            env.globals["pm_search"] = {
                "bundles": [bundle.url for bundle in self.search_bundles],
                "page": self.url_of.get(search.SEARCH_PAGE, "search/"),
                "indexed": self._will_index,
            }
        self.env = env
        self.search_entries = _material_search_entries(config)
        self._stop_conversion()  # every postmortem has been converted by now
        self._freeze_collector()
        self._wait_for_exports()
        self._stop_ahead()  # every header and footer has been taken by now
        self._split_pages(env, config, files)
        return env

    def _split_pages(self, env: Any, config: MkDocsConfig, files: Files) -> None:
        """Build pages on both cores: a forked worker builds them from the last one backwards,
        writing each file, while MkDocs goes forwards (ahead.Split). For every page MkDocs renders
        a one-line template; on_post_page then reads back the file the worker wrote, or renders the
        page's real template here with the context MkDocs and the plugins made. Not under serve
        (its rebuilds reuse, and its threads make fork unsafe) nor --dirty (MkDocs skips pages).
        Nor while Pagefind indexes beside the build on two cores: it has the second core for the
        whole page phase (the worker got 24 of 1,413 pages at 1,000 postmortems, 46 of about
        10,100 at 10,000), and the template swap cost more than that saved (without the worker
        0.96x the wall time at 1,000)."""
        if self.is_serve or self.dirty or self.renderer is None or self.nav is None:
            return
        if self.indexer is not None and ahead.cores() <= 2:
            return
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        pages = {file.src_uri: file.page for file in doc_files if file.page is not None}
        if not ahead.usable(len(pages)):
            return
        templates = {uri: (p.meta.get("template", "main.html"), p.meta.get("template")) for uri, p in pages.items()}
        nav, entries, warnings = self.nav, self.search_entries, _WorkerWarnings()

        def build(uri: str) -> SearchEntries | None:  # in the worker: MkDocs' _build_page, our on_post_page only
            page = pages[uri]
            config._current_page, page.active, indexed = page, True, len(entries or ())
            try:
                with warnings.none_logged(f"{uri}: building the page"):
                    context = get_context(nav, doc_files, config, page)
                    template = env.get_template(templates[uri][0])
                    context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
                    output = self._finish_page(template.render(context), page)
                write_file(output.encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path)
                return None if entries is None else entries[indexed:]
            finally:
                page.active, config._current_page = False, None

        self.split = ahead.Split(list(pages), build)
        self.page_templates = templates
        for page in pages.values():
            page.meta["template"] = REUSED_TEMPLATE  # until on_page_context puts the page's own back

    @event_priority(100)  # first: the other plugins see the page's own template in its meta
    def _page_context_first(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        uri = page.file.src_uri
        self._lighten_for_search(page)
        if self.split is None or uri not in self.page_templates:
            return context
        template, own = self.page_templates.pop(uri)
        if own is None:
            del page.meta["template"]
        else:
            page.meta["template"] = own
        done, entries = self.split.take(uri)
        if not done:
            self.render_here[uri] = template
            return context
        self.from_worker.add(uri)
        self.worker_indexed += bool(entries)
        if entries is not None:  # Material's search takes the worker's entries instead of parsing the page again
            self.worker_entries[uri] = (entries, page.meta.get("search"))
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        return context

    @event_priority(-100)  # last: the context as the page's template gets it
    def _page_context_last(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        uri = page.file.src_uri
        full = self.full_content.pop(uri, None)
        if full is not None:  # the page as it is shown; Material's search strips its attributes from it too
            page.content = search.MATERIAL_SEARCH_ATTRIBUTES.sub("", full) if "data-search-" in full else full
        if uri in self.render_here:
            self.render_context[uri] = context
        held = self.worker_entries.pop(uri, None)
        if held is not None:
            entries, own = held
            if own is None:
                del page.meta["search"]
            else:
                page.meta["search"] = own
            assert self.search_entries is not None
            self.search_entries.extend(entries)
        return context

    on_page_context = CombinedEvent(_page_context_first, _page_context_last)

    def _lighten_for_search(self, page: Page) -> None:
        """With Material's search, its plugin parses a postmortem whose metadata header is plain
        text (the same words, a fraction of the parse) and which has no related-incidents box:
        links to other incidents, which Pagefind skips too (a search for one incident's title
        would find every page that lists it). `_page_context_last` puts the page back."""
        start, end = self._placeholder("header-start"), self._placeholder("header-end")
        parts = search.split_marked(page.content or "", start, end) if not self.pagefind else None
        if parts is None:
            return
        before, header, rest = parts
        footer = search.split_marked(rest, self._placeholder("footer-start"), self._placeholder("footer-end"))
        body, related, after = footer if footer is not None else (rest, "", "")
        self.full_content[page.file.src_uri] = before + header + body + related + after
        page.content = before + search.as_search_text(header) + body + after

    def _check_pattern_pages(self, files: Files) -> None:
        for file in files.documentation_pages():
            uri = file.src_uri
            is_pattern_page = uri.startswith("patterns/") and uri.count("/") == 1 and uri != urls.PATTERNS
            if is_pattern_page and uri not in self.pattern_pages:
                log.warning(
                    f"{uri}: no pattern with the id '{uri[9:-3]}' in the taxonomy; "
                    f"known: {', '.join(self.settings.taxonomy.ids)}"
                )

    def _check_free(self, files: Files, src_uri: str) -> None:
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(
                f"postmortems: '{src_uri}' exists in docs_dir, but the plugin generates that page; rename or remove it"
            )

    def _add(self, files: Files, config: MkDocsConfig, src_uri: str, content: str) -> File:
        self._check_free(files, src_uri)
        file = File.generated(config, src_uri, content=content)
        files.append(file)
        return file

    def _nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = archive_nav(nav, self.hidden, self.nav_first if config.nav is None else [])
        return self.nav

    @event_priority(-100)  # last: the worker forked here converts with the final files and pages
    def _nav_last(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        if self._converts_on_both_cores(config, len(self.by_src)):
            self._split_conversion(config, files)
        return nav

    on_nav = CombinedEvent(_nav, _nav_last)

    def _converts_on_both_cores(self, config: MkDocsConfig, postmortems: int) -> bool:
        """Whether postmortems' Markdown is converted on both cores (_split_conversion): in a build
        (serve reuses conversions, --dirty skips pages), and only when no other plugin takes part
        in converting a page before our on_page_content, since the worker runs none of them. With
        Pagefind the second core is mostly indexing by then: the worker, at the lowest priority,
        takes fewer pages (A/B with Pagefind: 0.98x wall at 1,000, 1.00x at 10,000)."""
        if self.is_serve or self.dirty or self.renderer is None or not ahead.usable(postmortems):
            return False
        events = config.plugins.events
        if any(getattr(m, "__self__", None) is not self for e in CONVERSION_EVENTS for m in events[e]):
            return False
        first = events["page_content"][0] if events["page_content"] else None
        return getattr(first, "__self__", None) is self

    def _split_conversion(self, config: MkDocsConfig, files: Files) -> None:
        """Convert postmortems on both cores: a forked worker converts them from the last one
        backwards while MkDocs goes forwards (ahead.Split).
        For a postmortem the worker did, on_page_markdown hands Markdown an empty page and
        on_page_content puts the worker's conversion in its place, as serve does with its cache."""
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        pages = {f.src_uri: f.page for f in doc_files if f.src_uri in self.by_src and f.page is not None}
        by_src, warnings = self.by_src, _WorkerWarnings()

        def convert(uri: str) -> Conversion:  # in the worker: what _populate_page does to a postmortem
            page = config._current_page = pages[uri]
            with warnings.none_logged(f"{uri}: converting the page"):
                page.markdown = self._postmortem_markdown(by_src[uri])
                page.render(config, files)
            done: Conversion = {name: getattr(page, name) for name in RENDERED}
            if page.links_to_anchors is not None:
                done["links_to_anchors"] = {f.src_uri: links for f, links in page.links_to_anchors.items()}
            return {**done, "content": page.content}

        self.conversion = ahead.Split(list(pages), convert)

    def _take_conversion(self, page: Page, files: Files) -> Conversion | None:
        """The worker's conversion of this postmortem, or None if this process converts it."""
        if self.conversion is None or page.file.src_uri not in self.by_src:
            return None
        done, record = self.conversion.take(page.file.src_uri)
        if not done or record is None:
            return None
        links = record.get("links_to_anchors")
        if links is not None:
            record["links_to_anchors"] = {files.get_file_from_path(uri): anchors for uri, anchors in links.items()}
        return record

    def _stop_conversion(self) -> None:
        if self.conversion is not None:
            self.conversion.close()
            log.debug(f"{self.conversion.from_worker} postmortems were converted on a second core")
            self.conversion = None

    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        # MkDocs would parse the front matter again with its pure-Python YAML loader (measured: a
        # tenth of a 10,000-postmortem build). We parsed it once already: hand over the body only.
        # The leading newline stops MkDocs from reading `key: value` lines at the top as meta.
        pm = self.by_src.get(page.file.src_uri)
        if pm is not None:
            return "\n" + pm.body
        generated = self.generated.get(page.file.src_uri)
        if generated is not None:
            return "\n" + self._placeholder("body") + "\n"
        return None

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        converted = self._take_conversion(page, files)
        result = self._page_markdown(markdown, page)
        if self.redactor is not None:
            page.meta = self.redactor.redact_value(page.meta)
        if converted is not None:  # on_page_content puts the worker's conversion (redacted there) in place
            self.reused[page.file.src_uri] = converted
            return ""
        if self.redactor is not None:
            # Before Markdown runs, so headings, their anchors and the table of contents carry no names.
            result = self.redactor.redact(markdown if result is None else result)
        if self.is_serve and page.file.src_uri in self.by_src:
            return self._reuse_conversion(result if result is not None else markdown, page, config, files)
        return result

    def _reuse_conversion(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Under serve, an unchanged postmortem is not converted again: Markdown gets an empty page
        and on_page_content puts back what it made of this exact Markdown in the last build."""
        if self.conversion_context is None:
            self.conversion_context = (
                repr(config.markdown_extensions),
                repr(config.mdx_configs),
                config.use_directory_urls,
                hash(frozenset(f.src_uri for f in files)),
            )
            self.conversions.start(self.conversion_context)
        record = self.conversions.get(page.file.src_uri, markdown)
        if record is None:
            self.to_record[page.file.src_uri] = markdown
            return markdown
        self.reused[page.file.src_uri] = record
        return ""

    def _restore_conversion(self, content: str, page: Page) -> str:
        uri = page.file.src_uri
        record = self.reused.pop(uri, None)
        if record is not None:
            for name, value in record.items():
                if name != "content":
                    setattr(page, name, value)
            return str(record["content"])
        markdown = self.to_record.pop(uri, None)
        if markdown is not None:
            kept: dict[str, object] = {name: getattr(page, name) for name in RENDERED if hasattr(page, name)}
            self.conversions.put(uri, markdown, {**kept, "content": content})
        return content

    def _page_markdown(self, markdown: str, page: Page) -> str | None:
        if self.renderer is None:
            return None
        generated = self.generated.get(page.file.src_uri)
        if generated is not None:
            page.meta = generated.meta()
            reused = self.pages.get(page.file.src_uri) if self.is_serve else None
            if reused is not None:  # MkDocs renders a one-line template; on_post_page puts the page back
                self.reused_pages[page.file.src_uri] = reused
                page.meta["template"] = REUSED_TEMPLATE
            return None
        link = urls.Linker(page.url, self.url_of)
        if page.file.src_uri == urls.HOME and self.config.landing:
            glance = self._placeholder("landing")
            self.inserts[urls.HOME] = {glance: self.renderer.landing(link)}
            return insert_header(markdown, glance, "")
        pattern_id = self.pattern_pages.get(page.file.src_uri)
        if pattern_id is not None:  # a hand-written pattern page: add the generated parts around it
            intro, details = self._placeholder("intro"), self._placeholder("details")
            pager = Pager(page.file.src_uri, 1, self.archive.pattern(pattern_id).count if self.archive else 0)
            self.inserts[page.file.src_uri] = {
                intro: self.renderer.pattern_intro(pattern_id, link),
                details: self.renderer.pattern_details(pattern_id, link, pager),
            }
            return insert_header(markdown, intro, details)
        pm = self.by_src.get(page.file.src_uri)
        if pm is None:
            return None
        # Replace MkDocs' meta entirely: its values would reach templates unescaped.
        meta: dict[str, Any] = {"title": html.escape(pm.title)}
        if pm.meta.summary:
            meta["description"] = html.escape(pm.meta.summary)
        page.meta = meta
        if self.ahead is not None:
            made = self.ahead.get(pm.src_path)
        else:
            made = self.renderer.header(pm, link), self.renderer.footer(pm, link)
        self.inserts[pm.src_path] = {self._placeholder("header"): made[0], self._placeholder("footer"): made[1]}
        return self._postmortem_markdown(pm, redact=False)

    def _postmortem_markdown(self, pm: Postmortem, redact: bool = True) -> str:
        """The Markdown a postmortem's page converts: its body, between placeholders for the header
        and footer. Our own split of the file, not MkDocs': the two never disagree on where the body
        starts. Redacted unless on_page_markdown redacts it (it redacts every page)."""
        markdown = insert_header(pm.body, self._placeholder("header"), self._placeholder("footer"))
        return self.redactor.redact(markdown) if redact and self.redactor is not None else markdown

    def on_page_content(self, content: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        content = self._restore_conversion(content, page)
        inserts = self.inserts.pop(page.file.src_uri, None)
        uri = page.file.src_uri
        marked = {self._placeholder(name): name for name in ("header", "footer")}
        for placeholder, fragment in (inserts or {}).items():
            if self.pagefind and uri in self.pattern_pages:
                fragment = search.ignored(fragment)  # a listing inside a hand-written page
            name = marked.get(placeholder)
            if not self.pagefind and name is not None:  # marked for _lighten_for_search
                fragment = f"{self._placeholder(name + '-start')}{fragment}{self._placeholder(name + '-end')}"
            content = _fill(content, uri, placeholder, fragment)
        if self.pagefind:
            content = self._mark_for_search(content, page)
        # The search index is built from this content: redact it here, attributes and comments included.
        if self.redactor:
            content = self.redactor.redact(content)
        if self.indexer is not None and page.file.dest_uri in self.search_indexed:
            # Only the article, now: Pagefind indexes it on the other core while MkDocs converts the
            # remaining pages and renders the theme around all of them (a page is a tenth the bytes).
            self._search_add(page.file.dest_uri, f"{self.search_html_tag}<body>{content}</body></html>")
        return content

    def _mark_for_search(self, content: str, page: Page) -> str:
        pm = self.by_src.get(page.file.src_uri)
        if pm is not None:
            title = pm.title
        elif page.file.src_uri in self.search_candidates and not (page.meta.get("search") or {}).get("exclude"):
            title = page.title or ""
        else:
            return content
        self.search_indexed.add(page.file.dest_uri)
        return search.article(content, title)

    @event_priority(100)  # first: the other plugins' on_post_page get the whole page
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        uri = page.file.src_uri
        if uri in self.from_worker:  # built on the other core, our own on_post_page included
            self.from_worker.discard(uri)
            if self.redactor is not None:
                self.redacted_pages.add(page.file.dest_uri)
            return Path(page.file.abs_dest_path).read_bytes().decode("utf-8")
        template = self.render_here.pop(uri, None)
        if template is not None:  # what MkDocs would have rendered, had the template not been swapped
            output = self.env.get_template(template).render(self.render_context.pop(uri))
        return self._finish_page(output, page)

    def _finish_page(self, output: str, page: Page) -> str:
        """Our part of on_post_page: a generated page's body, redaction, the serve page cache."""
        uri = page.file.src_uri
        reused = self.reused_pages.pop(uri, None)
        if reused is not None:
            if self.redactor is not None:
                self.redacted_pages.add(page.file.dest_uri)  # redacted when it was made
            return reused
        generated = self.generated.get(uri)
        if generated is not None and self.renderer is not None:
            body = generated.body(self.renderer, urls.Linker(page.url, self.url_of))
            output = _fill(output, uri, self._placeholder("body"), body)
        # The whole page as the theme rendered it: nav, title, meta tags.
        if self.redactor is not None:
            self.redacted_pages.add(page.file.dest_uri)
            output = self.redactor.redact(output)
        if generated is not None and self.is_serve:
            self.pages.put(uri, output)
        return output

    def _search_add(self, dest_uri: str, html_text: str) -> None:
        assert self.indexer is not None
        try:
            self.indexer.add(dest_uri, html_text)
        except search.SearchIndexError as exc:
            raise PluginError(f"postmortems: search: {exc}") from None

    def on_build_error(self, *, error: Exception) -> None:
        gc.unfreeze()
        if self.exports_job is not None:
            self.exports_job.close()
        self._stop_ahead()
        self._stop_conversion()
        self._stop_split()
        if self.indexer is not None:  # no Pagefind process outlives a failed build
            self.indexer.abort()
            self.indexer = None

    def _stop_ahead(self) -> None:
        if self.ahead is not None:
            self.ahead.close()
            log.debug(f"headers and footers of {self.ahead.from_worker} postmortems were rendered on a second core")
            self.ahead = None

    def _stop_split(self) -> None:
        if self.split is not None:
            self.split.close()
            indexed = f" ({self.worker_indexed} indexed there for Material's search)" if self.worker_indexed else ""
            log.debug(f"{self.split.from_worker} pages were built on a second core{indexed}")
            self.split = None

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._stop_ahead()
        self._stop_split()
        gc.unfreeze()
        site_dir = Path(config.site_dir)
        if self.redactor is not None:
            sweep(site_dir, self.redactor, done=self.redacted_pages)
        if self.pagefind:
            self._index_search(site_dir)
        if self.redactor is not None and self.config.redact.leak_check:
            leaks = scan(site_dir, self.redactor, exclude=self.static_assets)
            if leaks:
                shown = "\n".join(f"  {leak}" for leak in leaks[:50])
                more = f"\n  ... and {len(leaks) - 50} more" if len(leaks) > 50 else ""
                raise PluginError(f"postmortems: redaction leak check failed, names remain in site/:\n{shown}{more}")

    def _index_search(self, site_dir: Path) -> None:
        if self.indexer is None:
            search.remove_bundles(site_dir)
            log.info("search: Pagefind indexing skipped under mkdocs serve (set search_on_serve: true to index)")
            return
        indexer, self.indexer = self.indexer, None
        try:
            if self.dirty:
                indexer.add_unchanged()
            report = indexer.finish()
        except search.SearchIndexError as exc:
            raise PluginError(f"postmortems: search: {exc}") from None
        self.static_assets |= search.code_files(self.search_bundles)
        log.info(
            f"search: Pagefind indexed {report.pages} pages in {report.bundles} bundle(s) alongside the build, "
            f"CPU {report.cpu_seconds:.1f} s, {report.after_build_seconds:.1f} s after it "
            f"(largest process {report.peak_rss_bytes / 2**20:.0f} MB)"
        )


def _fill(content: str, uri: str, placeholder: str, fragment: str) -> str:
    """Put generated HTML where its placeholder is; a theme or plugin that dropped it is an error."""
    if placeholder not in content:
        raise PluginError(f"postmortems: {uri}: lost the placeholder for generated HTML")
    return content.replace(placeholder, fragment, 1)


def _material_search_entries(config: MkDocsConfig) -> SearchEntries | None:
    """The entries list of Material's search index (None without Material's search plugin)."""
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(plugin, "search_index", None)
    entries = getattr(index, "entries", None)
    return entries if isinstance(entries, list) and hasattr(index, "add_entry_from_context") else None


class _WorkerWarnings:
    """In a worker (conversion, page building): log records go nowhere (MkDocs' own process writes
    the build's log and counts warnings for --strict); warnings and errors are counted, so a page
    that logs one is done again in MkDocs' process instead, which logs it."""

    def __init__(self) -> None:
        self.count = 0
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True

        def call_handlers(logger: logging.Logger, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                self.count += 1

        logging.Logger.callHandlers = call_handlers  # type: ignore[method-assign]  # the worker's copy only

    @contextlib.contextmanager
    def none_logged(self, what: str) -> Iterator[None]:
        """Raise after the block if it logged a warning or an error: the worker reports the key as
        not done, and MkDocs' process does it again and logs them."""
        self.start()
        seen = self.count
        yield
        if self.count > seen:
            raise RuntimeError(f"{what}: warnings")


def _write(path: str, make: Callable[[], str]) -> None:
    """Make a generated file's content and write it where MkDocs would (UTF-8)."""
    write_file(make().encode("utf-8"), path)
