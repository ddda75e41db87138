"""lint.py without the CLI: every rule's position and message, what exempts a finding, the summary line."""

from __future__ import annotations

import dataclasses

import pytest

from postmortem_archive.authoring.lint import RULES, Finding, LintConfig, lint_file, summary
from postmortem_archive.core.settings import Settings

HEAD = "---\ntitle: Cache outage\ndate: 2024-03-12\nseverity: SEV3\nsummary: The cache failed.\n"


def doc(extra: str = "", body: str = "## Summary\n\nText.\n") -> str:
    return HEAD + extra + "---\n\n" + body


def lint(text: str | bytes, **config: object) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    return [str(f) for f in lint_file("2024/x.md", raw, Settings(), LintConfig(**config))]  # type: ignore[arg-type]


CAUSE = "describe what made the action possible and its outcome likely, not who did it"


def test_a_clean_postmortem_has_no_findings():
    assert lint(doc()) == []


def test_blameless_language_in_every_free_text_field_and_the_body():
    text = doc(
        "contributing_factors:\n  - Dana forgot the flag\n  - human error\n"
        "impact:\n  description: Sam Park's fault entirely\n"
        "action_items:\n  - title: Be more careful\n    owner: Sam Park\n    due: 2024-04-01\n    ticket: T-1\n",
        "## Summary\n\nThe root cause was Sam Park.\nAn operator error happened.\n",
    )
    assert lint(text) == [
        "2024/x.md:7:5: error PM103 contributing_factors[0]: a person (Dana) is given as the cause ('Dana forgot'): "
        + CAUSE,
        "2024/x.md:8:1: error PM000 contributing_factors[1]: 'human error': 'human error' is where an investigation "
        "starts, not where it ends; name the conditions that made the action possible and its outcome likely "
        "(missing safeguards, confusing tooling, time pressure, unclear runbooks)",
        f"2024/x.md:10:16: error PM103 impact.description: a person (Sam Park) is given as the cause "
        f"('Sam Park's fault'): {CAUSE}",
        "2024/x.md:12:12: warning PM301 vague action item 'Be more careful': say what changes, where, and how you "
        "will know it is done",
        "2024/x.md:20:20: error PM101 a person (Sam Park) is named as the cause: name the conditions and system gaps "
        "instead",
        "2024/x.md:21:4: warning PM102 'operator error' explains nothing: describe the conditions that led to the "
        "action",
    ]


def test_title_and_summary_are_checked_with_their_field_names():
    text = doc("people:\n  scribe: Dana Smith\n").replace("title: Cache outage", "title: Outage caused by Dana Smith")
    text = text.replace("summary: The cache failed.", "summary: Obviously the cache was at fault.")
    assert lint(text) == [
        # "caused by" is also root-cause language: PM101, reported instead of PM103 at the same place.
        "2024/x.md:2:25: error PM101 title: a person (Dana Smith) is named as the cause: name the conditions and "
        "system gaps instead",
        "2024/x.md:5:10: warning PM202 summary: 'Obviously' is hindsight: describe what people knew and saw at the "
        "time, and what would have helped",
        "2024/x.md:5:34: warning PM201 summary: 'at fault' assigns blame: describe what happened and why it made "
        "sense at the time",
    ]


def test_human_error_as_the_root_cause_is_an_error_elsewhere_a_warning():
    text = doc(body="## Summary\n\nThe root cause was human error.\nHuman errors happen.\n")
    assert lint(text) == [
        "2024/x.md:10:20: error PM101 'human error' given as the cause: ask what made the action possible and the "
        "outcome likely (tooling, safeguards, pressure, unclear procedures)",
        "2024/x.md:11:1: warning PM102 'Human errors' explains nothing: describe the conditions that led to the action",
    ]


def test_a_person_named_as_the_root_cause_is_reported_once():
    text = doc("people:\n  scribe: Sam Park\n", "## Summary\n\nRoot cause: Sam Park broke the build.\n")
    assert lint(text) == [
        "2024/x.md:12:13: error PM101 a person (Sam Park) is named as the cause: name the conditions and system gaps "
        "instead"
    ]


def test_a_known_name_with_a_person_verb_is_reported_once():
    text = doc("people:\n  scribe: Dana Smith\n", "## Summary\n\nDana Smith forgot the flag.\n")
    assert lint(text) == [
        f"2024/x.md:12:1: error PM103 a person (Dana Smith) is given as the cause ('Dana Smith forgot'): {CAUSE}"
    ]


def test_known_names_match_without_accents_and_by_capitalised_parts():
    text = doc(
        "people:\n  scribe: José Núñez\nteams: [payments]\n",
        "## Summary\n\nJose broke the deploy.\nNunez accidentally deleted it.\nThe payments team broke it.\n",
    )
    assert lint(text) == [
        f"2024/x.md:13:1: error PM103 a person (Jose) is given as the cause ('Jose broke'): {CAUSE}",
        f"2024/x.md:14:1: error PM103 a person (Nunez) is given as the cause ('Nunez accidentally'): {CAUSE}",
    ]


def test_a_name_part_written_with_its_accents_is_known_too():
    text = doc(
        "people:\n  scribe: José Núñez\n",
        "## Summary\n\nNúñez accidentally deleted it.\nJosé broke the deploy.\n",
    )
    assert lint(text) == [
        f"2024/x.md:12:1: error PM103 a person (Núñez) is given as the cause ('Núñez accidentally'): {CAUSE}",
        f"2024/x.md:13:1: error PM103 a person (José) is given as the cause ('José broke'): {CAUSE}",
    ]


def test_roster_names_count_as_known():
    text = doc(body="## Summary\n\nKim Lee broke the deploy.\n")
    assert lint(text) == []
    assert lint(text, people=("Kim Lee",)) == [
        f"2024/x.md:10:1: error PM103 a person (Kim Lee) is given as the cause ('Kim Lee broke'): {CAUSE}"
    ]


def test_words_that_are_not_names_are_not_causes():
    body = "## Summary\n\nThe team forgot nothing.\nThis was overlooked.\nSomeone ignored it.\n"
    assert lint(doc(body=body)) == []


def test_action_items_owner_date_ticket_and_vagueness():
    text = doc(
        "people:\n  scribe: Lee Wong\naction_items:\n"
        "  - title: Add alert on lag\n    owner: Lee Wong, Sam Park\n"
        "  - title: Fix retries in client\n    owner: payments\n    team: payments\n"
        "  - title: Write the runbook\n    owner: SRE crew\n    status: done\n"
        "  - title: Investigate\n"
        "  - {title: 'Add tests', owner: Kim, status: wont-fix}\n"
    )
    assert lint(text) == [
        "2024/x.md:9:1: warning PM305 action item 'Add alert on lag' has no due date",
        "2024/x.md:9:1: warning PM306 action item 'Add alert on lag' has no ticket: link the tracker item",
        "2024/x.md:10:12: error PM303 owner 'Lee Wong, Sam Park' is several people: one person owns an item "
        "(split it if needed)",
        "2024/x.md:11:1: warning PM305 action item 'Fix retries in client' has no due date",
        "2024/x.md:11:1: warning PM306 action item 'Fix retries in client' has no ticket: link the tracker item",
        "2024/x.md:12:12: error PM302 owner 'payments' is a team: name one person (the team goes in 'team:')",
        "2024/x.md:15:12: error PM302 owner 'SRE crew' is a team: name one person (the team goes in 'team:')",
        "2024/x.md:17:1: error PM304 action item 'Investigate' has no owner: name exactly one person",
        "2024/x.md:17:1: warning PM305 action item 'Investigate' has no due date",
        "2024/x.md:17:1: warning PM306 action item 'Investigate' has no ticket: link the tracker item",
        "2024/x.md:17:12: warning PM301 vague action item 'Investigate': say what changes, where, and how you will "
        "know it is done",
        "2024/x.md:18:14: warning PM301 vague action item 'Add tests': say what changes, where, and how you will "
        "know it is done",
    ]


def test_owner_that_is_a_listed_team_in_any_case():
    text = doc(
        "teams: [Payments]\naction_items:\n  - {title: Fix the retry loop, owner: ' payments ', due: 2024-04-01, "
        "ticket: T-1}\n  - {title: Add a lag alert, owner: Ana & Bo, due: 2024-04-01, ticket: T-2}\n"
    )
    assert [line.split(" PM")[1][:3] for line in lint(text)] == ["302", "303"]


def test_severity_needs_sections_and_action_items_unless_draft():
    text = doc().replace("SEV3", "SEV1")
    assert lint(text) == [
        "2024/x.md:1:1: error PM402 a SEV1 postmortem needs action items",
        "2024/x.md:7:1: error PM401 a SEV1 postmortem needs a '## Contributing factors' section",
        "2024/x.md:7:1: error PM401 a SEV1 postmortem needs a '## Impact' section",
        "2024/x.md:7:1: error PM401 a SEV1 postmortem needs a '## Timeline' section",
    ]
    assert lint(doc("status: draft\n").replace("SEV3", "SEV1")) == []
    sections = "## Summary\n\n## impact ##\n\n### Timeline\n\n## Contributing Factors\n"
    complete = doc(
        "action_items:\n  - {title: Fix the retry loop, owner: Kim, due: 2024-04-01, ticket: T-1}\n", sections
    )
    assert lint(complete.replace("SEV3", "SEV1")) == []
    assert lint(doc(body="Text.\n")) == ["2024/x.md:7:1: error PM401 a SEV3 postmortem needs a '## Summary' section"]
    assert lint(doc(body="Text.\n"), required_sections={"SEV3": []}) == []


def test_placeholders_only_in_final_postmortems():
    text = doc().replace("The cache failed.", "'TODO: say what happened'").replace("Text.", "TODO: fill in")
    assert lint(text) == [
        "2024/x.md:5:11: error PM502 template placeholder left in summary: 'TODO: say what happened'; replace it "
        "with what happened",
        "2024/x.md:10:1: error PM502 template placeholder left in the body: 'TODO: fill in'; replace it with what "
        "happened",
    ]
    assert lint(text.replace("severity: SEV3", "severity: SEV3\nstatus: in-review")) == []


def test_imported_values_to_review():
    text = doc("imported:\n  source: sha256:1\n  review:\n    - 'date: not found'\n    - ''\n")
    assert lint(text) == [
        "2024/x.md:9:8: warning PM601 needs review after import: date: not found",
        "2024/x.md:10:1: error PM000 imported.review[1]: String should have at least 1 character",
    ]


def test_rules_disabled_by_the_file_or_the_config():
    text = doc("lint:\n  disable: [PM201, 5]\n", "## Summary\n\nA careless step. Should have checked.\n")
    bad_entry = (
        "2024/x.md:7:1: error PM000 lint.disable[1]: Input should be a valid string, got int 5 "
        "(YAML reads unquoted yes/no/on/off, numbers and times as non-text: quote it)"
    )
    assert lint(text) == [
        bad_entry,
        "2024/x.md:12:18: warning PM202 'Should have' is hindsight: describe what people knew and saw at the time, "
        "and what would have helped",
    ]
    assert lint(text, disable=frozenset({"PM202"})) == [bad_entry]
    # PM000 is never disabled; the summary rule (PM501) is.
    no_summary = doc("lint:\n  disable: [PM501, PM000]\n").replace("summary: The cache failed.\n", "")
    assert lint(no_summary) == []
    assert lint(doc().replace("summary: The cache failed.\n", "")) == [
        "2024/x.md:1:1: error PM501 a final postmortem needs a summary: one or two sentences on what happened and "
        "the impact"
    ]
    assert lint(doc().replace("title: Cache outage\n", ""), disable=frozenset({"PM000"})) == [
        "2024/x.md:1:1: error PM000 title: required field is missing"
    ]


def test_what_parsed_is_still_linted():
    assert lint("---\ntitle: [x\n---\n\nA careless step.\n") == [
        "2024/x.md:3:1: error PM000 front matter: invalid YAML: while parsing a flow sequence: did not find "
        "expected ',' or ']'",
        "2024/x.md:5:3: warning PM201 'careless' assigns blame: describe what happened and why it made sense at "
        "the time",
    ]
    assert lint("Just text, careless.\n") == [
        "2024/x.md:1:1: error PM000 front matter: missing: a postmortem must start with a '---' line, then YAML, "
        "then '---'"
    ]
    assert [f.split(" PM")[1][:3] for f in lint(b"---\ntitle: \xff\n---\n\ncareless\n")] == ["000"]


def test_findings_in_block_scalars_point_at_their_line():
    text = doc("contributing_factors:\n  - |\n    The deploy ran.\n    It was sloppy work.\n")
    assert lint(text) == [
        "2024/x.md:9:12: warning PM201 contributing_factors[0]: 'sloppy' assigns blame: describe what happened and "
        "why it made sense at the time"
    ]


def test_finding_text_and_github_annotation():
    f = Finding("a.md", 3, 7, "PM201", "50% of it\r\nwas 'x'")
    assert str(f) == "a.md:3:7: warning PM201 50% of it\r\nwas 'x'"
    assert f.github() == "::warning file=a.md,line=3,col=7,title=PM201::50%25 of it%0D%0Awas 'x'"
    assert Finding("a.md", 1, 1, "PM000", "m").level == "error"


def test_summary_line():
    one = Finding("a.md", 1, 1, "PM000", "m")
    warn = Finding("b.md", 1, 1, "PM201", "m")
    assert summary([], 1) == "0 errors, 0 warnings in 0 files (1 file checked)"
    assert summary([one], 2) == "1 error, 0 warnings in 1 file (2 files checked)"
    assert summary([one, one, warn], 3) == "2 errors, 1 warning in 2 files (3 files checked)"
    assert summary([warn, warn], 1) == "0 errors, 2 warnings in 1 file (1 file checked)"


def rules(text: str | bytes, **config: object) -> list[tuple[int, int, str]]:
    """(line, col, rule) of each finding."""
    out = []
    for line in lint(text, **config):
        where, rest = line.split(": ", 1)
        _, row, col = where.split(":")
        out.append((int(row), int(col), rest.split()[1]))
    return out


def test_values_of_the_wrong_type_are_schema_findings_not_crashes():
    text = doc("people:\n  scribe: 5\naction_items:\n  - {title: 5, due: 2024-04-01, ticket: T-1}\n")
    text = text.replace("title: Cache outage", "title: 2024").replace("summary: The cache failed.", "summary: 5")
    found = lint(text)
    assert "2024/x.md:9:1: error PM304 action item '(untitled)' has no owner: name exactly one person" in found
    assert [r for _, _, r in rules(text)] == ["PM000", "PM000", "PM000", "PM000", "PM304"]
    assert any(f.startswith("2024/x.md:5:1: error PM000 summary: Input should be a valid string") for f in found)


def test_every_person_field_counts_as_a_name():
    people = "people:\n  scribe: Kim Lee\n  responders: [Ana Lopez, Sam Park]\n"
    for name in ("Kim Lee", "Sam Park"):
        text = doc(people, f"## Summary\n\nRoot cause: {name}.\n")
        assert [r for _, _, r in rules(text)] == ["PM101"], name


def test_a_cause_at_the_start_and_the_first_of_two_mentions():
    people = "people:\n  scribe: Sam Park\n"
    assert rules(doc(people, "## Summary\n\nSam Park was the cause.\n")) == [(12, 1, "PM101")]
    assert rules(doc(people, "## Summary\n\nSee Sam Park: the root cause was Sam Park.\n")) == [(12, 5, "PM101")]


def test_blame_in_action_item_titles():
    text = doc(
        "action_items:\n  - title: Stop careless deploys\n    owner: Kim\n    due: 2024-04-01\n    ticket: T-1\n"
    )
    assert lint(text) == [
        "2024/x.md:7:17: warning PM201 action_items[0].title: 'careless' assigns blame: describe what happened and "
        "why it made sense at the time"
    ]


def test_the_sites_keep_list_decides_which_name_parts_count():
    text = doc("people:\n  scribe: Will Stone\n", "## Summary\n\nWill broke the build.\n")
    assert rules(text) == []  # "Will" is an everyday word by default
    assert rules(text, keep=frozenset()) == [(12, 1, "PM103")]


def test_a_known_name_and_a_capitalised_name_at_one_place_are_one_finding():
    text = doc("people:\n  scribe: Dana\n", "## Summary\n\nDana Smith forgot the flag.\n")
    assert lint(text) == [
        f"2024/x.md:12:1: error PM103 a person (Dana) is given as the cause ('Dana Smith forgot'): {CAUSE}"
    ]


def test_a_pronoun_before_a_person_verb_does_not_stop_the_search():
    text = doc(body="## Summary\n\nThe engineer forgot. Kim ignored the alert.\n")
    assert rules(text) == [(10, 22, "PM103")]


def test_columns_in_the_file_not_in_the_parsed_text():
    # The field's own line, not an earlier line with the same word.
    text = doc("tags: [sloppy]\ncontributing_factors: [It was sloppy]\n")
    assert rules(text) == [(7, 31, "PM201")]
    # A word repeated on a line: one finding, at the first.
    text = doc("contributing_factors:\n  - It was sloppy and sloppy\n")
    assert rules(text) == [(7, 12, "PM201")]
    # Searched up to 50 lines down a block scalar; beyond that, the field's line.
    filler = "".join(f"    line {i}\n" for i in range(48))
    near = doc(f"contributing_factors:\n  - |\n{filler}    sloppy\n")
    far = doc(f"contributing_factors:\n  - |\n{filler}    x\n    sloppy\n")
    assert rules(near) == [(56, 5, "PM201")]
    assert rules(far) == [(7, 1, "PM201")]
    # Text that is not in the file as written (an escape; a line break inside the phrase): the field's line.
    assert rules(doc('contributing_factors: ["It was \\x73loppy"]\n')) == [(6, 1, "PM201")]
    assert rules(doc("contributing_factors:\n  - It was sloppy\n    and rushed\n")) == [(7, 12, "PM201")]


def test_owner_and_title_columns():
    items = "  - owner: payments  # payments asked for it\n    title: Investigate\n    due: 2024-04-01\n"
    text = doc("teams: [payments]\naction_items:\n" + items)
    assert rules(text) == [(8, 12, "PM302"), (9, 1, "PM306"), (9, 12, "PM301")]
    # Not verbatim in the file: column 1.
    text = doc('action_items:\n  - {title: Fix it, owner: "pay\\x6dents team", due: 2024-04-01, ticket: T-1}\n')
    assert rules(text) == [(7, 1, "PM302")]
    # A vague title wrapped over two lines: its first 10 characters are on the first.
    text = doc(
        "action_items:\n  - title: Review all\n      the logs\n    owner: Kim\n    due: 2024-04-01\n    ticket: T\n"
    )
    assert rules(text) == [(7, 12, "PM301")]
    text = doc("imported:\n  source: s\n  review:\n    - 'date: 12 Mar\n      2024'\n")
    assert rules(text) == [(9, 8, "PM601")]


def test_human_error_is_skipped_only_where_the_schema_reports_it():
    text = doc("contributing_factors:\n  - The root cause was operator error after a careless deploy\n")
    assert [r for _, _, r in rules(text)] == ["PM000", "PM201"]
    text = doc().replace("summary: The cache failed.", "summary: Human error, again.")
    assert rules(text) == [(5, 10, "PM102")]


def test_unknown_severity_is_a_schema_finding():
    assert [r for _, _, r in rules(doc().replace("SEV3", "SEV9"))] == ["PM000"]


def test_a_summary_of_the_wrong_type_is_pm000_not_pm501():
    (finding,) = lint(doc().replace("summary: The cache failed.", "summary: [a]"))
    assert finding.startswith("2024/x.md:5:1: error PM000 summary: Input should be a valid string")


def test_rules_and_config_are_immutable_values():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RULES["PM201"].level = "error"  # type: ignore[misc]
    config = LintConfig()
    assert hash(config.disable) == hash(frozenset())
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.disable = frozenset({"PM201"})  # type: ignore[misc]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-12-07", []),  # today: not in the future
        ("1900-01-01", []),
        ("2026-12-08", ["date 2026-12-08 is in the future (today is 2026-12-07): check it is not a typo"]),
        ("9999-12-31", ["date 9999-12-31 is in the future (today is 2026-12-07): check it is not a typo"]),
        ("1899-12-31", ["date 1899-12-31 is before 1900: check it is not a typo"]),
        ("0001-01-01", ["date 0001-01-01 is before 1900: check it is not a typo"]),
    ],
)
def test_an_unlikely_incident_date_is_a_warning_at_its_line(date: str, expected: list[str]) -> None:
    """Any real date is valid (no PM000); one in the future or before 1900 is asked about."""
    text = doc().replace("date: 2024-03-12", f"date: {date}")
    settings = Settings(today=__import__("datetime").date(2026, 12, 7))
    found = [f for f in lint_file("2024/x.md", text.encode(), settings, LintConfig())]
    assert [(f.line, f.col, f.rule, f.level) for f in found] == [(3, 7, "PM701", "warning")] * len(expected)
    assert [f.message.split("; for a")[0] for f in found] == expected
    disabled = text.replace("---\n\n", "lint: {disable: [PM701]}\n---\n\n", 1)
    assert lint_file("2024/x.md", disabled.encode(), settings, LintConfig()) == []


def test_case_folding_for_the_automata_is_what_re_ignorecase_matches():
    """A name's automaton must find every spelling `re.I` matched: same representative for any two
    characters `re.I` takes for each other (and only for those)."""
    import re
    from re._casefix import _EXTRA_CASES

    from postmortem_archive.authoring.lint import _CASE_FOLD

    for code in range(0x3000):
        c = chr(code)
        others = {c.upper()[:1], c.lower()[:1], c.title()[:1], *map(chr, _EXTRA_CASES.get(ord(c.lower()[:1]), ()))}
        for d in others - {""}:
            same = bool(re.fullmatch(re.escape(c), d, re.I))
            assert (c.translate(_CASE_FOLD) == d.translate(_CASE_FOLD)) == same, (c, d)


def _old_known(names: list[str], text: str) -> list[tuple[int, str, str]]:
    """The per-file regex lint used before issue 25, as the reference."""
    import re

    from postmortem_archive.authoring.lint import _GAP, _KNOWN_VERBS

    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    known = re.compile(
        rf"(?<!\w)(?P<name>{alternatives})(?!\w)(?:'s)?{_GAP}(?P<verb>{_KNOWN_VERBS})\b"
        rf"|\b(?:caused\s+by|because\s+of|blamed?\s+on|fault\s+of)\s+(?P<name2>{alternatives})(?!\w)"
        rf"|(?<!\w)(?P<name3>{alternatives})'s\s+(?:fault|mistake|error|negligence|carelessness)\b",
        re.I,
    )
    out = []
    for match in known.finditer(text):
        group = next(g for g in ("name", "name2", "name3") if match.group(g))
        out.append((match.start(group), match.group(group), match.group(0)))
    return out


WORDS = [
    "Dana",
    "Dana Smith",
    "Smith",
    "dana",
    "Ann",
    "Anna",
    "\u017fam",
    "Sam",
    "\u0130lk",
    "\u0131lk",
]  # long s, dotted and dotless i
GLUE = [" ", "  ", "'s ", "'s fault", " caused by ", " because of  ", " forgot ", " broke ", "x", ".", "-", " was "]


@pytest.mark.parametrize("seed", range(300))
def test_known_names_are_found_as_the_per_file_regex_found_them(seed):
    import random

    from postmortem_archive.authoring.lint import _CASE_FOLD, _Causes, _Names

    rng = random.Random(seed)
    names = rng.sample(WORDS, rng.randint(1, 4))
    text = "".join(rng.choice([*WORDS, *GLUE, *GLUE]) for _ in range(rng.randint(1, 14)))
    causes = _Causes(_Names(names[:2]), _Names(names[2:]))
    assert list(causes._known(text, text.translate(_CASE_FOLD))) == _old_known(names, text)
