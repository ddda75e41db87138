"""The loader gives the same answer with libyaml's parser and with PyYAML's own, and on its fast
path (one parse, no check per value) the same as on its checked path (issue 25).

Compared over the example archive, the test fixtures, the baited lint corpus and front matter that
the two parsers are known to treat differently if left alone: duplicate keys, tags, anchors and
aliases, merge keys, YAML 1.1 booleans and dates, odd line breaks, the bounds. Equal means the same
data, line map and body, or the same problems; only the wording of a YAML syntax error is libyaml's
or PyYAML's own (both name the same file, line and field).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lint_corpus
from conftest import REPO
from postmortem_archive.core import source
from postmortem_archive.core.loader import load_one
from postmortem_archive.core.settings import Settings

HEAD = "---\ntitle: T\ndate: 2024-03-12\nseverity: SEV3\nsummary: S.\n"
EDGES = {
    "duplicate key": HEAD + "title: again\n---\n",
    "duplicate nested key": HEAD + "impact:\n  users: 1\n  users: 2\n---\n",
    "merge key": HEAD + "base: &b {users: 1}\nimpact:\n  <<: *b\n  revenue: 2\n---\n",
    "merge list": HEAD + "x: &x {a: 1}\ny: &y {b: 2}\nimpact: {<<: [*x, *y]}\n---\n",
    "alias to a scalar": HEAD + "tags: [&t db, *t]\n---\n",
    "undefined alias": HEAD + "tags: [*nope]\n---\n",
    "recursive alias": HEAD + "tags: &t [*t]\n---\n",
    "custom tag": HEAD + "trigger: !url x\n---\n",
    "python tag": HEAD + "trigger: !!python/object:os.system x\n---\n",
    "binary": HEAD + "trigger: !!binary aGVsbG8=\n---\n",
    "bad binary": HEAD + "trigger: !!binary '%%%'\n---\n",
    "set and omap": HEAD + "tags: !!set {a, b}\nx: !!omap [a: 1]\n---\n",
    "booleans": HEAD + "tags: [yes, No, on, OFF, y, n, true]\n---\n",
    "numbers": HEAD + "tags: [0x1F, 0o17, 017, 1_000, 1:30, .inf, -.NaN, 1e3, 0b101]\n---\n",
    "long number": HEAD + "tags: [" + "9" * 150 + "]\n---\n",
    "dates": HEAD + "started: 2024-03-12 14:02:00.5 +02:00\ndetected: 2024-3-12\nresolved: 2024-13-40\n---\n",
    "null forms": HEAD + "tags: [~, null, Null, '']\npeople: {scribe: }\n---\n",
    "int key": HEAD + "1: x\n---\n",
    "null key": HEAD + "people:\n  ~: x\n---\n",
    "list key": HEAD + "? [a, b]\n: 1\n---\n",
    "not a mapping": "---\n- a\n- b\n---\n",
    "empty": "---\n---\nbody\n",
    "crlf": HEAD.replace("\n", "\r\n") + "tags: [a,\r\n  b]\r\nx: !!int y\r\n---\r\n",
    "nel and line separators": HEAD + "title2: 'a\u2028b\x85c'\nx: !!int y\n---\n",
    "control character": HEAD + "title2: a\x07b\n---\n",
    "bom": "\ufeff" + HEAD + "---\n",
    "deep": HEAD + "tags: " + "[" * 33 + "]" * 33 + "\n---\n",
    "just deep enough": HEAD + "tags: " + "[" * 31 + "]" * 31 + "\n---\n",
    "deep blocks": HEAD + "".join("  " * i + f"k{i}:\n" for i in range(34)) + "---\n",
    "deep through aliases": HEAD
    + "a0: &a0 [1]\n"
    + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 40))
    + "---\n",
    "many values": HEAD + "tags: [" + ",".join(["a"] * (source.MAX_VALUES + 1)) + "]\n---\n",
    "quoted ampersand": HEAD + "services: ['R&D', a&b]\n---\n",
    "multi-line text": HEAD + "impact:\n  description: |\n    one\n    two\n  users: 3\nx: !!int y\n---\n",
    "two documents": HEAD + "...\n---\nmore: 1\n---\n",
}


def _files(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    root = tmp_path_factory.mktemp("parsers")
    lint_corpus.write(root, count=120)
    found = [*sorted(root.rglob("*.md")), *sorted((REPO / "postmortems").rglob("*.md"))]
    found += sorted((REPO / "tests" / "fixtures").rglob("*.md"))
    files = [(path.as_posix(), path.read_bytes()) for path in found]
    return files + [(f"2024/{name}.md", text.encode()) for name, text in EDGES.items()]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    return _files(tmp_path_factory)


def _outcome(result: source.Source | list[source.Problem]) -> object:
    if isinstance(result, list):
        # A syntax error's wording is the parser's own; where it is, is ours.
        return [str(p).split(" invalid YAML: ")[0] if "invalid YAML: " in p.message else str(p) for p in result]
    return (result.data, result.lines, result.body, result.body_line)


def test_both_parsers_load_the_same(files: list[tuple[str, bytes]]) -> None:
    differ = []
    for path, raw in files:
        with source.using("c"):
            c = _outcome(source.load(path, raw))
        with source.using("python"):
            py = _outcome(source.load(path, raw))
        if c != py:
            differ.append((path, c if isinstance(c, list) else "loads", py if isinstance(py, list) else "loads"))
    assert differ == []


@pytest.mark.parametrize("parser", ["c", "python"])
def test_the_fast_path_answers_as_the_checked_one(
    files: list[tuple[str, bytes]], parser: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with source.using(parser):
        fast = [source.load(path, raw) for path, raw in files]
        monkeypatch.setattr(source, "_load_fast", lambda *args: None)
        checked = [source.load(path, raw) for path, raw in files]
    differ = [
        (path, _outcome(a), _outcome(b))
        for (path, _), a, b in zip(files, fast, checked, strict=True)
        if (a if isinstance(a, list) else _outcome(a)) != (b if isinstance(b, list) else _outcome(b))
    ]
    assert differ == []


def test_both_parsers_give_the_same_postmortems(files: list[tuple[str, bytes]]) -> None:
    settings = Settings()
    differ = []
    for path, raw in files:
        results = []
        for parser in ("c", "python"):
            with source.using(parser):
                result = load_one(path, raw, settings)
            results.append(_outcome(result) if isinstance(result, list) else result.meta.model_dump())
        if results[0] != results[1]:
            differ.append(path)
    assert differ == []
    assert sum(not isinstance(load_one(p, r, settings), list) for p, r in files) > 100  # most are valid


def test_a_control_character_is_worded_alike() -> None:
    raw = (HEAD + "title2: a\x07b\n---\n").encode()
    for parser in ("c", "python"):
        with source.using(parser):
            [problem] = source.load("2024/x.md", raw)
        assert str(problem) == "2024/x.md:6: front matter: invalid YAML: control characters are not allowed"


def test_the_parser_is_chosen_by_the_environment(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "from postmortem_archive.core import source; print(source.parser())"
    for name in ("c", "python"):
        env = {source.PARSER_ENV: name, "PATH": ""}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == name
    bad = subprocess.run(
        [sys.executable, "-c", code], env={source.PARSER_ENV: "rust"}, capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0 and "not one of c, python" in bad.stderr
