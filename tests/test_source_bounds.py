"""The size bound holds on the fast path too: front matter without aliases skips the walk over
composed nodes, unless it has more values than the bound."""

from __future__ import annotations

import pytest

from postmortem_archive.core import source

pytestmark = pytest.mark.usefixtures("yaml_parser")  # libyaml's parser and the fallback


def test_many_values_without_aliases_are_still_refused() -> None:
    text = "---\ntitle: t\ntags: [" + ",".join(["a"] * (source.MAX_VALUES + 1)) + "]\n---\nbody\n"
    problems = source.load("2024/x.md", text.encode())
    assert isinstance(problems, list)
    assert [(p.line, p.field) for p in problems] == [(3, "tags")]
    assert f"more than {source.MAX_VALUES} values" in problems[0].message


def test_values_just_under_the_bound_load() -> None:
    text = "---\ntags: [" + ",".join(["a"] * (source.MAX_VALUES - 10)) + "]\n---\nbody\n"
    loaded = source.load("2024/x.md", text.encode())
    assert isinstance(loaded, source.Source) and len(loaded.data["tags"]) == source.MAX_VALUES - 10


def test_plain_front_matter_keeps_its_line_map() -> None:
    text = "---\ntitle: A\nservices:\n  - api\n  - db\n---\n# Body\n"
    loaded = source.load("2024/x.md", text.encode())
    assert isinstance(loaded, source.Source)
    assert loaded.data == {"title": "A", "services": ["api", "db"]}
    assert loaded.line_of(("services", 1)) == 5 and loaded.line_of(("title",)) == 2 and loaded.body_line == 7
