"""redact.py and leakcheck.py without a site: folding, which words are names, pseudonyms, the leak scan."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import hmac
from pathlib import Path

import pytest

from postmortem_archive.core.folding import _ascii_letter, ascii_spellings, fold_char, spellings
from postmortem_archive.core.model import People
from postmortem_archive.redaction.leakcheck import Leak, _context, _variants, scan
from postmortem_archive.redaction.redact import (
    _SLOW,
    Redactor,
    RosterEntry,
    RosterError,
    _FoldTable,
    fold,
    fold_text,
    load_roster,
    name_parts,
    person_names,
    redact_postmortem,
)
from units import make


def code(name: str, length: int = 6, salt: str = "postmortem-archive") -> str:
    return hmac.new(salt.encode(), name.encode(), hashlib.sha256).hexdigest()[:length].upper()


# --- folding ---


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Dana", "dana"),
        ("José Ñúñez", "jose nunez"),
        ("a \t\n b", "a b"),
        ("Straße  Ärger", "strasse arger"),  # 'ß' folds to two letters: the slow path
        ("ﬁle", "file"),  # NFKD ligature
    ],
)
def test_fold(text, folded):
    assert fold(text)[0] == folded


def test_fold_maps_positions_back_across_collapsed_spaces():
    text = "ab   cd  e"
    folded, original = fold(text)
    assert folded == "ab cd e"
    assert [text[original(i)] for i in range(len(folded))] == list("ab cd e")
    assert [original(i) for i in range(len(folded))] == [0, 1, 2, 5, 6, 7, 9]
    plain, same = fold("no runs here")
    assert (plain, same(4)) == ("no runs here", 4)


def test_fold_slow_path_maps_positions_back():
    text = "Groß  Dana"
    folded, original = fold(text)
    assert folded == "gross dana"
    assert [original(i) for i in range(len(folded))] == [0, 1, 2, 3, 3, 4, 6, 7, 8, 9]
    assert fold("ß\t\tx")[0] == "ss x"


def test_fold_table_folds_each_new_character_once():
    table = _FoldTable()
    assert (table[ord("É")], table[ord("\t")], table[ord("\u00a0")], table[ord("ß")]) == ("e", " ", " ", _SLOW)
    assert table == {ord("É"): "e", ord("\t"): " ", ord("\u00a0"): " ", ord("ß"): _SLOW}


def test_fold_slow_path_keeps_a_leading_space():
    assert fold(" ß")[0] == " ss"
    assert fold("\t\tß")[0] == " ss"


def test_fold_text_strips():
    assert fold_text("  Dana \n") == "dana"


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Dana Smith", ["dana", "smith"]),
        ("Dana", []),
        ("Li Wu", []),  # parts under 3 letters
        ("Mark van der Berg", ["berg"]),  # everyday words and particles stay
        ("Jean-Luc Picard", ["jean", "luc", "picard", "jean-luc"]),
        ("O'Neil, Ann.", ["o'neil", "ann"]),
        ("Agent 007 Bond", ["agent"]),
        ("Ana  Lopez", ["ana", "lopez"]),
        ("Picard, Jean-Luc.", ["picard", "jean", "luc", "jean-luc"]),
    ],
)
def test_name_parts(name, parts):
    assert name_parts(name) == parts


def test_name_parts_honour_the_keep_list():
    assert name_parts("Dana Smith", keep=frozenset({"smith"})) == ["dana"]


# --- roster ---


def test_load_roster(tmp_path: Path):
    path = tmp_path / "people.yml"
    path.write_text("- name: Dana Smith\n  aliases: [DS]\n  handles: ['@dsmith']\n  emails: [d@x.org]\n")
    (entry,) = load_roster(path)
    assert entry.needles() == ["Dana Smith", "DS", "@dsmith", "d@x.org"]
    path.write_text("")
    assert load_roster(path) == []


def test_roster_errors_name_the_file_and_entry(tmp_path: Path):
    path = tmp_path / "people.yml"
    path.write_text("name: x\n")
    with pytest.raises(RosterError, match=r"people.yml: expected a list of people"):
        load_roster(path)
    path.write_text("- name: A\n- nom: B\n- name: C\n  aliases: x\n")
    with pytest.raises(RosterError) as caught:
        load_roster(path)
    assert str(caught.value).splitlines() == [
        f"{path}: [1].name: Field required",
        f"{path}: [1].nom: Extra inputs are not permitted",
        f"{path}: [2].aliases: Input should be a valid list",
    ]
    path.write_text("- name: A\n  aliases: [B, 3]\n")
    with pytest.raises(RosterError) as caught:
        load_roster(path)
    assert str(caught.value) == f"{path}: [0].aliases.1: Input should be a valid string"
    path.write_text("- [unclosed\n")
    with pytest.raises(RosterError, match=r"cannot read the roster"):
        load_roster(path)
    with pytest.raises(RosterError, match=r"cannot read the roster"):
        load_roster(tmp_path / "missing.yml")


# --- the redactor ---


def test_pseudonyms_are_stable_keyed_hashes():
    r = Redactor([], ["Dana Smith"])
    assert r.pseudonyms == {"dana smith": f"Engineer {code('dana smith')}"}
    assert r.pseudonym("DANA  SMITH") == f"Engineer {code('dana smith')}"
    assert r.pseudonym("Nobody") is None
    salted = Redactor([], ["Dana Smith"], salt="s3cret", prefix="Person")
    assert salted.pseudonym("Dana Smith") == f"Person {code('dana smith', salt='s3cret')}"


def test_colliding_short_codes_get_longer_ones():
    # "person 83" and "person 5395" share their first 6 hex digits under the default salt.
    assert code("person 83") == code("person 5395")
    r = Redactor([], ["Person 83", "Person 5395", "Dana Smith"])
    assert r.pseudonym("Person 83") == f"Engineer {code('person 83', 10)}"
    assert r.pseudonym("Person 5395") == f"Engineer {code('person 5395', 10)}"
    assert r.pseudonym("Person 83") != r.pseudonym("Person 5395")
    assert r.pseudonym("Dana Smith") == f"Engineer {code('dana smith')}"


def test_whole_names_parts_aliases_and_handles_are_replaced():
    roster = [RosterEntry(name="Dana Smith", aliases=["Dee"], handles=["@dsmith"], emails=["dana@acme.io"])]
    r = Redactor(roster, ["Sam Park"])
    dana, sam = r.pseudonym("Dana Smith"), r.pseudonym("Sam Park")
    text = "Dana Smith paged Dee, @dsmith and dana@acme.io; Smith's fix; sam park; Park; DANA."
    assert r.redact(text) == f"{dana} paged {dana}, {dana} and {dana}; {dana}'s fix; {sam}; Park; {dana}."
    assert r.redact("no names here") == "no names here"
    assert r.redact("") == ""


def test_only_whole_words_match():
    r = Redactor([], ["Sam Park"])
    assert r.redact("Samsung sample is_sam sam_x 4sam") == "Samsung sample is_sam sam_x 4sam"
    assert (r.redact("4sam"), r.redact("sam4"), r.redact("sam")) == ("4sam", "sam4", r.pseudonym("Sam"))
    sam = r.pseudonym("Sam")
    assert r.redact("(sam) sam. -sam- sam") == f"({sam}) {sam}. -{sam}- {sam}"


def test_longest_match_wins_and_accents_and_spacing_do_not_matter():
    r = Redactor([], ["José Núñez"])
    jose = r.pseudonym("José Núñez")
    assert r.redact("JOSE   NUNEZ and josé") == f"{jose} and {jose}"
    assert r.find("x José  Núñez y") == [(2, 13, "jose nunez")]


def test_overlapping_names_leftmost_wins():
    # "Ann O" ends on the letter "O'Neil" starts with: one span, never two replacements of one letter.
    r = Redactor([], ["Ann O", "O'Neil"])
    assert r.redact("Ann O'Neil") == r.pseudonym("Ann O") + "'Neil"
    assert r.redact("O'Neil") == r.pseudonym("O'Neil")


def test_combining_marks_after_a_name_belong_to_it():
    r = Redactor([], ["Ali Kaya"])
    ali = r.pseudonym("Ali")
    assert r.redact("Ali\u0307 left") == f"{ali} left"


def test_a_part_two_people_share_gets_its_own_pseudonym():
    r = Redactor([], ["Dana Smith", "Lee Smith"])
    shared = r.pseudonym("Smith")
    assert shared == r.pseudonyms["shared name part: smith"]
    assert shared not in (r.pseudonym("Dana Smith"), r.pseudonym("Lee Smith"))
    assert r.pseudonym("Dana") == r.pseudonym("Dana Smith")


def test_roster_entries_own_their_needles_before_front_matter_names():
    roster = [RosterEntry(name="Dana Smith", aliases=["Sam Park"])]
    r = Redactor(roster, ["Sam Park", "Kim Lee"])
    assert r.pseudonym("Sam Park") == r.pseudonym("Dana Smith")
    assert set(r.people) == {"dana smith", "kim lee"}
    # Parts come from whole names, not from aliases ("sam" stays an ordinary word here).
    assert r.needles == sorted(["dana smith", "sam park", "dana", "smith", "kim lee", "kim", "lee"])


def test_keep_words_are_not_redacted_alone():
    r = Redactor([], ["Will Mark"], keep=["will", "mark"])
    assert r.redact("we will go, mark it; Will Mark") == f"we will go, mark it; {r.pseudonym('Will Mark')}"
    r = Redactor([], ["Will Stone"], keep=["WILL"])
    assert r.redact("will") == "will"
    # The site's list replaces the default one: with nothing kept, "Will" alone is a name too.
    r = Redactor([], ["Will Stone"], keep=[])
    assert r.redact("will") == r.pseudonym("Will Stone")


def test_empty_names_are_ignored():
    r = Redactor([RosterEntry(name="Dana", aliases=["  "])], ["", "   "])
    assert r.needles == ["dana"]
    assert Redactor([], []).find("anything") == []


def test_names_in_paths():
    r = Redactor([], ["Dana Smith"])
    assert r.names_in_path("team/dana-smith_notes/Dana%20Smith.html") == ["dana smith", "Dana Smith"]
    assert r.names_in_path("x/y.html") == []


def test_redact_value_reaches_every_string():
    r = Redactor([], ["Dana Smith"])
    d = r.pseudonym("Dana")
    value = {"Dana": ["Dana", ("Dana", 3)], "n": None, "x": 1.5}
    assert r.redact_value(value) == {d: [d, (d, 3)], "n": None, "x": 1.5}
    people = r.redact_value(People(facilitator="Dana Smith", authors=["Dana"]))
    assert (people.facilitator, people.authors) == (d, [d])


def test_redact_postmortem_and_person_names():
    pm = make(
        title="Dana Smith's outage",
        people={"facilitator": "Dana Smith", "authors": ["Lee Wong"]},
        action_items=[{"title": "t", "owner": "Sam Park"}],
    )
    pm = type(pm)(pm.id, pm.src_path, pm.meta, "Dana Smith wrote this.", 3)
    assert person_names([pm, pm]) == ["Dana Smith", "Lee Wong", "Sam Park"] * 2
    r = Redactor([], person_names([pm]))
    out = redact_postmortem(pm, r)
    d = r.pseudonym("Dana Smith")
    assert (out.title, out.body, out.meta.people.facilitator) == (f"{d}'s outage", f"{d} wrote this.", d)
    assert out.meta.people.authors == [r.pseudonym("Lee Wong")]
    assert out.meta.action_items[0].owner == r.pseudonym("Sam Park")
    assert (out.id, out.body_line) == (pm.id, 3)


# --- the leak check ---


def test_leak_text():
    assert str(Leak("a.html", "Dana")) == "a.html: 'Dana'"
    assert str(Leak("a.html", "Dana", "by Dana here")) == "a.html: 'Dana' in 'by Dana here'"


def test_context_is_one_line_with_ellipses_where_cut():
    text = "x" * 50 + " Dana\nSmith " + "y" * 50
    start = text.index("Dana")
    assert _context(text, start, start + 4) == "..." + "x" * 39 + " Dana Smith " + "y" * 33 + "..."
    assert _context("by Dana", 3, 7) == "by Dana"
    short = "a" * 40 + "Dana" + "b" * 40
    assert _context(short, 40, 44) == short  # exactly the width on both sides: nothing cut
    assert _context("a" * 41 + "Dana", 41, 45) == "..." + "a" * 40 + "Dana"


def test_variants_decode_entities_url_and_json_escapes_once_each():
    assert _variants("plain") == ["plain"]
    assert _variants("D&#97;na") == ["D&#97;na", "Dana"]
    assert _variants("Dana%20Smith") == ["Dana%20Smith", "Dana Smith"]
    assert _variants("D\\u0061na") == ["D\\u0061na", "Dana"]
    assert _variants("50% & D\\u0061na") == ["50% & D\\u0061na", "50% & Dana"]
    assert _variants("D&amp;%41\\u0042") == ["D&amp;%41\\u0042", "D&%41\\u0042", "D&A\\u0042", "D&%41B"]


def test_only_the_first_4_kib_decide_whether_a_file_is_binary(tmp_path: Path):
    r = Redactor([], ["Dana Smith"])
    site = _site(tmp_path, {"late-nul.txt": b"x" * 4096 + b"\0 Dana", "early-nul.txt": b"x" * 4095 + b"\0 Dana"})
    assert [(leak.path, leak.found) for leak in scan(site, r)] == [("late-nul.txt", "Dana")]


def _site(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return tmp_path


def test_scan_finds_names_in_every_form_and_place(tmp_path: Path):
    r = Redactor([], ["Dana Smith"])
    site = _site(
        tmp_path,
        {
            "index.html": "<p>by Dana Smith and again Dana Smith</p>",
            "entity.html": "<p>D&#97;na</p>",
            "search.json": '{"t": "Sm\\u0069th"}',
            "url.html": "<a href='/p/dana%20x'>x</a>",
            "clean.html": "<p>Engineer 123</p>",
            "dana-smith/index.html": "nothing",
            "index.gz": gzip.compress(b"smith in gzip"),
            "pagefind/index_xx": gzip.compress(b"\x00\x01dana"),
            "photo.PNG": b"Dana Smith",
            "binary.bin": b"\x00Dana Smith",
            "broken.gz": b"\x1f\x8bnot gzip",
            "latin.txt": b"Dana \xff",
            "assets/javascripts/bundle.js": "dana",
            "assets/postmortems/x.css": "dana",
            "skip/me.txt": "dana",
        },
    )
    leaks = scan(site, r, exclude=("assets/javascripts/*", "assets/postmortems/*", "skip/me.txt"))
    found = sorted((leak.path, leak.found) for leak in leaks)
    assert found == [
        ("dana-smith", "dana smith"),
        ("dana-smith/index.html", "dana smith"),
        ("entity.html", "Dana"),
        ("index.gz", "smith"),
        ("index.html", "Dana Smith"),  # reported once per name and file
        ("latin.txt", "Dana"),
        ("pagefind/index_xx", "dana"),
        ("search.json", "Smith"),
        ("url.html", "dana"),
    ]
    index = next(leak for leak in leaks if leak.path == "index.html")
    assert index.context == "<p>by Dana Smith and again Dana Smith</p>"


def test_scan_default_exclusions_are_the_theme_assets(tmp_path: Path):
    r = Redactor([], ["Sam Park"])
    site = _site(tmp_path, {f"assets/{d}/x": "sam" for d in ("javascripts", "stylesheets", "postmortems", "images")})
    site = _site(tmp_path, {"assets/other/x": "sam"})
    assert [(leak.path, leak.found) for leak in scan(site, r)] == [("assets/other/x", "sam")]


def test_leaks_are_immutable_values():
    leak = Leak("a.html", "Dana")
    assert {leak, Leak("a.html", "Dana")} == {leak}
    with pytest.raises(dataclasses.FrozenInstanceError):
        leak.path = "b.html"  # type: ignore[misc]


def test_whose_name_each_needle_is_and_the_leak_report() -> None:
    r = Redactor(
        [RosterEntry(name="Søren Ortiz", aliases=["Sørre"]), RosterEntry(name="Mark Ortiz")], ["Kim Lee"], keep=set()
    )
    assert r.whose("soeren ortiz") == "Søren Ortiz" and r.whose("sorre") == "Søren Ortiz"
    assert r.whose("kim") == "Kim Lee" and r.whose("mark") == "Mark Ortiz"
    assert r.whose("ortiz") == "shared by Mark Ortiz, Søren Ortiz"
    assert r.names_in_path("notes/soeren-ortiz_and-kim.html", whose=True) == [
        ("soeren ortiz", "Søren Ortiz"),
        ("kim", "Kim Lee"),
    ]
    assert r.names_in_path("notes/soeren-ortiz.html") == ["soeren ortiz"]
    assert (
        str(Leak("a.txt", "Soren", "to Soren now", "Søren Ortiz")) == "a.txt: 'Soren' (Søren Ortiz) in 'to Soren now'"
    )
    assert str(Leak("a.txt", "Kim Lee", person="Kim Lee")) == "a.txt: 'Kim Lee'", "the name itself: said once"
    assert str(Leak("a.txt", "kim")) == "a.txt: 'kim'"


def test_scan_says_whose_name_a_file_name_holds(tmp_path: Path) -> None:
    r = Redactor([RosterEntry(name="Søren Ortiz")], [])
    (tmp_path / "soeren-ortiz.txt").write_text("nothing here", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Handed to Soeren.", encoding="utf-8")
    assert scan(tmp_path, r, exclude=()) == [
        Leak("notes.txt", "Soeren", "Handed to Soeren.", "Søren Ortiz"),
        Leak("soeren-ortiz.txt", "soeren ortiz", person="Søren Ortiz"),
    ]


def test_spellings_of_a_name() -> None:
    assert spellings("Jürgen Müller") == ["jurgen muller", "jurgen mueller", "juergen muller", "juergen mueller"]
    assert spellings("Søren Ågård")[0] == "soren agard" and "soeren aagaard" in spellings("Søren Ågård")
    assert spellings("Þórður Guðmundsson")[0] == "thordur gudmundsson"
    assert spellings("Straßburger") == ["strassburger"]
    assert spellings("Łukasz") == ["lukasz"] and spellings("Çağrı Yıldız") == ["cagri yildiz"]
    assert spellings("Дана") == ["дана"], "other scripts are not transliterated"
    assert fold_text("SØREN  Ågård") == "soren agard"
    typed = ascii_spellings("Søren Ågård")
    assert typed[0] == "Soren Agard" and {"Soeren Aagaard", "Soren Aagaard", "Soeren Agard"} <= set(typed)
    many = "Ääkkönen Öörni Üüs"  # six letters with a second spelling: the two extremes only
    assert spellings(many) == ["aakkonen oorni uus", "aeaekkoenen oeoerni ueues"]


def test_only_latin_letters_are_transliterated() -> None:
    """Letters without a decomposition, one by one: Latin ones to ASCII, anything else kept."""
    assert [_ascii_letter(c) for c in "øłþðæœßı"] == ["o", "l", "th", "d", "ae", "oe", "ss", "i"]
    assert [_ascii_letter(c) for c in "дж1-"] == ["д", "ж", "1", "-"], "other scripts, digits, punctuation"
    assert [fold_char(c) for c in "ØÅ\u0301"] == ["o", "a", ""]
    assert _ascii_letter("\U00017000") == "\U00017000", "a letter with no name in Unicode's database (Tangut)"


def test_typed_spellings_keep_the_case_as_written_and_the_combination_limit() -> None:
    assert ascii_spellings("søren ågård")[:2] == ["soren agard", "soren agaard"], "lower case stays lower"
    # An acute accent on its own (U+00B4) folds to a space: a word more than the name had.
    assert ascii_spellings("Søren\u00b4x") == ["Soren x", "Soeren x"]
    assert len(spellings("äöüøå")) == 2**5, "up to MAX_COMBINED letters: every combination"
    assert len(spellings("äöüøåä")) == 2, "more: the two extremes"
