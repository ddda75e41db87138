"""Property: whatever front matter a file holds, only the project's own error comes out.

Generated front matter (scalars of every YAML type, dates and times in and out of range, tags,
nesting, anchors and aliases, odd encodings and line breaks) goes through the loader,
`postmortem lint`, `postmortem validate` and a real build, in a worker process with a timer per
example and a memory limit (tests/fuzz_worker.py). Seeds are fixed (derandomize).

Long run (documented in README): PM_FUZZ_EXAMPLES=2000 pytest tests/test_no_traceback.py -q
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_archive.core import source

EXAMPLES = int(os.environ.get("PM_FUZZ_EXAMPLES", "60"))
WORKER = Path(__file__).with_name("fuzz_worker.py")
PEAK_MB = int(os.environ.get("PM_FUZZ_PEAK_MB", "150"))  # growth of the worker's resident size allowed

FIELDS = [
    "id", "title", "date", "severity", "status", "summary", "services", "teams", "tags", "patterns",
    "contributing_factors", "started", "detected", "mitigated", "resolved", "impact", "trigger", "people",
    "action_items", "related", "lint",
]  # fmt: skip
SUBFIELDS = {
    "impact": ["users", "revenue", "description"],
    "people": ["incident_commander", "scribe", "facilitator", "responders", "authors"],
    "lint": ["disable"],
}
ITEM_FIELDS = ["title", "owner", "team", "due", "status", "type", "priority", "ticket", "completed"]
SPECIAL = [
    "yes", "no", "on", "off", "~", "null", "true", "False", ".nan", ".inf", "-.inf", "0x1F", "0o17", "0b101",
    "1_000", "12:30", "190:20:30", "1e400", "-0", "+12", "=", "<<", "''", '""', "[]", "{}", "-", "?", ":",
    "SEV1", "SEV9", "final", "draft", "open", "done", "P0", "P7", "monitoring", "PM201", "<script>alert(1)</script>",
    "Dana Smith", "payments team", "Sam Park and Lee Wong", "human error", "config-change", "../../etc/passwd",
    "2024-03-12", "2024-03-12T14:02:00Z", "2024-03-12 14:02:00", "9999-12-31T23:59:59-23:59", "0001-01-01",
]  # fmt: skip
TAGS = [
    "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!set", "!!omap", "!!pairs",
    "!!seq", "!!map", "!!python/object:os.system", "!!python/name:os.system", "!foo", "!<tag:x>",
]  # fmt: skip


def _date(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}" if year >= 0 else f"{year}-{month:02d}-{day:02d}"


dates = st.builds(_date, st.integers(-1, 12000), st.integers(0, 14), st.integers(0, 35))
times = st.builds(
    lambda d, sep, h, m, s, frac, zone: f"{d}{sep}{h:02d}:{m:02d}:{s:02d}{frac}{zone}",
    dates,
    st.sampled_from(["T", " ", "t"]),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["", ".5", ".123456789", "." + "9" * 30]),
    st.sampled_from(["", "Z", "+02:00", "-23:59", "+99:00", "+24:00", " +5", "-00:30"]),
)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(1, 300).map(lambda n: "9" * n),
    st.lists(st.integers(0, 99), min_size=2, max_size=60).map(lambda xs: ":".join(map(str, xs))),
)
texts = st.text(max_size=40)
scalars = st.one_of(
    st.sampled_from(SPECIAL),
    dates,
    times,
    numbers,
    texts.map(json.dumps),  # a double-quoted YAML string (escapes included)
    texts.map(lambda t: "'" + t.replace("'", "''") + "'"),
    texts,  # raw text: often not YAML at all
    st.builds(lambda tag, value: f"{tag} {value}", st.sampled_from(TAGS), st.one_of(texts, dates, numbers)),
)
anchor_names = st.sampled_from(["a", "b", "x"])


@st.composite
def values(draw: st.DrawFn, depth: int = 0) -> str:
    """A YAML value in flow style: a scalar, a list, a mapping, an anchored value or an alias."""
    kind = draw(st.integers(0, 9)) if depth < 3 else 0
    if kind <= 4:
        return draw(scalars)
    if kind == 5:
        items = draw(st.lists(values(depth + 1), max_size=4))
        return "[" + ", ".join(items) + "]"
    if kind == 6:
        keys = draw(st.lists(st.one_of(st.sampled_from([*ITEM_FIELDS, "<<"]), scalars), max_size=4))
        return "{" + ", ".join(f"{k}: {draw(values(depth + 1))}" for k in keys) + "}"
    if kind == 7:
        return f"&{draw(anchor_names)} {draw(values(depth + 1))}"
    if kind == 8:
        return f"*{draw(anchor_names)}"
    return draw(bombs)


def laughs(levels: int, fan: int) -> str:
    """Billion laughs: each anchor repeats the one before `fan` times, `levels` deep."""
    chain = [f"&l{i} [{', '.join([f'*l{i - 1}'] * fan)}]" for i in range(1, levels + 1)]
    return "[&l0 lol, " + ", ".join(chain) + "]"


# A few kilobytes each that would cost minutes, gigabytes or a crash without the loader's bounds.
BOMBS = {
    "laughs 9^12": laughs(12, 9),
    "laughs 2^40": laughs(40, 2),
    "laughs 5^20 in a mapping": "{a: " + laughs(20, 5) + "}",
    "nesting 40": "[" * 40 + "]" * 40,
    "nesting 3000": "[" * 3000 + "]" * 3000,
    "block nesting 900": "\n" + "".join("  " * i + "- \n" for i in range(900)),
    "alias inside its anchor": "&r [[[*r]]]",
    "int of 5,000 digits": "9" * 5000,
    "int of 50,000 digits": "9" * 50_000,
    "sexagesimal of 30,000 parts": ":".join(["59"] * 30_000),
    "float of 50,000 digits": "1." + "9" * 50_000,
    "front matter of 300 KB": "'" + "x" * 300_000 + "'",
}
bombs = st.sampled_from(sorted(BOMBS)).map(BOMBS.__getitem__)


def bomb_file(field: str, bomb: str) -> bytes:
    """A valid postmortem but for one bomb, so the bomb is what gets parsed."""
    return f"---\ntitle: Bomb\ndate: 2024-02-02\nseverity: SEV3\nsummary: s\n{field}: {bomb}\n---\n".encode()


quoted = st.text(min_size=1, max_size=60).map(json.dumps)
real_dates = st.dates().map(dt.date.isoformat)  # the calendar's ends too: due dates saturate there
real_times = st.datetimes(timezones=st.timezones()).map(dt.datetime.isoformat)


def flow_list(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(items, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")


FITTING: dict[str, st.SearchStrategy[str]] = {
    "id": st.sampled_from(["fuzzed", "x.y_z-1", "-bad", "a" * 300]),
    "title": quoted,
    "summary": quoted,
    "trigger": st.one_of(quoted, st.sampled_from(["https://x.example/pr/1", "javascript:alert(1)"])),
    "date": st.one_of(real_dates, dates),
    "severity": st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4", "SEV0"]),
    "status": st.sampled_from(["final", "draft", "in-review", "done"]),
    "services": flow_list(quoted),
    "teams": flow_list(quoted),
    "tags": flow_list(quoted),
    "patterns": flow_list(st.sampled_from(["config-change", "cascading-failure", "capacity", "nope"])),
    "contributing_factors": flow_list(st.one_of(quoted, st.just('"human error"'))),
    "related": flow_list(st.sampled_from(["2024-01-01-fine", "2024-02-02-fuzzed", "nowhere"])),
    "lint": st.sampled_from(["{disable: [PM201]}", "{disable: [X]}", "{}"]),
    "users": st.integers(-5, 10**16).map(str),
    "revenue": st.one_of(st.integers(-5, 10**16).map(str), st.floats().map(repr)),
    "description": quoted,
    "incident_commander": quoted,
    "scribe": quoted,
    "facilitator": quoted,
    "responders": flow_list(quoted),
    "authors": flow_list(quoted),
    "owner": quoted,
    "team": quoted,
    "ticket": st.one_of(quoted, st.sampled_from(["PAY-1", "https://t.example/1"])),
    "type": st.sampled_from(["mitigation", "process", "tooling", "architecture", "monitoring", "other"]),
    "priority": st.sampled_from(["P0", "P1", "P2", "P3", "P9"]),
    **{name: st.one_of(real_times, times) for name in ("started", "detected", "mitigated", "resolved")},
    **{name: st.one_of(real_dates, dates) for name in ("due", "completed")},
}


@st.composite
def value_for(draw: st.DrawFn, name: str) -> str:
    """Mostly a value of the field's type (so many examples build), sometimes anything at all."""
    fitting = FITTING.get(name)
    if fitting is not None and draw(st.integers(0, 3)) > 0:
        return draw(fitting)
    return draw(values())


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """A mostly valid front matter with some fields replaced by generated values, in block style."""
    fields: dict[str, str] = {
        "title": "Fuzzed incident",
        "date": "2024-02-02",
        "severity": "SEV2",
        "status": "final",
        "summary": "Checkout failed for some users.",
    }
    for name in draw(st.lists(st.sampled_from([*FIELDS, "x", "<<"]), max_size=6)):
        fields[name] = draw(value_for(name))
    lines = [f"{k}: {v}" for k, v in fields.items() if k not in SUBFIELDS]
    for name in draw(st.lists(st.sampled_from(sorted(SUBFIELDS)), max_size=2, unique=True)):
        subs = draw(st.lists(st.sampled_from(SUBFIELDS[name]), min_size=1, max_size=3, unique=True))
        lines.append(f"{name}:")
        lines += [f"  {sub}: {draw(value_for(sub))}" for sub in subs]
    if draw(st.booleans()):
        lines.append("action_items:")
        for _ in range(draw(st.integers(1, 3))):
            subs = ["title", *draw(st.lists(st.sampled_from(ITEM_FIELDS[1:]), max_size=5, unique=True))]
            lines += [f"  {'- ' if i == 0 else '  '}{sub}: {draw(value_for(sub))}" for i, sub in enumerate(subs)]
    if draw(st.integers(0, 9)) == 0:
        draw(st.randoms()).shuffle(lines)
    body = draw(st.sampled_from(["", "## Summary\n\nText.\n", "## Timeline\n\n<script>x</script>\n", "# H\n~~~\n"]))
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """The text in an odd encoding or with odd line breaks, sometimes with random bytes spliced in;
    or a valid postmortem with one bomb in it (nothing else wrong, so the bomb is what gets parsed)."""
    if draw(st.integers(0, 4)) == 0:
        return bomb_file(draw(st.sampled_from(["tags", "impact", "id", "people", "started"])), draw(bombs))
    text = draw(front_matter())
    if draw(st.integers(0, 4)) == 0:
        breaks = draw(st.sampled_from(["\r\n", "\u2028", "\x85", "\r"]))
        text = text.replace("\n", breaks, draw(st.integers(1, 50)))
    encoding = "utf-8" if draw(st.integers(0, 4)) else draw(st.sampled_from(["utf-8-sig", "utf-16", "latin-1"]))
    raw = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=8)) + raw[at:]
    return raw


class Worker:
    """The worker process, restarted when an example kills it."""

    def __init__(self, parser: str | None = None) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.parser = parser

    def start(self) -> None:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        if self.parser:
            env[source.PARSER_ENV] = self.parser
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        hello = self.proc.stdout.readline()
        assert hello and json.loads(hello)["ready"], "the fuzz worker did not start"
        assert self.parser in (None, json.loads(hello)["parser"]), "the worker loads with another parser"

    def run(self, raw: bytes) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"raw": base64.b64encode(raw).decode()}) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            code = self.proc.wait()
            self.stop()
            return {"escaped": [f"the worker died (exit status {code}): a crash or the memory limit"]}
        return dict(json.loads(reply))

    def stop(self) -> None:
        if self.proc is not None:
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    pipe.close()
            self.proc.wait(timeout=30)
            self.proc = None


@pytest.fixture(scope="module", params=["c", "python"])
def worker(request: pytest.FixtureRequest) -> Iterator[Worker]:
    """The worker with libyaml's parser, then with PyYAML's own (the fallback)."""
    w = Worker(request.param)
    yield w
    w.stop()


SEEN: dict[str, int] = {}


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(raw=files())
def test_only_the_projects_error_escapes(worker: Worker, raw: bytes) -> None:
    outcome = worker.run(raw)
    assert not outcome["escaped"], "\n".join(outcome["escaped"])
    # Peak memory above the worker's start, over every example so far (a high-water mark): the loader
    # survives a MemoryError ("too complex"), so only this shows a bound that stopped working.
    assert outcome["peak_mb"] < PEAK_MB, f"the worker grew by {outcome['peak_mb']} MB"
    key = f"{outcome['loader']}/{outcome['build']}"
    SEEN[key] = SEEN.get(key, 0) + 1
    # The commands agree with the loader: a file the loader refuses fails validate and the build.
    if outcome["loader"] != "valid":
        assert outcome["validate"] == 1 and outcome["build"] == "refused"
        assert "2024-02-02-fuzzed.md:" in outcome["validate_output"]
    else:
        assert outcome["validate"] == 0


def test_generated_inputs_reach_every_outcome(worker: Worker) -> None:
    """The property above is only worth something if its inputs both pass and fail."""
    if not SEEN:
        # It ran in another process (pytest-xdist spreads tests over workers) or not at all: run it
        # here, with the same fixed seed, rather than skip.
        test_only_the_projects_error_escapes(worker)
    assert any(k.startswith("valid/built") for k in SEEN), SEEN
    assert any(k.startswith("problems/refused") for k in SEEN), SEEN


@pytest.mark.parametrize(
    ("how", "reported"),
    [("raise", "ZeroDivisionError: sabotaged"), ("hang", "took longer than 2"), ("memory", "MemoryError")],
)
def test_the_harness_reports_errors_hangs_and_memory(how: str, reported: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits are real: a loader that raises, hangs or balloons is reported, and the run goes on."""
    monkeypatch.setenv("PM_FUZZ_SABOTAGE", how)
    monkeypatch.setenv("PM_FUZZ_SECONDS", "2" if how == "hang" else "120")  # a loaded machine is slow, not stuck
    monkeypatch.setenv("PM_FUZZ_MEGABYTES", "200")
    broken = Worker()
    try:
        outcome = broken.run(b"---\ntitle: T\n---\n")
        assert any(reported in e for e in outcome["escaped"]), outcome
        assert broken.run(b"---\ntitle: T\n---\n")["escaped"], "the worker keeps serving after a failure"
    finally:
        broken.stop()


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_each_bomb_is_refused_within_bounds(worker: Worker, bomb: str) -> None:
    """Every bomb at full size, whatever the generator happens to draw: refused, in bounded memory."""
    outcome = worker.run(bomb_file("tags", BOMBS[bomb]))
    assert not outcome["escaped"], "\n".join(outcome["escaped"])
    assert outcome["loader"] == "problems" and outcome["validate"] == 1 and outcome["build"] == "refused"
    assert outcome["peak_mb"] < PEAK_MB, f"the worker grew by {outcome['peak_mb']} MB"
