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
from postmortem_archive import ahead

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
        from postmortem_archive import ahead
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
        from postmortem_archive import ahead
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
        from postmortem_archive import ahead
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
        from postmortem_archive import ahead
        print(ahead.usable(100), ahead.split_map(list(range(101)), lambda k: k + 1) == list(range(1, 102)))
        thread = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True)
        thread.start()
        print(ahead.usable(100), ahead.usable(10))
    """)
    assert out == "True True\nFalse False", "no fork with another thread running, nor for a few items"


def test_a_parallel_build_equals_a_serial_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real command (parses and renders ahead on a second core) against a build with the
    worker turned off (everything in one process)."""
    parallel, serial = Site(tmp_path / "parallel"), Site(tmp_path / "serial")
    for path, text in synthetic_postmortems(120):
        parallel.add(path, text)
        serial.add(path, text)
    result = parallel.cli_build("--verbose")
    assert result.returncode == 0, result.stderr
    # How many came from the worker depends on the machine's load; that it ran does not.
    assert re.search(r"headers and footers of \d+ postmortems were rendered on a second core", result.stderr)
    monkeypatch.setattr(ahead, "usable", lambda *args, **kwargs: False)
    serial.build()
    compared = 0
    for page in serial.site.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        twin = parallel.site / page.relative_to(serial.site)
        assert filecmp.cmp(page, twin, shallow=False), page
        compared += 1
    assert compared > 120


def test_problems_found_in_the_worker_are_reported_like_any_other(tmp_path: Path) -> None:
    site = Site(tmp_path)
    files = dict(synthetic_postmortems(60))
    for path, text in files.items():
        site.add(path, text)
    # MkDocs lists files in path order: the first half goes to the worker, the second stays here.
    first, last = min(files), max(files)
    site.add(first, files[first].replace("\nseverity: ", "\nseverity: SEV9 # ", 1))
    site.add(last, files[last].replace("\ntitle: ", "\ntitle: [unclosed ", 1))
    result = site.cli_build()
    assert result.returncode != 0
    assert f"{first}:" in result.stderr and "severity" in result.stderr
    assert f"{last}:" in result.stderr and "invalid YAML" in result.stderr
