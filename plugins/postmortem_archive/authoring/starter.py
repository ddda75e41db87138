"""The files of a new archive repository (`postmortem init`), and refreshing them on upgrade.

A starter is a mapping of path -> bytes, made from two sources: the templates in `templates/init/`
(mkdocs.yml, workflows, roster, README...; Jinja, filled with the site's name and this package's
version) and files this repository itself uses, so they cannot drift apart: the guide pages
(`postmortems/guide/`), the pull-request template and, with `example`, the example postmortems.
In a wheel those are under `bundled/` (pyproject's force-include); in a checkout they are read
from the repository.

Writing never overwrites a file unless asked (`force`); what was written is recorded with its
hash in `MANIFEST`, so `update` can refresh exactly the files the user has not edited since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates" / "init"
# Files shared with this repository: in a wheel, bundled inside the package; in a checkout, there.
BUNDLED = HERE / "bundled" if (HERE / "bundled").is_dir() else HERE.parents[2]
SHARED = ("postmortems/guide", ".github/PULL_REQUEST_TEMPLATE.md")
EXAMPLE = "postmortems"  # the example archive: every postmortem and pattern page in it
MANIFEST = ".postmortem-init.json"


def _files_under(root: Path, relative: str) -> dict[str, bytes]:
    base = root / relative
    if base.is_file():
        return {relative: base.read_bytes()}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def starter_files(site_name: str, version: str, *, example: bool = False) -> dict[str, bytes]:
    """Every file of a new archive, by path."""
    # [[ name ]]: GitHub's workflows use {{ }} themselves.
    env = jinja2.Environment(
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
    )
    env.filters["yaml"] = json.dumps  # a JSON string is a YAML scalar: any site name stays one value
    files: dict[str, bytes] = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            text = env.from_string(path.read_text(encoding="utf-8")).render(site_name=site_name, version=version)
            files[path.relative_to(TEMPLATES).as_posix()] = text.encode("utf-8")
    for relative in SHARED:
        files.update(_files_under(BUNDLED, relative))
    if example:
        for path, content in _files_under(BUNDLED, EXAMPLE).items():
            files.setdefault(path, content)  # the starter's own home page, not the example's
    return files


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class Outcome:
    """What `write` did, path by path."""

    written: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)  # update: unchanged by the user, newer here
    skipped: list[str] = field(default_factory=list)  # existed (not written by init, or --force not given)
    kept: list[str] = field(default_factory=list)  # update: edited since init wrote it


def _manifest(root: Path) -> dict[str, str]:
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return (
        {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(files, dict) else {}
    )


def write(
    root: Path, files: Mapping[str, bytes], version: str, *, force: bool = False, update: bool = False
) -> Outcome:
    """Write `files` under `root`. A file that exists is left alone (`skipped`), unless `force`;
    with `update`, one whose content is still what init wrote (per the manifest) is replaced by the
    new version (`refreshed`) and an edited one is `kept`. Each file is written whole (to a
    temporary name, then renamed), so an interrupted run leaves no half-written file."""
    outcome, recorded = Outcome(), _manifest(root)
    manifest = dict(recorded)
    for relative, content in files.items():
        target = root / relative
        if target.exists():
            current = target.read_bytes()
            if current == content:
                manifest.setdefault(relative, digest(content))
                continue
            if update and recorded.get(relative) == digest(current):
                _write_whole(target, content)
                outcome.refreshed.append(relative)
            elif force:
                _write_whole(target, content)
                outcome.written.append(relative)
            else:
                (outcome.kept if update and relative in recorded else outcome.skipped).append(relative)
                continue
        else:
            _write_whole(target, content)
            outcome.written.append(relative)
        manifest[relative] = digest(content)
    if outcome.written or outcome.refreshed or manifest != recorded:
        record = {"version": version, "files": dict(sorted(manifest.items()))}
        _write_whole(root / MANIFEST, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return outcome


def _write_whole(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(content)
    partial.replace(target)
