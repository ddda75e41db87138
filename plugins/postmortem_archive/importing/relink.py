"""The relative links of an imported body: to another imported source, to an attachment, or dropped.

MkDocs' strict build fails on a link to a file that is not in docs_dir, so every
relative link is either pointed at what the import writes (the page another
source became; an image or document copied next to the page) or removed with
its text kept and a review entry. Links with a scheme, absolute paths and
in-page anchors stay as written.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

# Copied along: images and plain documents. Not SVG or HTML: they can carry scripts.
ASSET_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".txt", ".log", ".csv"})
MAX_ASSET_BYTES = 20 * 1024 * 1024
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^()\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_KEEP = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^#|^/")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Attachment:
    source: Path
    dest: str  # path under docs_dir


def _asset_name(path: Path, taken: dict[str, Path]) -> str:
    name = _UNSAFE_NAME.sub("-", path.name).strip("-.") or "attachment"
    candidate, number = name, 1
    while candidate in taken and taken[candidate] != path:
        number += 1
        candidate = f"{number}-{name}"
    taken[candidate] = path
    return candidate


def relink(
    body: str,
    *,
    source_dir: Path,
    target: str,
    pages: dict[Path, str],
    review: list[str],
    first_line: int = 1,
) -> tuple[str, list[Attachment]]:
    """The body with its relative links resolved, and the files to copy next to the page.

    `pages` maps a source file (resolved) to the path under docs_dir it was imported as.
    """
    target_dir = posixpath.dirname(target)
    stem = posixpath.splitext(posixpath.basename(target))[0]
    attachments: dict[Path, Attachment] = {}
    names: dict[str, Path] = {}
    out = []
    in_fence = False
    for number, line in enumerate(body.split("\n"), start=first_line):
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence or "](" not in line:
            out.append(line)
            continue

        def replace(match: re.Match[str], number: int = number) -> str:
            bang, text, url = match.groups()
            if _KEEP.match(url):
                return match.group(0)
            path_part, _, fragment = url.partition("#")
            path_part = path_part.partition("?")[0]
            local = (source_dir / unquote(path_part)).resolve()
            anchor = f"#{fragment}" if fragment else ""
            if local in pages:
                return f"{bang}[{text}]({posixpath.relpath(pages[local], target_dir or '.')}{anchor})"
            if local.is_file() and local.suffix.lower() in ASSET_SUFFIXES and local.stat().st_size <= MAX_ASSET_BYTES:
                if local not in attachments:
                    name = _asset_name(local, names)
                    attachments[local] = Attachment(local, posixpath.join(target_dir, stem, name))
                name = posixpath.basename(attachments[local].dest)
                return f"{bang}[{text}]({quote(stem)}/{quote(name)})"
            review.append(f"body: line {number} linked to {url!r}, which is not in the archive; link removed")
            return text

        out.append(_LINK.sub(replace, line))
    return "\n".join(out), list(attachments.values())
