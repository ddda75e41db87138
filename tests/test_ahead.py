"""Work done ahead in a forked worker (ahead.py), and builds that use it giving the same site.

The unit checks run in a fresh interpreter, so no test runner's state is forked with them."""

from __future__ import annotations

import filecmp
import re
import subprocess
import sys
import textwrap
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


# `mkdocs build` in which MkDocs' process leaves every page to the workers (it waits until the
# worker has claimed each one), so the worker's path is taken for all pages, whatever the load.
# Only our plugin's log is verbose: under --verbose MkDocs would not check links to anchors.
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


@pytest.mark.parametrize(
    ("search", "share"), [("pagefind", "mixed"), ("material", "mixed"), ("material", "worker-takes-all")]
)
def test_a_parallel_build_equals_a_serial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, search: str, share: str
) -> None:
    """The real command (parses, renders headers and builds pages on a second core) against a
    build with the workers turned off (everything in one process): every file the same, Material's
    search index included (the worker's entries put into MkDocs' process in page order)."""
    parallel, serial = Site(tmp_path / "parallel"), Site(tmp_path / "serial")
    for site in (parallel, serial):
        site.plugin_options["search"] = search
        site.plugin_options["redact"] = {"enabled": True}  # the worker redacts the pages it builds
        for path, text in synthetic_postmortems(120):
            site.add(path, text)
    if share == "mixed":  # as it comes: how much each side does depends on the machine's load
        result = parallel.cli_build("--verbose")
    else:
        parallel.write_config()
        run = [sys.executable, "-c", WORKER_TAKES_ALL]
        result = subprocess.run(run, cwd=parallel.root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert re.search(r"headers and footers of \d+ postmortems were rendered on a second core", result.stderr)
    converted = re.search(r"(\d+) postmortems were converted on a second core", result.stderr)
    assert converted, result.stderr
    built = re.search(r"(\d+) pages were built on a second core(?: \((\d+) indexed there)?", result.stderr)
    # With Pagefind indexing beside the build on two cores, no page builder: Pagefind has the core.
    assert bool(built) == (search == "material" or ahead.cores() > 2), result.stderr
    monkeypatch.setattr(ahead, "usable", lambda *args, **kwargs: False)
    serial.build()
    assert _same_html(serial.site, parallel.site) > 120 + 100  # postmortems and the generated pages
    if share == "worker-takes-all":
        assert built
        pages = len(list(serial.site.rglob("*.html"))) - 1  # 404.html is a theme template, not a page
        assert int(built.group(1)) == pages
        assert int(converted.group(1)) == 120, "every postmortem's Markdown was converted in the worker"
        assert int(built.group(2) or 0) > 120, "the postmortems' search entries were made in the worker"


def _run_worker_takes_all(site: Site) -> subprocess.CompletedProcess[str]:
    site.write_config()
    run = [sys.executable, "-c", WORKER_TAKES_ALL]
    return subprocess.run(run, cwd=site.root, capture_output=True, text=True, timeout=300)


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
    pages = [site.site / path.removesuffix(".md") / "index.html" for path, _ in synthetic_postmortems(60)]
    assert all("Hooked here." in page.read_text(encoding="utf-8") for page in pages)


WARNING_HOOK = """
import logging
log = logging.getLogger("mkdocs.hooks.shout")

def on_env(env, config, files):
    last = list(files.documentation_pages())[-1].src_uri  # the page the worker takes first

    def shout(uri):
        if uri == last:
            log.warning(f"shouting on {uri}")
        return ""
    env.filters["shout"] = shout
    return env
"""


def test_a_warning_in_the_worker_is_logged_and_counted_by_mkdocs(tmp_path: Path) -> None:
    """A page that logs a warning while the worker builds it (here: the last page, which the worker
    takes first) is built again in MkDocs' own process: the warning is printed once and
    `--strict` fails on it, as it does without the worker."""
    site = Site(tmp_path)
    site.plugin_options["search"] = "material"  # with Pagefind on two cores there is no page builder
    for path, text in synthetic_postmortems(80):
        site.add(path, text)
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ page.file.src_uri | shout }}{{ super() }}{% endblock %}',
        encoding="utf-8",
    )
    (tmp_path / "hooks.py").write_text(WARNING_HOOK, encoding="utf-8")
    site.extra_config["theme"] = {"name": "material", "font": False, "custom_dir": "overrides"}
    site.extra_config["hooks"] = ["hooks.py"]
    result = site.cli_build("--verbose")
    assert result.returncode != 0, "--strict stops on the warning"
    assert len(re.findall(r"WARNING .*shouting on ", result.stderr)) == 1, result.stderr
    assert re.search(r"\d+ pages were built on a second core", result.stderr), result.stderr


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


def test_background_work_and_its_failures(tmp_path: Path) -> None:
    out = run_alone(f"""
        import os, time
        from pathlib import Path
        from postmortem_archive.workers import ahead
        target = Path({str(tmp_path)!r}) / "made"
        job = ahead.Background(lambda: target.write_text(str(os.getpid())))
        print(job.wait(), target.read_text() != str(os.getpid()))
        def fail():
            raise RuntimeError("only in the worker")
        print(ahead.Background(fail).wait())
        slow = ahead.Background(lambda: time.sleep(60))
        start = time.perf_counter()
        slow.close()
        print(time.perf_counter() - start < 30, slow.wait())
    """)
    assert out == "True True\nFalse\nTrue False", "done in a worker; a failure or a stop is reported as not done"


# `mkdocs build` whose background worker fails at once: what it was to make is made in MkDocs' process.
BACKGROUND_FAILS = """
import sys
from postmortem_archive.workers import ahead
class Failing(ahead.Background):
    def __init__(self, work):
        super().__init__(lambda: sys.exit(3))
ahead.Background = Failing
from mkdocs.__main__ import cli
sys.argv = ["mkdocs", "build", "--strict", "--verbose"]
cli()
"""


def test_exports_are_made_here_when_the_worker_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parallel, serial = Site(tmp_path / "parallel"), Site(tmp_path / "serial")
    for site in (parallel, serial):
        for path, text in synthetic_postmortems(60):
            site.add(path, text)
    parallel.write_config()
    run = [sys.executable, "-c", BACKGROUND_FAILS]
    result = subprocess.run(run, cwd=parallel.root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "the exports could not be made on a second core: making them here" in result.stderr
    monkeypatch.setattr(ahead, "usable", lambda *args, **kwargs: False)
    serial.build()
    for name in ("postmortems.json", "action-items.json", "action-items.csv", "feed.xml"):
        assert filecmp.cmp(serial.site / name, parallel.site / name, shallow=False), name
    for name in ("incidents/rows.json", "action-items/rows.json"):
        assert filecmp.cmp(serial.site / name, parallel.site / name, shallow=False), name


def test_the_garbage_collector_is_unfrozen_after_a_build(tmp_path: Path) -> None:
    """The build freezes what lives until its end (fewer full collections); a process that goes on
    after it (serve, a test run, a script) gets its collector back whole, even after a failure."""
    import gc

    site = Site(tmp_path)
    for path, text in synthetic_postmortems(3):
        site.add(path, text)
    site.build()
    assert gc.get_freeze_count() == 0
    (tmp_path / "hooks.py").write_text(
        "from mkdocs.exceptions import PluginError\n\n"
        "def on_page_markdown(markdown, page, config, files):\n    raise PluginError('a plugin failed')\n",
        encoding="utf-8",
    )
    site.extra_config["hooks"] = ["hooks.py"]
    assert "a plugin failed" in site.build_error()  # after on_files: the collector was frozen
    assert gc.get_freeze_count() == 0
