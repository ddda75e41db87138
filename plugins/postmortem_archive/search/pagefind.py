"""Pagefind search: what is indexed, in which bundles, and the bundles' finishing touches (no
MkDocs import). `search_indexer.py` runs the indexer (the binary of `pagefind[bin]`).

Only pages carrying `data-pagefind-body` are indexed; the plugin puts it around the article of
postmortems and hand-written pages, never around listings.

A Pagefind process holds the whole index of its bundle in memory: about 0.4 KB per word
indexed (Pagefind 1.5.2 over synthetic postmortems: 3.8 GB for 9,907 pages of ~1,050 words in
one bundle, 0.11 GB for 995 pages cut to ~200 words). So pages are indexed in bundles of at
most `max_words` words, consecutive years together, one Pagefind process each
(9,907 pages: 3 bundles, 1.6 GB at most); the browser merges them with `mergeIndex` (merged
bundles share the primary's WebAssembly; each costs a query one more word-index chunk, ~30 KB).
"""

from __future__ import annotations

import html
import itertools
import json
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from postmortem_archive.search import pagefind_files

BUNDLE_ROOT = "pagefind"  # under site_dir: one sub-directory per bundle
FACETS_FILE = "facets.json"  # under BUNDLE_ROOT: {filter: {value: postmortems}}, the search page's facets
DATE_ORDER_FILE = "date-order.json"  # under BUNDLE_ROOT: page ids (base-36 numbers), oldest first
SEARCH_PAGE = "search/index.md"  # the shareable search page (query and filters in its URL)
# Kept inside words, so ticket ids (PAY-1234), service names (payments-api, ledger_db) and
# versions stay whole; Pagefind also indexes the parts of such words.
INCLUDE_CHARACTERS = "-_."
# Inside the article, but not content: permalink anchors and the related-incidents box.
EXCLUDE_SELECTORS = (".headerlink", ".pm-related")
# Files of Pagefind's own UIs; ours replaces them, so they are not published.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
)
# Pagefind's code in a bundle: copied verbatim from the package, like theme assets.
CODE_FILES = ("pagefind.js", "pagefind-worker.js", "pagefind-highlight.js", "wasm.*.pagefind")
ASSET_JS = "assets/postmortems/search.js"
ASSET_CSS = "assets/postmortems/search.css"
HEADER_WORDS = 150  # the metadata header: badges, services, people, action items
DEFAULT_MAX_WORDS = 4_000_000  # ~1.6 GB for the largest Pagefind process (0.4 KB per word)
# An archive this large that fits in one bundle gets two, so indexing overlaps the build (~200
# postmortems; below it the index takes well under a second). Costs a search one more chunk, ~30 KB.
SPLIT_WORDS = 200_000
FILTERS = ("severity", "status", "service", "team", "year", "pattern")
# A sort key on every indexed page: its position in its bundle's plan, so `finish` learns which
# number each page gets without reading the fragments back (compact takes it out again).
KEY_SORT = "pm-key"
# Under BUNDLE_ROOT, exact-<shard>.json: whole tokens that prefix longer ones, and the pages holding
# each exactly, in EXACT_SHARDS files chosen by a hash of the token (search.js puts those pages first).
EXACT_FILE = "exact-{}.json"
EXACT_SHARDS = 64


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site (the message says why)."""


@dataclass(frozen=True)
class Bundle:
    name: str  # directory under BUNDLE_ROOT, e.g. "2024" or "2018-2020"
    paths: tuple[str, ...]  # HTML files relative to site_dir

    @property
    def url(self) -> str:
        """Site-root relative URL of the bundle directory."""
        return f"{BUNDLE_ROOT}/{self.name}/"


@dataclass
class IndexReport:
    pages: int = 0
    bundles: int = 0
    cpu_seconds: float = 0.0  # user + system time of the same (Pagefind's and ours; Pagefind uses every core)
    after_build_seconds: float = 0.0  # wall time the build waits for indexing once its pages are written
    peak_rss_bytes: int = 0  # largest peak of one Pagefind process
    per_bundle: list[tuple[str, int, float, int]] = field(default_factory=list)  # name, pages, s, peak bytes


def plan_bundles(pages: Iterable[tuple[str, int | None, int]], max_words: int = DEFAULT_MAX_WORDS) -> list[Bundle]:
    """Group pages (HTML path, year or None, words) into bundles of consecutive years, newest first.

    Years are filled in from the oldest: a year joins the bundle before it while its words stay
    within `max_words`; a year larger than that is a bundle of its own (never split inside a year,
    so its name says what it holds). Pages without a year (hand-written pages) join the newest.

    The build converts postmortems oldest first and indexes each bundle as soon as its last page is
    in, so the newest bundle is the one indexed after all of them: filling from the oldest leaves
    it the smallest, and an archive of `SPLIT_WORDS` or more that fits in one bundle gets two
    (halves at a year boundary), the older indexed while the newer is still being converted.
    """
    if max_words < 1:
        raise ValueError("max_words must be at least 1")
    by_year: dict[int, list[str]] = {}
    words: dict[int, int] = {}
    undated: list[str] = []
    for path, year, count in pages:
        if year is None:
            undated.append(path)
        else:
            by_year.setdefault(year, []).append(path)
            words[year] = words.get(year, 0) + count
    years = sorted(by_year)
    groups: list[list[int]] = []
    size = 0
    for year in years:
        if groups and size + words[year] <= max_words:
            groups[-1].append(year)
            size += words[year]
        else:
            groups.append([year])
            size = words[year]
    total = sum(words.values())
    if len(groups) == 1 and len(years) > 1 and total >= SPLIT_WORDS:
        older = [sum(words[year] for year in years[:cut]) for cut in range(1, len(years))]
        cut = 1 + min(range(len(older)), key=lambda i: abs(2 * older[i] - total))
        groups = [years[:cut], years[cut:]]
    bundles = []
    for group in reversed(groups):
        name = str(group[0]) if len(group) == 1 else f"{group[0]}-{group[-1]}"
        paths = [path for year in group for path in sorted(by_year[year])]
        bundles.append(Bundle(name, tuple(paths)))
    if undated:
        if bundles:
            first = bundles[0]
            bundles[0] = Bundle(first.name, (*first.paths, *sorted(undated)))
        else:
            bundles.append(Bundle("pages", tuple(sorted(undated))))
    return bundles


def word_count(markdown: str) -> int:
    """Words Pagefind will index for a page, estimated from its Markdown (plus the metadata header)."""
    return len(markdown.split()) + HEADER_WORDS


def pagefind_executable() -> Path:
    """The Pagefind binary from the `pagefind[bin]` package (never downloaded at build time)."""
    try:
        import pagefind_bin
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise SearchIndexError("the Pagefind binary is missing: pip install 'pagefind[bin]'") from exc
    try:
        return Path(pagefind_bin.get_executable())
    except FileNotFoundError as exc:
        raise SearchIndexError(f"the Pagefind binary is missing from pagefind_bin: {exc}") from exc


def remove_bundles(site_dir: Path) -> None:
    """Delete a previous index, so no stale page survives a rebuild."""
    target = site_dir / BUNDLE_ROOT
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)


def finish(site_dir: Path, bundles: Sequence[Bundle], tokens: Mapping[str, Iterable[str]] | None = None) -> None:
    """Number the pages of all bundles across the site (short ids, date order in its own file) and
    write the facets' values and counts, so a search downloads no sort and no filter data it does
    not use. `bundles` hold disjoint years, newest first (as `plan_bundles` makes them); they are
    numbered oldest first, so a new postmortem (in the newest bundle) renames no older page.
    `tokens`: every indexed page (HTML path) and its `exact_tokens`, for `write_exact`."""
    if not bundles:
        return
    root = site_dir / BUNDLE_ROOT
    next_id = 0
    oldest_first: list[int] = []
    facets: dict[str, dict[str, int]] = {}
    number_of: dict[str, int] = {}
    try:
        for bundle in reversed(bundles):
            directory = root / bundle.name
            for name, values in pagefind_files.filter_counts(directory).items():
                into = facets.setdefault(name, {})
                for value, pages in values.items():
                    into[value] = into.get(value, 0) + pages
            numbered, order, by_key = pagefind_files.compact(directory, next_id, key=KEY_SORT)
            next_id += numbered
            oldest_first += order
            if tokens is not None:
                indexed = [path for path in bundle.paths if path in tokens]  # in key order (`keyed`)
                if len(indexed) != len(by_key):
                    raise pagefind_files.FormatError(f"{directory}: {len(by_key)} pages keyed, {len(indexed)} sent")
                number_of.update(zip(indexed, by_key, strict=True))
    except (pagefind_files.FormatError, OSError, KeyError) as exc:
        raise SearchIndexError(f"unexpected Pagefind output (this plugin needs pagefind 1.5.x): {exc}") from exc
    if tokens is not None:
        write_exact(root, {number_of[path]: words for path, words in tokens.items() if path in number_of})
    (root / DATE_ORDER_FILE).write_text(json.dumps(oldest_first, separators=(",", ":")), encoding="utf-8")
    facets_json = json.dumps(facets, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    (root / FACETS_FILE).write_text(facets_json, encoding="utf-8")


def keyed(page: str, key: int) -> str:
    """The page with its `KEY_SORT` key (a hidden, empty element at the start of the article)."""
    mark = f'<span data-pagefind-sort="{KEY_SORT}:{key:07d}" hidden></span>'
    at = page.find(BODY_START)
    if at < 0:
        return page.replace("<body>", "<body>" + mark, 1)
    at += len(BODY_START)
    return page[:at] + mark + page[at:]


# Where a word (as Pagefind splits text, INCLUDE_CHARACTERS kept inside) can hold a token: from its
# first digit or separator to its end, backed off to a letter or digit. Those characters are rare in
# prose, and a regex that starts at one skips the rest of the text in C; the letters before it are
# matched backwards in the reversed text. Measured over 995 articles: 0.25 s against 0.52 s for a
# regex that tries every word start, with the same tokens (and a fuzz against the rule in tests).
ID_TAIL = re.compile(r"[\d._-][\w.-]*(?<=[^\W_])")
LETTERS = re.compile(r"[^\W\d_]*+")
FACET_NAME = re.compile(r'data-pagefind-filter="(?:service|team)"[^>]*>([^<]+)<')
HAS_LETTER = re.compile("[a-z]")
HAS_SEPARATOR_OR_DIGIT = re.compile(r"[\d._-]")


def exact_tokens(page: str) -> set[str]:
    """Words of an article a reader may type whole and expect first: ids (a letter and a digit,
    or a separator inside: OPS-1000, payments-api, 2024-03-12-db) and the page's service and team
    names; lower case, ASCII, at least 3 characters, separators at the ends dropped. Plain words and
    numbers are left to Pagefind's ranking. (Entities split words, as `&amp;` is no word character.)"""
    found = {html.unescape(name).strip().lower() for name in FACET_NAME.findall(page)}
    found = {name for name in found if len(name) >= 3 and name.isascii()}
    text = TAG.sub(" ", page)
    backwards, end = text[::-1], len(text)
    for tail in ID_TAIL.finditer(text):
        at = end - tail.start()  # where the letters before the tail begin, in `backwards`
        word = text[tail.start() - (LETTERS.match(backwards, at).end() - at) : tail.end()]
        word = word.strip("._-").lower()
        if len(word) >= 3 and word.isascii() and HAS_LETTER.search(word) and HAS_SEPARATOR_OR_DIGIT.search(word):
            found.add(word)
    return found


def exact_shard(token: str) -> int:
    """FNV-1a (32 bits) of the token, modulo EXACT_SHARDS: search.js computes the same."""
    value = 0x811C9DC5
    for byte in token.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value % EXACT_SHARDS


def write_exact(directory: Path, tokens: Mapping[int, Iterable[str]]) -> None:
    """For each token that is a proper prefix of another (OPS-1000 of OPS-10000), the numbers of
    the pages holding it whole, in the shard file of its hash (EXACT_FILE, only shards with any).
    A token no other one extends needs no entry: Pagefind's prefix match finds only it."""
    pages_of: dict[str, list[int]] = {}
    for number, words in sorted(tokens.items()):
        for word in words:
            pages_of.setdefault(word, []).append(number)
    ordered = sorted(pages_of)
    shards: dict[int, dict[str, list[int]]] = {}
    for word, following in itertools.pairwise(ordered):
        if following.startswith(word):  # sorted: anything extending `word` comes right after it
            shards.setdefault(exact_shard(word), {})[word] = pages_of[word]
    for shard, entries in shards.items():
        text = json.dumps(entries, separators=(",", ":"), sort_keys=True)
        (directory / EXACT_FILE.format(shard)).write_text(text, encoding="utf-8")


def code_files(bundles: Sequence[Bundle]) -> set[str]:
    """Site-relative paths (globs) of Pagefind's own code in the bundles: scripts and WebAssembly."""
    return {f"{bundle.url}{name}" for bundle in bundles for name in CODE_FILES}


def article(content: str, title: str) -> str:
    """A page's content as Pagefind should see it: the article marked as the indexed body, with
    the page title (plain text, escaped here) as the result title, weighted like a heading.

    Material prints the title outside the content when the Markdown has no `# heading`, so
    Pagefind would not see it otherwise.
    """
    heading = f'<p data-pagefind-meta="title" data-pagefind-weight="7" hidden>{html.escape(title)}</p>'
    return f"{BODY_START}\n{heading}\n{content}\n</div>{BODY_END}"


BODY_START = "<div data-pagefind-body>"
BODY_END = "<!-- /data-pagefind-body -->"
HTML_TAG = re.compile(r"<html\b[^>]*>")


def indexed_part(page: str) -> str:
    """What Pagefind needs of a built page: the `<html>` tag (its language) and the article.

    Material's navigation, header and footer are about half of a postmortem's HTML; Pagefind
    would parse them only to skip them (10% of its CPU time, measured over 1,206 pages).
    A page without our marks goes whole.
    """
    start = page.find(BODY_START)
    end = page.find(BODY_END, start)
    tag = HTML_TAG.search(page)
    if start < 0 or end < 0 or tag is None or tag.start() > start:
        return page
    return f"{tag.group(0)}<body>{page[start:end]}</body></html>"


def ignored(content: str) -> str:
    """Generated HTML inside an indexed page that is navigation, not content (listings)."""
    return f"<div data-pagefind-ignore>\n{content}\n</div>"


TAG = re.compile(r"<[^>]*>")  # our own generated HTML: attribute values are escaped, so no ">" inside a tag
MATERIAL_SEARCH_ATTRIBUTES = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")  # what Material's search removes


def as_search_text(fragment: str) -> str:
    """Generated HTML (the metadata header) as one paragraph of its text, for Material's search.

    Material's search plugin parses every page with Python's HTMLParser; the header's badges,
    chips and action-item table are a third of a postmortem's HTML and two thirds of that parse
    (measured: 1.80 ms a page, 0.65 ms without the header). The same words as plain text, still
    escaped HTML, parse in a fraction of that."""
    return "<p>" + " ".join(TAG.sub(" ", fragment).split()) + "</p>"


def split_marked(content: str, start: str, end: str) -> tuple[str, str, str] | None:
    """(before, the part between the two marks, after), or None without both marks."""
    first = content.find(start)
    last = content.find(end, first + len(start)) if first >= 0 else -1
    if last < 0:
        return None
    return content[:first], content[first + len(start) : last], content[last + len(end) :]
