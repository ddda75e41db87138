"""Where generated pages live, and relative links between pages (no MkDocs import)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping

HOME = "index.md"  # the site's hand-written home page; the plugin adds the archive at a glance
INCIDENTS = "incidents/index.md"
PATTERNS = "patterns/index.md"
ACTION_ITEMS = "action-items/index.md"
METRICS = "metrics/index.md"
EXPORTS = {
    "postmortems_json": "postmortems.json",
    "action_items_json": "action-items.json",
    "action_items_csv": "action-items.csv",
    "feed": "feed.xml",
}
# Every row of the paginated lists, fetched by the browser only to filter or sort (see listing.py).
INCIDENTS_JSON = "incidents/rows.json"
ACTION_ITEMS_JSON = "action-items/rows.json"
SCHEMAS_DIR = "schemas"
# iCalendar feeds of open action items' due dates (site/calendar.py): all, and one per owner and team.
CALENDAR_DIR = "calendar"
CALENDAR_ALL = f"{CALENDAR_DIR}/all.ics"
ASSET_CSS = "assets/postmortems/archive.css"
ASSET_JS = "assets/postmortems/archive.js"


def facet_index(facet: str) -> str:
    return f"{facet}/index.md"


def facet_page(facet: str, slug: str) -> str:
    return f"{facet}/{slug}.md"


def calendar_feed(kind: str, slug: str) -> str:
    """`calendar/owner/<slug>.ics` or `calendar/team/<slug>.ics` (slug from core.slugs.slugify)."""
    return f"{CALENDAR_DIR}/{kind}/{slug}.ics"


def action_anchor(index: int) -> str:
    """The id of an action item's row on its postmortem's page (index from 0, n from 1)."""
    return f"pm-action-item-{index + 1}"


def root_prefix(base: str) -> str:
    """'../' repeated to climb from the page at `base` (a site-root relative URL) to the site root."""
    base_dir = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    return "../" * base_dir.count("/")


def pattern_page(pattern_id: str) -> str:
    return f"patterns/{pattern_id}.md"


def relative_url(target: str, base: str) -> str:
    """URL of `target` as seen from the page at `base` (both site-root relative, as MkDocs' page.url).

    Always via the site root, so every page at the same depth links a page with the same
    string, and rendered rows can be reused across listings.
    """
    return (root_prefix(base) + target) or "./"


class Linker:
    """Resolves docs_dir paths (src_uri) to links relative to one page."""

    def __init__(self, page_url: str, url_of: Mapping[str, str] | Callable[[str], str]) -> None:
        self.page_url = page_url
        self.prefix = root_prefix(page_url)
        self._url_of = url_of

    def __call__(self, src_uri: str) -> str:
        url = self._url_of(src_uri) if callable(self._url_of) else self._url_of[src_uri]
        return relative_url(url, self.page_url)

    def rooted(self, marker: str) -> RootLinker:
        return RootLinker(marker, self._url_of)


class RootLinker(Linker):
    """Links that start with a marker instead of the way up to the root.

    Rows rendered once with it are reused on pages at any depth by replacing the
    marker with that page's prefix (`Linker.prefix`).
    """

    def __init__(self, marker: str, url_of: Mapping[str, str] | Callable[[str], str]) -> None:
        super().__init__("", url_of)
        self.prefix = marker

    def __call__(self, src_uri: str) -> str:
        url = self._url_of(src_uri) if callable(self._url_of) else self._url_of[src_uri]
        return self.prefix + url
