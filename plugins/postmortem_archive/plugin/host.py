"""The MkDocs internals the plugin relies on, all in this one module (tests/test_host.py fails
loudly when MkDocs or ProperDocs changes them).

A postmortem converted on the second core (`convert`, in a worker), or under `mkdocs serve` one
whose Markdown is unchanged since the last build, is not converted in MkDocs' process: Markdown
gets an empty page and the plugin puts back the conversion made elsewhere. That means setting
what `Page.render()` sets, and MkDocs has no public API for it: the content, the table of
contents, the title taken from the first heading (`_title_from_render`), the anchors the page
has (`present_anchor_ids`, checked by other pages' links) and the anchors it links to on other
pages (`links_to_anchors`, keyed by `File`; kept here by src_uri: a worker's File objects are
copies, and serve's next build has new ones while the old ones point at the old build's pages).
Whether a worker may convert at all depends on which plugins take part in conversion
(`converts_alone`, read from `PluginCollection.events`). A file a worker writes straight into
site_dir is a `WrittenInPlace` File: MkDocs copies static files right after on_env, through each
File's `copy_file`, and there is nothing to copy yet.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import PluginCollection
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

# The events in which a page is read and converted, before our on_page_content.
CONVERSION_EVENTS = ("pre_page", "page_read_source", "page_markdown")
RENDERED = ("content", "toc", "_title_from_render", "present_anchor_ids", "links_to_anchors")
Conversion = dict[str, Any]


class WrittenInPlace(File):
    """A generated file written into site_dir by the plugin itself (at the latest in on_post_build):
    MkDocs' copy of it is skipped."""

    def copy_file(self, dirty: bool = False) -> None:
        return None


class HostChanged(RuntimeError):
    """MkDocs no longer does what this module relies on (raised, never worked around)."""


def conversion_of(page: Page, content: str) -> Conversion:
    """What `page.render()` set and the `content` it made, in a form that outlives this build's
    File objects."""
    # What render() assigns on the page itself (the class has defaults); links_to_anchors is set
    # only when the log is not at DEBUG, where MkDocs does not check anchors either.
    missing = [name for name in ("toc", "_title_from_render", "present_anchor_ids") if name not in vars(page)]
    if missing:
        raise HostChanged(f"MkDocs' Page.render() no longer sets {', '.join(missing)}; the serve cache needs it")
    record = {name: getattr(page, name, None) for name in RENDERED}
    record["content"] = content
    links = record["links_to_anchors"]
    if links is not None:
        record["links_to_anchors"] = {file.src_uri: anchors for file, anchors in links.items()}
    return record


def restore_conversion(page: Page, record: Conversion, files: Files, markdown: str) -> str:
    """Set on `page` what its conversion set (links keyed by this build's files) and the Markdown it
    was made from (Markdown itself got an empty page; plugins after ours read `page.markdown`);
    its content."""
    page.markdown = markdown
    for name, value in record.items():
        if name == "links_to_anchors" and value is not None:
            value = {files.get_file_from_path(uri): anchors for uri, anchors in value.items()}
            value.pop(None, None)  # a linked page that is gone: MkDocs warns about the link itself
        if name != "content":
            setattr(page, name, value)
    return str(record["content"])


def converts_alone(plugins: PluginCollection, ours: object) -> bool:
    """Whether `ours` is the only plugin (or hook) taking part in converting a page, up to and
    including the first on_page_content: then a worker running only MkDocs' own conversion makes
    what MkDocs' process would. Read from the collection's per-event method lists."""
    events = getattr(plugins, "events", None)
    wanted = (*CONVERSION_EVENTS, "page_content")
    if not isinstance(events, dict) or not all(isinstance(events.get(name), list) for name in wanted):
        raise HostChanged("MkDocs' PluginCollection no longer lists each event's methods in `events`")
    if any(getattr(method, "__self__", None) is not ours for name in CONVERSION_EVENTS for method in events[name]):
        return False
    first = events["page_content"][0] if events["page_content"] else None
    return getattr(first, "__self__", None) is ours


def convert(page: Page, markdown: str, config: MkDocsConfig, files: Files) -> Conversion:
    """What MkDocs' `_populate_page` does to a page after its plugins' on_page_markdown: convert
    `markdown` (for a worker: the result goes back to MkDocs' process)."""
    config._current_page = page  # type: ignore[attr-defined]  # as _populate_page sets it, for extensions
    page.markdown = markdown
    page.render(config, files)
    return conversion_of(page, page.content or "")
