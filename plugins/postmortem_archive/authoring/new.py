"""`postmortem new`: a new postmortem file from a template sized to the severity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
import yaml

from postmortem_archive.authoring.placeholders import MARKER
from postmortem_archive.core.slugs import slugify

TEMPLATES = Path(__file__).parent / "templates" / "new"
FULL = ("SEV1", "SEV2")


def file_name(title: str, date: dt.date) -> str:
    return f"{date.year}/{date.isoformat()}-{slugify(title)[:50].strip('-')}.md"


def render_new(title: str, severity: str, date: dt.date, services: list[str], teams: list[str], full: bool) -> str:
    """Front matter (dumped by YAML, so any title is safe) + a body with the sections to fill in."""
    meta = {
        "title": title,
        "date": date,
        "severity": severity,
        "status": "draft",
        "summary": f"{MARKER} one or two sentences on what happened and the impact.",
        "services": services,
        "teams": teams,
        "tags": [],
        "patterns": [],
        "action_items": [],
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), keep_trailing_newline=True, autoescape=False
    )
    body = env.get_template("full.md" if full else "short.md").render(severity=severity)
    return f"---\n{front}---\n\n{body}"


def create(
    docs_dir: Path, title: str, severity: str, date: dt.date, services: list[str], teams: list[str], full: bool
) -> Path:
    """Write the file; never overwrites (FileExistsError)."""
    path = docs_dir / file_name(title, date)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # 'x': fail if it exists
        handle.write(render_new(title, severity, date, services, teams, full))
    return path
