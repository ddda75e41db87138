"""`postmortem import`: adopt existing postmortems in one command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from postmortem_archive.cli.common import (
    CONFIG_OPTION,
    CliError,
    SiteInfo,
    cli,
    read_site,
)
from postmortem_archive.core.settings import Settings
from postmortem_archive.importing.importer import import_sources


@cli.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@CONFIG_OPTION
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write into this directory instead of the archive's docs_dir.",
)
@click.option(
    "--default-severity",
    help="Severity given when a source states none (marked for review); default: the least severe level.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
def import_(
    sources: tuple[Path, ...],
    config_file: Path,
    into: Path | None,
    default_severity: str | None,
    fmt: str,
    dry_run: bool,
) -> None:
    """Import legacy postmortems (Markdown files or directories of them) as schema-valid postmortems.

    Never overwrites; sources imported before are skipped. Exit 0 when every source is in the
    archive, 1 when any could not be imported (each has a line in the report), 2 on usage errors.
    """
    if into is not None and not config_file.is_file():
        site = SiteInfo(into, Settings(), "", True)
    else:
        site = read_site(config_file)
    docs_dir = into or site.docs_dir
    severity = default_severity or site.settings.severities[-1]
    if severity not in site.settings.severities:
        raise CliError(
            f"unknown severity {severity!r} for --default-severity", f"use one of {', '.join(site.settings.severities)}"
        )
    report = import_sources(list(sources), docs_dir, site.settings, default_severity=severity, dry_run=dry_run)
    click.echo(report.json() if fmt == "json" else report.text())
    if report.exit_code:
        sys.exit(report.exit_code)
