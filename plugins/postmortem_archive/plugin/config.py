"""Options of the `postmortems` MkDocs plugin."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mkdocs.config import base
from mkdocs.config import config_options as c

from postmortem_archive.core.settings import (
    DEFAULT_ACTION_SLO_DAYS,
    DEFAULT_EXCLUDE,
    DEFAULT_INCLUDE,
    DEFAULT_PRIORITIES,
    DEFAULT_SEVERITIES,
    Settings,
    resolve_today,
)
from postmortem_archive.core.taxonomy import TaxonomyError, load_taxonomy


class RedactConfig(base.Config):
    enabled = c.Type(bool, default=False)
    """Replace engineers' names with stable pseudonyms everywhere in the built site."""

    roster = c.Optional(c.File(exists=True))
    """YAML list of people (name, aliases, handles, usernames, emails); keep it outside docs_dir."""

    salt = c.Optional(c.Type(str))
    """Secret for the pseudonyms ($POSTMORTEM_REDACTION_SALT overrides); without it they can be guessed."""

    prefix = c.Type(str, default="Engineer")
    """Pseudonyms read '<prefix> 7F3A2C'."""

    leak_check = c.Type(bool, default=True)
    """After the build, fail it if any known name is left in any file of site_dir."""

    keep = c.ListOfItems(c.Type(str), default=[])
    """Name parts that are everyday words here, never redacted alone (added to the built-in list:
    Will, Mark, May, Park, ...); the whole name still is."""


class LintOptionsConfig(base.Config):
    disable = c.ListOfItems(c.Type(str), default=[])
    """Rule ids (PM101...) that `postmortem lint` does not report for this site."""

    required_sections = c.Optional(c.DictOfItems(c.ListOfItems(c.Type(str))))
    """Section headings each severity needs (default: SEV1 Summary, Impact, Timeline, Contributing factors...)."""


class PostmortemsConfig(base.Config):
    severities = c.ListOfItems(c.Type(str), default=list(DEFAULT_SEVERITIES))
    """Severity levels, most severe first; any other value in front matter is an error."""

    timezone = c.Optional(c.Type(str))
    """IANA zone (e.g. `Europe/Berlin`) for timestamps written without one; unset: such timestamps are errors."""

    display_timezone = c.Type(str, default="UTC")
    """IANA zone in which timestamps are shown."""

    drafts = c.Choice(("exclude", "include"), default="exclude")
    """`exclude`: drafts are neither built nor listed; `include`: built and listed, marked Draft."""

    drafts_on_serve = c.Type(bool, default=True)
    """Include drafts under `mkdocs serve`, so authors can preview them."""

    currency = c.Type(str, default="USD")
    """Unit shown after `impact.revenue`."""

    today = c.Optional(c.Type(str))
    """Date used as 'today' for overdue items (YYYY-MM-DD); $POSTMORTEM_TODAY overrides it."""

    patterns = c.Optional(c.File(exists=True))
    """YAML list of failure patterns (id, title, description, aliases) that extends the default taxonomy."""

    default_patterns = c.Type(bool, default=True)
    """Start from the shipped taxonomy; `false`: only the patterns in the `patterns` file exist."""

    action_slo_days = c.DictOfItems(c.Type(int), default=dict(DEFAULT_ACTION_SLO_DAYS))
    """Days after the incident by which an action item without a due date is due, per severity."""

    default_priorities = c.DictOfItems(c.Choice(("P0", "P1", "P2", "P3")), default=dict(DEFAULT_PRIORITIES))
    """Priority of an action item without one, per type."""

    landing = c.Type(bool, default=True)
    """Put the archive at a glance (latest postmortems, follow-ups, recurring patterns) at the top of index.md."""

    feed_entries = c.Type(int, default=20)
    """How many of the newest postmortems feed.xml lists."""

    lint = c.SubConfig(LintOptionsConfig)
    """Settings of `postmortem lint`."""

    redact = c.SubConfig(RedactConfig)
    """Redaction of names: see RedactConfig."""

    search = c.Optional(c.Choice(("pagefind", "material")))
    """Search backend; unset means `pagefind`. `pagefind`: each bundle indexed beside the build as
    soon as its pages are converted; the browser loads only what a query needs, with filters.
    Material's `search` plugin, if listed, is then disabled (unset) or an error (`pagefind` set
    explicitly). `material`: Material's lunr search (the browser downloads the whole index first;
    fine for a few hundred postmortems); list its `search` plugin."""

    search_on_serve = c.Type(bool, default=True)
    """Build the Pagefind index under `mkdocs serve` too, in the background after the first build
    and then only for the bundles whose pages changed (false: no indexing under serve; the search
    box says search is off there)."""

    search_bundle_words = c.Type(int, default=4_000_000)
    """Most words in one Pagefind bundle (consecutive years share one). Pagefind holds a bundle in memory,
    ~0.4 KB per word: the default keeps it under 1.7 GB; each extra bundle costs a query ~30 KB."""

    include = c.ListOfItems(c.Type(str), default=list(DEFAULT_INCLUDE))
    """Globs (relative to docs_dir) of postmortem files."""

    exclude = c.ListOfItems(c.Type(str), default=list(DEFAULT_EXCLUDE))
    """Globs of Markdown files under the include globs that are not postmortems."""


class OptionError(ValueError):
    """An option value the plugin cannot use (names the option), with a hint how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def read_mkdocs_config(config_file: Path) -> tuple[Path, str, bool, PostmortemsConfig, str]:
    """docs_dir, site_url, use_directory_urls, this plugin's options and site_name from an
    mkdocs.yml, read by MkDocs itself without building (for the `postmortem` command)."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    try:
        config = load_config(str(config_file))
    except ConfigurationError as exc:
        raise OptionError(f"{config_file}: {exc}") from None
    plugin = config.plugins.get("postmortems")
    if plugin is None:
        raise OptionError(
            f"{config_file} does not enable the 'postmortems' plugin", "add '- postmortems' under plugins:"
        )
    options = plugin.config if isinstance(plugin.config, PostmortemsConfig) else PostmortemsConfig()
    return Path(config.docs_dir), config.site_url or "", config.use_directory_urls, options, config.site_name


def _zone(name: str, option: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise OptionError(f"option '{option}': unknown time zone {name!r}") from exc


def to_settings(opts: PostmortemsConfig, *, serve: bool = False) -> Settings:
    """Plugin options -> the core's Settings (resolving 'today' and time zones)."""
    try:
        today = resolve_today(opts.today)
    except ValueError as exc:
        raise OptionError(f"option 'today': {exc}") from exc
    unknown = sorted(set(opts.action_slo_days) - set(opts.severities))
    if unknown:
        raise OptionError(f"option 'action_slo_days': {', '.join(unknown)} not among the severities")
    if not opts.severities:
        raise OptionError("option 'severities': list at least one level")
    try:
        taxonomy = load_taxonomy(Path(opts.patterns) if opts.patterns else None, include_defaults=opts.default_patterns)
    except TaxonomyError as exc:
        raise OptionError(f"option 'patterns': {exc}") from exc
    if not taxonomy.patterns:
        raise OptionError("option 'patterns': the taxonomy is empty")
    return Settings(
        severities=tuple(opts.severities),
        timezone=_zone(opts.timezone, "timezone") if opts.timezone else None,
        display_timezone=_zone(opts.display_timezone, "display_timezone"),
        include_drafts=opts.drafts == "include" or (serve and opts.drafts_on_serve),
        currency=opts.currency,
        today=today,
        include=tuple(opts.include),
        exclude=tuple(opts.exclude),
        taxonomy=taxonomy,
        action_slo_days=dict(opts.action_slo_days),
        default_priorities=dict(opts.default_priorities),
        feed_entries=opts.feed_entries,
    )
