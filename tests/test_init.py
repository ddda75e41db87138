"""`postmortem init` (issue 27): a new archive repository that builds at once, grows with
`postmortem new`, is left alone by a second run, refreshed by `--update`, and works from the
wheel alone, without a clone of this repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from conftest import POSTMORTEM, REPO, actionlint
from postmortem_archive import __version__
from postmortem_archive.authoring import starter

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*POSTMORTEM, *args], cwd=cwd, capture_output=True, text=True, env=ENV, check=False)


def build(root: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` without -q: a warning fails it and shows in stderr."""
    return subprocess.run(
        [python, "-m", "mkdocs", "build", "--strict"], cwd=root, capture_output=True, text=True, env=ENV, check=False
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_empty_archive_builds_at_once_and_says_what_to_do_first(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    result = run("init", str(root), "--name", 'Acme: "ops" #1', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = {line.removeprefix("wrote ") for line in result.stdout.splitlines()}
    assert written == set(starter.starter_files("x", __version__)), "every starter file, listed"
    for path in ("mkdocs.yml", "postmortems/index.md", "postmortems/guide/index.md", "postmortems/guide/lint-rules.md",
                 "people.yml", "services.yml", ".github/workflows/pull-request.yml", ".github/workflows/deploy.yml",
                 ".github/workflows/overdue-actions.yml", ".github/PULL_REQUEST_TEMPLATE.md",
                 ".pre-commit-config.yaml", "requirements.txt", "README.md"):  # fmt: skip
        assert (root / path).is_file(), path
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == 'Acme: "ops" #1', "the name is one YAML string, whatever it holds"
    assert config["strict"] is True and config["plugins"][0] == {
        "postmortems": {"timezone": "UTC", "display_timezone": "UTC"}
    }
    assert f"postmortem-archive=={__version__}" in (root / "requirements.txt").read_text(encoding="utf-8")
    assert yaml.safe_load((root / "people.yml").read_text(encoding="utf-8")) == []
    assert yaml.safe_load((root / "services.yml").read_text(encoding="utf-8")) == {}
    assert (root / "postmortems/guide/lint-rules.md").read_bytes() == (
        REPO / "postmortems/guide/lint-rules.md"
    ).read_bytes(), "the guide is this repository's own"
    built = build(root)
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    home = BeautifulSoup((root / "site/index.html").read_text(encoding="utf-8"), "html.parser")
    steps = home.select_one("[data-first-steps]")
    assert steps is not None and "postmortem new" in steps.get_text() and "postmortem import" in steps.get_text()
    assert run("lint", cwd=root).returncode == 0
    assert run("actions", "--overdue", "--fail-on-overdue", cwd=root).returncode == 0


def test_a_new_postmortem_shows_and_a_second_init_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert run("init", str(root), cwd=tmp_path).returncode == 0
    made = run("new", "Checkout errors after a cache resize", "--severity", "SEV3", cwd=root)
    assert made.returncode == 0, made.stderr
    path = Path(made.stdout.strip())
    # The author fills in every prompt and marks it final (a prompt left in a final one fails the build).
    text = path.read_text(encoding="utf-8").replace("status: draft", "status: final")
    text = re.sub(r"TODO: [^|\n']*", "Filled in", text)
    path.write_text(text, encoding="utf-8")
    built = build(root)
    assert built.returncode == 0, built.stderr
    page = root / "site" / path.relative_to(root / "postmortems").with_suffix("") / "index.html"
    assert "Checkout errors after a cache resize" in page.read_text(encoding="utf-8")
    before = snapshot(root)
    again = run("init", str(root), cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == "", again.stdout
    assert snapshot(root) == before, "a second init changes nothing"


def test_edited_files_are_kept_and_unedited_ones_refreshed(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert run("init", str(root), cwd=tmp_path).returncode == 0
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text() + "# ours\n", encoding="utf-8")
    # As if an older version had written README.md: the manifest records what it wrote.
    old = b"# An older starter README\n"
    (root / "README.md").write_bytes(old)
    manifest = json.loads((root / starter.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["README.md"] = starter.digest(old)
    (root / starter.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    plain = run("init", str(root), cwd=tmp_path).stdout.splitlines()
    assert sorted(plain) == [
        "skipped README.md (it exists; --force overwrites it)",
        "skipped mkdocs.yml (it exists; --force overwrites it)",
    ]
    updated = run("init", "--update", str(root), cwd=tmp_path).stdout.splitlines()
    assert sorted(updated) == ["kept mkdocs.yml (edited since init wrote it)", "refreshed README.md"]
    assert (root / "README.md").read_bytes() == starter.starter_files("Incident postmortems", __version__)["README.md"]
    assert (root / "mkdocs.yml").read_text(encoding="utf-8").endswith("# ours\n")
    forced = run("init", "--force", str(root), cwd=tmp_path).stdout.splitlines()
    assert forced == ["wrote mkdocs.yml"]
    assert not (root / "mkdocs.yml").read_text(encoding="utf-8").endswith("# ours\n")
    assert not list(root.rglob("*.partial")), "no half-written file left"
    both = run("init", "--force", "--update", str(root), cwd=tmp_path)
    assert both.returncode == 2 and "error: --force and --update do not go together" in both.stderr


def test_the_example_archive_comes_with_example(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert run("init", "--example", str(root), cwd=tmp_path).returncode == 0
    examples = sorted(p.name for p in (REPO / "postmortems").glob("[0-9]*/*.md"))
    assert sorted(p.name for p in (root / "postmortems").glob("[0-9]*/*.md")) == examples
    assert "Acme" not in (root / "postmortems/index.md").read_text(encoding="utf-8"), "the starter's home page"
    built = build(root)
    assert built.returncode == 0, built.stderr
    drafts = [p for p in (REPO / "postmortems").glob("[0-9]*/*.md") if "\nstatus: draft\n" in p.read_text()]
    published = json.loads((root / "site/postmortems.json").read_text(encoding="utf-8"))["postmortems"]
    assert len(published) == len(examples) - len(drafts)


def test_the_workflows_pass_actionlint(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert run("init", str(root), cwd=tmp_path).returncode == 0
    workflows = sorted(str(p) for p in (root / ".github/workflows").glob("*.yml"))
    assert len(workflows) == 3
    result = subprocess.run([actionlint(), "-no-color", *workflows], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # And it finds a broken one (an unknown key): the check is real.
    broken = root / ".github/workflows/broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n", encoding="utf-8")
    result = subprocess.run([actionlint(), "-no-color", str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "stepz" in result.stdout, result.stdout


def test_the_wheel_alone_starts_and_builds_an_archive(tmp_path: Path) -> None:
    """The built wheel, installed in a fresh venv (its dependencies borrowed from this one through a
    .pth file, so nothing is downloaded), run from outside this repository: init, new, build."""
    dist = tmp_path / "dist"
    wheel = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert wheel.returncode == 0, wheel.stderr
    (built_wheel,) = dist.glob("postmortem_archive-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # This venv's packages, but not its editable install of ours (a .pth inside is not processed).
    Path(site_packages, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", str(built_wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    where = subprocess.run(
        [python, "-c", "import postmortem_archive; print(postmortem_archive.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(site_packages), f"imported from {where}, not from the wheel"
    command = str(venv / "bin" / "postmortem")
    root = tmp_path / "archive"
    init = subprocess.run(
        [command, "init", str(root)], cwd=tmp_path, capture_output=True, text=True, env=ENV, check=False
    )
    assert init.returncode == 0, init.stderr
    assert (root / "postmortems/guide/lint-rules.md").is_file(), "the guide is in the wheel"
    assert (root / ".github/PULL_REQUEST_TEMPLATE.md").is_file()
    new = subprocess.run(
        [command, "new", "Queue backlog after a broker restart", "--severity", "SEV2"],
        cwd=root, capture_output=True, text=True, env=ENV, check=False,
    )  # fmt: skip
    assert new.returncode == 0, new.stderr
    built = build(root, python)
    assert built.returncode == 0, built.stderr
    assert (root / "site/search/index.html").is_file() and (root / "site/pagefind").is_dir()
    example = subprocess.run(
        [command, "init", "--example", str(tmp_path / "example")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    assert example.returncode == 0 and list((tmp_path / "example/postmortems").glob("20*/*.md"))
