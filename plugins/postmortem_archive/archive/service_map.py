"""Map changed file paths to services with a `services.yml` of glob patterns.

    payments-api:
      - "src/payments/**"
      - "deploy/payments-api/*.yaml"

`**` matches across directories, `*` and `?` within one path segment.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

import yaml


class ServiceMapError(ValueError):
    pass


@lru_cache(maxsize=1024)
def glob_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def load_service_map(path: Path) -> dict[str, list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ServiceMapError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(g, str) for g in v) for k, v in data.items()
    ):
        raise ServiceMapError(f"{path}: expected a mapping of service name -> list of glob patterns")
    return data


def services_for_paths(paths: list[str], service_map: dict[str, list[str]]) -> dict[str, list[str]]:
    """service -> the given paths that belong to it (a path may belong to several)."""
    found: dict[str, list[str]] = {}
    for raw in paths:
        path = PurePosixPath(raw.replace("\\", "/")).as_posix().removeprefix("./")
        for service, globs in service_map.items():
            if any(glob_regex(g).match(path) for g in globs):
                found.setdefault(service, []).append(raw)
    return found
