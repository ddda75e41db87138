"""Postmortem objects straight from front-matter dicts, for fast tests of the pure core (no site build)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from postmortem_archive.core.model import validate_front_matter
from postmortem_archive.core.postmortem import Postmortem
from postmortem_archive.core.settings import Settings

TODAY = dt.date(2026, 11, 23)


def settings(**changes: Any) -> Settings:
    return Settings(**{"today": TODAY, **changes})


def make(pm_id: str = "incident", **fields: Any) -> Postmortem:
    """A validated postmortem: a final SEV2 of 2024-03-12 unless `fields` say otherwise."""
    data: dict[str, Any] = {
        "title": f"Incident {pm_id}",
        "date": "2024-03-12",
        "severity": "SEV2",
        "summary": "Something failed.",
        **fields,
    }
    meta = validate_front_matter(data, severities=(), timezone=None)  # any severity: tests pick SLOs
    return Postmortem(id=pm_id, src_path=f"2024/{pm_id}.md", meta=meta, body="", body_line=1)
