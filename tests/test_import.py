"""`postmortem import`: legacy postmortems in other formats become schema-valid postmortems."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from postmortem_archive.model import FrontMatter
from postmortem_archive.settings import DEFAULT_SEVERITIES


def _validate(data: dict[str, object]) -> FrontMatter:
    return FrontMatter.model_validate(data, context={"severities": DEFAULT_SEVERITIES, "timezone": None})


def test_schema_keeps_the_import_record() -> None:
    meta = _validate(
        {
            "title": "t",
            "date": "2021-07-14",
            "severity": "SEV4",
            "imported": {
                "source": "sha256:0123456789abcdef",
                "path": "legacy/a.md",
                "url": "https://example.com/pm",
                "review": ["severity: not in the source; set to the default SEV4"],
            },
        }
    )
    assert meta.imported is not None
    assert meta.imported.review == ["severity: not in the source; set to the default SEV4"]
    with pytest.raises(ValidationError, match=r"imported\.reviw"):
        _validate({"title": "t", "date": "2021-07-14", "severity": "SEV4", "imported": {"source": "x", "reviw": []}})
