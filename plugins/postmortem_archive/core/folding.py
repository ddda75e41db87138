"""One folding of text for matching people's names, shared by redaction, the leak check and
lint's person rules.

People write names without their special letters all the time (chat logs, tickets, timelines
pasted into a postmortem): "Søren" as "Soren", "Łukasz" as "Lukasz", "Þórður" as "Thordur". Some
letters also have a second ASCII spelling in common use: German umlauts ("Müller" as "Mueller"),
Danish and Norwegian ø and å ("Søren" as "Soeren", "Håkon" as "Haakon").

- `fold_char` folds a character as matching sees it: compatibility-decomposed, accents dropped,
  casefolded, and a Latin letter with no decomposition transliterated to ASCII (ø -> o,
  ł -> l, þ -> th, ß -> ss, dotless i -> i, æ -> ae) by anyascii. So "Søren", "SØREN" and "Soren" all
  fold to "soren". Other scripts are kept as they are: turning "Дана" into "dana" would match
  words nobody wrote.
- `spellings` lists every folded spelling of a name: the folding above, and each combination
  of the second spellings (ü -> ue, ø -> oe, å -> aa, ...). They are made once per name, so
  matching stays one pass of an automaton over the folded text.

Why anyascii and not Unidecode: both are maintained; anyascii is ISC-licensed (Unidecode is
GPL, which a redistributed plugin would have to follow) and covers every Latin letter a
roster is likely to hold; the few second spellings are ours (below), since neither library
gives two spellings for one letter.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Letters with a second spelling in common use besides the folded one (folded form -> second).
# Keys are casefolded and composed (NFC), as `_letters` sees them.
SECOND_SPELLINGS = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ø": "oe",
    "å": "aa",
    "æ": "a",  # Ægir as "Agir" (the folding itself gives "ae")
    "ð": "dh",
    "œ": "o",
}
# A name with more special letters than this gets its all-folded and all-second spellings only,
# not every combination (2^n spellings would grow the automaton for nothing).
MAX_COMBINED = 5


@lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """How matching sees one character (may be empty, e.g. a lone combining accent, or longer)."""
    decomposed = unicodedata.normalize("NFKD", ch)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    if folded.isascii():
        return folded
    return "".join(_ascii_letter(c) for c in folded)


def _ascii_letter(ch: str) -> str:
    """A Latin letter transliterated (ø -> o, þ -> th); anything else as it is."""
    if ch.isalpha() and "LATIN" in unicodedata.name(ch, ""):
        ascii_form = anyascii(ch).casefold()
        if ascii_form.isalpha():
            return ascii_form
    return ch


def fold_text(text: str) -> str:
    """Text folded character by character, whitespace runs to one space, stripped: a name or a
    needle as matching sees it (`redaction.redact.fold` folds page text the same way, keeping
    each position's origin)."""
    return " ".join("".join(fold_char(ch) for ch in text).split())


def _letters(text: str) -> list[list[str]]:
    """Per character of the composed, casefolded text: its folded form, then its second spelling."""
    options = []
    for ch in unicodedata.normalize("NFC", text.casefold()):
        folded = fold_char(ch)
        second = SECOND_SPELLINGS.get(ch)
        options.append([folded] if second is None or second == folded else [folded, second])
    return options


def spellings(text: str) -> list[str]:
    """Every folded spelling of a name, the plain folding first: "Jürgen Müller" gives "jurgen
    muller", "juergen muller", "jurgen mueller", "juergen mueller"."""
    options = _letters(text)
    choices = [o for o in options if len(o) > 1]
    if not choices:
        return [fold_text(text)]
    if len(choices) > MAX_COMBINED:
        picks: list[tuple[int, ...]] = [(0,) * len(choices), (1,) * len(choices)]
    else:
        picks = list(itertools.product((0, 1), repeat=len(choices)))
    found: list[str] = []
    for pick in picks:
        chosen = iter(pick)
        spelled = "".join(o[next(chosen)] if len(o) > 1 else o[0] for o in options)
        word = " ".join(spelled.split())
        if word not in found:
            found.append(word)
    return found


def ascii_spellings(text: str) -> list[str]:
    """Spellings of a name as people type them, case kept ("Søren" -> "Soren", "Soeren"): for
    rules that look at capital letters (lint's person rules)."""
    found: list[str] = []
    for spelled in spellings(text):
        # Put the case back where the letters line up one to one (the usual case); else title-case.
        restored = _recase(text, spelled)
        if restored not in found:
            found.append(restored)
    return found


def _recase(original: str, spelled: str) -> str:
    words, out = original.split(), []
    for index, word in enumerate(spelled.split()):
        source = words[index] if index < len(words) else ""
        out.append(word.capitalize() if source[:1].isupper() else word)
    return " ".join(out)
