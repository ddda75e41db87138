"""What the plugin adds to each page, decided in one place (no MkDocs import).

A page gets generated HTML in two steps: its Markdown holds placeholders (HTML comments with an
unguessable token, so no body can contain one), and after Markdown has converted the page the
HTML takes their place (`fill`). Generated HTML never goes through Python-Markdown: it cannot be
reinterpreted as Markdown, and big listing tables cost seconds in Markdown's HTML parser
(measured on 1,000 postmortems).

By kind of page:

- a postmortem: its body between a header and a footer placeholder; its meta is replaced by the
  escaped title and summary (MkDocs' own meta values would reach templates unescaped);
- the home page (option `landing`): the archive at a glance above the hand-written text;
- a hand-written pattern page: the pattern's generated intro and details around it;
- a generated page: a body placeholder, filled in the page as the theme rendered it (`finish`),
  one page at a time, so the HTML of every listing is never in memory at once;
- any other page: unchanged.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from postmortem_archive.archive.collection import Archive
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.site import urls
from postmortem_archive.site.generate import GeneratedPage, insert_header
from postmortem_archive.site.paginate import Pager
from postmortem_archive.site.render import Renderer

# (src_uri, part name, HTML) -> the HTML to insert: how search marks a part (ignored, or split out).
PartHook = Callable[[str, str, str], str]
# src_uri -> (header, footer) of a postmortem's page.
Fragments = Callable[[str], tuple[str, str]]


class LostPlaceholder(ValueError):
    """A theme or another plugin dropped the placeholder where generated HTML belongs."""


@dataclass(frozen=True)
class Marks:
    """Placeholders of one build: `<!-- postmortems:<token>:<name> -->`."""

    token: str

    def __call__(self, name: str) -> str:
        return f"<!-- postmortems:{self.token}:{name} -->"


def fill(content: str, src_uri: str, placeholder: str, fragment: str) -> str:
    """Put generated HTML where its placeholder is; a lost placeholder is an error, never silence."""
    if placeholder not in content:
        raise LostPlaceholder(f"{src_uri}: lost the placeholder for generated HTML")
    return content.replace(placeholder, fragment, 1)


@dataclass
class PageAssembly:
    """The Markdown each page converts and the HTML put into it, for one build."""

    archive: Archive
    renderer: Renderer
    marks: Marks
    url_of: Mapping[str, str]  # src_uri -> URL of every page
    by_src: Mapping[str, Postmortem]
    generated: Mapping[str, GeneratedPage]
    pattern_pages: Mapping[str, str]  # hand-written pattern page src_uri -> pattern id
    landing: bool = True
    part_hook: PartHook | None = None
    fragments: Fragments | None = None  # headers and footers made elsewhere (default: rendered here)
    _parts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # src_uri -> [(name, HTML)]

    def linker(self, url: str) -> urls.Linker:
        return urls.Linker(url, self.url_of)

    def add_part(self, src_uri: str, name: str, fragment: str) -> None:
        """HTML for the placeholder `name` of a page (in on-page order of `fill_parts`)."""
        self._parts.setdefault(src_uri, []).append((name, fragment))

    def header_and_footer(self, src_uri: str) -> tuple[str, str]:
        pm, link = self.by_src[src_uri], self.linker(self.url_of[src_uri])
        return self.renderer.header(pm, link), self.renderer.footer(pm, link)

    def markdown(self, src_uri: str, url: str, markdown: str) -> tuple[str | None, dict[str, Any] | None]:
        """(Markdown to convert, or None to keep the page's own; the page's new meta, or None)."""
        generated = self.generated.get(src_uri)
        if generated is not None:
            return None, generated.meta()
        if src_uri == urls.HOME and self.landing:
            self.add_part(src_uri, "landing", self.renderer.landing(self.linker(url)))
            return insert_header(markdown, self.marks("landing"), ""), None
        pattern_id = self.pattern_pages.get(src_uri)
        if pattern_id is not None:
            link = self.linker(url)
            pager = Pager(src_uri, 1, self.archive.pattern(pattern_id).count)
            self.add_part(src_uri, "intro", self.renderer.pattern_intro(pattern_id, link))
            self.add_part(src_uri, "details", self.renderer.pattern_details(pattern_id, link, pager))
            return insert_header(markdown, self.marks("intro"), self.marks("details")), None
        pm = self.by_src.get(src_uri)
        if pm is None:
            return None, None
        header, footer = (self.fragments or self.header_and_footer)(src_uri)
        self.add_part(src_uri, "header", header)
        self.add_part(src_uri, "footer", footer)
        meta: dict[str, Any] = {"title": html.escape(pm.title)}
        if pm.meta.summary:
            meta["description"] = html.escape(pm.meta.summary)
        return self.postmortem_markdown(pm), meta

    def postmortem_markdown(self, pm: Postmortem) -> str:
        """A postmortem's body between the placeholders of its header and footer (our own split of
        the file, not MkDocs': the two never disagree on where the body starts)."""
        return insert_header(pm.body, self.marks("header"), self.marks("footer"))

    def fill_parts(self, src_uri: str, content: str) -> str:
        """The converted page with its generated parts in place of their placeholders."""
        for name, fragment in self._parts.pop(src_uri, ()):
            if self.part_hook is not None:
                fragment = self.part_hook(src_uri, name, fragment)
            content = fill(content, src_uri, self.marks(name), fragment)
        return content

    def finish(self, src_uri: str, url: str, output: str) -> str:
        """A generated page as the theme rendered it, with its body in place."""
        generated = self.generated.get(src_uri)
        if generated is None:
            return output
        return fill(output, src_uri, self.marks("body"), generated.body(self.renderer, self.linker(url)))
