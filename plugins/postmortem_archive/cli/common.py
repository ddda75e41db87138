"""What every `postmortem` command shares: the group, the one error path, reading the site's config."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import click

from postmortem_archive.authoring.lint import DEFAULT_REQUIRED_SECTIONS, LintConfig
from postmortem_archive.core.loader import is_postmortem, load_all
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.problems import ArchiveInvalid
from postmortem_archive.core.settings import Settings
from postmortem_archive.core.slugs import slugify
from postmortem_archive.redaction.redact import (
    DEFAULT_KEEP,
    RosterEntry,
    RosterError,
    load_roster,
)


class CliError(click.ClickException):
    """Printed as `error: ...` with a hint, exit status 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message + (f"\nhint: {hint}" if hint else ""))

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@dataclass(frozen=True)
class SiteInfo:
    docs_dir: Path
    settings: Settings
    site_url: str
    use_directory_urls: bool
    lint: LintConfig = field(default_factory=LintConfig)
    keep: frozenset[str] = DEFAULT_KEEP  # name parts never redacted alone
    site_name: str = ""  # names the calendar feeds (`postmortem actions --format ics`)


def read_site(config_file: Path) -> SiteInfo:
    """docs_dir, plugin settings and URL scheme from an mkdocs.yml, without building."""
    # Imported here: MkDocs and the plugin load only for the commands that read the site's config.
    from postmortem_archive.plugin.config import OptionError, read_mkdocs_config, to_settings

    if not config_file.is_file():
        raise CliError(f"no MkDocs config at {config_file}", "run from the archive's root or pass --config")
    try:
        docs_dir, site_url, use_directory_urls, options, site_name = read_mkdocs_config(config_file)
    except OptionError as exc:
        raise CliError(str(exc), exc.hint) from None
    try:
        settings = to_settings(options)
    except OptionError as exc:
        raise CliError(f"{config_file}: postmortems: {exc}") from None
    keep = DEFAULT_KEEP | frozenset(options.redact.keep)
    roster: list[RosterEntry] = []
    if options.redact.roster:
        try:
            roster = load_roster(Path(options.redact.roster))
        except RosterError as exc:
            raise CliError(str(exc)) from None
    lint = LintConfig(
        disable=frozenset(options.lint.disable),
        required_sections=dict(options.lint.required_sections or DEFAULT_REQUIRED_SECTIONS),
        people=tuple(name for entry in roster for name in (entry.name, *entry.aliases)),
        keep=keep,
    )
    return SiteInfo(docs_dir, settings, site_url, use_directory_urls, lint, keep, site_name)


def page_url(src_uri: str, site: SiteInfo) -> str:
    """The URL MkDocs gives a page (absolute when site_url is set)."""
    stem = src_uri.removesuffix(".md")
    path = (
        (stem.removesuffix("index") if stem.endswith("index") else stem + "/")
        if site.use_directory_urls
        else stem + ".html"
    )
    base = site.site_url if site.site_url.endswith("/") or not site.site_url else site.site_url + "/"
    return base + path


def load_archive(config_file: Path) -> tuple[SiteInfo, list[Postmortem]]:
    site = read_site(config_file)
    try:
        return site, load_all(collect(site.docs_dir, site.settings), site.settings)
    except ArchiveInvalid as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)


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


CONFIG_OPTION = click.option(
    "--config",
    "-f",
    "config_file",
    type=click.Path(path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The archive's MkDocs config.",
)


def unknown_value(kind: str, value: str, known: Iterable[str], *, exact: bool = False) -> str | None:
    """None when `value` is one of `known` (compared as slugs, the way pages are keyed, unless
    `exact`), else "unknown service 'paymnts'; did you mean 'payments'?" (difflib)."""
    known = list(known)
    spelled = {slugify(k): k for k in known}
    if (value in known) if exact else (slugify(value) in spelled):
        return None
    by_folded = {k.casefold(): k for k in spelled.values()}
    close = difflib.get_close_matches(value.casefold(), sorted(by_folded), n=1, cutoff=0.6)
    message = f"unknown {kind} '{value}'"
    return message + (f"; did you mean '{by_folded[close[0]]}'?" if close else "")


def require_known(kind: str, value: str, known: Iterable[str]) -> None:
    problem = unknown_value(kind, value, known)
    if problem:
        listed = sorted(set(known), key=str.casefold)
        shown = ", ".join(listed[:15]) + (f" and {len(listed) - 15} more" if len(listed) > 15 else "")
        raise CliError(problem, f"known {kind}s: {shown}" if listed else f"no postmortem names a {kind} yet")


def md_text(text: str) -> str:
    """Escape Markdown punctuation so a title stays text in a PR comment."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>" else ch for ch in text)
