"""`postmortem init`: start an organisation's archive repository, and refresh it on upgrade."""

from __future__ import annotations

from pathlib import Path

import click

from postmortem_archive import __version__
from postmortem_archive.authoring import starter
from postmortem_archive.cli.common import CliError, cli


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", "site_name", default="Incident postmortems", show_default=True, help="The site's name.")
@click.option("--example", is_flag=True, help="Add the example postmortems (to try the archive; delete them later).")
@click.option("--force", is_flag=True, help="Overwrite files that exist (the default lists them as skipped).")
@click.option("--update", is_flag=True, help="Refresh the files init wrote that have not been edited since.")
def init(directory: Path, site_name: str, example: bool, force: bool, update: bool) -> None:
    """Write a new archive repository in DIRECTORY (default: here) that builds at once: mkdocs.yml,
    the home and guide pages, roster, service map, workflows, pre-commit config, requirements."""
    if force and update:
        raise CliError("--force and --update do not go together", "--update keeps edited files; --force overwrites all")
    if directory.exists() and not directory.is_dir():
        raise CliError(f"{directory} exists and is not a directory")
    files = starter.starter_files(site_name, __version__, example=example)
    try:
        outcome = starter.write(directory, files, __version__, force=force, update=update)
    except OSError as exc:
        raise CliError(f"cannot write {exc.filename or directory}: {exc.strerror or exc}") from None
    for verb, paths in (("wrote", outcome.written), ("refreshed", outcome.refreshed)):
        for path in paths:
            click.echo(f"{verb} {path}")
    for path in outcome.kept:
        click.echo(f"kept {path} (edited since init wrote it)")
    for path in outcome.skipped:
        click.echo(f"skipped {path} (it exists; --force overwrites it)")
    changed = len(outcome.written) + len(outcome.refreshed)
    click.echo(
        f"{changed} file(s) written in {directory}; next: `postmortem new TITLE --severity SEV3` there", err=True
    )
