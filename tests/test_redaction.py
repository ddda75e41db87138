"""Redaction: no roster entry survives anywhere in site/, pseudonyms are stable, the leak check bites."""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import material
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import POSTMORTEM, Site, postmortem
from postmortem_archive.redaction.leakcheck import scan
from postmortem_archive.redaction.redact import DEFAULT_KEEP, Redactor, RosterEntry, load_roster, name_parts

ROSTER = """\
- name: Dana Smith
  aliases: [Dana]
  handles: ["@dsmith"]
  usernames: [dsmith]
  emails: [dana.smith@acme.example]
- name: José Núñez
  aliases: [Pepe]
- name: Sam Park
  aliases: [Sam]
"""
# Every way the roster's people may be written; all must be gone from site/.
NEEDLES = [
    "Dana Smith",
    "Dana",
    "@dsmith",
    "dsmith",
    "dana.smith@acme.example",
    "José Núñez",
    "Jose Nunez",
    "Pepe",
    "Sam Park",
    "Sam",
    "Lee Wong",
    "Kim Ortiz",
]

BODY = """\
## Timeline with Dana's notes

DANA SMITH paged José
Núñez at 10:02; dana
smith joined. Jose Nunez's laptop ran the fix. Ask @dsmith or
<dana.smith@acme.example>. Samsung phones were unaffected; Sam was not paged. The Danalyzer tool ran.

`ssh dsmith@bastion` and:

```console
$ sudo -u dsmith deploy  # Sam Park approved
```

[Dana's runbook](https://wiki.example.com/users/dsmith/runbook) and ![Photo of Sam Park](photo.png "Pepe at the desk")

<span title="Owner: Dana Smith" data-owner="dsmith">owner</span>
<!-- reviewed by José Núñez -->

### Follow-up by Sam
"""


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


MATERIAL = Path(material.__file__).parent / "templates"


def is_theme_asset(site_dir: Path, path: Path) -> bool:
    """A file copied byte for byte from Material's package (its code, not our content)."""
    original = MATERIAL / path.relative_to(site_dir)
    return path.is_file() and original.is_file() and original.read_bytes() == path.read_bytes()


def occurrences(site_dir: Path) -> list[str]:
    """Independent of the plugin: every whole-word occurrence of a needle in any file or file name.

    Theme assets are skipped only when identical to Material's own files: a first name can be an
    ordinary token in theme code ("sam" in the Turkish search stemmer).
    """
    patterns = [re.compile(r"(?<![\w@.])" + re.escape(_fold(n)).replace(r"\ ", r"\s+") + r"(?![\w@])") for n in NEEDLES]
    found = []
    for path in site_dir.rglob("*"):
        relative = path.relative_to(site_dir).as_posix()
        texts = [relative.replace("-", " ")]
        if is_theme_asset(site_dir, path):
            continue
        if path.is_file() and path.suffix not in {".png", ".woff2", ".woff", ".ico"}:
            raw = path.read_bytes()
            if raw[:2] == b"\x1f\x8b":  # .gz files and Pagefind's index (gzip without the suffix)
                raw = gzip.decompress(raw)
            text = raw.decode("utf-8", errors="replace")
            texts += [
                text,
                html.unescape(text),
                unquote(html.unescape(text)),
                re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text),
            ]
        for text in texts:
            folded = _fold(text)
            for needle, pattern in zip(NEEDLES, patterns, strict=True):
                if pattern.search(folded):
                    found.append(f"{relative}: {needle}")
    return sorted(set(found))


def make_site(root: Path, extra: dict[str, str] | None = None) -> Site:
    site = Site(root)
    (site.root / "people.yml").write_text(ROSTER, encoding="utf-8")
    site.plugin_options["redact"] = {"enabled": True, "roster": "people.yml", "salt": "test-salt"}
    site.extra_config["markdown_extensions"] = [{"toc": {"permalink": True}}, "attr_list"]
    site.add("index.md", "---\ndescription: Kept by Dana Smith\n---\n# Archive\n\nMaintained by Sam Park.\n")
    site.add(
        "2024/2024-05-01-outage.md",
        postmortem(
            title="Outage Dana Smith escalated",
            summary="Pepe and Sam Park restored service.",
            date="2024-05-01",
            services=["payments"],
            teams=["core"],
            tags=["dana-smith-tag"],
            patterns=["dns"],
            people={"incident_commander": "Dana Smith", "scribe": "Lee Wong", "responders": ["José Núñez", "Sam"]},
            action_items=[
                {
                    "title": "Dana to add alerting",
                    "owner": "Kim Ortiz",
                    "due": "2024-06-01",
                    "ticket": "https://tickets.example.com/dsmith/1",
                }
            ],
            impact={"description": "Sam Park's team saw errors."},
            body=BODY,
        ),
    )
    site.add(
        "2024/2024-06-01-other.md",
        postmortem(
            title="Unrelated",
            date="2024-06-01",
            people={"incident_commander": "Lee Wong"},
            action_items=[{"title": "x", "owner": "Sam Park", "due": "2024-07-01"}],
        ),
    )
    site.add("patterns/dns.md", "# DNS\n\nDana Smith wrote this page.\n")
    (site.docs / "2024" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for path, text in (extra or {}).items():
        site.add(path, text)
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = make_site(tmp_path_factory.mktemp("redacted"))
    site.build()
    return site


def pseudonyms(site: Site) -> dict[str, str]:
    header = site.html("2024/2024-05-01-outage/").select_one(".pm-header")
    return {
        dt.get_text(): dd.get_text()
        for dt, dd in zip(header.select("dt"), header.select("dd"), strict=True)
        if dt.get_text() in ("Incident commander", "Scribe", "Responders")
    }


def test_no_roster_entry_anywhere_in_site(built: Site) -> None:
    assert occurrences(built.site) == []


def test_every_place_is_redacted_and_still_readable(built: Site) -> None:
    soup = built.html("2024/2024-05-01-outage/")
    roles = pseudonyms(built)
    dana = roles["Incident commander"]
    assert re.fullmatch(r"Engineer [0-9A-F]{6}", dana)
    text = soup.select_one("article").get_text(" ", strip=True)
    assert f"{dana}'s notes" in text and "Samsung phones" in text and "The Danalyzer tool" in text
    assert soup.select_one("h1").get_text() == f"Outage {dana} escalated"
    heading = soup.find("h2")
    assert heading["id"] == f"timeline-with-{dana.lower().replace(' ', '-')}s-notes"
    toc = [a.get_text(" ", strip=True) for a in soup.select("nav.md-nav--secondary a")]
    assert f"Timeline with {dana}'s notes" in toc
    assert soup.title.get_text().startswith(f"Outage {dana} escalated")
    assert "Engineer" in soup.select_one("pre code").get_text() and "Engineer" in soup.select("p code")[0].get_text()
    assert soup.find("img")["alt"].startswith("Photo of Engineer")
    assert "Owner: Engineer" in soup.find("span", attrs={"data-owner": True})["title"]
    assert "Incident commander" in text and "Scribe" in text  # roles stay readable
    index = built.html("")
    assert index.find("meta", attrs={"name": "description"})["content"].startswith("Kept by Engineer")


def test_pseudonyms_are_stable_across_builds_and_archive_growth(built: Site, tmp_path: Path) -> None:
    again = make_site(
        tmp_path / "again",
        {
            "2025/2025-01-01-new.md": postmortem(
                title="New", date="2025-01-01", people={"incident_commander": "Maria Fernandes", "scribe": "Dana Smith"}
            )
        },
    )
    again.build()
    assert pseudonyms(again) == pseudonyms(built)
    assert occurrences(again.site) == []
    new = again.html("2025/2025-01-01-new/").get_text()
    assert "Maria" not in new and pseudonyms(built)["Incident commander"] in new


def test_planted_name_the_redactor_cannot_see_fails_the_build(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    # A hook that runs after the plugin and hides a name from text matching behind HTML entities.
    (site.root / "plant.py").write_text(
        "def on_post_page(output, page, config):\n"
        "    return output.replace('</body>', '<i data-x=\"Jos&eacute; N&uacute;&ntilde;ez\"></i></body>')\n"
    )
    site.extra_config["hooks"] = ["plant.py"]
    message = site.build_error()
    assert "redaction leak check failed" in message
    assert "index.html: 'José Núñez'" in message


def test_file_name_with_a_name_is_rejected(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"2024/2024-07-01-dana-smith-laptop.md": postmortem(date="2024-07-01")})
    message = site.build_error()
    assert "file names contain a person's name" in message and "2024/2024-07-01-dana-smith-laptop.md" in message


def test_roster_inside_docs_dir_is_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    site.add("people.yml", ROSTER)
    site.plugin_options["redact"]["roster"] = "docs/people.yml"
    assert "is inside docs_dir" in site.build_error()


def test_redaction_off_leaves_names_as_written(site: Site) -> None:
    site.add("2024/2024-05-01-outage.md", postmortem(people={"incident_commander": "José Núñez"}))
    site.build()
    assert "José Núñez" in site.html("2024/2024-05-01-outage/").select_one(".pm-header").get_text()


def test_check_redaction_command(built: Site, tmp_path: Path) -> None:
    ok = subprocess.run(
        [*POSTMORTEM, "check-redaction", str(built.site), "--roster", str(built.root / "people.yml")],
        cwd=built.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    leaky = tmp_path / "leaky"
    shutil.copytree(built.site, leaky)
    (leaky / "notes.txt").write_text("Call Pepe tomorrow.\n")
    (leaky / "more.txt").write_text("Reviewed by N\u00daÑEZ yesterday.\n")  # a surname alone, capitals, accents
    bad = subprocess.run(
        [*POSTMORTEM, "check-redaction", str(leaky), "--roster", str(built.root / "people.yml")],
        cwd=built.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert f"{leaky / 'notes.txt'}: 'Pepe' in 'Call Pepe tomorrow.'" in bad.stdout
    assert f"{leaky / 'more.txt'}: 'N\u00daÑEZ' in 'Reviewed by N\u00daÑEZ yesterday.'" in bad.stdout


def test_plugins_that_publish_names_are_refused(site: Site) -> None:
    site.add("2024/2024-05-01-outage.md", postmortem())
    site.plugin_options["redact"] = {"enabled": True}
    site.extra_config["plugins"] = [{"postmortems": site.plugin_options}, "social"]
    message = site.build_error()
    assert "redaction is on, but the plugin(s) material/social" in message


name_part = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=2, max_size=8)


@settings(max_examples=80, deadline=None)
@given(
    first=name_part,
    last=name_part,
    before=st.sampled_from(["", "Hi ", "(", "ping ", "«"]),
    after=st.sampled_from(["", "'s", ".", ", ok", ")"]),
    case=st.sampled_from(["lower", "upper", "title"]),
)
def test_any_name_is_found_in_any_case_and_context(first: str, last: str, before: str, after: str, case: str) -> None:
    redactor = Redactor([], [f"{first} {last}"], salt="s")
    written = getattr(f"{first}\n{last}", case)()
    out = redactor.redact(f"{before}{written}{after}")
    if _fold(getattr(f"{first} {last}", case)()) != _fold(f"{first} {last}"):
        return  # a case change that is not a plain case change (e.g. 'ß'.upper() == 'SS') is another word
    assert out == f"{before}{redactor.pseudonym(first + ' ' + last)}{after}"


@settings(max_examples=80, deadline=None)
@given(name=name_part, text=st.text(max_size=60))
def test_no_false_positive_inside_words(name: str, text: str) -> None:
    redactor = Redactor([], [name], salt="s")
    glued = f"x{name}y {text}"  # the name only appears inside a longer word here (and maybe in text)
    out = redactor.redact(glued)
    assert out.startswith(f"x{name}y ")


PARTS_BODY = """\
## Notes

SMITH restarted the primary; n\u00fa\u00f1ez and JOSE reviewed it, Raman approved, Priya paged Ortiz.
We will mark the item done once the car park barrier is fixed.
"""


def _parts_site(root: Path, keep: list[str] | None = None) -> Site:
    site = make_site(
        root,
        {
            "2024/2024-08-01-parts.md": postmortem(
                title="Parts", date="2024-08-01", people={"incident_commander": "Priya Raman"}, body=PARTS_BODY
            )
        },
    )
    (site.root / "people.yml").write_text(ROSTER + "- name: Will Park\n- name: Mark Ortiz\n", encoding="utf-8")
    if keep is not None:
        site.plugin_options["redact"]["keep"] = keep
    site.plugin_options["search"] = "material"  # lunr: one search_index.json to read back
    return site


def test_given_names_and_surnames_alone_are_redacted(tmp_path: Path) -> None:
    site = _parts_site(tmp_path)
    site.build()  # the leak check passes: no part of any name is left
    roster = load_roster(site.root / "people.yml")
    redactor = Redactor(roster, ["Priya Raman", "Kim Ortiz", "Lee Wong"], salt="test-salt")
    text = site.html("2024/2024-08-01-parts/").select_one("article").get_text(" ", strip=True)
    for part in ("SMITH", "n\u00fa\u00f1ez", "JOSE", "Raman", "Priya", "Ortiz"):
        assert not re.search(rf"\b{part}\b", text, re.I), part
    dana, jose = redactor.pseudonym("Dana Smith"), redactor.pseudonym("José Núñez")
    priya = redactor.pseudonym("Priya Raman")
    assert f"{dana} restarted the primary; {jose} and {jose} reviewed it, {priya} approved, {priya} paged" in text
    # 'Ortiz' is Kim Ortiz's and Mark Ortiz's surname: a pseudonym of its own, pointing at neither.
    ortiz = redactor.redact("Ortiz")
    assert ortiz.startswith("Engineer ") and ortiz not in (
        redactor.pseudonym("Kim Ortiz"),
        redactor.pseudonym("Mark Ortiz"),
    )
    assert f"paged {ortiz}." in text
    # Parts that are everyday words stay: Will Park and Mark Ortiz are still redacted as whole names.
    assert "We will mark the item done once the car park barrier is fixed." in text
    assert (
        redactor.redact("Will Park met Mark Ortiz")
        == f"{redactor.pseudonym('Will Park')} met {redactor.pseudonym('Mark Ortiz')}"
    )
    index = json.loads((site.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not any(re.search(r"\b(?:raman|priya|smith|ortiz)\b", doc["text"], re.I) for doc in index["docs"])


def test_keep_option_and_leak_check_context(tmp_path: Path) -> None:
    site = _parts_site(tmp_path, keep=["Priya"])
    site.build()
    text = site.html("2024/2024-08-01-parts/").select_one("article").get_text(" ", strip=True)
    assert "Priya paged" in text and "Raman" not in text  # kept by the site's list; the surname is not
    # The leak check reports a part with its file and the text around it.
    (site.site / "notes.txt").write_text("Handed over to ortiz at noon.", encoding="utf-8")
    redactor = Redactor(load_roster(site.root / "people.yml"), ["Kim Ortiz"], keep=DEFAULT_KEEP | {"priya"})
    leaks = [leak for leak in scan(site.site, redactor) if leak.path == "notes.txt"]
    assert [(leak.found, leak.context) for leak in leaks] == [("ortiz", "Handed over to ortiz at noon.")]
    # The spelling found and whose name it is (here a part two people share).
    assert str(leaks[0]) == "notes.txt: 'ortiz' (shared by Kim Ortiz, Mark Ortiz) in 'Handed over to ortiz at noon.'"


def test_name_parts_rules() -> None:
    assert name_parts("José Núñez") == ["jose", "nunez"]
    assert name_parts("Mary-Jane van der Berg") == ["mary", "jane", "berg", "mary-jane"]
    assert name_parts("Will Park") == [] and name_parts("Li Wu") == []  # everyday words; too short
    assert name_parts("Dana") == []  # one word: the whole name is the needle already
    assert name_parts("Mark Ortiz", frozenset()) == ["mark", "ortiz"]
    entry = RosterEntry(name="Dana Smith")
    assert Redactor([entry], [], keep=frozenset()).redact("smith and Dana") != "smith and Dana"
