"""Regenerate the README's screenshots from the example archive: `python docs/make_screenshots.py`.

Builds the example with a fixed "today", serves it and photographs a few pages in Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from site_browser import chromium, serve  # noqa: E402
from test_example_archive import build_example  # noqa: E402

SHOTS = {
    "home": ("", 1280, ".pm-landing"),
    "incidents": ("incidents/?services=payments-api", 1280, "form.pm-filters output"),
    "postmortem": ("2024/2024-03-12-payments-db-failover/", 1280, "article"),
    "action-items": ("action-items/?status=overdue", 1280, "form.pm-filters output"),
    "metrics": ("metrics/", 1280, "figure.pm-chart"),
    "phone": ("", 390, ".pm-landing"),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        result = build_example(site)
        if result.returncode:
            sys.exit(result.stderr)
        with serve(site) as url, chromium() as browser:
            for name, (path, width, ready) in SHOTS.items():
                page = browser.new_page(viewport={"width": width, "height": 860})
                page.goto(url + path)
                page.wait_for_selector(ready)
                page.wait_for_timeout(300)
                page.screenshot(path=str(REPO / "docs" / f"screenshot-{name}.png"))
                page.close()


if __name__ == "__main__":
    main()
