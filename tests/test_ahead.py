"""Work done ahead in a forked worker (ahead.py), and builds that use it giving the same site.

The unit checks run in a fresh interpreter, so no test runner's state is forked with them."""

from __future__ import annotations

import contextlib
import filecmp
import logging
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, Site
from postmortem_archive.workers import ahead

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import postmortems as synthetic_postmortems


def run_alone(code: str) -> str:
    """Run code in a fresh, single-threaded interpreter; its stdout."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_results_come_from_the_worker_in_order() -> None:
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        parent = os.getpid()
        worker = ahead.Ahead(list(range(200)), lambda k: (k * k, os.getpid() != parent))
        time.sleep(1)
        got = [worker.get(k) for k in range(200)]
        worker.close()
        assert [value for value, _ in got] == [k * k for k in range(200)], got
        print(sum(in_worker for _, in_worker in got), worker.from_worker)
    """)
    assert out == "200 200", "every result was made in the forked worker and taken from it"


def test_a_failing_worker_leaves_the_work_to_the_caller() -> None:
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        parent = os.getpid()
        def compute(k):
            if os.getpid() != parent and k == 20:
                raise RuntimeError("only in the worker")
            return -k
        worker = ahead.Ahead(list(range(100)), compute)
        time.sleep(1)
        got = [worker.get(k) for k in range(100)]
        worker.close()
        assert got == [-k for k in range(100)], got
        print(worker.from_worker)
    """)
    assert out == str(2 * ahead.CHUNK), "the worker's whole chunks before the failure were used, the rest made here"


def test_a_slow_worker_is_stopped_without_waiting() -> None:
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        parent = os.getpid()
        worker = ahead.Ahead(list(range(100)), lambda k: (os.getpid() != parent and time.sleep(60)) or k)
        start = time.perf_counter()
        assert worker.get(5) == 5  # made here: the worker has nothing yet
        worker.close()
        print(time.perf_counter() - start < 30)
    """)
    assert out == "True"


def test_a_process_forked_from_the_reader_leaves_its_results_alone() -> None:
    """Another worker forked while Ahead runs shares its pipe: if it read from it (as the
    conversion worker would, rendering a header), this process would pair results with the wrong
    keys or lose them. In a forked child `get` computes instead."""
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        keys = list(range(40))
        results = ahead.Ahead(keys, lambda key: key * 10)
        time.sleep(2)  # the worker has delivered everything into the pipe
        pid = os.fork()
        if pid == 0:
            os._exit(0 if all(results.get(key) == key * 10 for key in keys) else 1)
        _, status = os.waitpid(pid, 0)
        mine = all(results.get(key) == key * 10 for key in keys)
        print(os.waitstatus_to_exitcode(status), mine, results.from_worker)
        results.close()
    """)
    assert out == "0 True 40"


def test_split_map_and_its_guards() -> None:
    out = run_alone("""
        import threading
        from postmortem_archive.workers import ahead
        print(ahead.usable(100), ahead.split_map(list(range(101)), lambda k: k + 1) == list(range(1, 102)))
        thread = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True)
        thread.start()
        print(ahead.usable(100), ahead.usable(10))
    """)
    assert out == "True True\nFalse False", "no fork with another thread running, nor for a few items"


def test_split_does_every_key_once_from_both_ends() -> None:
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        parent, done = os.getpid(), []
        def work(k):
            time.sleep(0.005)
            return (k, os.getpid())
        split = ahead.Split(list(range(300)), work)
        deadline = time.monotonic() + 60
        while sum(split._claims) < 50 * split.WORKER and time.monotonic() < deadline:
            time.sleep(0.01)  # the worker starts from the end meanwhile (whatever the machine's load)
        here = []
        for k in range(300):
            taken, value = split.take(k)
            if taken:
                assert value[0] == k and value[1] != parent, value
            else:
                time.sleep(0.002)
                here.append(k)
        split.close()
        assert here == list(range(len(here))), "this process did a prefix, the worker the rest"
        print(split.from_worker + len(here), split.from_worker >= 50, len(here) > 0)
    """)
    assert out == "300 True True"


def test_results_larger_than_the_pipe_arrive_whole() -> None:
    """Messages are read in as few reads as the pipe allows and cut apart here: one bigger than
    the pipe takes several reads, and many small ones come in one."""
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        parent = os.getpid()
        def big(k):
            size = 3 << 20 if k % 7 == 0 else 10 + k  # 3 MiB: three times what the pipe holds
            return (str(k) * size)[:size], os.getpid() != parent
        split = ahead.Split(list(range(60)), big)
        deadline = time.monotonic() + 60
        while sum(split._claims) < 60 * split.WORKER and time.monotonic() < deadline:
            time.sleep(0.01)  # until the worker has claimed every key, however loaded the machine
        taken = [split.take(k) for k in range(60)]
        split.close()
        assert all(value == big(k)[0] for k, (ok, (value, _)) in enumerate(taken) if ok), "every value whole"
        worker = ahead.Ahead(list(range(60)), big)
        got = []
        for k in range(60):  # a caller that waits for each result (get itself never waits)
            deadline = time.monotonic() + 60
            while worker._next <= k and not worker._inbox.ended and time.monotonic() < deadline:
                worker._collect(k)
                time.sleep(0.001)
            got.append(worker.get(k))
        worker.close()
        assert [value for value, _ in got] == [big(k)[0] for k in range(60)]
        print(split.from_worker, worker.from_worker)
    """)
    assert out == "60 60", "each worker did every key, and every result arrived whole"


def test_split_redoes_what_the_worker_failed_or_never_finished() -> None:
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        parent = os.getpid()
        def work(k):
            if k == 95:
                raise RuntimeError("only in the worker")
            if k == 90:
                os._exit(3)  # the worker dies in the middle of a key it claimed
            return k
        split = ahead.Split(list(range(100)), work)
        time.sleep(1)
        taken = [split.take(k) for k in range(100)]
        split.close()
        from_worker = [k for k, (ok, value) in enumerate(taken) if ok]
        assert all(value == k for k, (ok, value) in enumerate(taken) if ok)
        print(from_worker)
    """)
    assert out == str([91, 92, 93, 94, 96, 97, 98, 99]), "95 failed and 90 died in the worker: both done here"


def test_split_stops_a_stuck_worker() -> None:
    out = run_alone("""
        import os, time
        from postmortem_archive.workers import ahead
        ahead.STALL_SECONDS = 0.5
        split = ahead.Split(list(range(10)), lambda k: time.sleep(60))
        time.sleep(0.3)
        start = time.perf_counter()
        print([split.take(k) for k in range(10)] == [(False, None)] * 10, time.perf_counter() - start < 5)
        split.close()
    """)
    assert out == "True True"


@contextlib.contextmanager
def caplog_at_info() -> Iterator[list[logging.LogRecord]]:
    """MkDocs' log records from INFO up, while the block runs in this process."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _same_html(serial: Path, parallel: Path) -> int:
    """Every file of the serial site (Pagefind's bundles aside) is byte for byte in the parallel one."""
    compared = 0
    for page in serial.rglob("*"):
        if page.is_dir() or "pagefind" in page.parts:
            continue
        twin = parallel / page.relative_to(serial)
        assert filecmp.cmp(page, twin, shallow=False), page
        compared += 1
    return compared


@pytest.mark.parametrize("search", ["pagefind", "material"])
def test_a_parallel_build_equals_a_serial_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, search: str) -> None:
    """The real command (parses and renders headers on a second core) against a build with the
    workers turned off (everything in one process): every file the same, and the fallback said
    at INFO with its reason."""
    parallel, serial = Site(tmp_path / "parallel"), Site(tmp_path / "serial")
    for site in (parallel, serial):
        site.plugin_options["search"] = search
        site.plugin_options["redact"] = {"enabled": True}
        for path, text in synthetic_postmortems(120):
            site.add(path, text)
    result = parallel.cli_build("--verbose")
    assert result.returncode == 0, result.stderr
    # How many the worker delivered depends on the machine's load; either way the log says it.
    ahead_said = r"headers and footers (of \d+ postmortems were rendered on a second core|: all in this process)"
    assert re.search(ahead_said, result.stderr), result.stderr
    converted_said = r"(\d+ postmortems were converted on a second core|Markdown conversion: all in this process)"
    assert re.search(converted_said, result.stderr), result.stderr
    assert "in this process only" not in result.stderr
    monkeypatch.setattr(ahead, "unusable", lambda *args, **kwargs: "turned off by the test")
    with caplog_at_info() as records:
        serial.build()
    said = [r.getMessage() for r in records]
    assert "postmortem_archive: parsing: in this process only (turned off by the test)" in said, said
    assert "postmortem_archive: headers and footers: in this process only (turned off by the test)" in said, said
    assert "postmortem_archive: the exports: in this process only (turned off by the test)" in said, said
    assert "postmortem_archive: Markdown conversion: in this process only (turned off by the test)" in said, said
    assert _same_html(serial.site, parallel.site) > 120 + 100  # postmortems and the generated pages


# `mkdocs build` in which MkDocs' process leaves every key of a Split (parsing, conversion) to the
# worker: it waits until the worker has claimed each one, so the worker's path is taken for every
# postmortem whatever the load. Only our plugin's log is at DEBUG: under --verbose MkDocs would not
# check links to anchors.
WORKER_TAKES_ALL = """
import logging, sys, time
from postmortem_archive.workers import ahead
logging.getLogger("mkdocs.plugins.postmortem_archive").setLevel(logging.DEBUG)
take = ahead.Split.take
def wait_for_the_worker(self, key):
    index, deadline = self._position.get(key), time.monotonic() + 60
    while index is not None and self._claims[index] == self.FREE and time.monotonic() < deadline:
        time.sleep(0.001)
    return take(self, key)
ahead.Split.take = wait_for_the_worker
from mkdocs.__main__ import cli
sys.argv = ["mkdocs", "build", "--strict"]
cli()
"""


def _run_worker_takes_all(site: Site) -> subprocess.CompletedProcess[str]:
    site.write_config()
    run = [sys.executable, "-c", WORKER_TAKES_ALL]
    return subprocess.run(run, cwd=site.root, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("search", ["pagefind", "material"])
def test_postmortems_converted_in_the_worker_make_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, search: str
) -> None:
    """Every postmortem converted on the second core (redacted there too): the same files as a
    build in one process, Material's search index included, and later plugins see each page's
    Markdown (a hook writes its length into the page)."""
    worker, serial = Site(tmp_path / "worker"), Site(tmp_path / "serial")
    for site in (worker, serial):
        site.plugin_options["search"] = search
        site.plugin_options["redact"] = {"enabled": True}
        for path, text in synthetic_postmortems(60):
            site.add(path, text)
        (site.root / "hooks.py").write_text(
            "def on_page_content(html, page, config, files):\n"
            "    return html + f'<p>markdown-length {len(page.markdown or \"\")}</p>'\n",
            encoding="utf-8",
        )
        site.extra_config["hooks"] = ["hooks.py"]
    result = _run_worker_takes_all(worker)
    assert result.returncode == 0, result.stderr
    converted = re.search(r"(\d+) postmortems were converted on a second core", result.stderr)
    assert converted and int(converted.group(1)) == 60, result.stderr
    monkeypatch.setattr(ahead, "unusable", lambda *args, **kwargs: "turned off by the test")
    serial.build()
    assert _same_html(serial.site, worker.site) > 60 + 50
    page = next(worker.site.glob("20*/*/index.html")).read_text(encoding="utf-8")
    length = re.search(r"markdown-length (\d+)", page)
    assert length and int(length.group(1)) > 500, "the page's own Markdown, not the empty one Markdown got"


def test_a_postmortem_converted_in_the_worker_keeps_its_links_anchors_and_warnings(tmp_path: Path) -> None:
    """Every postmortem converted in the worker: MkDocs' process still gets what the conversion
    told it. Links are rewritten, anchors checked against the worker's pages (a missing one is
    reported, present ones are not), and a page whose conversion warned (a link to a missing file)
    is converted again here, so the warning is printed once and --strict counts it."""
    site = Site(tmp_path)
    files = dict(synthetic_postmortems(60))
    source, target = sorted(files)[0], sorted(files)[-1]
    files[target] += "\n## Follow-up notes\n\nNone yet.\n"
    files[source] += (
        f"\nSee [its notes](../{target}#follow-up-notes), [its summary](../{target}#summary), "
        f"[nothing](../{target}#no-such-anchor) and [this summary](#summary).\n"
    )
    broken = sorted(files)[1]
    files[broken] += "\nSee [the runbook](../runbooks/missing.md).\n"
    for path, text in files.items():
        site.add(path, text)
    site.extra_config["validation"] = {"anchors": "warn"}
    result = _run_worker_takes_all(site)
    assert result.returncode != 0, "--strict stops on the two warnings"
    assert "Aborted with 2 warnings in strict mode" in result.stdout + result.stderr, result
    anchor = re.findall(r"WARNING .*contains a link '([^']+)', but the doc '([^']+)' does not contain", result.stderr)
    assert anchor == [(f"../{target}#no-such-anchor", target)], result.stderr
    assert len(re.findall(rf"WARNING .*{re.escape(broken)}.*runbooks/missing\.md", result.stderr)) == 1, result.stderr
    converted = re.search(r"(\d+) postmortems were converted on a second core", result.stderr)
    assert converted and int(converted.group(1)) == 59, "all but the page that warned"
    page = (site.site / source.removesuffix(".md") / "index.html").read_text(encoding="utf-8")
    slug = target.removesuffix(".md")
    assert f'href="../../{slug}/#follow-up-notes"' in page and 'href="#summary"' in page
    toc = re.search(r'<nav class="md-nav md-nav--secondary".*?</nav>', page, re.S)
    assert toc and 'href="#summary"' in toc.group(0), "the table of contents came back with the page"


def test_no_conversion_on_the_second_core_when_another_plugin_takes_part(tmp_path: Path) -> None:
    """The worker converts with our plugin's events only: a site whose hook changes each page's
    Markdown has every postmortem converted in MkDocs' process, with the hook's change."""
    site = Site(tmp_path)
    for path, text in synthetic_postmortems(60):
        site.add(path, text)
    (tmp_path / "hooks.py").write_text(
        "def on_page_markdown(markdown, page, config, files):\n    return markdown + '\\n\\nHooked here.\\n'\n",
        encoding="utf-8",
    )
    site.extra_config["hooks"] = ["hooks.py"]
    result = _run_worker_takes_all(site)
    assert result.returncode == 0, result.stderr
    assert "converted on a second core" not in result.stderr
    assert "Markdown conversion" not in result.stderr
    pages = [site.site / path.removesuffix(".md") / "index.html" for path, _ in synthetic_postmortems(60)]
    assert all("Hooked here." in page.read_text(encoding="utf-8") for page in pages)


def test_a_worker_not_worth_forking_says_why(tmp_path: Path) -> None:
    """Below 50 postmortems the workers are not forked, and the log says so (no silent fallback)."""
    site = Site(tmp_path)
    for path, text in synthetic_postmortems(10):
        site.add(path, text)
    result = site.cli_build("--verbose")
    assert result.returncode == 0, result.stderr
    assert "parsing: in this process only (10 items, fewer than 50)" in result.stderr


def test_problems_found_in_the_worker_are_reported_like_any_other(tmp_path: Path) -> None:
    site = Site(tmp_path)
    files = dict(synthetic_postmortems(60))
    for path, text in files.items():
        site.add(path, text)
    # MkDocs lists files in path order: the worker parses from the last one, this process from the first.
    first, last = min(files), max(files)
    site.add(first, files[first].replace("\nseverity: ", "\nseverity: SEV9 # ", 1))
    site.add(last, files[last].replace("\ntitle: ", "\ntitle: [unclosed ", 1))
    result = site.cli_build()
    assert result.returncode != 0
    assert f"{first}:" in result.stderr and "severity" in result.stderr
    assert f"{last}:" in result.stderr and "invalid YAML" in result.stderr


def test_prompts_left_in_final_postmortems_are_found_on_both_cores(tmp_path: Path) -> None:
    """A `TODO:` prompt in a final postmortem is a warning (so --strict fails), whether the file
    was loaded (and looked through) in the worker or in MkDocs' own process."""
    site = Site(tmp_path)
    files = dict(synthetic_postmortems(60))
    for path, text in files.items():
        site.add(path, text)
    first, last = min(files), max(files)  # the last is loaded in the worker, the first here
    for path in (first, last):
        assert "\nstatus: final" in files[path]
        site.add(path, files[path].replace("\n## Impact\n", "\n## Impact\n\nTODO: say who was affected.\n", 1))
    result = site.cli_build()
    assert result.returncode != 0
    for path in (first, last):
        assert re.search(rf"WARNING .*{re.escape(path)}:\d+: template placeholder left in the body", result.stderr), (
            result.stderr
        )


def test_background_work_its_failures_and_a_hung_worker(tmp_path: Path) -> None:
    out = run_alone(f"""
        import os, time
        from pathlib import Path
        from postmortem_archive.workers import ahead
        target = Path({str(tmp_path)!r}) / "made"
        job = ahead.Background(lambda: target.write_text(str(os.getpid())), timeout=60)
        print(job.wait(), target.read_text() != str(os.getpid()))
        def fail():
            raise RuntimeError("only in the worker")
        failing = ahead.Background(fail, timeout=60)
        print(failing.wait(), failing.failure)
        hung = ahead.Background(lambda: time.sleep(600), timeout=1)
        start = time.perf_counter()
        print(hung.wait(), hung.failure, time.perf_counter() - start < 30)
    """)
    assert out.splitlines() == [
        "True True",
        "False failed (exit 1)",
        "False did not finish in 1 s and was stopped True",
    ], "done in a worker; a failure or a hung worker is reported as not done, and the build goes on"


# `mkdocs build` whose exports worker hangs: the build does not wait for ever, and makes them itself.
EXPORTS_WORKER_HANGS = """
import sys, time
from postmortem_archive.plugin import workers
from postmortem_archive.workers import ahead
workers.EXPORTS_SECONDS = 2
class Hung(ahead.Background):
    def __init__(self, work, timeout):
        super().__init__(lambda: time.sleep(600), timeout)
ahead.Background = Hung
from mkdocs.__main__ import cli
sys.argv = ["mkdocs", "build", "--strict", "--verbose"]
cli()
"""


def test_exports_are_made_here_when_the_worker_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parallel, serial = Site(tmp_path / "parallel"), Site(tmp_path / "serial")
    for site in (parallel, serial):
        for path, text in synthetic_postmortems(60):
            site.add(path, text)
    parallel.write_config()
    run = [sys.executable, "-c", EXPORTS_WORKER_HANGS]
    result = subprocess.run(run, cwd=parallel.root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "the exports: made in this process (the worker did not finish in 2 s and was stopped)" in result.stderr
    monkeypatch.setattr(ahead, "unusable", lambda *args, **kwargs: "turned off by the test")
    serial.build()
    for name in ("postmortems.json", "action-items.json", "action-items.csv", "feed.xml"):
        assert filecmp.cmp(serial.site / name, parallel.site / name, shallow=False), name
    for name in ("incidents/rows.json", "action-items/rows.json"):
        assert filecmp.cmp(serial.site / name, parallel.site / name, shallow=False), name


# `mkdocs build` whose exports worker starts writing only when on_post_build has begun: the plugin
# must not wait for the exports before then (MkDocs copies static files at on_env, before any page
# is built), and they must be whole when the other plugins' on_post_build runs.
EXPORTS_AT_THE_END = """
import os, sys, time
from postmortem_archive.plugin import workers
from postmortem_archive.workers import ahead
workers.EXPORTS_SECONDS = 30
class AtTheEnd(ahead.Background):
    def __init__(self, work, timeout):
        def later():
            deadline = time.monotonic() + 60
            while not os.path.exists("post-build-began") and time.monotonic() < deadline:
                time.sleep(0.01)
            work()
        super().__init__(later, timeout)
ahead.Background = AtTheEnd
from mkdocs.__main__ import cli
sys.argv = ["mkdocs", "build", "--strict", "--verbose"]
cli()
"""

# Two hooks around the plugin's on_post_build (priority 100, the default is 0): the first lets the
# worker start; the second copies what the exports hold when it runs.
HOOK_FIRST = """
from pathlib import Path
from mkdocs.plugins import event_priority

@event_priority(200)
def on_post_build(config):
    Path("post-build-began").touch()
"""
HOOK_SECOND = """
import shutil
from pathlib import Path
from mkdocs.plugins import event_priority

@event_priority(50)
def on_post_build(config):
    site = Path(config.site_dir)
    for name in ("postmortems.json", "action-items.csv", "feed.xml", "calendar/all.ics"):
        target = Path("seen-by-hook") / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site / name, target)
"""


def test_the_exports_worker_has_until_the_end_of_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MkDocs' process does not wait for the exports before the pages (it would wait here until
    the worker's time limit and make them itself); they are whole before any other plugin's
    on_post_build at a lower priority reads them, and equal to a build in one process."""
    parallel, serial = Site(tmp_path / "parallel"), Site(tmp_path / "serial")
    for site in (parallel, serial):
        for path, text in synthetic_postmortems(60):
            site.add(path, text)
    (parallel.root / "hook_first.py").write_text(HOOK_FIRST, encoding="utf-8")
    (parallel.root / "hook_second.py").write_text(HOOK_SECOND, encoding="utf-8")
    parallel.extra_config["hooks"] = ["hook_first.py", "hook_second.py"]
    parallel.write_config()
    run = [sys.executable, "-c", EXPORTS_AT_THE_END]
    result = subprocess.run(run, cwd=parallel.root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "the exports: made in this process" not in result.stderr, result.stderr
    assert re.search(r"the exports: \d+ files made on a second core", result.stderr), result.stderr
    monkeypatch.setattr(ahead, "unusable", lambda *args, **kwargs: "turned off by the test")
    serial.build()
    for name in ("postmortems.json", "action-items.csv", "feed.xml", "calendar/all.ics"):
        assert filecmp.cmp(serial.site / name, parallel.site / name, shallow=False), name
        assert filecmp.cmp(serial.site / name, parallel.root / "seen-by-hook" / name, shallow=False), name
