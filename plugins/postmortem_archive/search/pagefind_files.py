"""Reading and rewriting the files of a Pagefind 1.5 bundle (no MkDocs import).

A search downloads each bundle's metadata whole (`pagefind.<hash>.pf_meta`): the list of its
pages (a 7-hex-digit id and a word count each) and, for our `date` sort, every page's position in
date order. At 10,000 postmortems that is ~40 KB per bundle, more than the word chunk a query
needs. After Pagefind has written a bundle, `compact` renumbers its pages (and word chunks) in
the order Pagefind lists them, in base 36 across the whole site behind a tag of the bundle's
content ("3fa9c1_0", ... "3fa9c1_7nj"), rounds the word counts, and takes the date order out of
the metadata: the caller writes it to a file of its own, which `search.js` loads only for a
search sorted by date. Index and filter chunks refer to pages by position, not id, so only the
metadata and the file names of fragments and chunks change. At 10,000: ~40 KB down to ~15 KB.

It also counts each filter's values (`filter_counts`), so the search page can show its facets from
one small JSON file instead of downloading every filter chunk of every bundle.

Pagefind's files are gzip-compressed CBOR (metadata, filters) or JSON (fragments) behind the
signature "pagefind_dcd"; `search.js` depends on this layout, hence the pin to pagefind 1.5.x.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class FormatError(ValueError):
    """A bundle file is not what Pagefind 1.5 writes (the message names the file)."""


# ---- CBOR: the subset Pagefind writes (unsigned integers, text, arrays of definite length) ----


def _decode(data: bytes, at: int) -> tuple[Any, int]:
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        value = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        value = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        raise FormatError(f"unsupported CBOR item 0x{head:02x}")
    if major == 0:
        return value, at
    if major == 3:
        return data[at : at + value].decode("utf-8"), at + value
    if major == 4:
        items = []
        for _ in range(value):
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    raise FormatError(f"unsupported CBOR major type {major}")


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if value < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, value)
    raise FormatError(f"integer too large for CBOR: {value}")


def _encode(value: Any, out: bytearray) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, str, list)):
        raise FormatError(f"cannot encode {type(value).__name__}")
    if isinstance(value, int):
        out += _head(0, value)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out += _head(3, len(raw)) + raw
    else:
        out += _head(4, len(value))
        for item in value:
            _encode(item, out)


def read(path: Path) -> bytes:
    """A bundle file's content, without its compression and signature."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if not raw.startswith(SIGNATURE):
        raise FormatError(f"{path}: no Pagefind signature")
    return raw[len(SIGNATURE) :]


def read_cbor(path: Path) -> Any:
    data = read(path)
    try:
        value, end = _decode(data, 0)
    except (IndexError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: truncated or invalid CBOR") from exc
    if end != len(data):
        raise FormatError(f"{path}: trailing bytes after CBOR")
    return value


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + content, compresslevel=9, mtime=0))


# ---- A bundle ----


@dataclass
class Meta:
    """pagefind.<hash>.pf_meta: [version, pages, index chunks, filter chunks, sorts, meta fields]."""

    path: Path
    version: str
    pages: list[list[Any]]  # [id, word count]
    rest: list[Any]  # index chunks, filter chunks, sorts, meta fields

    @property
    def index_chunks(self) -> list[list[str]]:  # [first word, last word, chunk id]
        return self.rest[0]

    @property
    def filter_chunks(self) -> list[list[str]]:  # [filter name, chunk id]
        return self.rest[1]

    @property
    def sorts(self) -> list[list[Any]]:  # [sort name, page positions in ascending order]
        return self.rest[2]


def _languages(bundle: Path) -> dict[str, Any]:
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    languages = entry.get("languages")
    if not isinstance(languages, dict) or not languages:
        raise FormatError(f"{bundle / 'pagefind-entry.json'}: no languages")
    return languages


def metas(bundle: Path) -> Iterator[Meta]:
    """The metadata of each language index in a bundle (one for an English archive)."""
    for language in _languages(bundle).values():
        path = bundle / f"pagefind.{language['hash']}.pf_meta"
        value = read_cbor(path)
        if not (
            isinstance(value, list)
            and len(value) == 6
            and isinstance(value[0], str)
            and value[0].startswith("1.5.")
            and all(isinstance(part, list) for part in value[1:])
            and all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in value[1])
            and all(isinstance(c, list) and len(c) == 3 and isinstance(c[2], str) for c in value[2])
        ):
            raise FormatError(f"{path}: not the metadata layout of Pagefind 1.5")
        yield Meta(path, value[0], value[1], value[2:])


def base36(n: int) -> str:
    text = ""
    while True:
        n, digit = divmod(n, 36)
        text = DIGITS[digit] + text
        if not n:
            return text


def round_words(count: int, bits: int = 6) -> int:
    """A word count to its `bits` leading binary digits (within 1.6% at 6): ranking uses it only
    for page length, and rounded counts compress to two thirds."""
    step = 1 << max(0, count.bit_length() - bits)
    return max(1, (count + step // 2) // step * step)


def compact(
    bundle: Path, first_id: int, sort: str = "date", key: str | None = None
) -> tuple[int, list[int], list[int]]:
    """Renumber the bundle's pages and word chunks, round its word counts, move the `sort` order out.

    Pages are numbered from `first_id` in the order Pagefind lists them, in base 36, behind a tag
    of the bundle's content: `<tag>_<number>`, so ids compress well but a changed bundle never
    reuses a name a browser may have cached, and an unchanged one keeps its names. Word chunks are renamed the same way.
    Returns (pages numbered, the numbers of the pages that have a `sort` key, in ascending order,
    the same for the `key` sort, which is removed too): the next bundle numbers on from there, and
    the caller writes the order to a file of its own.
    The metadata gets a new content hash, and pagefind-entry.json points at it.
    """
    languages = _languages(bundle)
    numbered = 0
    order: list[int] = []
    by_key: list[int] = []
    for language, meta in zip(list(languages), list(metas(bundle)), strict=True):
        first = first_id + numbered
        # Pagefind names fragments by their content's hash: their list, in order, is the bundle's
        # content and page positions; with the first number, it changes whenever a name would
        # come to mean another page. (The metadata file itself also names filter chunks, which
        # Pagefind writes in a random order, so its hash would change from build to build.)
        pages = " ".join(page[0] for page in meta.pages)
        tag = hashlib.sha256(f"{first} {pages}".encode()).hexdigest()[:6]
        for position, page in enumerate(meta.pages):
            new = f"{tag}_{base36(first + position)}"
            (bundle / "fragment" / f"{page[0]}.pf_fragment").rename(bundle / "fragment" / f"{new}.pf_fragment")
            page[0] = new
            page[1] = round_words(page[1])
        for number, chunk in enumerate(meta.index_chunks):
            new = f"{tag}_{base36(number)}"
            (bundle / "index" / f"{chunk[2]}.pf_index").rename(bundle / "index" / f"{new}.pf_index")
            chunk[2] = new
        numbered += len(meta.pages)
        order += [first + position for name, positions in meta.sorts if name == sort for position in positions]
        by_key += [first + position for name, positions in meta.sorts if name == key for position in positions]
        meta.rest[2] = [s for s in meta.sorts if s[0] not in (sort, key)]
        content = bytearray()
        _encode([meta.version, meta.pages, *meta.rest], content)
        name = f"{language}_{hashlib.sha256(content).hexdigest()[:10]}"
        meta.path.unlink()
        _write(bundle / f"pagefind.{name}.pf_meta", bytes(content))
        languages[language]["hash"] = name
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    entry["languages"] = languages
    entry_path.write_text(json.dumps(entry, separators=(",", ":")), encoding="utf-8")
    return numbered, order, by_key


def filter_counts(bundle: Path) -> dict[str, dict[str, int]]:
    """Pages per value of each filter in a bundle: {filter: {value: pages}}."""
    counts: dict[str, dict[str, int]] = {}
    for meta in metas(bundle):
        for name, chunk in meta.filter_chunks:
            path = bundle / "filter" / f"{chunk}.pf_filter"
            value = read_cbor(path)
            if not (isinstance(value, list) and len(value) == 2 and value[0] == name):
                raise FormatError(f"{path}: not the filter {name!r}")
            into = counts.setdefault(name, {})
            for item, pages in value[1]:
                into[item] = into.get(item, 0) + len(pages)
    return counts
