"""The `postmortem` command: one module per command group, one error path (`main`)."""

from __future__ import annotations

from collections.abc import Sequence

import click

# Each module registers its commands on the group when imported.
from postmortem_archive.cli import actions, archive, authoring, importing, init, redaction  # noqa: F401
from postmortem_archive.cli.common import cli


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
