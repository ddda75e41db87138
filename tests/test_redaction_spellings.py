"""Names written without their special letters (issue 28): "Søren" as "Soren" or "Soeren",
"Łukasz" as "Lukasz", "Müller" as "Mueller", "Þórður" as "Thordur". None survives a redacted
build, in the pages or the search index; the leak check finds each one planted after the build."""

from __future__ import annotations

import gzip
import html
import re
import unicodedata
from pathlib import Path

import pytest

from conftest import Site, postmortem
from postmortem_archive.authoring.lint import LintConfig, lint_file
from postmortem_archive.core.folding import fold_text
from postmortem_archive.core.settings import Settings
from postmortem_archive.redaction.leakcheck import scan
from postmortem_archive.redaction.redact import Redactor, RosterEntry, load_roster

# Per language: the roster's name, then as people type it without accents and transliterated.
PEOPLE = {
    "Danish": ("Søren Ågård", "Soren Agard", "Soeren Aagaard"),
    "Polish": ("Łukasz Wróblewski", "Lukasz Wroblewski", "LUKASZ WROBLEWSKI"),
    "German": ("Jörg Straßburger", "Jorg Strassburger", "Joerg Strassburger"),
    "Icelandic": ("Þórður Guðmundsson", "Thordur Gudmundsson", "THORDUR GUDMUNDSSON"),
    "French": ("Noël Lefèvre", "Noel Lefevre", "NOEL LEFEVRE"),
    "Turkish": ("Çağrı Yıldız", "Cagri Yildiz", "CAGRI YILDIZ"),
}
ROSTER = "".join(f"- name: {names[0]}\n" for names in PEOPLE.values())
EVERY_SPELLING = [spelled for names in PEOPLE.values() for spelled in names]
# Each name's parts alone, in each spelling ("Soren", "Aagaard").
EVERY_PART = sorted({part for spelled in EVERY_SPELLING for part in spelled.split()})


def _postmortem(style: int, day: int) -> str:
    """A postmortem with every person written in one spelling (0: their letters, 1: without accents,
    2: transliterated) in the people fields, an action item, a timeline table and the body."""
    names = [n[style] for n in PEOPLE.values()]
    rows = "\n".join(f"| 10:{i:02d} | {name} paged {names[(i + 1) % len(names)]} |" for i, name in enumerate(names))
    parts = ", ".join(name.split()[0] for name in names) + "; " + ", ".join(name.split()[1] for name in names)
    body = (
        f"## Timeline\n\n| time | event |\n|---|---|\n{rows}\n\n"
        f"## Summary\n\nProgress was handed to {names[0].split()[0]}, then to {names[1]}. Seen by {parts}.\n"
    )
    return postmortem(
        title=f"Spellings {style}",
        date=f"2024-05-{day:02d}",
        people={"incident_commander": names[0], "scribe": names[1], "responders": names[2:]},
        action_items=[{"title": f"{names[3]} to add alerting", "owner": names[4], "due": "2024-06-01"}],
        impact={"description": f"{names[5]} saw errors."},
        body=body,
    )


def _fold(text: str) -> str:
    """Independent of the plugin: accents dropped, casefolded (no transliteration: every
    spelling is looked for as written)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _found(text: str) -> list[str]:
    folded = _fold(html.unescape(text))
    return [p for p in EVERY_PART if re.search(rf"(?<!\w){re.escape(_fold(p))}(?!\w)", folded)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("spellings"))
    (site.root / "people.yml").write_text(ROSTER, encoding="utf-8")
    site.plugin_options["redact"] = {"enabled": True, "roster": "people.yml", "salt": "test-salt"}
    for style in range(3):
        site.add(f"2024/2024-05-0{style + 1}-spellings-{style}.md", _postmortem(style, style + 1))
    site.build()
    return site


def test_no_spelling_of_any_name_survives_in_pages_or_search_index(built: Site) -> None:
    leaks = []
    for path in built.site.rglob("*"):
        if not path.is_file() or path.suffix in {".png", ".woff2", ".woff", ".ico", ".js"}:
            continue
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        leaks += [f"{path.relative_to(built.site)}: {p}" for p in _found(raw.decode("utf-8", errors="replace"))]
    assert leaks == []
    records = built.pagefind_records()
    assert len(records) == 3
    for record in records:  # the index holds the pseudonyms, in the body and the timeline table
        assert record["content"].count("Engineer ") >= 12
        assert _found(record["content"]) == []


def test_each_person_has_one_pseudonym_whatever_the_spelling(built: Site) -> None:
    headers = [built.html(f"2024/2024-05-0{s + 1}-spellings-{s}/").select_one(".pm-header") for s in range(3)]
    commanders = {h.find("dt", string="Incident commander").find_next("dd").get_text() for h in headers}
    assert len(commanders) == 1, commanders  # Søren Ågård, Soren Agard and Soeren Aagaard are one person
    article = built.html("2024/2024-05-03-spellings-2/").select_one("article").get_text(" ", strip=True)
    assert f"handed to {commanders.pop()}" in article


def test_the_leak_check_finds_each_spelling_planted_after_the_build(built: Site) -> None:
    redactor = Redactor(load_roster(built.root / "people.yml"), [], salt="test-salt")
    assert scan(built.site, redactor) == []
    planted = {f"notes-{i}.txt": spelled for i, spelled in enumerate(EVERY_SPELLING)}  # one file each
    for name, spelled in planted.items():
        (built.site / name).write_text(f"Handed over to {spelled} at noon.", encoding="utf-8")
    try:
        leaks = scan(built.site, redactor)
    finally:
        for name in planted:
            (built.site / name).unlink()
    assert sorted((leak.path, leak.found) for leak in leaks) == sorted(planted.items())
    whose = {spelled: names[0] for names in PEOPLE.values() for spelled in names}
    for leak in leaks:  # the report names the spelling found and whose name it is
        assert leak.person == whose[leak.found]
        if leak.found != leak.person:
            assert str(leak).startswith(f"{leak.path}: {leak.found!r} ({leak.person}) in ")


def test_a_transliterated_part_that_is_an_everyday_word_stays_governed_by_the_keep_list() -> None:
    redactor = Redactor([RosterEntry(name="Åsa Pärk"), RosterEntry(name="Märk Øster")], [])
    text = "We will mark it done in the car park. Asa Park and Mark Oster were there; Paerk too."
    assert redactor.redact(text).startswith("We will mark it done in the car park. ")
    redacted = redactor.redact(text)
    assert "Asa Park" not in redacted and "Mark Oster" not in redacted and "Paerk" not in redacted


def test_lint_knows_a_name_written_without_its_letters() -> None:
    raw = (
        "---\ntitle: Cache outage\ndate: 2024-03-12\nseverity: SEV3\nsummary: The cache failed.\n"
        "people:\n  scribe: Søren Ågård\n---\n\n## Summary\n\nSoeren forgot the flag.\nAgard broke the deploy.\n"
    )
    findings = [str(f) for f in lint_file("2024/x.md", raw.encode(), Settings(), LintConfig())]
    assert [f.split(" is given")[0] for f in findings] == [
        "2024/x.md:12:1: error PM103 a person (Soeren)",
        "2024/x.md:13:1: error PM103 a person (Agard)",
    ]


def test_redaction_of_the_example_spellings_in_one_pass(tmp_path: Path) -> None:
    """Every spelling of every roster name is one needle of the automaton: made once per name."""
    redactor = Redactor([RosterEntry(name=names[0]) for names in PEOPLE.values()], [])
    assert set(redactor.needles) >= {fold_text(s) for s in EVERY_SPELLING}
    text = " / ".join(EVERY_SPELLING)
    assert _found(redactor.redact(text)) == []
