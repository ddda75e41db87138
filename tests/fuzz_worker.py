"""Worker process for tests/test_no_traceback.py: runs one fuzzed postmortem through every entry point.

Reads one JSON request per line on stdin ({"raw": base64 bytes}), writes one JSON reply per line
on the original stdout. Each example runs under a CPU-time timer (with a wall-clock backstop) and
the whole process under an address-space limit (set after the imports), so an input that hangs or
balloons is reported, not waited for.
A reply's "escaped" lists every exception that was not the project's own error, with its traceback.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import os
import resource
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError

from postmortem_archive.cli import main as cli_main
from postmortem_archive.core import source
from postmortem_archive.core.loader import load_all, load_one
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import ArchiveInvalid, Problem
from postmortem_archive.core.settings import Settings

SECONDS = float(os.environ.get("PM_FUZZ_SECONDS", "20"))  # CPU time per example, all four entry points
WALL_FACTOR = 10  # a wall-clock backstop; CPU time is what a loaded machine does not inflate
EXTRA_MB = int(os.environ.get("PM_FUZZ_MEGABYTES", "400"))  # memory an example may add to the worker
GOOD = (
    "---\ntitle: A fine incident\ndate: 2024-01-01\nseverity: SEV3\nstatus: final\n"
    "summary: Search was slow for ten minutes.\n---\n\n## Summary\n\nSearch was slow.\n"
)


class Timeout(BaseException):
    """BaseException, so no `except Exception` in the code under test can swallow it."""


def _cpu_alarm(signum: int, frame: Any) -> None:
    raise Timeout(f"example took longer than {SECONDS} s of CPU time")


def _wall_alarm(signum: int, frame: Any) -> None:
    raise Timeout(f"example took longer than {SECONDS * WALL_FACTOR} s of wall-clock time")


def _vm_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs = root / "docs"
        (self.docs / "2024").mkdir(parents=True)
        (self.docs / "index.md").write_text("# Archive\n", encoding="utf-8")
        (self.docs / "2024" / "2024-01-01-fine.md").write_text(GOOD, encoding="utf-8")
        self.target = self.docs / "2024" / "2024-02-02-fuzzed.md"
        config = {
            "site_name": "Fuzz",
            "site_url": "https://example.com/",
            "docs_dir": "docs",
            "site_dir": "site",
            "theme": {"name": "material", "font": False},
            "plugins": ["search", {"postmortems": {"today": "2026-11-23", "search": "material"}}],
        }
        self.config = root / "mkdocs.yml"
        self.config.write_text(yaml.safe_dump(config), encoding="utf-8")

    def run(self, raw: bytes) -> dict[str, Any]:
        self.target.write_bytes(raw)
        escaped: list[str] = []
        outcome: dict[str, Any] = {"escaped": escaped}

        def guard(name: str, call: Any) -> Any:
            try:
                return call()
            except Timeout:
                raise
            except BaseException:  # anything else escaping is what this test exists to find
                escaped.append(f"{name}: {traceback.format_exc()}")
                return None

        def loader() -> str:
            result = load_one("2024/2024-02-02-fuzzed.md", raw, Settings())
            if isinstance(result, list):
                assert result and all(isinstance(p, Problem) for p in result), result
                return "problems"
            assert isinstance(result, Postmortem)
            try:
                load_all([("2024/2024-01-01-fine.md", GOOD.encode()), ("2024/2024-02-02-fuzzed.md", raw)], Settings())
            except ArchiveInvalid:
                return "invalid archive"
            return "valid"

        outcome["loader"] = guard("loader", loader)
        for command in ("lint", "validate"):
            args = [command, "-f", str(self.config)] + ([str(self.target)] if command == "lint" else [])
            out, err = io.StringIO(), io.StringIO()

            def call(args: list[str] = args, out: io.StringIO = out, err: io.StringIO = err) -> int:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    return cli_main(args)

            code = guard(command, call)
            outcome[command] = code
            outcome[command + "_output"] = (out.getvalue() + err.getvalue())[-4000:]
            if code is not None and code not in (0, 1):
                escaped.append(f"{command}: exit status {code}:\n{outcome[command + '_output']}")
            if "Traceback" in outcome[command + "_output"]:
                escaped.append(f"{command}: printed a traceback:\n{outcome[command + '_output']}")

        def site() -> str:
            config = load_config(str(self.config), strict=True)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            except (PluginError, Abort):  # the project's error, or strict mode stopping on a warning
                return "refused"
            finally:
                config.plugins.on_shutdown()
            return "built"

        outcome["build"] = guard("build", site)
        return outcome


def _sabotage(how: str) -> None:
    """For the harness's own test: make the loader raise, hang or balloon, to see each reported."""
    from postmortem_archive.core import source

    def broken(path: str, raw: bytes) -> Any:
        if how == "raise":
            raise ZeroDivisionError("sabotaged")
        if how == "hang":
            while True:
                pass
        if how == "memory":
            return [bytearray(2**20) for _ in range(100_000)]  # 100 GB, one MB at a time
        return original(path, raw)

    original = source.load
    if how:
        source.load = broken


def serve() -> None:
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed to fd 1 goes to stderr, never into the protocol
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8", line_buffering=True)
    logging.getLogger("mkdocs").setLevel(logging.ERROR)  # the build's own messages are not needed here
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp))
        archive.run(GOOD.encode())  # warm up every import and cache before measuring memory
        start_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # peak resident size so far
        limit = _vm_bytes() + EXTRA_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
        signal.signal(signal.SIGPROF, _cpu_alarm)
        signal.signal(signal.SIGALRM, _wall_alarm)
        _sabotage(os.environ.get("PM_FUZZ_SABOTAGE", ""))
        protocol.write(json.dumps({"ready": True, "limit_mb": limit // 2**20, "parser": source.parser()}) + "\n")
        protocol.flush()
        for line in sys.stdin:
            raw = base64.b64decode(json.loads(line)["raw"])
            signal.setitimer(signal.ITIMER_PROF, SECONDS)
            signal.setitimer(signal.ITIMER_REAL, SECONDS * WALL_FACTOR)
            try:
                reply = archive.run(raw)
            except Timeout as exc:
                reply = {"escaped": [str(exc)], "timeout": True}
            except MemoryError:
                reply = {"escaped": [f"MemoryError: more than {EXTRA_MB} MB"]}
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
                signal.setitimer(signal.ITIMER_REAL, 0)
            # The loader survives a MemoryError (it reports "too complex"), so the limit alone would not
            # show a lost bound: the peak resident size since start does.
            reply["peak_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_kb) // 1024
            protocol.write(json.dumps(reply) + "\n")
            protocol.flush()


if __name__ == "__main__":
    serve()
