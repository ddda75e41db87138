"""Serve a built site and drive Debian's Chromium through Playwright (shared by the browser test modules)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip the calling module without Chromium; under CI its absence is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install chromium)", pytrace=False)
        pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


def as_js_json(value: object) -> str:
    """`value` as JavaScript's JSON.stringify writes it (no spaces), to compare inside the page."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _NotFoundPage(_Quiet):
    """Answers a missing file with the site's 404.html and status 404, as GitHub Pages does."""

    not_found: Path

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404 or not self.not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = self.not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def serve(directory: Path, not_found: Path | None = None) -> Iterator[str]:
    """The directory over http on 127.0.0.1 (Pagefind and fetch() need http, not file://); with
    `not_found`, a missing file gets that page (a site's 404.html) with status 404."""
    handler: type[_Quiet] = _Quiet
    if not_found is not None:
        handler = type("NotFound", (_NotFoundPage,), {"not_found": not_found})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def offline_context(browser: object, base: str, **options: object) -> tuple[object, list[str]]:
    """A browser context that may only reach `base`; returns it and the list of refused URLs."""
    context = browser.new_context(**options)  # type: ignore[attr-defined]
    blocked: list[str] = []

    def only_local(route: object) -> None:
        if route.request.url.startswith(base):  # type: ignore[attr-defined]
            route.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(route.request.url)  # type: ignore[attr-defined]
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", only_local)
    return context, blocked
