"""The MkDocs internals the plugin relies on, all in this one module (tests/test_host.py fails
loudly when MkDocs or ProperDocs changes them).

Under `mkdocs serve`, a postmortem whose Markdown is unchanged is not converted again: Markdown
gets an empty page and the plugin puts back what the last build made of it. That means setting
what `Page.render()` sets, and MkDocs has no public API for it: the content, the table of
contents, the title taken from the first heading (`_title_from_render`), the anchors the page
has (`present_anchor_ids`, checked by other pages' links) and the anchors it links to on other
pages (`links_to_anchors`, keyed by `File`; kept here by src_uri, since the next build has new
File objects and the old ones still point at the old build's pages).
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

RENDERED = ("content", "toc", "_title_from_render", "present_anchor_ids", "links_to_anchors")
Conversion = dict[str, Any]


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


def restore_conversion(page: Page, record: Conversion, files: Files) -> str:
    """Set on `page` what its conversion set (links keyed by this build's files); its content."""
    for name, value in record.items():
        if name == "links_to_anchors" and value is not None:
            value = {files.get_file_from_path(uri): anchors for uri, anchors in value.items()}
            value.pop(None, None)  # a linked page that is gone: MkDocs warns about the link itself
        if name != "content":
            setattr(page, name, value)
    return str(record["content"])
