"""`postmortem validate`, `schema` and `related`: the archive as it is in the repository."""

from __future__ import annotations

import json
from pathlib import Path

import click

from postmortem_archive.archive.collection import Archive
from postmortem_archive.archive.service_map import ServiceMapError, load_service_map, services_for_paths
from postmortem_archive.cli.common import (
    CONFIG_OPTION,
    CliError,
    cli,
    load_archive,
    md_text,
    page_url,
    require_known,
    unknown_value,
)
from postmortem_archive.core.model import FrontMatter
from postmortem_archive.core.slugs import slugify


@cli.command()
@CONFIG_OPTION
def validate(config_file: Path) -> None:
    """Check every postmortem's front matter, as the build does; exit 1 on any problem."""
    site, postmortems = load_archive(config_file)
    click.echo(f"{len(postmortems)} postmortems valid in {site.docs_dir}")


@cli.command()
def schema() -> None:
    """Print the front-matter JSON Schema (for editors and other tools)."""
    document = FrontMatter.model_json_schema(mode="validation")
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "Postmortem front matter, schema v1"
    click.echo(json.dumps(document, indent=2, sort_keys=True))


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
    site, postmortems = load_archive(config_file)
    archive = Archive(postmortems, site.settings)
    known = {s for pm in postmortems for s in pm.meta.services}
    for service in services:
        require_known("service", service, known)
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
                f"- {row['date']} {row['severity']} [{md_text(row['title'])}]({row['url']})"
                f" ({', '.join(row['services'])})"
            )
    else:
        for row in rows:
            click.echo(
                f"{row['date']}  {row['severity']:<5} {row['title']}\n    {row['url']}  ({', '.join(row['services'])})"
            )
