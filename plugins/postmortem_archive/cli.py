"""The `postmortem` command: validate the archive and print its schema without a build."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from .loader import is_postmortem, load_all
from .model import FrontMatter
from .problems import ArchiveInvalid
from .settings import Settings


class CliError(click.ClickException):
    """Printed as `error: ...` with a hint, exit status 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message + (f"\nhint: {hint}" if hint else ""))

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _site(config_file: Path) -> tuple[Path, Settings]:
    """docs_dir and plugin settings from an mkdocs.yml, without building."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    from .config import OptionError, PostmortemsConfig, to_settings

    if not config_file.is_file():
        raise CliError(f"no MkDocs config at {config_file}", "run from the archive's root or pass --config")
    try:
        cfg = load_config(str(config_file))
    except ConfigurationError as exc:
        raise CliError(f"{config_file}: {exc}") from None
    plugin = cfg.plugins.get("postmortems")
    if plugin is None:
        raise CliError(f"{config_file} does not enable the 'postmortems' plugin", "add '- postmortems' under plugins:")
    try:
        settings = to_settings(plugin.config if isinstance(plugin.config, PostmortemsConfig) else PostmortemsConfig())
    except OptionError as exc:
        raise CliError(f"{config_file}: postmortems: {exc}") from None
    return Path(cfg.docs_dir), settings


def collect(docs_dir: Path, settings: Settings) -> list[tuple[str, bytes]]:
    """(src_uri, bytes) of every postmortem under docs_dir, in path order."""
    found = []
    for path in sorted(docs_dir.rglob("*.md")):
        src_uri = path.relative_to(docs_dir).as_posix()
        if is_postmortem(src_uri, settings):
            found.append((src_uri, path.read_bytes()))
    return found


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="postmortem-archive")
def cli() -> None:
    """Tools for a postmortem archive built with the `postmortems` MkDocs plugin."""


@cli.command()
@click.option(
    "--config",
    "-f",
    "config_file",
    type=click.Path(path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The archive's MkDocs config.",
)
def validate(config_file: Path) -> None:
    """Check every postmortem's front matter, as the build does; exit 1 on any problem."""
    docs_dir, settings = _site(config_file)
    files = collect(docs_dir, settings)
    try:
        postmortems = load_all(files, settings)
    except ArchiveInvalid as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)
    click.echo(f"{len(postmortems)} postmortems valid in {docs_dir}")


@cli.command()
def schema() -> None:
    """Print the front-matter JSON Schema (for editors and other tools)."""
    document = FrontMatter.model_json_schema(mode="validation")
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "Postmortem front matter, schema v1"
    click.echo(json.dumps(document, indent=2, sort_keys=True))


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the exit status instead of raising."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="postmortem", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
