"""Redaction in the build: names out of the Markdown before conversion, out of each page's HTML,
out of every file MkDocs and other plugins wrote, then the leak check over site_dir."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files

from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.plugin.config import RedactConfig
from postmortem_archive.redaction.leakcheck import scan
from postmortem_archive.redaction.redact import (
    DEFAULT_KEEP,
    DEFAULT_SALT,
    Redactor,
    RosterError,
    load_roster,
    person_names,
    redact_postmortem,
)
from postmortem_archive.redaction.sweep import sweep

log = get_plugin_logger(__name__)
SALT_ENV = "POSTMORTEM_REDACTION_SALT"
# Plugins that publish people's names (git authors) or render text into images a text sweep cannot reach.
INCOMPATIBLE = {"git-authors", "git-committers", "material/social", "social"}
LEAKS_SHOWN = 50


class Redaction:
    """One build's redaction: configured from the options, then a redactor once the names are known."""

    def __init__(self, options: RedactConfig, config: MkDocsConfig) -> None:
        self.options = options
        clash = sorted(set(config.plugins) & INCOMPATIBLE)
        if clash:
            raise PluginError(
                f"postmortems: redaction is on, but the plugin(s) {', '.join(clash)} put people's names "
                "(git authors) or text into images the redaction cannot reach; remove them or turn redaction off"
            )
        self.roster = []
        if options.roster:
            roster = Path(options.roster).resolve()
            if roster.is_relative_to(Path(config.docs_dir).resolve()):
                raise PluginError(
                    f"postmortems: redact.roster {options.roster} is inside docs_dir, so it would be "
                    "published; move it next to mkdocs.yml"
                )
            try:
                self.roster = load_roster(roster)
            except RosterError as exc:
                raise PluginError(f"postmortems: {exc}") from None
        self.salt = os.environ.get(SALT_ENV) or options.salt or DEFAULT_SALT
        if self.salt == DEFAULT_SALT:
            log.info(f"redaction uses the default salt: set ${SALT_ENV} so pseudonyms cannot be guessed")
        self.redactor: Redactor | None = None
        self.done: set[str] = set()  # dest_uris of pages redacted whole: the sweep skips them
        self.code: set[str] = set()  # theme and plugin assets: code, not content (the leak check skips them)

    def start(self, postmortems: list[Postmortem], docs: Files) -> list[Postmortem]:
        """The redactor for everyone named in the archive and the roster; the postmortems redacted.
        A file name holding a name stops the build: it would be published in a URL."""
        redactor = Redactor(
            self.roster,
            person_names(postmortems),
            salt=self.salt,
            prefix=self.options.prefix,
            keep=DEFAULT_KEEP | set(self.options.keep),
        )
        named = [f.src_uri for f in docs if redactor.names_in_path(f.src_uri)]
        if named:
            raise PluginError(
                "postmortems: redaction is on, but these file names contain a person's name and would be "
                "published in URLs; rename them: " + ", ".join(named)
            )
        self.redactor = redactor
        return [redact_postmortem(pm, redactor) for pm in postmortems]

    def note_code(self, files: Files, theme_dirs: Iterable[str], assets: Iterable[str]) -> None:
        """Which files are the theme's and the plugin's code: the leak check leaves them alone."""
        dirs = [Path(d).resolve() for d in theme_dirs]
        self.code = set(assets) | {
            f.dest_uri
            for f in files
            if f.abs_src_path
            and not f.is_documentation_page()
            and any(Path(f.abs_src_path).resolve().is_relative_to(d) for d in dirs)
        }

    def text(self, text: str) -> str:
        assert self.redactor is not None
        return self.redactor.redact(text)

    def meta(self, meta: dict[str, Any]) -> dict[str, Any]:
        assert self.redactor is not None
        return self.redactor.redact_value(meta)

    def page(self, dest_uri: str, output: str) -> str:
        """A whole page, as the theme rendered it: nav, title, meta tags."""
        self.done.add(dest_uri)
        return self.text(output)

    def page_done(self, dest_uri: str) -> None:
        """A page put back whole, redacted when it was made."""
        self.done.add(dest_uri)

    def sweep(self, site_dir: Path) -> None:
        """Redact every other text file in site_dir: what MkDocs and other plugins wrote."""
        assert self.redactor is not None
        sweep(site_dir, self.redactor, done=self.done)

    def check(self, site_dir: Path, code: set[str]) -> None:
        """Fail the build if any known name is left in site_dir (`code`: more files to skip)."""
        assert self.redactor is not None
        if not self.options.leak_check:
            return
        leaks = scan(site_dir, self.redactor, exclude=self.code | code)
        if leaks:
            shown = "\n".join(f"  {leak}" for leak in leaks[:LEAKS_SHOWN])
            more = f"\n  ... and {len(leaks) - LEAKS_SHOWN} more" if len(leaks) > LEAKS_SHOWN else ""
            raise PluginError(f"postmortems: redaction leak check failed, names remain in site/:\n{shown}{more}")
