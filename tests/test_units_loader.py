"""loader.py and model.py without a site: which files are postmortems, what is accepted, every error message."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from postmortem_archive.core.loader import is_postmortem, load_all, load_one
from postmortem_archive.core.model import People, _describe, validate_front_matter
from postmortem_archive.core.problems import ArchiveInvalid
from postmortem_archive.core.settings import Settings
from postmortem_archive.core.taxonomy import Taxonomy
from units import settings

BASE = {"title": "T", "date": "2024-03-12", "severity": "SEV2", "summary": "S."}

pytestmark = pytest.mark.usefixtures("yaml_parser")  # libyaml's parser and the fallback


def raw(**fields: object) -> bytes:
    data = {**BASE, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return ("---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n\nBody.\n").encode()


def problems(**fields: object) -> list[str]:
    result = load_one("2024/x.md", raw(**fields), settings())
    assert isinstance(result, list), result
    return [str(p) for p in result]


# --- which files ---


@pytest.mark.parametrize(
    ("src_uri", "expected"),
    [
        ("2024/outage.md", True),
        ("2024/outage.txt", False),
        ("2024/index.md", False),
        ("2024/README.md", False),
        ("guide/outage.md", False),
        ("2024/sub/outage.md", True),  # fnmatch's * crosses '/'
        ("outage.md", False),
    ],
)
def test_is_postmortem_by_globs(src_uri, expected):
    assert is_postmortem(src_uri, Settings()) is expected


def test_exclude_wins_over_include():
    s = Settings(include=("*.md",), exclude=("drafts/*",))
    assert is_postmortem("a.md", s) and not is_postmortem("drafts/a.md", s)


# --- one file ---


def test_valid_file_gives_a_postmortem_named_after_the_file_or_its_id():
    pm = load_one("2024/2024-03-12-db.md", raw(), settings())
    assert (pm.id, pm.src_path, pm.title, pm.body.strip(), pm.body_line) == (
        "2024-03-12-db",
        "2024/2024-03-12-db.md",
        "T",
        "Body.",
        7,
    )
    assert pm.line_of(("severity",)) == 4
    assert load_one("2024/x.md", raw(id="custom-id"), settings()).id == "custom-id"


def test_final_needs_a_summary_drafts_do_not():
    assert problems(summary=None) == ["2024/x.md:1: summary: required when status is final"]
    assert problems(summary="") == [
        "2024/x.md:5: summary: String should have at least 1 character",
        "2024/x.md:1: summary: required when status is final",
    ]
    assert not isinstance(load_one("2024/x.md", raw(summary=None, status="draft"), settings()), list)
    assert not isinstance(load_one("2024/x.md", raw(summary=None, status="in-review"), settings()), list)


def test_schema_problems_come_with_the_summary_problem():
    assert problems(summary=None, severity="SEV9") == [
        "2024/x.md:4: severity: unknown severity 'SEV9'; use one of SEV1, SEV2, SEV3, SEV4",
        "2024/x.md:1: summary: required when status is final",
    ]


def test_messages_for_missing_unknown_and_wrongly_typed_fields():
    assert problems(title=None) == ["2024/x.md:1: title: required field is missing"]
    assert problems(colour="red") == [
        "2024/x.md:6: colour: unknown field (check the spelling; see `postmortem schema` for the fields)"
    ]
    assert problems(title=True) == [
        "2024/x.md:2: title: Input should be a valid string, got bool True"
        " (YAML reads unquoted yes/no/on/off, numbers and times as non-text: quote it)"
    ]
    assert problems(title=12) == [
        "2024/x.md:2: title: Input should be a valid string, got int 12"
        " (YAML reads unquoted yes/no/on/off, numbers and times as non-text: quote it)"
    ]
    assert problems(services="api") == ["2024/x.md:6: services: Input should be a valid list, got str 'api'"]
    assert problems(people=["a"]) == [
        "2024/x.md:6: people: Input should be a valid dictionary or instance of People, got list ['a']"
    ]
    long = ["x" * 100]
    assert problems(title=long) == [
        "2024/x.md:2: title: Input should be a valid string, got list " + repr(long)[:77] + "..."
    ]
    assert problems(impact={"users": "many"}) == [
        "2024/x.md:7: impact.users: Input should be a valid integer, got str 'many'"
    ]
    assert problems(date="March") == ["2024/x.md:3: date: expected a date like 2024-03-12, got str 'March'"]


def test_timestamps_must_be_in_order():
    stamps = {
        "started": "2024-03-12T14:00:00Z",
        "detected": "2024-03-12T13:00:00Z",
        "mitigated": "2024-03-12T15:00:00Z",
        "resolved": "2024-03-12T14:30:00Z",
    }
    assert problems(**stamps) == [
        "2024/x.md:7: detected: 2024-03-12T13:00:00+00:00 is before started 2024-03-12T14:00:00+00:00",
        "2024/x.md:9: resolved: 2024-03-12T14:30:00+00:00 is before mitigated 2024-03-12T15:00:00+00:00",
    ]
    # Missing ones are skipped: resolved is compared with started. Equal times are in order.
    assert problems(started="2024-03-12T14:00:00Z", resolved="2024-03-12T13:59:00Z") == [
        "2024/x.md:7: resolved: 2024-03-12T13:59:00+00:00 is before started 2024-03-12T14:00:00+00:00"
    ]
    ok = load_one("2024/x.md", raw(started="2024-03-12T14:00:00Z", detected="2024-03-12T14:00:00Z"), settings())
    assert not isinstance(ok, list)


# --- the archive ---


def test_load_all_sorts_newest_first_then_by_id_descending():
    files = [
        ("2024/b.md", raw(date="2024-01-01")),
        ("2024/a.md", raw(date="2024-05-01")),
        ("2024/c.md", raw(date="2024-01-01")),
    ]
    assert [pm.id for pm in load_all(files, settings())] == ["a", "c", "b"]
    assert load_all([], settings()) == []


def test_load_all_reports_every_problem_of_every_file():
    files = [
        ("2024/a.md", raw(related=["a", "b", "nowhere"])),
        ("2024/b.md", raw(id="a")),
        ("2024/c.md", raw(title=None)),
    ]
    with pytest.raises(ArchiveInvalid) as caught:
        load_all(files, settings())
    assert [str(p) for p in caught.value.problems] == [
        "2024/a.md:7: related[0]: a postmortem cannot be related to itself",
        "2024/a.md:8: related[1]: no postmortem has the id 'b'",  # b.md calls itself 'a'
        "2024/a.md:9: related[2]: no postmortem has the id 'nowhere'",
        "2024/b.md:6: id: duplicate id 'a', also used by 2024/a.md",
        "2024/c.md:1: title: required field is missing",
    ]


def test_load_all_uses_the_given_loader():
    calls = []

    def load(path, data, s):
        calls.append(path)
        return load_one(path, data, s)

    load_all([("2024/a.md", raw()), ("2024/b.md", raw())], settings(), load)
    assert calls == ["2024/a.md", "2024/b.md"]


# --- the model ---


def validate(**fields: object):
    return validate_front_matter({**BASE, **fields}, severities=("SEV1", "SEV2"), timezone=None, taxonomy=Taxonomy())


def errors(**fields: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate(**fields)
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in caught.value.errors()]


@pytest.mark.parametrize(
    "value", ["0001-01-01", "1628-08-10", "1899-12-31", "3000-01-01", "9999-12-31", " 2024-03-12 "]
)
def test_any_real_calendar_date(value):
    """Historical incidents are real (the Vasa sank on 1628-08-10): the bound is the date type's."""
    assert validate(date=value).date == dt.date.fromisoformat(value.strip())


@pytest.mark.parametrize("value", ["10000-01-01", "0000-01-01", "2024-02-30", "2024-13-01"])
def test_dates_that_are_no_calendar_date(value):
    assert errors(date=value) == [f"date: expected a date like 2024-03-12, got str {value!r}"]


def test_dates_and_timestamps_are_not_each_other():
    assert validate(date=dt.date(2024, 3, 12)).date == dt.date(2024, 3, 12)
    assert errors(date=dt.datetime(2024, 3, 12, 10, 0)) == [
        "date: expected a date like 2024-03-12, got a timestamp 2024-03-12T10:00:00"
    ]
    assert errors(started=dt.date(2024, 3, 12)) == [
        "started: expected a timestamp like 2024-03-12T14:02:00Z, got a date without time 2024-03-12"
    ]
    assert errors(started="soon") == ["started: expected a timestamp like 2024-03-12T14:02:00Z, got str 'soon'"]
    assert errors(started=5) == ["started: expected a timestamp like 2024-03-12T14:02:00Z, got int 5"]
    assert validate(started="3000-01-01T00:00:00Z").started == dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
    assert validate(started=dt.datetime(1628, 8, 10, 16, tzinfo=dt.UTC)).started.year == 1628
    stamp = dt.datetime(2024, 3, 12, 10, 0, tzinfo=dt.UTC)
    assert validate(started=stamp).started == stamp
    assert validate(started=" 2024-03-12T10:00:00Z ").started == stamp


def test_naive_timestamps_need_a_zone():
    assert errors(started="2024-03-12T10:00:00") == [
        "started: timestamp 2024-03-12T10:00:00 has no time zone; write it like 2024-03-12T10:00:00Z or +02:00,"
        " or set the plugin's 'timezone' option"
    ]
    zone = ZoneInfo("Europe/Paris")
    meta = validate_front_matter({**BASE, "started": "2024-03-12T10:00:00"}, severities=(), timezone=zone)
    assert meta.started == dt.datetime(2024, 3, 12, 10, 0, tzinfo=zone)


def test_patterns_resolve_aliases_and_refuse_unknown_ones():
    assert validate(patterns=["config", "config-change"]).patterns == ["config-change"]
    message = errors(patterns=["nope"])[0]
    assert message.startswith("patterns.0: unknown pattern 'nope'; known patterns: config-change, ")
    assert message.endswith(" (a site can add its own, see the 'patterns' option)")
    no_taxonomy = validate_front_matter({**BASE, "patterns": ["anything"]}, severities=(), timezone=None)
    assert no_taxonomy.patterns == ["anything"]


@pytest.mark.parametrize("factor", ["Human error", "operator mistakes", "engineer-error", "PILOT   ERROR"])
def test_human_error_is_not_a_contributing_factor(factor):
    (message,) = errors(contributing_factors=["Alert was noisy", factor])
    assert message.startswith(f"contributing_factors.1: {factor!r}: 'human error' is where an investigation starts")


def test_factors_that_only_look_alike_are_accepted():
    ok = ["humans erred", "superhuman errors", "operator-errors-ish"]
    assert validate(contributing_factors=ok[:2]).contributing_factors == ok[:2]


def test_text_is_stripped_and_must_not_be_empty_lists_deduplicated():
    meta = validate(title="  Outage  ", services=["a", "b", "a"], tags=["x", "x"], related=["r", "r"])
    assert (meta.title, meta.services, meta.tags, meta.related) == ("Outage", ["a", "b"], ["x"], ["r"])
    assert errors(title="   ") == ["title: String should have at least 1 character"]


def test_ids_are_url_safe():
    assert validate(id="2024-03-12_db.v2").id == "2024-03-12_db.v2"
    assert errors(id="-x") == [
        "id: may contain only letters, digits, '.', '_' and '-', starting with a letter or digit"
    ]
    assert errors(id="a/b")[0].startswith("id: may contain only")
    assert validate(id="a" * 200).id == "a" * 200
    assert errors(id="a" * 201)[0].startswith("id: may contain only")


def test_impact_figures():
    assert validate(impact={"users": 0, "revenue": 12.5}).impact.revenue == 12.5
    assert errors(impact={"revenue": True}) == ["impact.revenue: expected a number, got bool True"]
    assert errors(impact={"revenue": "lots"}) == ["impact.revenue: expected a number, got str 'lots'"]
    assert errors(impact={"revenue": float("inf")}) == ["impact.revenue: expected a finite number, got inf"]
    assert errors(impact={"users": -1}) == ["impact.users: Input should be greater than or equal to 0"]
    assert errors(impact={"users": 10**15 + 1}) == [
        "impact.users: Input should be less than or equal to 1000000000000000"
    ]


def test_roles_in_fixed_order_only_when_filled():
    people = People(scribe="Lee", responders=["Sam", "Kim"], facilitator="Ana", incident_commander="Dana")
    assert people.roles() == [
        ("Incident commander", ["Dana"]),
        ("Scribe", ["Lee"]),
        ("Facilitator", ["Ana"]),
        ("Responders", ["Sam", "Kim"]),
    ]
    assert People(authors=["Kim"]).roles() == [("Authors", ["Kim"])]
    assert People().roles() == []


def test_action_item_closed_statuses():
    meta = validate(action_items=[{"title": t, "status": t} for t in ("open", "in-progress", "done", "wont-fix")])
    assert [item.is_closed for item in meta.action_items] == [False, False, True, True]
    assert meta.action_items[0].status == "open"
    assert validate(action_items=[{"title": "t"}]).action_items[0].status == "open"


def test_describe_shortens_long_values():
    assert _describe("abc") == "str 'abc'"
    assert _describe("x" * 78) == "str " + repr("x" * 78)  # 80 characters with the quotes: whole
    assert _describe("x" * 79) == "str " + repr("x" * 79)[:77] + "..."


def test_a_duplicate_does_not_hide_the_files_after_it():
    files = [("2024/a.md", raw()), ("2024/a2.md", raw(id="a")), ("2024/c.md", raw()), ("2024/d.md", raw(related=["c"]))]
    with pytest.raises(ArchiveInvalid) as caught:
        load_all(files, settings())
    assert [str(p) for p in caught.value.problems] == ["2024/a2.md:6: id: duplicate id 'a', also used by 2024/a.md"]


def test_load_one_applies_the_sites_zone_and_taxonomy():
    zone = ZoneInfo("Europe/Paris")
    pm = load_one("2024/x.md", raw(started="2024-03-12T10:00:00", patterns=["config"]), settings(timezone=zone))
    assert pm.meta.started == dt.datetime(2024, 3, 12, 10, 0, tzinfo=zone)
    assert pm.meta.patterns == ["config-change"]  # the alias, resolved by the taxonomy
    assert problems(patterns=["no-such-pattern"])[0].startswith("2024/x.md:7: patterns[0]: unknown pattern")


def test_unreadable_yaml_is_reported_with_the_files_path():
    (problem,) = load_one("2024/broken.md", b"---\ntitle: [unclosed\n---\n\nBody.\n", settings())
    assert problem.path == "2024/broken.md"


def test_values_are_shown_whole_up_to_80_characters():
    whole = ["x" * 76]  # repr: 80 characters
    assert problems(title=whole) == [f"2024/x.md:2: title: Input should be a valid string, got list {whole!r}"]
    cut = ["x" * 77]
    assert problems(title=cut) == [f"2024/x.md:2: title: Input should be a valid string, got list {repr(cut)[:77]}..."]


def test_human_error_message_says_what_to_write_instead():
    assert errors(contributing_factors=["human error"]) == [
        "contributing_factors.0: 'human error': 'human error' is where an investigation starts, not where it ends; "
        "name the conditions that made the action possible and its outcome likely "
        "(missing safeguards, confusing tooling, time pressure, unclear runbooks)"
    ]
