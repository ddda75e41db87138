"""Each kind of invalid input stops the build with one report naming file, line and field."""

from __future__ import annotations

import pytest

from conftest import Site, postmortem
from postmortem_archive.loader import load_all, load_one
from postmortem_archive.problems import ArchiveInvalid
from postmortem_archive.settings import Settings

GOOD = postmortem(title="Fine", date="2024-01-01")

CASES = {
    "missing required field": (
        "---\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\n---\nbody\n",
        "2024/x.md:1: title: required field is missing",
    ),
    "wrong type (YAML bool for text)": (
        "---\ntitle: no\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\n---\n",
        "2024/x.md:2: title: Input should be a valid string, got bool False",
    ),
    "YAML 1.1 sexagesimal time as date": (
        "---\ntitle: T\ndate: 12:30\nseverity: SEV1\nsummary: s\n---\n",
        "2024/x.md:3: date: expected a date like 2024-03-12, got int 750",
    ),
    "unknown severity": (
        "---\ntitle: T\ndate: 2024-01-01\nseverity: critical\nsummary: s\n---\n",
        "2024/x.md:4: severity: unknown severity 'critical'; use one of SEV1, SEV2, SEV3, SEV4",
    ),
    "unknown status": (
        "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV1\nstatus: done\nsummary: s\n---\n",
        "2024/x.md:5: status: Input should be 'draft', 'in-review' or 'final'",
    ),
    "naive timestamp": (
        "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\nstarted: 2024-01-01 10:00:00\n---\n",
        "2024/x.md:6: started: timestamp 2024-01-01T10:00:00 has no time zone",
    ),
    "unknown field": (
        "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\nservce: [a]\n---\n",
        "2024/x.md:6: servce: unknown field",
    ),
    "nested field": (
        "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\n"
        "action_items:\n  - title: x\n    owner: [a, b]\n---\n",
        "2024/x.md:8: action_items[0].owner: Input should be a valid string, got list ['a', 'b']",
    ),
    "malformed YAML": (
        "---\ntitle: T\ndate: [2024\nseverity: SEV1\n---\n",
        "2024/x.md:4: front matter: invalid YAML",
    ),
    "duplicate key": (
        "---\ntitle: T\ntitle: U\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\n---\n",
        "2024/x.md:3: title: duplicate key",
    ),
    "no front matter": (
        "title: T\ndate: 2024-01-01\n\nBody that MkDocs would read as meta.\n",
        "2024/x.md:1: front matter: missing",
    ),
    "unclosed front matter": ("---\ntitle: T\n", "2024/x.md:1: front matter: not closed"),
    "final without summary": (
        "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV1\n---\n",
        "2024/x.md:1: summary: required when status is final",
    ),
    "timestamps out of order": (
        "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\nstarted: 2024-01-01T10:00:00Z\n"
        "detected: 2024-01-01T09:00:00Z\n---\n",
        "2024/x.md:7: detected: 2024-01-01T09:00:00+00:00 is before started",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_problem_names_file_line_and_field(case: str) -> None:
    text, expected = CASES[case]
    problems = load_one("2024/x.md", text.encode(), Settings())
    assert isinstance(problems, list), "invalid input must not validate"
    assert any(str(p).startswith(expected) for p in problems), [str(p) for p in problems]


def test_not_utf8() -> None:
    raw = "---\ntitle: Caf\u00e9\n".encode("latin-1") + b"date: 2024-01-01\n---\n"
    [problem] = load_one("2024/x.md", raw, Settings())
    assert str(problem).startswith("2024/x.md:2: file: not valid UTF-8")


def test_duplicate_id_and_missing_related_across_files() -> None:
    a = postmortem(title="A", id="shared")
    b = postmortem(title="B", id="shared", related=["nowhere"])
    with pytest.raises(ArchiveInvalid) as info:
        load_all([("2024/a.md", a.encode()), ("2024/b.md", b.encode())], Settings())
    lines = [str(p) for p in info.value.problems]
    assert "2024/b.md:7: id: duplicate id 'shared', also used by 2024/a.md" in lines
    assert any(line.startswith("2024/b.md:9: related[0]: no postmortem has the id 'nowhere'") for line in lines)


def test_configured_timezone_applies_to_naive_timestamps() -> None:
    from zoneinfo import ZoneInfo

    text = postmortem(started="2024-01-01 10:00:00")
    pm = load_one("2024/x.md", text.encode(), Settings(timezone=ZoneInfo("Europe/Berlin")))
    assert not isinstance(pm, list)
    assert pm.meta.started is not None and pm.meta.started.utcoffset().total_seconds() == 3600


def test_build_reports_every_problem_in_every_file_and_writes_nothing(site: Site) -> None:
    site.add("2024/good.md", GOOD)
    site.add("2024/a.md", CASES["unknown severity"][0])
    site.add("2024/b.md", CASES["naive timestamp"][0])
    site.add("2024/c.md", b"---\ntitle: \xff\n---\n")
    site.site.mkdir()
    (site.site / "keep.txt").write_text("previous build")
    message = site.build_error()
    assert "3 problems in 3 postmortem files" in message
    for needle in ("2024/a.md:4: severity:", "2024/b.md:6: started:", "2024/c.md:2: file: not valid UTF-8"):
        assert needle in message
    assert [p.name for p in site.site.iterdir()] == ["keep.txt"], "a failed build must not touch site_dir"


def test_real_mkdocs_command_exits_nonzero(site: Site) -> None:
    site.add("2024/a.md", CASES["unknown severity"][0])
    site.add("2024/b.md", CASES["missing required field"][0])
    result = site.cli_build()
    assert result.returncode == 1
    assert "2024/a.md:4: severity: unknown severity 'critical'" in result.stderr
    assert "2024/b.md:1: title: required field is missing" in result.stderr
    assert not (site.site / "index.html").exists()


def test_generated_path_collision_is_an_error(site: Site) -> None:
    site.add("2024/good.md", GOOD)
    site.add("tags/index.md", "# My own tags page\n")
    assert "'tags/index.md' exists in docs_dir, but the plugin generates that page" in site.build_error()


def test_bad_option_is_an_error(site: Site) -> None:
    site.add("2024/good.md", GOOD)
    site.plugin_options["timezone"] = "Mars/Olympus"
    assert "option 'timezone': unknown time zone 'Mars/Olympus'" in site.build_error()
