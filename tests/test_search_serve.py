"""Search under the real `mkdocs serve` (a process on a free port), with no option set: the index
is built after the first build, the box says so until it is ready and then answers without a
reload; a rebuild indexes again only the bundles whose pages changed."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from conftest import REPO, TODAY, Site, postmortem
from postmortem_archive.search import pagefind as search
from site_browser import offline_context, require_chromium

require_chromium()

BUILDING = "The search index is being built (mkdocs serve); results will show here when it is ready."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """`mkdocs serve` running; its log lines as they come."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url, self.lines = process, url, []  # type: list[str]
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip())

    def wait_for(self, found: Callable[[list[str]], bool], what: str, seconds: float = 240) -> None:
        end = time.monotonic() + seconds
        while not found(list(self.lines)):
            assert self.process.poll() is None, "mkdocs serve ended:\n" + "\n".join(self.lines)
            assert time.monotonic() < end, f"no {what} in {seconds} s:\n" + "\n".join(self.lines)
            time.sleep(0.2)

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code


@contextlib.contextmanager
def mkdocs_serve(config: Path) -> Iterator[Served]:
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POSTMORTEM_TODAY": TODAY}
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", f"127.0.0.1:{port}"],
        cwd=config.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    served = Served(process, f"http://127.0.0.1:{port}/")
    try:
        served.wait_for(lambda lines: any("Serving on" in line for line in lines), "server")
        yield served
    finally:
        process.send_signal(signal.SIGINT)  # as a reader's Ctrl-C: MkDocs shuts its plugins down
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        served.reader.join(timeout=30)  # to the end of its log, then the pipe is closed
        assert process.stderr is not None
        process.stderr.close()


def indexed(count: int) -> Callable[[list[str]], bool]:
    return lambda lines: sum("search: Pagefind indexed" in line for line in lines) >= count


def header_results(page: object, query: str) -> list[str]:
    page.keyboard.press("/")  # type: ignore[attr-defined]
    page.fill(".md-search__input", query)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "q => document.querySelector('[data-pm-search] .md-search-result__list').dataset.pmQuery === q",
        arg=query,
        timeout=60_000,
    )
    links = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "[data-pm-search] .md-search-result__item:not(.pm-search-more) a", "els => els.map(e => e.href)"
    )
    return [urlsplit(link).path for link in links]


def test_the_example_archive_under_serve_finds_a_ticket(browser: object) -> None:
    with mkdocs_serve(REPO / "mkdocs.yml") as served:
        served.wait_for(indexed(1), "index")
        assert any("search: Pagefind indexed" in line for line in served.lines)
        context, blocked = offline_context(browser, served.url)
        try:
            page = context.new_page()  # type: ignore[attr-defined]
            page.goto(served.url)
            found = header_results(page, "WEB-2012")
            assert found[0] == "/2026/2026-03-09-cdn-expired-credentials-image-outage/", found
        finally:
            context.close()  # type: ignore[attr-defined]
        assert not blocked, blocked


def test_serve_says_the_index_is_being_built_then_answers_and_reindexes_changed_bundles(
    tmp_path: Path, browser: object
) -> None:
    site = Site(tmp_path)
    site.add("2024/2024-01-10-ledger.md", postmortem("## Summary\n\nFixed under OPS-1000.\n", date="2024-01-10"))
    for i in range(4):
        site.add(
            f"2025/2025-02-0{i + 1}-other-{i}.md",
            postmortem(f"## Summary\n\nSee OPS-1000{i}.\n", date=f"2025-02-0{i + 1}"),
        )
    site.plugin_options["search_bundle_words"] = 2 * search.HEADER_WORDS + 30  # about two postmortems a bundle
    with mkdocs_serve(site.write_config()) as served:
        context, blocked = offline_context(browser, served.url)
        try:
            page = context.new_page()  # type: ignore[attr-defined]
            # Until pagefind/ready.json is there (held back here, whatever the indexer's pace) the box says so.
            page.route("**/pagefind/ready.json", lambda route: route.fulfill(status=404, body="not yet"))
            page.goto(served.url)
            assert page.locator("[data-pm-search]").get_attribute("data-pm-pending") is not None
            page.keyboard.press("/")
            page.keyboard.type("OPS-1000", delay=15)
            page.wait_for_function(f"document.querySelector('.md-search-result__meta').textContent === {BUILDING!r}")
            assert page.locator("[data-pm-search] .md-search-result__item").count() == 0
            page.unroute("**/pagefind/ready.json")
            page.wait_for_function(
                "document.querySelector('[data-pm-search] .md-search-result__list').dataset.pmQuery === 'OPS-1000'",
                timeout=120_000,
            )
            first = page.eval_on_selector("[data-pm-search] .md-search-result__item a", "a => a.href")
            assert urlsplit(first).path == "/2024/2024-01-10-ledger/", "the same page, no reload: the exact id first"
            served.wait_for(indexed(1), "index")
            (first_log,) = [line for line in served.lines if "search: Pagefind indexed" in line]
            bundles = int(first_log.split(" bundle(s)")[0].rsplit(" ", 1)[1])
            assert bundles >= 2 and "0 unchanged since the last build" in first_log, first_log

            # An edit: the rebuild indexes again only the bundle holding the edited page.
            site.add("2025/2025-02-01-other-0.md", postmortem("## Summary\n\nA zebracorn.\n", date="2025-02-01"))
            served.wait_for(indexed(2), "second index")
            second_log = [line for line in served.lines if "search: Pagefind indexed" in line][1]
            assert f"in {bundles} bundle(s), {bundles - 1} unchanged since the last build" in second_log, second_log
            page.goto(served.url)
            assert header_results(page, "zebracorn") == ["/2025/2025-02-01-other-0/"]
            assert "/2025/2025-02-01-other-0/" not in header_results(page, "OPS-10000"), "the edit removed it"
        finally:
            context.close()  # type: ignore[attr-defined]
        assert not blocked, blocked
        assert served.get("pagefind/ready.json") == 200
