"""The whole tokens of a bundle's staged pages (`pagefind.exact_tokens`), in a process of their own
beside Pagefind's: `python -m postmortem_archive.search.tokens STAGE OUT` writes
{page path: [tokens]} as JSON. Scanning the text of every page costs about as much as a regex
pass over it (~0.25 ms a postmortem), which would otherwise fall on MkDocs' process, the build's
critical path."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from postmortem_archive.search.pagefind import exact_tokens


def scan(stage: Path) -> dict[str, list[str]]:
    return {
        path.relative_to(stage).as_posix(): sorted(exact_tokens(path.read_text(encoding="utf-8")))
        for path in sorted(stage.rglob("*"))
        if path.is_file()
    }


def main(argv: list[str]) -> int:
    stage, out = argv
    Path(out).write_text(json.dumps(scan(Path(stage))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
