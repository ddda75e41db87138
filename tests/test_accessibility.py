"""axe-core in real Chromium: no serious or critical violation on any page type, in both colour schemes.

axe-core comes bundled with axe-playwright-python (no network); the site is the example archive,
built with the example mkdocs.yml, so the theme's own parts (header, footer, search) are checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from site_browser import offline_context, require_chromium, serve

require_chromium()
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

# One page of every type the site has.
PAGES = {
    "home": "",
    "incidents": "incidents/",
    "postmortem": "2024/2024-03-12-payments-db-failover/",
    "action items": "action-items/",
    "metrics": "metrics/",
    "pattern (hand-written)": "patterns/config-change/",
    "pattern (generated)": "patterns/capacity/",
    "patterns": "patterns/",
    "facet page": "services/checkout-web/",
    "facet index": "tags/",
    "guide": "guide/",
    "lint rules": "guide/lint-rules/",
    "search": "search/?q=payments&severity=SEV1",
}
# Pages drawn by script: checked once this element is there.
READY = {"search": ".pm-search-results .md-search-result__item"}
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def server(example_site: Path) -> Iterator[str]:
    with serve(example_site) as url:
        yield url


def serious_violations(browser: object, url: str, scheme: str, width: int, ready: str | None = None) -> list[str]:
    base = url.split("/", 3)[0] + "//" + url.split("/", 3)[2]
    context, blocked = offline_context(browser, base, color_scheme=scheme, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()  # type: ignore[attr-defined]
        page.goto(url)
        page.wait_for_load_state("load")
        if ready:
            page.wait_for_selector(ready)
        results = axe_module.Axe().run(page)
    finally:
        context.close()  # type: ignore[attr-defined]
    assert not blocked, blocked
    found = []
    for violation in results.response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        if violation["impact"] in SERIOUS and targets:
            found.append(f"{violation['id']} ({violation['impact']}, {len(targets)} nodes): {targets[:5]}")
    return found


# Desktop in both colour schemes; a phone (where tables scroll or become cards) in the light one.
VARIANTS = {"light": ("light", 1400), "dark": ("dark", 1400), "phone": ("light", 390)}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_axe_violations(browser: object, server: str, name: str, variant: str) -> None:
    scheme, width = VARIANTS[variant]
    found = serious_violations(browser, server + PAGES[name], scheme, width, READY.get(name))
    assert not found, f"{name} ({variant}):\n" + "\n".join(found)
