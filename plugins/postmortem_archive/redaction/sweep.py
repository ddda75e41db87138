"""Redact every text file MkDocs and other plugins wrote (search index, sitemap, 404 page...)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Collection
from pathlib import Path

from postmortem_archive.redaction.redact import Redactor

TEXT_SUFFIXES = {".html", ".htm", ".xml", ".csv", ".txt", ".json", ".svg", ".webmanifest"}
EXTRA_FILES = {"search/search_index.js"}  # Material's offline plugin: the index as a script


def _redact_json(text: str, redactor: Redactor) -> str:
    data = json.loads(text)
    redacted = redactor.redact_value(data)
    if redacted == data:
        return text
    if "\n" in text.strip():
        return json.dumps(redacted, indent=2, ensure_ascii=False) + ("\n" if text.endswith("\n") else "")
    return json.dumps(redacted, separators=(",", ":"), ensure_ascii=False)


def sweep(site_dir: Path, redactor: Redactor, done: Collection[str] = ()) -> list[str]:
    """Redact text files under site_dir in place, except `done` (already redacted pages);
    returns the relative paths changed."""
    changed = []
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(site_dir).as_posix()
        if relative in done:
            continue
        if path.suffix == ".gz" and path.with_suffix("").suffix in TEXT_SUFFIXES:
            raw = gzip.decompress(path.read_bytes()).decode("utf-8")
            new = redactor.redact(raw)
            if new != raw:
                path.write_bytes(gzip.compress(new.encode("utf-8"), mtime=0))
                changed.append(relative)
            continue
        if path.suffix.lower() not in TEXT_SUFFIXES and relative not in EXTRA_FILES:
            continue
        text = path.read_text(encoding="utf-8")
        try:
            new = _redact_json(text, redactor) if path.suffix == ".json" else redactor.redact(text)
        except json.JSONDecodeError:
            new = redactor.redact(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(relative)
    return changed
