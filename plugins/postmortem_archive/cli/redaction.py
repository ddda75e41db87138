"""`postmortem check-redaction`: the leak check on a built site."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from postmortem_archive.cli.common import (
    CliError,
    cli,
    load_archive,
)
from postmortem_archive.redaction.leakcheck import DEFAULT_EXCLUDE, scan
from postmortem_archive.redaction.redact import (
    DEFAULT_KEEP,
    Redactor,
    RosterError,
    load_roster,
    person_names,
)


@cli.command("check-redaction")
@click.argument("site_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="People to look for.")
@click.option(
    "--config",
    "-f",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Also look for every name in the archive's front matter (default: ./mkdocs.yml if present).",
)
@click.option("--exclude", multiple=True, help="Glob of site paths to skip (repeatable); theme assets by default.")
@click.option(
    "--keep",
    "extra_keep",
    multiple=True,
    help="A name part that is an everyday word here (repeatable; adds to redact.keep).",
)
def check_redaction(
    site_dir: Path, roster: Path | None, config_file: Path | None, exclude: tuple[str, ...], extra_keep: tuple[str, ...]
) -> None:
    """Fail (exit 1) if any known name, alias, handle, e-mail or part of a name remains anywhere in a built site."""
    entries = []
    if roster is not None:
        try:
            entries = load_roster(roster)
        except RosterError as exc:
            raise CliError(str(exc)) from None
    names: list[str] = []
    keep = DEFAULT_KEEP | frozenset(extra_keep)
    if config_file is None and Path("mkdocs.yml").is_file():
        config_file = Path("mkdocs.yml")
    if config_file is not None:
        site, postmortems = load_archive(config_file)
        names = person_names(postmortems)
        keep |= site.keep
    redactor = Redactor(entries, names, keep=keep)
    if not redactor.needles:
        raise CliError("no names to look for", "pass --roster people.yml and/or --config mkdocs.yml")
    leaks = scan(site_dir, redactor, exclude=(*DEFAULT_EXCLUDE, *exclude))
    for leak in leaks:
        click.echo(f"{site_dir / leak.path}: {leak.found!r}" + (f" in {leak.context!r}" if leak.context else ""))
    if leaks:
        click.echo(
            f"{len(leaks)} leak{'s' if len(leaks) != 1 else ''} of {len(redactor.needles)} known names", err=True
        )
        sys.exit(1)
    click.echo(f"no leaks: {len(redactor.needles)} names checked in {site_dir}")
