"""The `postmortem` command: validate the archive and print its schema without a build."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import click

from . import exports, source
from .actions import ActionRow
from .archive import Archive
from .importer import import_sources
from .leakcheck import DEFAULT_EXCLUDE, scan
from .lint import DEFAULT_REQUIRED_SECTIONS, RULES, LintConfig, lint_file
from .lint import summary as lint_summary
from .loader import is_postmortem, load_all
from .model import FrontMatter
from .new import create as create_postmortem
from .postmortem import Postmortem
from .problems import ArchiveInvalid
from .redact import DEFAULT_KEEP, Redactor, RosterEntry, RosterError, load_roster, person_names
from .service_map import ServiceMapError, load_service_map, services_for_paths
from .settings import Settings
from .slugs import slugify


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


def _site(config_file: Path) -> SiteInfo:
    """docs_dir, plugin settings and URL scheme from an mkdocs.yml, without building."""
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
    options = plugin.config if isinstance(plugin.config, PostmortemsConfig) else PostmortemsConfig()
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
    return SiteInfo(Path(cfg.docs_dir), settings, cfg.site_url or "", cfg.use_directory_urls, lint, keep)


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


def _load(config_file: Path) -> tuple[SiteInfo, list[Postmortem]]:
    site = _site(config_file)
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


@cli.command()
@CONFIG_OPTION
def validate(config_file: Path) -> None:
    """Check every postmortem's front matter, as the build does; exit 1 on any problem."""
    site, postmortems = _load(config_file)
    click.echo(f"{len(postmortems)} postmortems valid in {site.docs_dir}")


@cli.command()
@CONFIG_OPTION
@click.option("--service", "-s", "services", multiple=True, help="A service touched by the change (repeatable).")
@click.option("--paths", "-p", "paths", multiple=True, help="Changed file paths, mapped to services by --service-map.")
@click.option(
    "--service-map",
    type=click.Path(path_type=Path),
    default=Path("services.yml"),
    show_default=True,
    help="YAML mapping of service -> glob patterns of its files.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--limit", type=int, default=20, show_default=True, help="At most this many incidents.")
def related(
    config_file: Path, services: tuple[str, ...], paths: tuple[str, ...], service_map: Path, fmt: str, limit: int
) -> None:
    """Which past incidents matter for this change? Lists postmortems of the given services, newest first."""
    if not services and not paths:
        raise CliError(
            "give --service NAME or --paths FILE...", "e.g. postmortem related --paths $(git diff --name-only main)"
        )
    wanted: dict[str, list[str]] = {s: [] for s in services}
    if paths:
        if not service_map.is_file():
            raise CliError(
                f"no service map at {service_map}", "create services.yml (service: [globs]) or pass --service-map"
            )
        try:
            split = [p for raw in paths for p in raw.split()]
            for service, matched in services_for_paths(split, load_service_map(service_map)).items():
                wanted.setdefault(service, []).extend(matched)
        except ServiceMapError as exc:
            raise CliError(str(exc)) from None
    site, postmortems = _load(config_file)
    archive = Archive(postmortems, site.settings)
    known = {s for pm in postmortems for s in pm.meta.services}
    for service in services:
        _require_known("service", service, known)
    for service in wanted:  # from the service map: a service without incidents is fine, a misspelt one is not
        if service not in services and (problem := unknown_value("service", service, known)) and "did you" in problem:
            click.echo(f"note: {problem} ({service_map} names it; no postmortem does)", err=True)
    slugs = {slugify(s): s for s in wanted}
    hits = [
        (pm, [s for s in pm.meta.services if slugify(s) in slugs])
        for pm in archive.postmortems
        if any(slugify(s) in slugs for s in pm.meta.services)
    ][:limit]
    rows = [
        {
            "id": pm.id,
            "date": pm.date.isoformat(),
            "severity": pm.meta.severity,
            "title": pm.title,
            "services": matched,
            "summary": pm.meta.summary,
            "url": page_url(pm.src_path, site),
        }
        for pm, matched in hits
    ]
    if fmt == "json":
        click.echo(json.dumps({"services": sorted(wanted), "incidents": rows}, indent=2))
    elif not rows:
        click.echo(f"No past incidents for {', '.join(sorted(wanted)) or 'these paths'}.")
    elif fmt == "markdown":
        click.echo(f"**Past incidents for {', '.join(sorted(wanted))}**\n")
        for row in rows:
            click.echo(
                f"- {row['date']} {row['severity']} [{_md_text(row['title'])}]({row['url']})"
                f" ({', '.join(row['services'])})"
            )
    else:
        for row in rows:
            click.echo(
                f"{row['date']}  {row['severity']:<5} {row['title']}\n    {row['url']}  ({', '.join(row['services'])})"
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


def _require_known(kind: str, value: str, known: Iterable[str]) -> None:
    problem = unknown_value(kind, value, known)
    if problem:
        listed = sorted(set(known), key=str.casefold)
        shown = ", ".join(listed[:15]) + (f" and {len(listed) - 15} more" if len(listed) > 15 else "")
        raise CliError(problem, f"known {kind}s: {shown}" if listed else f"no postmortem names a {kind} yet")


def _md_text(text: str) -> str:
    """Escape Markdown punctuation so a title stays text in a PR comment."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>" else ch for ch in text)


@cli.command()
@CONFIG_OPTION
@click.option("--open", "only_open", is_flag=True, help="Only open and in-progress items.")
@click.option("--overdue", "only_overdue", is_flag=True, help="Only overdue items.")
@click.option("--owner", help="Only items of this owner (case-insensitive).")
@click.option("--team", help="Only items of this team (case-insensitive).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--fail-on-overdue", is_flag=True, help="Exit 1 when any listed item is overdue (for scheduled CI).")
@click.option("--today", help="Date to judge overdue by (default: $POSTMORTEM_TODAY, the config's today, the clock).")
def actions(
    config_file: Path,
    only_open: bool,
    only_overdue: bool,
    owner: str | None,
    team: str | None,
    fmt: str,
    fail_on_overdue: bool,
    today: str | None,
) -> None:
    """List action items straight from the repository (no build), open and overdue first."""
    site, postmortems = _load(config_file)
    settings = site.settings
    if today:
        try:
            settings = replace(settings, today=dt.date.fromisoformat(today))
        except ValueError:
            raise CliError(f"--today must be a date like 2024-03-12, got {today!r}") from None
    rows = Archive(postmortems, settings).actions.rows
    if owner:
        _require_known("owner", owner, {r.owner for r in rows if r.owner})
    if team:
        _require_known("team", team, {r.team for r in rows if r.team})
    if only_open:
        rows = [r for r in rows if r.is_open]
    if only_overdue:
        rows = [r for r in rows if r.overdue]
    if owner:
        rows = [r for r in rows if (r.owner or "").casefold() == owner.casefold()]
    if team:
        rows = [r for r in rows if (r.team or "").casefold() == team.casefold()]

    def url_of(pm: Postmortem) -> str:
        return page_url(pm.src_path, site)

    if fmt == "json":
        click.echo(exports.action_items_json(rows, url_of, settings.today), nl=False)
    elif fmt == "csv":
        click.echo(exports.action_items_csv(rows, url_of), nl=False)
    elif not rows:
        click.echo("No matching action items.")
    else:
        click.echo(_table(rows))
    overdue = sum(r.overdue for r in rows)
    if fail_on_overdue and overdue:
        click.echo(f"{overdue} overdue action item{'s' if overdue != 1 else ''} (today is {settings.today})", err=True)
        sys.exit(1)


def _table(rows: list[ActionRow]) -> str:
    header = ("STATUS", "DUE", "PRIO", "OWNER", "TEAM", "TICKET", "POSTMORTEM", "ACTION ITEM")
    body = [
        (
            f"{r.item.status}{' OVERDUE ' + str(r.days_overdue) + 'd' if r.overdue else ''}",
            f"{r.due.isoformat() if r.due else '-'}{'*' if r.due_is_default else ''}",
            r.priority or "-",
            r.owner or "(none)",
            r.team or "-",
            r.item.ticket or "-",
            r.postmortem.id,
            r.item.title,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1]
        for line in (header, *body)
    ]
    if any(r.due_is_default for r in rows):
        lines.append("* due date from the severity's action-item SLO (none was given)")
    return "\n".join(lines)


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
    site = _site(config_file)
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
    site = _site(config_file) if config_file.is_file() else SiteInfo(Path("postmortems"), Settings(), "", True)
    files = _lint_targets(paths, site)
    findings = sorted(f for path, raw in files for f in lint_file(path, raw, site.settings, site.lint))
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
        site, postmortems = _load(config_file)
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
        site = _site(config_file)
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
