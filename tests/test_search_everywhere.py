"""Search from every page type, in every deployment: a site at a domain's root and under a path,
with `use_directory_urls` on and off, built with the real `mkdocs build --strict` (not `-q`) and
served over http with a 404 page, in Debian's Chromium. On each page the keyboard shortcuts focus
the header box; a query for a ticket id lists the page holding that exact id first (ten pages
hold longer ids it prefixes, more often); following that result highlights the id there.

Each variant is one test (its site built once, its pages visited in turn), so pytest-xdist runs
the four variants side by side without building any of them twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import Site, postmortem
from site_browser import offline_context, require_chromium, serve

require_chromium()

EXACT = "2024/2024-01-10-ledger-drift"


def archive() -> dict[str, str]:
    """OPS-1000 on one page; OPS-10000..OPS-10009 on ten others, each four times (Pagefind alone
    ranks those first: more occurrences, and it matches the query as a prefix)."""
    files = {
        f"{EXACT}.md": postmortem(
            "## Summary\n\nThe ledger drifted; fixed under OPS-1000.\n",
            title="Ledger drift",
            date="2024-01-10",
            severity="SEV2",
            services=["ledger"],
            patterns=["config-change"],
            action_items=[{"title": "Reconcile nightly", "owner": "Ana Lopez", "ticket": "OPS-77"}],
        ),
        "guide.md": "# Writing guide\n\nHow to write a blameless postmortem.\n",
    }
    for i in range(10):
        ticket = f"OPS-1000{i}"
        files[f"2025/2025-02-{i + 1:02d}-other-{i}.md"] = postmortem(
            f"## Summary\n\nSee {ticket}; {ticket} again, {ticket} and {ticket}.\n",
            title=f"Other incident {i}",
            date=f"2025-02-{i + 1:02d}",
            severity="SEV3",
            services=["queue"],
        )
    return files


# (variant, site_url, use_directory_urls, Material's search listed too)
VARIANTS = {
    "root": ("https://postmortems.example.com/", True, True),
    "root-flat": ("https://postmortems.example.com/", False, False),
    "path": ("https://example.org/postmortems/", True, False),
    "path-flat": ("https://example.org/postmortems/", False, True),
}


def build(root: Path, variant: str) -> tuple[Site, Path, str]:
    """The site built into <root>/www/<path of site_url>; (site, web root, URL path prefix)."""
    site_url, directory_urls, with_material_search = VARIANTS[variant]
    prefix = urlsplit(site_url).path
    site = Site(root)
    for path, text in archive().items():
        site.add(path, text)
    site.extra_config.update(site_url=site_url, use_directory_urls=directory_urls, site_dir=f"www{prefix}")
    if with_material_search:  # an existing Material site's plugins list, `search:` not set
        site.extra_config["plugins"] = ["search", {"postmortems": site.plugin_options}]
    result = site.cli_build()
    assert result.returncode == 0, result.stderr
    site.site = root / f"www{prefix}"
    if with_material_search:
        assert "Pagefind replaces Material's search plugin" in result.stderr
        assert "set 'search: material'" in result.stderr
    else:
        assert "Material's search plugin" not in result.stderr
    return site, root / "www", prefix


def page_paths(site: Site, directory_urls: bool) -> dict[str, str]:
    """Each page type's path under the site root."""

    def url(src: str) -> str:
        if src == "index" or src.endswith("/index"):  # a section's page: incidents/index.md
            folder = src[: -len("index")]
            return folder if directory_urls else folder + "index.html"
        return f"{src}/" if directory_urls else f"{src}.html"

    return {
        "home": url("index"),
        "incidents list": url("incidents/index"),
        "facet page": url("services/ledger/index" if directory_urls else "services/ledger"),
        "pattern page": url("patterns/config-change/index" if directory_urls else "patterns/config-change"),
        "postmortem": url(EXACT),
        "action items": url("action-items/index"),
        "metrics": url("metrics/index"),
        "guide": url("guide"),
        "search page": url("search/index"),
        "404": "no/such/page/",
    }


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[object]:
    from site_browser import chromium

    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_search_from_every_page(
    variant: str, tmp_path_factory: pytest.TempPathFactory, chromium_browser: object
) -> None:
    site, web_root, prefix = build(tmp_path_factory.mktemp(variant), variant)
    directory_urls = VARIANTS[variant][1]
    exact_path = prefix + page_paths(site, directory_urls)["postmortem"]
    # Material's search is listed in two variants: it wrote no index, and its box is not rendered.
    assert not (site.site / "search" / "search_index.json").exists()
    home = BeautifulSoup((site.site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select_one("[data-md-component=search]") is None
    assert home.select_one("[data-pm-search]") is not None
    with serve(web_root, not_found=site.site / "404.html") as base:
        origin = base.rstrip("/")
        context, blocked = offline_context(chromium_browser, origin)
        try:
            page = context.new_page()  # type: ignore[attr-defined]
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            for kind, path in page_paths(site, directory_urls).items():
                response = page.goto(origin + prefix + path)
                assert response.status == (404 if kind == "404" else 200), (kind, path)
                for key in ("/", "s", "f"):  # Material's shortcuts, on every page
                    page.evaluate("document.activeElement && document.activeElement.blur()")
                    page.keyboard.press(key)
                    focused = page.evaluate("document.activeElement.classList.contains('md-search__input')")
                    assert focused, f"{variant} {kind}: '{key}' does not focus the search box"
                    page.keyboard.press("Escape")
                page.keyboard.press("/")
                page.keyboard.type("OPS-1000", delay=15)
                page.wait_for_function(
                    "document.querySelector('[data-pm-search] .md-search-result__list').dataset.pmQuery === 'OPS-1000'",
                    timeout=15_000,
                )
                links = page.eval_on_selector_all(
                    "[data-pm-search] .md-search-result__item:not(.pm-search-more) a", "els => els.map(e => e.href)"
                )
                assert links, f"{variant} {kind}: no result"
                assert urlsplit(links[0]).path == exact_path, (variant, kind, links)
                assert len(links) == 6, "the header shows six of the eleven"
                page.click("[data-pm-search] .md-search-result__item a")
                page.wait_for_url(f"{origin}{exact_path}?highlight=ops-1000")
                page.wait_for_selector("[data-pagefind-body] mark.pagefind-highlight")
                marked = page.locator("mark.pagefind-highlight").first.text_content()
                assert marked.lower() == "ops-1000", (variant, kind, marked)
            assert not errors, errors
            assert blocked == [], blocked
        finally:
            context.close()  # type: ignore[attr-defined]
