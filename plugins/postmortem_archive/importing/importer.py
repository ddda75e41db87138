"""`postmortem import`: legacy postmortems in, schema-valid postmortems out, and a report.

Each source becomes `<year>/<date>-<slug>.md` in docs_dir with our front matter
and its original body. Nothing is overwritten and nothing is half-written (each
file is written to a temporary name, then hard-linked to its final name, which
fails instead of replacing a file). A source already imported, recognised by the
stable id kept in `imported.source`, is skipped, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from postmortem_archive.authoring import placeholders
from postmortem_archive.authoring.new import file_name
from postmortem_archive.core import source
from postmortem_archive.core.loader import load_one
from postmortem_archive.core.problems import Problem
from postmortem_archive.core.settings import Settings
from postmortem_archive.importing import foreign, legacy
from postmortem_archive.importing.infer import infer
from postmortem_archive.importing.relink import relink

SUFFIXES = (".md", ".markdown")
Status = Literal["imported", "skipped", "error"]


@dataclass
class Outcome:
    """What happened to one source."""

    source: str
    status: Status
    message: str = ""
    target: str | None = None  # path under docs_dir
    id: str | None = None  # the stable id kept in imported.source
    review: list[str] = field(default_factory=list)
    inferred: dict[str, str] = field(default_factory=dict)  # field -> where its value came from
    attachments: list[str] = field(default_factory=list)  # files copied next to the page, under docs_dir


@dataclass
class Report:
    into: str
    dry_run: bool
    outcomes: list[Outcome]

    def count(self, status: Status) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0: every source is in the archive (now or before); 1: at least one source could not be imported."""
        return 1 if self.count("error") else 0

    def text(self) -> str:
        lines = []
        for o in self.outcomes:
            if o.status == "imported":
                lines.append(f"{'would import' if self.dry_run else 'imported'}  {o.source} -> {o.target}")
                lines += [f"    attached: {path}" for path in o.attachments]
                lines += [f"    review: {entry}" for entry in o.review]
            elif o.status == "skipped":
                lines.append(f"skipped   {o.source}: {o.message}")
            else:
                lines.append(f"error     {o.source}: {o.message}")
        review = sum(len(o.review) for o in self.outcomes if o.status == "imported")
        verb = "would be imported" if self.dry_run else "imported"
        lines.append(
            f"{self.count('imported')} {verb} into {self.into}, {self.count('skipped')} already imported, "
            f"{self.count('error')} not imported; {review} review item{'s' if review != 1 else ''}"
            + (" (each is in the file's imported.review; `postmortem lint` lists them)" if review else "")
        )
        return "\n".join(lines)

    def json(self) -> str:
        document = {
            "into": self.into,
            "dry_run": self.dry_run,
            "counts": {status: self.count(status) for status in ("imported", "skipped", "error")},
            "sources": [
                {
                    "source": o.source,
                    "status": o.status,
                    "target": o.target,
                    "id": o.id,
                    "message": o.message or None,
                    "review": o.review,
                    "inferred": o.inferred,
                    "attachments": o.attachments,
                }
                for o in self.outcomes
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)


def find_sources(paths: Sequence[Path], skip_under: Path | None = None) -> list[Path]:
    """Files given, and every Markdown file under the directories given (hidden ones skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path).parts
                if file.suffix.lower() not in SUFFIXES or any(part.startswith(".") for part in relative):
                    continue
                if skip_under is not None and file.resolve().is_relative_to(skip_under.resolve()):
                    continue
                if file.is_file() or file.is_symlink():
                    found.append(file)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _archive_index(docs_dir: Path) -> tuple[dict[str, str], set[str]]:
    """(imported.source id -> path under docs_dir, every file stem in use) for the archive as it is."""
    ids: dict[str, str] = {}
    stems: set[str] = set()
    if not docs_dir.is_dir():
        return ids, stems
    for path in sorted(docs_dir.rglob("*.md")):
        src = path.relative_to(docs_dir).as_posix()
        stems.add(path.stem)
        try:
            parsed = source.load(src, path.read_bytes())
        except OSError:
            continue
        if isinstance(parsed, list):
            continue
        imported = parsed.data.get("imported")
        if isinstance(imported, dict) and isinstance(imported.get("source"), str):
            ids.setdefault(imported["source"], src)
        if isinstance(parsed.data.get("id"), str):
            stems.add(parsed.data["id"])
    return ids, stems


def _front_matter(shown: str, text: str) -> tuple[dict[str, Any] | None, str, int] | Problem:
    """(front matter, body, body's first line) when the text opens with a YAML mapping between '---' lines.

    A leading '---' that does not open a mapping is a Markdown rule and stays in the body. The YAML is
    loaded by the archive's own bounded, safe loader: foreign front matter is as untrusted as ours.
    """
    if isinstance(source.split(shown, text), Problem):
        return None, text, 1
    loaded = source.load(shown, text.encode("utf-8"))
    if isinstance(loaded, list):
        if len(loaded) == 1 and loaded[0].message.startswith("must be a mapping"):
            return None, text, 1
        return loaded[0]
    return loaded.data, loaded.body, loaded.body_line


def stable_id(mapped: foreign.Mapped, text: str) -> str:
    """The source's own id or URL when its front matter has one, else a digest of its text."""
    if mapped.uid:
        return f"uid:{mapped.uid}"
    if mapped.url:
        return f"url:{mapped.url}"
    normalised = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    return "sha256:" + hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def _extra_block(extra: dict[str, Any]) -> str:
    dumped = yaml.safe_dump(extra, sort_keys=False, allow_unicode=True, default_flow_style=False).rstrip()
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", dumped)), default=0))
    return (
        "\n\n## Source metadata\n\nFields of the source's front matter that this archive has no place for:\n\n"
        f"{fence}yaml\n{dumped}\n{fence}\n"
    )


def _yaml_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _yaml_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_value(v) for v in value]
    return value


def render(data: dict[str, Any], body: str) -> str:
    front = yaml.safe_dump(_yaml_value(data), sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{front}---\n\n{body.lstrip(chr(10)).rstrip()}\n"


def _target_name(title: str, day: dt.date, stems: set[str]) -> str:
    name = file_name(title, day)
    stem = name.removesuffix(".md")
    candidate, number = name, 1
    while Path(candidate).stem in stems:
        number += 1
        candidate = f"{stem}-{number}.md"
    return candidate


def write_new(path: Path, content: str | bytes) -> None:
    """Write a file that must not exist yet, atomically: a complete file or none (FileExistsError if taken)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".import-", delete=False) as tmp:
        try:
            tmp.write(content.encode("utf-8") if isinstance(content, str) else content)
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            os.unlink(tmp.name)
            raise
    try:
        os.link(tmp.name, path)  # unlike rename, fails when the name is taken
    finally:
        os.unlink(tmp.name)


def _display(path: Path) -> str:
    absolute = Path(os.path.abspath(path))  # not resolve(): a symlink is shown by its own name
    try:
        return absolute.relative_to(os.path.abspath(Path.cwd())).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class _Plan:
    """A source that can be imported, before its links are resolved and its file written."""

    path: Path
    shown: str
    uid: str
    data: dict[str, Any]
    body: str
    body_line: int
    mapped: foreign.Mapped
    review: list[str]
    inferred: dict[str, str]
    target: str


@dataclass
class Importer:
    docs_dir: Path
    settings: Settings
    default_severity: str
    dry_run: bool = False
    ids: dict[str, str] = field(default_factory=dict)
    stems: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.ids, self.stems = _archive_index(self.docs_dir)

    def run(self, paths: Iterable[Path]) -> list[Outcome]:
        """Plan every source first, so links between sources can point at the pages they become."""
        planned = [(path, self.plan(path)) for path in paths]
        pages = {
            path.resolve(): plan.target
            for path, plan in planned
            if (isinstance(plan, _Plan) and plan.target)
            or (isinstance(plan, Outcome) and plan.status == "skipped" and plan.target)
        }
        return [plan if isinstance(plan, Outcome) else self.write(plan, pages) for _, plan in planned]

    def plan(self, path: Path) -> _Plan | Outcome:
        shown = _display(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return Outcome(shown, "error", f"cannot read it: {exc.strerror or exc}")
        text = source.decode(shown, raw)
        if isinstance(text, Problem):
            return Outcome(shown, "error", text.message)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        parts = _front_matter(shown, text)
        if isinstance(parts, Problem):
            return Outcome(shown, "error", f"line {parts.line}: {parts.field}: {parts.message}")
        data, body, body_line = parts
        if data is not None and ("imported" in data or foreign.is_ours(data)):
            imported = data.get("imported")
            uid = imported.get("source") if isinstance(imported, dict) else None
            if uid in self.ids:
                return Outcome(shown, "skipped", f"already imported as {self.ids[uid]}", self.ids[uid], uid)
            return Outcome(
                shown,
                "error",
                "already a postmortem in this archive's format (its front matter has title, date and severity); "
                "copy it into the archive as it is",
            )
        mapped = foreign.map_front_matter(data or {}, self.settings.timezone)
        uid = stable_id(mapped, text)
        if uid in self.ids:
            return Outcome(shown, "skipped", f"already imported as {self.ids[uid]}", self.ids[uid], uid)
        inference = infer(
            legacy.parse(body, body_line),
            path.stem,
            severities=self.settings.severities,
            default_severity=self.default_severity,
            taxonomy=self.settings.taxonomy,
            timezone=self.settings.timezone,
            seed=mapped.seed,
        )
        if inference.skip:
            return Outcome(shown, "error", inference.skip, id=uid)
        target = _target_name(inference.data["title"], inference.data["date"], self.stems)
        self.ids[uid] = target  # a copy of this source later in the run is skipped
        self.stems.add(Path(target).stem)
        review = [*mapped.review, *inference.review]
        return _Plan(path, shown, uid, inference.data, body, body_line, mapped, review, inference.provenance, target)

    def write(self, plan: _Plan, pages: dict[Path, str]) -> Outcome:
        review = list(plan.review)
        body, attachments = relink(
            plan.body,
            source_dir=plan.path.parent,
            target=plan.target,
            pages=pages,
            review=review,
            first_line=plan.body_line,
        )
        if plan.mapped.extra:
            body = body.rstrip() + _extra_block(plan.mapped.extra)
        record: dict[str, Any] = {"source": plan.uid, "path": plan.shown}
        if plan.mapped.url:
            record["url"] = plan.mapped.url
        record["review"] = review
        data = dict(plan.data)
        content = render({**data, "imported": record}, body)
        failed = Outcome(plan.shown, "error", id=plan.uid)
        checked = load_one(plan.target, content.encode("utf-8"), self.settings)
        if not isinstance(checked, list) and (prompts := placeholders.in_final(checked)):
            # A final postmortem holding a 'TODO:' fails the strict build: it is not final yet.
            data["status"] = "in-review"
            # The body starts after a blank line and lost its leading blank lines: back to source lines.
            shift = plan.body_line + (len(body) - len(body.lstrip("\n"))) - (checked.body_line + 1)
            review += [
                f"status: {f'line {found.line + shift}' if found.field == 'the body' else found.field} "
                f"holds a placeholder ('{found.text}'); set to in-review, not final"
                for found in prompts
            ]
            content = render({**data, "imported": record}, body)
            checked = load_one(plan.target, content.encode("utf-8"), self.settings)
        if isinstance(checked, list):  # should not happen; never write a file the build would reject
            failed.message = "; ".join(f"{p.field}: {p.message}" for p in checked)
            return failed
        if not self.dry_run:
            written: list[Path] = []
            try:
                for attachment in attachments:
                    write_new(self.docs_dir / attachment.dest, attachment.source.read_bytes())
                    written.append(self.docs_dir / attachment.dest)
                write_new(self.docs_dir / plan.target, content)
            except OSError as exc:
                for path in written:  # no attachments without their page
                    path.unlink()
                what = "was taken while importing; not overwritten" if isinstance(exc, FileExistsError) else "failed"
                failed.message = f"writing {exc.filename or plan.target} {what}: {exc.strerror or exc}"
                return failed
        return Outcome(
            plan.shown,
            "imported",
            target=plan.target,
            id=plan.uid,
            review=review,
            inferred=plan.inferred,
            attachments=[a.dest for a in attachments],
        )


def import_sources(
    paths: Sequence[Path], docs_dir: Path, settings: Settings, *, default_severity: str, dry_run: bool = False
) -> Report:
    importer = Importer(docs_dir, settings, default_severity, dry_run)
    outcomes = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            outcomes.append(Outcome(_display(path), "error", "no such file or directory"))
            continue
        found = find_sources([path], skip_under=docs_dir)
        if path.is_dir() and not found:
            outcomes.append(Outcome(_display(path), "error", "no Markdown files (*.md, *.markdown) in this directory"))
        outcomes += importer.run(found)
    return Report(_display(docs_dir), dry_run, outcomes)
