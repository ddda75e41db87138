"""Each kind of invalid input stops the build with one report naming file, line and field."""

from __future__ import annotations

import pytest

from conftest import Site, postmortem
from postmortem_archive.core.loader import load_all, load_one
from postmortem_archive.core.problems import ArchiveInvalid
from postmortem_archive.core.settings import Settings

pytestmark = pytest.mark.usefixtures("yaml_parser")  # libyaml's parser and the fallback

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

HEAD = "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV1\nsummary: s\n"
LAUGHS = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n"
    for i in range(1, 10)
)
# Valid YAML syntax whose values PyYAML cannot construct, and inputs that would cost gigabytes or
# overflow a stack: each is a problem with file, line and field, never a traceback.
UNREADABLE = {
    "month 13": (HEAD + "started: 2024-13-45\n---\n", "2024/x.md:6: started: cannot read '2024-13-45' as a date"),
    "day 30 of February": (HEAD + "detected: 2024-02-30T10:00:00Z\n---\n", "2024/x.md:6: detected: cannot read"),
    "year 0": (HEAD + "people:\n  scribe: 0000-01-01\n---\n", "2024/x.md:7: people.scribe: cannot read"),
    "zone +99:00": (HEAD + "resolved: 2024-01-01T10:00:00+99:00\n---\n", "2024/x.md:6: resolved: cannot read"),
    "bad base64": (HEAD + "trigger: !!binary 'zz*'\n---\n", "2024/x.md:6: trigger: invalid YAML: failed to decode"),
    "!!int on text": (HEAD + "impact:\n  users: !!int many\n---\n", "2024/x.md:7: impact.users: cannot read 'many'"),
    "!!bool on text": (HEAD + "tags: [!!bool maybe]\n---\n", "2024/x.md:6: tags[0]: cannot read 'maybe' as true/false"),
    "!!timestamp on text": (HEAD + "x: !!timestamp soon\n---\n", "2024/x.md:6: x: cannot read 'soon' as a date"),
    "python tag": (HEAD + "title2: !!python/object/apply:os.system [ls]\n---\n", "2024/x.md:6: title2: invalid YAML"),
    "huge int": (HEAD + "impact:\n  users: " + "9" * 5000 + "\n---\n", "2024/x.md:7: impact.users: number too long"),
    "int beyond bound": (HEAD + "impact:\n  users: " + "9" * 20 + "\n---\n", "2024/x.md:7: impact.users: Input"),
    "infinite revenue": (HEAD + "impact:\n  revenue: .inf\n---\n", "2024/x.md:7: impact.revenue: expected a finite"),
    "year 20240": (HEAD.replace("2024-01-01", "'20240-01-01'") + "---\n", "2024/x.md:3: date: expected a date"),
    # Any real date is valid (1066-10-14 too: test_units_loader); a day that does not exist is not.
    "no such day": (HEAD.replace("2024-01-01", "'2024-02-30'") + "---\n", "2024/x.md:3: date: expected a date"),
    "merge of a scalar": (HEAD + "people:\n  <<: 5\n---\n", "2024/x.md:7: people.<<: invalid YAML"),
    "list as key": (HEAD + "? [a, b]\n: 1\n---\n", "2024/x.md:6: front matter: a field name must be text"),
    "null as key": (HEAD + "people:\n  ~: x\n---\n", "2024/x.md:7: people: a field name must be text"),
    "control character": (HEAD + "title2: a\x07b\n---\n", "2024/x.md:6: front matter: invalid YAML: control"),
    "recursive alias": (HEAD + "tags: &t [*t]\n---\n", "2024/x.md:6: front matter: an alias refers to a block"),
    "billion laughs": (HEAD + LAUGHS + "---\n", "2024/x.md:10: a4: more than 20000 values"),
    "deep nesting": (HEAD + "tags: " + "[" * 40 + "]" * 40 + "\n---\n", "2024/x.md:6: front matter: nested more"),
    "deeper than libyaml allows": (
        HEAD + "tags: " + "[" * 5000 + "]" * 5000 + "\n---\n",
        "2024/x.md:6: front matter: invalid YAML: while increasing flow level: exceeded maximum nesting depth",
    ),
    "deep through aliases": (
        HEAD + "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 60)) + "---\n",
        "2024/x.md:36: a30: nested more than 32 levels deep",
    ),
    "too large": (HEAD + "summary2: " + "x" * 300_000 + "\n---\n", "2024/x.md:1: front matter: too large"),
    "line break U+2028 in a value": (HEAD + "title2: 'a\u2028b'\nx: !!int y\n---\n", "2024/x.md:7: x: cannot read"),
}
CASES.update(UNREADABLE)


# PyYAML's own parser has no nesting limit of its own: there the bound of 32 levels speaks first.
PYTHON_PARSER = {"deeper than libyaml allows": "2024/x.md:6: front matter: nested more than 32 levels deep"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_problem_names_file_line_and_field(case: str, yaml_parser: str) -> None:
    text, expected = CASES[case]
    if yaml_parser == "python":
        expected = PYTHON_PARSER.get(case, expected)
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
    site.add("2024/d.md", UNREADABLE["month 13"][0])
    site.add("2024/e.md", UNREADABLE["billion laughs"][0])
    site.site.mkdir()
    (site.site / "keep.txt").write_text("previous build")
    message = site.build_error()
    assert "5 problems in 5 postmortem files" in message
    for needle in (
        "2024/a.md:4: severity:",
        "2024/b.md:6: started:",
        "2024/c.md:2: file: not valid UTF-8",
        "2024/d.md:6: started: cannot read '2024-13-45'",
        "2024/e.md:10: a4: more than 20000 values",
    ):
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
