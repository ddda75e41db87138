"""Front matter is untrusted: every value renders as inert text and no path escapes site_dir."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Site, postmortem
from postmortem_archive.archive.collection import Archive
from postmortem_archive.core.loader import load_one
from postmortem_archive.core.settings import Settings
from postmortem_archive.core.slugs import slugify
from postmortem_archive.site import urls
from postmortem_archive.site.generate import generated_pages
from postmortem_archive.site.render import Renderer

EVIL = '<script>alert("x")</script>'
EVIL_MD = "[click](javascript:alert(1)) | **bold** `code` <img src=x onerror=alert(1)>"


def _no_active_content(soup: BeautifulSoup, where: str) -> None:
    for script in soup.find_all("script"):
        assert "alert" not in (script.string or ""), f"{where}: injected script"
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.startswith("on"), f"{where}: event handler attribute {attr}"
            if attr in ("href", "src"):
                assert not str(value).strip().lower().startswith("javascript:"), f"{where}: javascript: URL"
    assert not soup.find("img", src="x"), f"{where}: injected image"


def test_hostile_front_matter_renders_inert(site: Site) -> None:
    site.add(
        "2024/2024-01-01-evil.md",
        postmortem(
            title=EVIL,
            summary=EVIL_MD,
            services=[EVIL, "../../etc"],
            teams=[EVIL_MD],
            tags=["../../../tmp/owned", "a|b"],
            patterns=["dns"],
            contributing_factors=[EVIL, EVIL_MD, "retry-storm"],
            trigger="javascript:alert(1)",
            impact={"description": EVIL},
            people={"incident_commander": EVIL},
            action_items=[{"title": EVIL_MD, "owner": EVIL, "ticket": "javascript:alert(1)", "team": EVIL}],
        ),
    )
    site.build()
    pages = sorted(site.site.rglob("*.html"))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert EVIL not in html, f"{page}: raw script tag"
        assert "<img src=x" not in html and 'onerror="alert' not in html
        _no_active_content(BeautifulSoup(html, "html.parser"), str(page))
    soup = site.html("2024/2024-01-01-evil/")
    assert soup.select_one("h1").get_text() == EVIL
    assert soup.title.get_text() == f"{EVIL} - Fixture archive"
    assert soup.select_one(".pm-summary").get_text() == EVIL_MD
    assert soup.find("meta", attrs={"name": "description"})["content"] == EVIL_MD
    assert not soup.select(".pm-header a[href^='javascript']")
    # The traversal attempts became harmless slugs inside site_dir.
    root = site.site.resolve()
    assert all(p.resolve().is_relative_to(root) for p in site.site.rglob("*"))
    assert (site.site / "services" / "etc" / "index.html").is_file()
    assert (site.site / "tags" / "tmp-owned" / "index.html").is_file()
    assert not (site.root / "etc").exists() and not (site.root.parent / "tmp").exists()
    # The search index holds the title as text: the browser shows it with textContent (test_search.py).
    (record,) = site.pagefind_records()
    assert record["meta"]["title"] == EVIL


@given(st.text(min_size=1, max_size=40))
def test_slugs_are_always_safe(value: str) -> None:
    slug = slugify(value)
    assert slug and set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert ".." not in slug and not slug.startswith("-")


untrusted = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(lambda s: s.strip())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=untrusted, tag=untrusted, service=untrusted, owner=untrusted, ticket=untrusted)
def test_any_value_renders_as_text(title: str, tag: str, service: str, owner: str, ticket: str) -> None:
    text = postmortem(
        title=title,
        tags=[tag],
        services=[service],
        action_items=[{"title": "x", "owner": owner, "ticket": ticket, "due": "2024-01-01"}],
    )
    pm = load_one("2024/x.md", text.encode(), Settings(today=dt.date(2026, 1, 1)))
    assert not isinstance(pm, list), pm
    archive = Archive([pm], Settings(today=dt.date(2026, 1, 1)))
    renderer = Renderer(archive)
    link = urls.Linker(
        "2024/x/",
        lambda src: src.removesuffix(".md").removesuffix("index") + ("/" if not src.endswith("index.md") else ""),
    )
    soup = BeautifulSoup(renderer.header(pm, link), "html.parser")
    # What the reader sees is exactly the value, and no element or attribute was injected.
    cells = soup.select("table.pm-actions tbody td")
    assert cells[1].get_text() == pm.meta.action_items[0].owner
    assert cells[6].get_text() == pm.meta.action_items[0].ticket
    assert soup.select_one(".pm-chip").get_text() == pm.meta.services[0]
    assert {tag.name for tag in soup.find_all(True)} <= {
        "div",
        "p",
        "span",
        "time",
        "dl",
        "dt",
        "dd",
        "a",
        "table",
        "caption",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "strong",
    }
    _no_active_content(soup, "header")
    for page in generated_pages(archive):
        assert Path("/site", page.src_uri).resolve().is_relative_to(Path("/site"))
        body = BeautifulSoup(page.body(renderer, urls.Linker("x/", lambda s: s)), "html.parser")
        _no_active_content(body, page.src_uri)
