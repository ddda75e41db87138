"""Pagefind search: what is indexed and how, the configuration, and the search UI in a real Chromium."""

from __future__ import annotations

import difflib
import gzip
import html
import json
import logging
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import Site, postmortem
from postmortem_archive.redaction.leakcheck import scan
from postmortem_archive.redaction.redact import Redactor
from postmortem_archive.search import pagefind as search
from postmortem_archive.search import pagefind_files
from site_browser import CHROMIUM, serve

EVIL = '<script>alert("x")</script><img src=x onerror=alert(2)>'


def _fixture() -> dict[str, str]:
    """Six postmortems over three years; tickets that share a prefix; a hyphenated service."""
    return {
        "2023/2023-05-01-db-outage.md": postmortem(
            "## Summary\n\nThe primary database stopped accepting writes during failover.\n",
            title="Database outage",
            date="2023-05-01",
            severity="SEV1",
            services=["payments-api", "postgres"],
            teams=["payments"],
            patterns=["config-change"],
            people={"incident_commander": "Dana Smith", "responders": ["Sam Park"]},
            action_items=[{"title": "Alert on replication lag", "owner": "Sam Park", "ticket": "ZQX-9001"}],
        ),
        "2023/2023-08-14-queue.md": postmortem(
            "## Summary\n\nMessages piled up in the queue; see ZQX-9002 and ZQX-9010 for follow-ups.\n",
            title="Queue backlog",
            date="2023-08-14",
            severity="SEV3",
            services=["queue"],
            teams=["platform"],
            action_items=[{"title": "Scale consumers", "owner": "Lee Wong", "ticket": "ZQX-9002"}],
        ),
        "2024/2024-02-10-cache-stampede.md": postmortem(
            "## Summary\n\nA thundering herd of cache misses hit the payments api after a deploy.\n",
            title="Cache stampede",
            date="2024-02-10",
            severity="SEV2",
            services=["redis", "payments-api"],
            teams=["platform"],
            related=["2023-05-01-db-outage"],
        ),
        "2024/2024-09-09-dns.md": postmortem(
            "## Summary\n\nResolvers returned SERVFAIL for internal zones.\n",
            title="DNS resolution failures",
            date="2024-09-09",
            severity="SEV2",
            status="in-review",
            services=["k8s"],
            teams=["platform", "payments"],
        ),
        "2025/2025-03-03-evil.md": postmortem(
            "## Summary\n\nHostile text: `<mark>` and a <b>bold</b> tag, x < y & z.\n",
            title=EVIL,
            date="2025-03-03",
            severity="SEV4",
            services=["edge"],
        ),
        "2025/2025-06-01-login.md": postmortem(
            "## Summary\n\nLogin failed for users of the mobile app.\n",
            title="Login failures",
            date="2025-06-01",
            severity="SEV1",
            services=["auth"],
            teams=["identity"],
            people={"incident_commander": "Lee Wong"},
        ),
        "guide.md": "# Writing guide\n\nHow to write a blameless postmortem.\n",
    }


def _build(root: Path, **options: object) -> Site:
    site = Site(root)
    for path, text in _fixture().items():
        site.add(path, text)
    site.plugin_options.update(options)
    site.build()
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    # About two postmortems per bundle: three bundles, so the browser merges indexes (mergeIndex).
    return _build(tmp_path_factory.mktemp("search"), search_bundle_words=2 * search.HEADER_WORDS + 30)


def by_url(site: Site) -> dict[str, dict]:
    return {r["url"]: r for r in site.pagefind_records()}


# ---- What is indexed ----


def test_only_articles_are_indexed(built: Site) -> None:
    records = by_url(built)
    assert sorted(records) == [
        "/2023/2023-05-01-db-outage/",
        "/2023/2023-08-14-queue/",
        "/2024/2024-02-10-cache-stampede/",
        "/2024/2024-09-09-dns/",
        "/2025/2025-03-03-evil/",
        "/2025/2025-06-01-login/",
        "/guide/",
    ], "home page, listings, facet pages and the search page stay out"
    cache = records["/2024/2024-02-10-cache-stampede/"]
    assert cache["meta"]["title"] == "Cache stampede"
    assert "thundering herd" in cache["content"]
    assert "¶" not in cache["content"], "permalinks are not content"
    assert "Database outage" not in cache["content"], "the related-incidents box is navigation"
    assert "Fixture archive" not in cache["content"], "header, nav and footer chrome are not indexed"
    assert "Skip to content" not in cache["content"], "only the article (data-pagefind-body)"
    assert cache["content"].count("Cache stampede") == 1, "the title once, not also Material's <h1>"
    assert "Payments API payments-api" not in cache["content"]
    assert "Services redis payments-api" in cache["content"], "labels and values stay separate words"
    assert records["/guide/"]["meta"]["title"] == "Writing guide"


def test_pagefind_is_sent_only_the_article(built: Site) -> None:
    page = (built.site / "2024" / "2024-02-10-cache-stampede" / "index.html").read_text()
    part = search.indexed_part(page)
    assert re.match(r'<html lang="en"[^>]*><body><div data-pagefind-body>', part), part[:200]
    assert part.endswith("</div></body></html>")
    assert "thundering herd" in part and "md-header" not in part and "md-nav" not in part
    assert len(part) < len(page) / 2
    unmarked = "<html><body><p>listing</p></body></html>"
    assert search.indexed_part(unmarked) == unmarked


def test_facets_are_filters_and_dates_sort(built: Site) -> None:
    db = by_url(built)["/2023/2023-05-01-db-outage/"]
    assert db["filters"] == {
        "severity": ["SEV1"],
        "status": ["Final"],
        "service": ["payments-api", "postgres"],
        "team": ["payments"],
        "year": ["2023"],
        "pattern": ["Configuration change"],
    }
    assert db["meta"] | {"title": "x"} == {"title": "x", "severity": "SEV1", "date": "2023-05-01"}
    assert by_url(built)["/2024/2024-09-09-dns/"]["filters"]["status"] == ["In review"]
    time = built.html("2023/2023-05-01-db-outage/").select_one("[data-pagefind-sort]")
    assert time["data-pagefind-sort"] == "date:2023-05-01"


def test_words_with_hyphens_and_dots_stay_whole(built: Site) -> None:
    entry = (built.site / "pagefind" / "2025" / "pagefind-entry.json").read_text()
    assert all(f'"{c}"' in entry for c in "-_."), entry
    # The word index holds the ticket and the service as whole words (and their parts).
    words = b"".join(gzip.decompress(p.read_bytes()) for p in (built.site / "pagefind").glob("*/index/*.pf_index"))
    assert b"zqx-9001" in words and b"payments-api" in words


def test_titles_are_stored_as_text(built: Site) -> None:
    record = by_url(built)["/2025/2025-03-03-evil/"]
    assert record["meta"]["title"] == EVIL  # shown with textContent by search.js (browser test below)


def test_bundles_group_years_and_pages_name_them(built: Site) -> None:
    bundles = sorted(p.name for p in (built.site / "pagefind").iterdir() if p.is_dir())
    assert bundles == ["2023", "2024", "2025"]
    assert {r["bundle"] for r in built.pagefind_records() if r["url"] == "/guide/"} == {"2025"}
    box = built.html("2024/2024-09-09-dns/").select_one("[data-pm-search]")
    assert box["data-pm-bundles"].split() == ["../../pagefind/2025/", "../../pagefind/2024/", "../../pagefind/2023/"]
    assert box["aria-label"] == "Search" and box["role"] == "dialog"
    assert not (built.site / "pagefind" / "2025" / "pagefind-ui.js").exists(), "Pagefind's own UIs are not shipped"


def test_bundle_metadata_is_compacted(built: Site) -> None:
    """Short page ids numbered across the site, no sort list, rounded word counts (pagefind_files)."""
    numbers = []
    for bundle in sorted(p for p in (built.site / "pagefind").iterdir() if p.is_dir()):
        (meta,) = pagefind_files.metas(bundle)
        assert meta.sorts == [], "the date order is a file of its own, loaded only for a sorted search"
        ids = [page[0] for page in meta.pages]
        tags = {page_id.split("_")[0] for page_id in ids}
        assert len(tags) == 1 and len(tags.pop()) == 6, ids
        numbers += [int(page_id.split("_")[1], 36) for page_id in ids]
        assert {p.stem for p in (bundle / "fragment").iterdir()} == set(ids), "fragments renamed to the ids"
        assert {p.stem for p in (bundle / "index").iterdir()} == {c[2] for c in meta.index_chunks}
        assert all(page[1] == pagefind_files.round_words(page[1]) for page in meta.pages)
        entry = json.loads((bundle / "pagefind-entry.json").read_text())
        assert meta.path.name == f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    assert sorted(numbers) == list(range(7)), "numbered once across all bundles"


def test_a_new_postmortem_renames_only_its_bundles_pages(built: Site, tmp_path: Path) -> None:
    """Page ids name fragment files that browsers cache: an id may never come to mean another page."""
    site = Site(tmp_path)
    for path, text in _fixture().items():
        site.add(path, text)
    site.add("2025/2025-08-01-new.md", postmortem(title="New one", date="2025-08-01"))
    site.plugin_options.update(search_bundle_words=2 * search.HEADER_WORDS + 30)
    site.build()

    def names(of: Site, bundle: str) -> set[str]:
        return {p.name for p in (of.site / "pagefind" / bundle).glob("*/*.pf_*") if p.parent.name != "filter"}

    assert names(site, "2023") == names(built, "2023") and names(site, "2024") == names(built, "2024")
    assert not names(site, "2025") & names(built, "2025"), "the changed bundle's fragments and chunks all renamed"


def test_date_order_and_facets_files(built: Site) -> None:
    root = built.site / "pagefind"
    dates = {}
    for path in root.glob("*/fragment/*.pf_fragment"):
        record = json.loads(pagefind_files.read(path))
        dates[int(path.stem.split("_")[1], 36)] = record["meta"].get("date")
    order = json.loads((root / search.DATE_ORDER_FILE).read_text())
    assert [dates[n] for n in order] == sorted(d for d in dates.values() if d), "dated pages, oldest first"
    counts: dict[str, dict[str, int]] = {}
    for record in built.pagefind_records():
        for name, values in record["filters"].items():
            for value in values:
                counts.setdefault(name, {}).setdefault(value, 0)
                counts[name][value] += 1
    assert json.loads((root / search.FACETS_FILE).read_text()) == counts
    assert counts["severity"] == {"SEV1": 2, "SEV2": 2, "SEV3": 1, "SEV4": 1}


def test_pagefind_files_round_trip_and_reject_other_layouts(tmp_path: Path) -> None:
    value = ["1.5.2", [["a_0", 17], ["a_1", 70000]], [["a", "b", "c_0"]], [], [["date", [1, 0]]], ["title"]]
    data = bytearray()
    pagefind_files._encode(value, data)
    assert pagefind_files._decode(bytes(data), 0) == (value, len(data))
    assert [pagefind_files.round_words(n) for n in (1, 63, 64, 1000, 1234)] == [1, 63, 64, 1008, 1248]
    assert all(abs(pagefind_files.round_words(n) - n) <= n / 64 for n in range(1, 5000))
    bundle = tmp_path / "pagefind" / "2024"
    bundle.mkdir(parents=True)
    (bundle / "pagefind-entry.json").write_text('{"languages": {"en": {"hash": "en_1"}}}')
    data = bytearray()
    pagefind_files._encode(["1.6.0", *value[1:]], data)
    (bundle / "pagefind.en_1.pf_meta").write_bytes(gzip.compress(pagefind_files.SIGNATURE + bytes(data)))
    with pytest.raises(search.SearchIndexError, match=r"needs pagefind 1.5.x.*pagefind.en_1.pf_meta: not the metadata"):
        search.finish(tmp_path, [search.Bundle("2024", ())])


def test_plan_bundles_boundaries() -> None:
    assert search.plan_bundles([]) == []
    assert search.plan_bundles([("a/index.html", 2024, 10)]) == [search.Bundle("2024", ("a/index.html",))]
    pages = [(f"{y}/{i}/index.html", y, 100) for y in (2020, 2021, 2022) for i in range(2)]
    pages += [(f"2023/{i}/index.html", 2023, 100) for i in range(5)] + [("guide/index.html", None, 50)]
    plan = search.plan_bundles(pages, max_words=400)
    assert [(b.name, len(b.paths)) for b in plan] == [("2023", 6), ("2022", 2), ("2020-2021", 4)], (
        "filled from the oldest"
    )
    assert plan[0].paths[-1] == "guide/index.html", "pages without a year join the first bundle"
    assert [b.name for b in search.plan_bundles(pages, max_words=399)] == ["2023", "2022", "2021", "2020"]
    assert [b.name for b in search.plan_bundles(pages)] == ["2020-2023"], "the default, for a small archive: one bundle"
    # A large archive that fits in one bundle gets two, cut at the year nearest half of its words.
    sizes = {2020: 30, 2021: 40, 2022: 50, 2023: 80}  # thousands of words
    big = [(f"{y}/{i}/index.html", y, 1_000) for y, n in sizes.items() for i in range(n)]
    assert [b.name for b in search.plan_bundles(big)] == ["2023", "2020-2022"]
    assert [b.name for b in search.plan_bundles(big[:-1])] == ["2020-2023"], "below SPLIT_WORDS: one bundle"
    assert [b.name for b in search.plan_bundles(big[:30] * 7)] == ["2020"], "one year is never cut"
    assert [b.name for b in search.plan_bundles(big[:120] * 2)] == ["2022", "2020-2021"]
    assert search.plan_bundles([("guide/index.html", None, 9)]) == [search.Bundle("pages", ("guide/index.html",))]
    assert search.word_count("two words") == 2 + search.HEADER_WORDS
    with pytest.raises(ValueError):
        search.plan_bundles(pages, max_words=0)


def test_file_urls_without_directory_urls(site: Site) -> None:
    site.add("2024/2024-01-01-a.md", postmortem(title="Flat URLs"))
    site.extra_config["use_directory_urls"] = False
    site.build()
    assert [r["url"] for r in site.pagefind_records()] == ["/2024/2024-01-01-a.html"]
    box = site.html("2024/2024-01-01-a.html").select_one("[data-pm-search]")
    assert box["data-pm-bundles"] == "../pagefind/2024/" and box["data-pm-page"] == "../search/index.html"
    assert (site.site / "search" / "index.html").is_file()


def test_search_page_is_generated_and_hidden_from_nav(built: Site) -> None:
    soup = built.html("search/")
    page = soup.select_one("[data-pm-search-page]")
    assert page.has_attr("hidden"), "shown by the script; without it a note links the incidents table"
    assert soup.select_one("noscript a")["href"] == "../incidents/"
    assert not soup.select("nav.md-nav--primary a[href$='search/']")
    form = built.html("").select_one("[data-pm-search] form")
    assert form["action"] == "search/", "Enter without JavaScript lands on the search page"


# ---- Configuration ----


def test_material_search_listed_with_pagefind_set_is_an_error(site: Site) -> None:
    """Unset, Pagefind quietly replaces a listed `search` (test_search_everywhere.py); asked for
    explicitly beside it, the build says which to keep."""
    site.extra_config["plugins"] = ["search", {"postmortems": {**site.plugin_options, "search": "pagefind"}}]
    message = site.build_error()
    assert "search: pagefind replaces Material's search plugin" in message
    assert "set 'search: material'" in message


def test_exact_tokens_and_their_shards(tmp_path: Path) -> None:
    article = (
        "<div data-pagefind-body><p>Fixed in <b>OPS-1000</b>. See ops-10000, v1.2, 2024, the db, a&amp;b-7,"
        ' café-9, x9 and _xy9_.</p><a data-pagefind-filter="service">Ledger</a> ledger</div>'
    )
    assert search.exact_tokens(article) == {"ops-1000", "ops-10000", "v1.2", "b-7", "xy9", "ledger"}
    pages = {0: {"ops-1000", "ledger"}, 1: {"ops-10000"}, 2: {"ops-1000", "ops-10001"}, 3: {"ledger-api"}}
    search.write_exact(tmp_path, pages)
    written = {}
    for path in tmp_path.iterdir():
        entries = json.loads(path.read_text())
        assert all(path.name == search.EXACT_FILE.format(search.exact_shard(token)) for token in entries)
        written.update(entries)
    assert written == {"ops-1000": [0, 2], "ledger": [0]}, "only tokens that prefix a longer one"
    assert 0 <= search.exact_shard("ops-1000") < search.EXACT_SHARDS
    keyed = search.keyed(article, 12)
    assert keyed.startswith('<div data-pagefind-body><span data-pagefind-sort="pm-key:0000012" hidden></span>')


def test_material_backend_needs_its_plugin(site: Site) -> None:
    site.extra_config["plugins"] = [{"postmortems": {**site.plugin_options, "search": "material"}}]
    assert "add '- search' under plugins" in site.build_error()


def test_material_backend_keeps_lunr(site: Site) -> None:
    for path, text in _fixture().items():
        site.add(path, text)
    site.plugin_options["search"] = "material"
    site.build()
    docs = site.search_index()["docs"]
    assert any("ZQX-9001" in d["text"] for d in docs)
    assert not (site.site / "pagefind").exists() and not (site.site / "search" / "index.html").exists()
    # Material's search parsed the metadata header as plain text (a fraction of the parse), every
    # word kept and none glued to the next; the page itself shows the header as it is.
    (db,) = [d for d in docs if d["location"] == "2023/2023-05-01-db-outage/"]
    assert db["text"].startswith("<p>SEV1 Final 2023-05-01 ") and "</p>" in db["text"]
    assert "Action item Owner Due Status Type Priority Ticket" in db["text"]
    page = site.html("2023/2023-05-01-db-outage/")
    assert page.select_one(".pm-header table.pm-actions") is not None
    # The related-incidents box is navigation, kept out of the index as Pagefind keeps it out.
    cache = " ".join(d["text"] for d in docs if d["location"].startswith("2024/2024-02-10-cache-stampede/"))
    assert "thundering herd" in cache and "Database outage" not in cache
    box = site.html("2024/2024-02-10-cache-stampede/").select_one("aside.pm-related")
    assert box is not None and "Database outage" in box.get_text()
    assert "postmortems:" not in (site.site / "2023" / "2023-05-01-db-outage" / "index.html").read_text()
    soup = site.html("")
    assert soup.select_one("[data-md-component=search]") is not None, "Material's own search box"
    assert soup.select_one("[data-pm-search]") is None
    assert not soup.select("script[src$='search.js']")


def test_serve_indexes_in_the_background_unless_turned_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """In-process, as `mkdocs serve` builds (the real server: test_search_serve.py)."""

    def serve_build(site: Site) -> None:
        config = load_config(str(site.write_config()), strict=True)
        config.plugins.on_startup(command="serve", dirty=False)
        try:
            build(config)
            config.plugins["postmortems"].serve.index.wait()  # the index follows the build in a thread
        finally:
            config.plugins.on_shutdown()

    site = Site(tmp_path / "off")
    site.add("2024/2024-01-01-a.md", postmortem())
    site.plugin_options["search_on_serve"] = False
    (site.site / "pagefind" / "2024").mkdir(parents=True)  # a stale bundle from an earlier build
    with caplog.at_level(logging.INFO):
        serve_build(site)
    assert "Pagefind indexing is off under mkdocs serve (search_on_serve: false)" in caplog.text
    assert not (site.site / "pagefind").exists()
    box = site.html("").select_one("[data-pm-search]")
    assert box.has_attr("data-pm-unindexed") and not box.has_attr("data-pm-pending")

    default = Site(tmp_path / "default")
    default.add("2024/2024-01-01-a.md", postmortem())
    serve_build(default)
    assert [r["url"] for r in default.pagefind_records()] == ["/2024/2024-01-01-a/"]
    assert (default.site / "pagefind" / "ready.json").is_file()
    box = default.html("").select_one("[data-pm-search]")
    assert box.has_attr("data-pm-pending") and not box.has_attr("data-pm-unindexed")


def test_header_partial_is_materials_but_for_the_search_box() -> None:
    """Our copy of Material's header must follow the installed Material (it changes only search)."""
    import material

    theirs = (Path(material.__file__).parent / "templates" / "partials" / "header.html").read_text().splitlines()
    ours = (Path(search.__file__).parent / "theme" / "partials" / "header.html").read_text().splitlines()
    changed = [
        line[1:].strip()
        for line in difflib.unified_diff(theirs, ours, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    removed = [
        line
        for line in changed
        if line and not line.startswith(("{#", "#}", "postmortem-archive", "search", "with", "This"))
    ]
    allowed = {
        '{% if "material/search" in config.plugins %}',
        '{% set search = config.plugins["material/search"] | attr("config") %}',
        "{% if search.enabled %}",
        "{% endif %}",
        '<label class="md-header__button md-icon" for="__search">',
        '<label class="md-header__button md-icon" for="__search" title="{{ lang.t(\'search\') }}">',
        '{% set icon = config.theme.icon.search or "material/magnify" %}',
        '{% include ".icons/" ~ icon ~ ".svg" %}',
        "</label>",
        '{% include "partials/search.html" %}',
        "{#- postmortem-archive: the Pagefind search box replaces Material's search (whose plugin is not listed). -#}",
        "-#}",
    }
    assert set(removed) <= allowed, set(removed) - allowed


# ---- Redaction and the leak check ----


def test_leak_check_reads_pagefind_files_by_their_magic_bytes(tmp_path: Path) -> None:
    redactor = Redactor([], ["Dana Smith"], salt="s")
    fragment = tmp_path / "pagefind" / "2024" / "fragment" / "en_1.pf_fragment"
    fragment.parent.mkdir(parents=True)
    fragment.write_bytes(gzip.compress(b'pagefind_dcd{"content":"Dana Smith was there"}'))
    leaks = {(leak.path, leak.found) for leak in scan(tmp_path, redactor)}
    # Fragments hold each page's text, title, meta and filters as JSON: every word of the binary
    # (CBOR) word index comes from them, so a name in the index is reported through its fragment.
    assert leaks == {("pagefind/2024/fragment/en_1.pf_fragment", "Dana Smith")}


@pytest.fixture(scope="module")
def redacted(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("redacted")
    (root / "people.yml").write_text("- name: Dana Smith\n  aliases: [Dana]\n- name: Sam Park\n", encoding="utf-8")
    site = Site(root)
    site.plugin_options["redact"] = {"enabled": True, "roster": "people.yml", "salt": "test-salt"}
    for path, text in _fixture().items():
        site.add(path, text)
    site.build()
    return site


def test_redacted_index_holds_no_name(redacted: Site) -> None:
    for path in (redacted.site / "pagefind").rglob("*"):
        if path.is_file() and not path.name.endswith((".js", ".pagefind")):
            raw = path.read_bytes()
            text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8", "replace").lower()
            assert not re.search(r"\b(dana|smith|sam park|park)\b", text), path
    db = by_url(redacted)["/2023/2023-05-01-db-outage/"]
    assert re.search(r"Incident commander Engineer [0-9A-F]{6}", db["content"]), db["content"]


# ---- In the browser ----


@pytest.fixture(scope="module")
def servers(built: Site, redacted: Site) -> Iterator[dict[str, str]]:
    with serve(built.site) as plain_url, serve(redacted.site) as secret_url, serve(built.root) as nested_url:
        # built.root serves the same site under /site/, as on a project's GitHub Pages
        yield {"plain": plain_url, "redacted": secret_url, "subpath": nested_url + "site/"}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install chromium)", pytrace=False)
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, servers: dict[str, str]) -> Iterator[object]:
    context = browser.new_context()
    blocked: list[str] = []

    def only_local(route) -> None:
        if any(route.request.url.startswith(url) for url in servers.values()):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors
    assert blocked == [], f"requests left the host: {blocked}"


def header_search(page, query: str) -> list[str]:
    """Type into the header's search box; the result links' paths, best first."""
    page.fill(".md-search__input", "")
    page.click(".md-search__input")
    page.keyboard.type(query, delay=20)
    # Earlier keystrokes' searches may show first: wait for the results of the whole query.
    page.wait_for_function(
        "q => document.querySelector('[data-pm-search] .md-search-result__list').dataset.pmQuery === q", arg=query
    )
    hrefs = page.eval_on_selector_all(
        "[data-pm-search] .md-search-result__item:not(.pm-search-more) a", "els => els.map(e => e.href)"
    )
    return [urlsplit(h).path for h in hrefs]


def test_body_word_ticket_and_service_are_found(page, servers: dict[str, str]) -> None:
    page.goto(servers["plain"] + "2024/")
    page.goto(servers["plain"])
    assert header_search(page, "herd") == ["/2024/2024-02-10-cache-stampede/"]
    tickets = header_search(page, "ZQX-9001")
    assert tickets[0] == "/2023/2023-05-01-db-outage/", tickets
    assert "/2023/2023-08-14-queue/" not in tickets, "ZQX-9002 and ZQX-9010 are other tickets"
    services = header_search(page, "payments-api")
    assert set(services[:2]) == {"/2023/2023-05-01-db-outage/", "/2024/2024-02-10-cache-stampede/"}, services
    assert header_search(page, "blameless") == ["/guide/"]


def test_a_site_under_a_sub_path_links_results_under_it(page, servers: dict[str, str]) -> None:
    page.goto(servers["subpath"] + "2023/2023-08-14-queue/")
    assert header_search(page, "herd") == ["/site/2024/2024-02-10-cache-stampede/"]
    page.keyboard.press("Enter")
    page.wait_for_url("**/site/2024/2024-02-10-cache-stampede/?highlight=herd")


def test_results_show_index_text_as_text(page, servers: dict[str, str]) -> None:
    page.goto(servers["plain"])
    assert header_search(page, "hostile") == ["/2025/2025-03-03-evil/"]
    result = page.locator("[data-pm-search] .md-search-result__item").first
    assert result.locator(".pm-result-title").text_content() == EVIL
    tags = result.evaluate("el => [...el.querySelectorAll('*')].map(e => e.tagName.toLowerCase())")
    assert set(tags) <= {"a", "article", "h2", "p", "mark"}, tags
    assert "x < y" in result.locator(".pm-result-excerpt").text_content()
    assert result.locator("mark").first.text_content().lower() == "hostile"


def test_keyboard_opens_navigates_and_highlights(page, servers: dict[str, str]) -> None:
    page.goto(servers["plain"] + "incidents/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    assert page.evaluate("document.getElementById('__search').checked")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")
    page.keyboard.press("s")
    page.keyboard.type("thundering", delay=20)
    # The results of the whole word (earlier keystrokes' searches may show first).
    page.wait_for_function(
        "document.querySelector('[data-pm-search] .md-search-result__item a')?.href.includes('cache-stampede')"
        " && document.querySelector('.md-search-result__meta').textContent === '1 matching postmortem'"
    )
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')").startswith("/2024/2024-02-10-cache-stampede/")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    page.keyboard.press("Enter")  # the best result
    page.wait_for_url("**/2024/2024-02-10-cache-stampede/?highlight=thundering")
    page.wait_for_selector("[data-pagefind-body] mark.pagefind-highlight")
    assert page.locator("mark.pagefind-highlight").first.text_content().lower() == "thundering"


def test_filters_narrow_results_and_live_in_the_url(page, servers: dict[str, str]) -> None:
    page.goto(servers["plain"] + "search/?q=payments")
    page.wait_for_selector(".pm-search-results .md-search-result__item")
    page.wait_for_selector(".pm-search-facet input[name=severity]")
    titles = lambda: page.eval_on_selector_all(".pm-search-results .pm-result-title", "e => e.map(x => x.textContent)")  # noqa: E731
    assert set(titles()) == {"Database outage", "Cache stampede", "DNS resolution failures"}
    page.check(".pm-search-facet input[name=severity][value=SEV1]")
    page.wait_for_function("document.querySelectorAll('.pm-search-results .pm-result-title').length === 1")
    assert titles() == ["Database outage"]
    assert parse_qs(urlsplit(page.url).query) == {"q": ["payments"], "severity": ["SEV1"]}
    # The URL is the search: opened cold, it shows the same.
    page.goto(page.url)
    page.wait_for_function("document.querySelectorAll('.pm-search-results .pm-result-title').length === 1")
    assert titles() == ["Database outage"]
    assert page.is_checked(".pm-search-facet input[name=severity][value=SEV1]")
    # Filters alone, newest first.
    page.goto(servers["plain"] + "search/?team=platform&sort=newest")
    page.wait_for_function("document.querySelectorAll('.pm-search-results .pm-result-title').length === 3")
    assert titles() == ["DNS resolution failures", "Cache stampede", "Queue backlog"]


def test_a_search_downloads_no_filter_or_sort_data_until_asked(page, servers: dict[str, str]) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(urlsplit(request.url).path))
    page.goto(servers["plain"] + "search/?q=payments")
    page.wait_for_selector(".pm-search-results .md-search-result__item")
    sev1 = ".pm-search-facet input[value=SEV1] + .pm-search-facet-count"
    page.wait_for_selector(sev1)
    assert page.text_content(".pm-search-counts") == "Counts: all postmortems"
    assert page.text_content(sev1) == "2", "the whole archive's count, from facets.json"
    assert not [p for p in requested if p.endswith((".pf_filter", search.DATE_ORDER_FILE))], requested
    # Reaching for the filters loads them; the counts then follow the search.
    page.hover(".pm-search-side")
    page.wait_for_function("document.querySelector('.pm-search-counts').textContent.includes('matching')")
    assert page.text_content(sev1) == "1"
    assert [p for p in requested if p.endswith(".pf_filter")]
    # Oldest first, then newest: the date order is fetched for it. (Waits for the whole list: the
    # best-match order may already start with the same title.)
    shown = "[...document.querySelectorAll('.pm-search-results .pm-result-title')].map(x => x.textContent).join('|')"
    page.select_option("select[name=sort]", "oldest")
    page.wait_for_function(f"{shown} === 'Database outage|Cache stampede|DNS resolution failures'")
    assert any(p.endswith(search.DATE_ORDER_FILE) for p in requested)
    page.select_option("select[name=sort]", "newest")
    page.wait_for_function(f"{shown} === 'DNS resolution failures|Cache stampede|Database outage'")


def test_the_search_page_shows_results_in_batches_as_they_scroll_into_view(page, servers: dict[str, str]) -> None:
    page.set_viewport_size({"width": 1280, "height": 400})
    page.goto(servers["plain"] + "search/?sort=newest")  # every page: 6 postmortems and the guide
    page.wait_for_selector(".pm-search-results .md-search-result__item")
    items = ".pm-search-results .md-search-result__item"
    assert page.evaluate("document.querySelector('.pm-search-more-button').getBoundingClientRect().top") > 400
    page.wait_for_timeout(300)
    assert page.locator(items).count() == 6, "the first batch; the next waits until the button is in view"
    assert page.text_content(".pm-search-count") == "7 matching postmortems"
    page.locator(".pm-search-more-button").scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelectorAll('{items}').length === 7")
    assert page.locator(".pm-search-more-button").is_hidden()
    last = page.locator(".pm-search-results .pm-result-title").last.text_content()
    assert last == "Writing guide", "pages without a date come last"


def test_search_at_390_pixels(page, servers: dict[str, str]) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(servers["plain"])
    width = "document.querySelector('.md-search__inner').getBoundingClientRect().width"
    assert page.evaluate(width) == 0, "behind the magnifier on a phone"
    page.click("label.md-header__button[for=__search]")
    page.wait_for_function(f"{width} === 390")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    page.keyboard.type("outage", delay=20)
    page.wait_for_selector("[data-pm-search] .md-search-result__item a")
    box = page.locator("[data-pm-search] .md-search-result__item").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    dialog = page.get_by_role("dialog", name="Search")
    assert dialog.count() == 1 and page.get_by_role("textbox", name="Search").count() == 1
    # The search page: filters fold away above the results, unless the address sets some.
    page.goto(servers["plain"] + "search/?q=payments")
    page.wait_for_selector(".pm-search-results .md-search-result__item")
    assert not page.evaluate("document.querySelector('.pm-search-side').open")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(servers["plain"] + "search/?q=payments&team=platform")
    page.wait_for_selector(".pm-search-results .md-search-result__item")
    assert page.evaluate("document.querySelector('.pm-search-side').open")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_box_and_page_are_axe_clean(browser, servers: dict[str, str], scheme: str) -> None:
    """With results and filters shown (axe-core bundled with axe-playwright-python, no network)."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    context = browser.new_context(color_scheme=scheme)
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(servers["plain"]) else route.abort()
    )
    page = context.new_page()
    try:
        page.goto(servers["plain"])
        header_search(page, "payments")
        found = [v for v in axe.run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
        page.goto(servers["plain"] + "search/?q=payments&severity=SEV1")
        page.wait_for_selector(".pm-search-facet input:checked")
        found += [v for v in axe.run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    finally:
        context.close()
    assert not found, [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]


def test_redacted_search_finds_no_real_name(page, servers: dict[str, str]) -> None:
    page.goto(servers["redacted"])
    for name in ("Dana", "Smith", "Sam Park"):
        page.fill(".md-search__input", "")
        page.click(".md-search__input")
        page.keyboard.type(name, delay=20)
        page.wait_for_function(
            "q => document.querySelector('[data-pm-search] .md-search-result__list').dataset.pmQuery === q", arg=name
        )
        assert page.text_content(".md-search-result__meta") == "No matching postmortems", name
    assert "/2023/2023-05-01-db-outage/" in header_search(page, "Engineer")


def _tokens_by_definition(article: str) -> set[str]:
    """exact_tokens' rule, written plainly: every word (a run of word characters, dots and hyphens
    between tags), separators at its ends dropped, lower case; kept when it is ASCII, at least 3
    characters, and holds a letter and a digit or separator."""
    found = {html.unescape(n).strip().lower() for n in search.FACET_NAME.findall(article)}
    found = {n for n in found if len(n) >= 3 and n.isascii()}
    for word in re.findall(r"[\w.-]+", search.TAG.sub(" ", article)):
        word = word.strip("._-").lower()
        if len(word) >= 3 and word.isascii() and re.search("[a-z]", word) and re.search(r"[\d._-]", word):
            found.add(word)
    return found


def test_exact_tokens_follow_their_rule_on_any_text() -> None:
    """The fast regex finds exactly the words the rule keeps, on random text made of the
    characters that decide it: letters (Kelvin sign, long s and dotless i among them, which
    lowercase or case-fold to ASCII or not), digits (Arabic-Indic too), separators, entities, tags."""
    rng = random.Random(7)
    alphabet = ["a", "Z", "k", "0", "9", ".", "_", "-", "é", " ", "\u212a", "\u017f", "\u0131", "\u0130", "\u0661"]
    alphabet += ["<b>", "</b>", "&amp;", "\n", "x"]
    for _ in range(20000):
        article = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert search.exact_tokens(article) == _tokens_by_definition(article), repr(article)
