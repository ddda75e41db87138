"""After a redacted build: prove that no known name, alias, handle or e-mail is left in site/.

Every file is scanned (text files as text; gzip decompressed, by its magic bytes; binary
files by name only), in its raw form and decoded as HTML entities, URL escapes and JSON \\u
escapes (.ics calendar feeds also unfolded and unescaped), with the same whole-word, case- and
accent-insensitive matcher as the redactor.
"""

from __future__ import annotations

import fnmatch
import gzip
import html
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from postmortem_archive.redaction.redact import Redactor

BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".ttf", ".eot", ".otf", ".pdf"}
GZIP_MAGIC = b"\x1f\x8b"
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Leak:
    path: str  # relative to the site dir
    found: str  # the text that matched, as it appears (decoded): the spelling that leaked
    context: str = ""  # the text around it, on one line, so a reader can find it
    person: str = ""  # whose name it is, as the roster or a person field writes it

    def __str__(self) -> str:
        whose = f" ({self.person})" if self.person and self.person != self.found else ""
        return f"{self.path}: {self.found!r}{whose}" + (f" in {self.context!r}" if self.context else "")


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    snippet = (
        ("..." if start > width else "") + before + text[start:end] + after + ("..." if end + width < len(text) else "")
    )
    return " ".join(snippet.split())


# iCalendar (RFC 5545): a long line is folded (CRLF + a space, anywhere, even inside a word) and
# TEXT escapes line breaks as \n, so "\nDana" would read as one word "nDana".
_ICS_FOLD = re.compile(r"\r?\n[ \t]")
_ICS_ESCAPE = re.compile(r"\\([nN,;\\])")


def ics_text(text: str) -> str:
    """An .ics file's text unfolded (CRLF + space removed) and unescaped (backslash-n a line break,
    backslash-comma a comma...), as a calendar application shows it."""
    unfolded = _ICS_FOLD.sub("", text)
    return _ICS_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), unfolded)


def _variants(text: str, ics: bool = False) -> list[str]:
    """The text and its decodings, each only when it differs (each variant costs a scan)."""
    out = [text]
    if ics and ics_text(text) != text:
        out.append(ics_text(text))
    decoded = html.unescape(text) if "&" in text else text
    for variant in (
        decoded,
        unquote(decoded) if "%" in decoded else decoded,
        _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), decoded) if "\\u" in decoded else decoded,
    ):
        if variant not in out:
            out.append(variant)
    return out


def _read(path: Path) -> str | None:
    if path.suffix.lower() in BINARY_SUFFIXES:
        return None
    raw = path.read_bytes()
    if raw[:2] == GZIP_MAGIC:  # .gz files, and Pagefind's index files (gzip without the suffix)
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return None
        # Pagefind's word index is binary (CBOR) with the words as UTF-8 runs: scan it as text.
    elif b"\0" in raw[:4096]:
        return None
    return raw.decode("utf-8", errors="replace")


# Theme and plugin assets are code, not content; a roster entry can be an ordinary word in them
# ("sam" in a Turkish stemmer). The plugin excludes exactly the files the theme provided.
DEFAULT_EXCLUDE = ("assets/javascripts/*", "assets/stylesheets/*", "assets/postmortems/*", "assets/images/*")


def scan(site_dir: Path, redactor: Redactor, exclude: Collection[str] = DEFAULT_EXCLUDE) -> list[Leak]:
    leaks: list[Leak] = []
    for path in sorted(site_dir.rglob("*")):
        relative = path.relative_to(site_dir).as_posix()
        if relative in exclude or any(fnmatch.fnmatchcase(relative, pattern) for pattern in exclude):
            continue
        leaks += [Leak(relative, name, person=whose) for name, whose in redactor.names_in_path(relative, whose=True)]
        if not path.is_file():
            continue
        text = _read(path)
        if text is None:
            continue
        seen: set[str] = set()
        for variant in _variants(text, ics=path.suffix.lower() == ".ics"):
            for start, end, needle in redactor.find(variant):
                if needle not in seen:
                    seen.add(needle)
                    context = _context(variant, start, end)
                    leaks.append(Leak(relative, variant[start:end], context, redactor.whose(needle)))
    return leaks
