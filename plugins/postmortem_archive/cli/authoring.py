"""`postmortem new` and `postmortem lint`: writing a postmortem and checking it."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from postmortem_archive.authoring.lint import RULES, Linter
from postmortem_archive.authoring.lint import summary as lint_summary
from postmortem_archive.authoring.new import create as create_postmortem
from postmortem_archive.cli.common import (
    CONFIG_OPTION,
    CliError,
    SiteInfo,
    cli,
    collect,
    read_site,
    unknown_value,
)
from postmortem_archive.core import source
from postmortem_archive.core.loader import is_postmortem
from postmortem_archive.core.settings import Settings


@cli.command()
@click.argument("title")
@CONFIG_OPTION
@click.option("--severity", "-s", required=True, help="Severity level, e.g. SEV2.")
@click.option("--date", "date_", help="Incident date (YYYY-MM-DD); default: today.")
@click.option("--service", "services", multiple=True, help="Affected service (repeatable).")
@click.option("--team", "teams", multiple=True, help="Team involved (repeatable).")
def new(
    title: str, config_file: Path, severity: str, date_: str | None, services: tuple[str, ...], teams: tuple[str, ...]
) -> None:
    """Create postmortems/<year>/<date>-<slug>.md from a template sized to the severity; prints its path."""
    site = read_site(config_file)
    if severity not in site.settings.severities:
        problem = unknown_value("severity", severity, site.settings.severities, exact=True)
        raise CliError(str(problem), f"use one of {', '.join(site.settings.severities)}")
    # A new service or team is allowed, but one that looks like a typo of a known one is said out loud.
    written = [source.load(path, raw) for path, raw in collect(site.docs_dir, site.settings)]
    data = [s.data for s in written if not isinstance(s, list)]
    for kind, values, field_name in (("service", services, "services"), ("team", teams, "teams")):
        known = {v for d in data if isinstance(d.get(field_name), list) for v in d[field_name] if isinstance(v, str)}
        for value in values:
            if (problem := unknown_value(kind, value, known)) and "did you" in problem:
                click.echo(f"note: {problem} (no postmortem names it yet; a new {kind} is fine)", err=True)
    try:
        day = dt.date.fromisoformat(date_) if date_ else dt.date.today()
    except ValueError:
        raise CliError(f"--date must look like 2024-03-12, got {date_!r}") from None
    if not title.strip():
        raise CliError("the title is empty")
    full = site.settings.severities.index(severity) < 2  # the two most severe levels get every section
    try:
        path = create_postmortem(site.docs_dir, title.strip(), severity, day, list(services), list(teams), full)
    except FileExistsError as exc:
        raise CliError(f"{exc.filename} already exists; not overwriting it", "pick another title or date") from None
    click.echo(path)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@CONFIG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--list-rules", is_flag=True, help="Print every rule and exit.")
def lint(paths: tuple[Path, ...], config_file: Path, fmt: str, strict: bool, list_rules: bool) -> None:
    """Check postmortems: schema, blameless language, action items, required sections, placeholders.

    PATHS are files or directories (default: every postmortem of the archive). One run reports
    every finding, schema and content together, one per line as
    `path:line:col: LEVEL RULE message`, then a summary line on stderr.

    \b
    Exit status:
      0  no errors (warnings allowed, unless --strict)
      1  at least one error (or, with --strict, a warning)
      2  the command could not run (bad option, unreadable config)
    """
    if list_rules:
        for rule in RULES.values():
            click.echo(f"{rule.id}  {rule.level:<7}  {rule.title}")
        return
    site = read_site(config_file) if config_file.is_file() else SiteInfo(Path("postmortems"), Settings(), "", True)
    files = _lint_targets(paths, site)
    linter = Linter(site.settings, site.lint)
    findings = sorted(f for path, raw in files for f in linter.lint(path, raw))
    if fmt == "json":
        click.echo(json.dumps([{**asdict(f), "level": f.level} for f in findings], indent=2))
    else:
        for finding in findings:
            click.echo(finding.github() if fmt == "github" else str(finding))
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    if fmt == "text":
        click.echo(lint_summary(findings, len(files)), err=True)
    if errors or (strict and warnings):
        sys.exit(1)


def _lint_targets(paths: tuple[Path, ...], site: SiteInfo) -> list[tuple[str, bytes]]:
    if not paths:  # the whole archive, with paths as seen from here (what CI annotations need)
        return [(os.path.relpath(site.docs_dir / src), raw) for src, raw in collect(site.docs_dir, site.settings)]
    found: list[tuple[str, bytes]] = []
    docs = site.docs_dir.resolve()
    for path in paths:
        for file in sorted(path.rglob("*.md")) if path.is_dir() else [path]:
            resolved = file.resolve()
            if resolved.is_relative_to(docs):
                src = resolved.relative_to(docs).as_posix()
                if path.is_dir() and not is_postmortem(src, site.settings):
                    continue
            found.append((file.as_posix(), file.read_bytes()))
    return found
