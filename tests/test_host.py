"""The MkDocs internals the plugin relies on (plugin/host.py): these fail loudly when MkDocs (or
ProperDocs, its continuation) stops doing what the serve cache depends on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mkdocs.config import load_config
from mkdocs.structure.files import Files, get_files
from mkdocs.structure.pages import Page

from postmortem_archive.plugin import host


def _site(tmp_path: Path) -> tuple[object, Files]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A title\n\n## Steps\n\nSee [b's notes](b.md#notes) and [here](#steps).\n")
    (docs / "b.md").write_text("# B\n\n## Notes\n\nNone.\n")
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump({"site_name": "Host", "docs_dir": "docs"}))
    config = load_config(str(tmp_path / "mkdocs.yml"))
    return config, get_files(config)


def _rendered(config: object, files: Files, src: str) -> Page:
    page = Page(None, files.get_file_from_path(src), config)  # type: ignore[arg-type]
    page.read_source(config)  # type: ignore[arg-type]
    page.render(config, files)  # type: ignore[arg-type]
    return page


def test_page_render_sets_what_a_reused_conversion_puts_back(tmp_path: Path) -> None:
    config, files = _site(tmp_path)
    page = _rendered(config, files, "a.md")
    record = host.conversion_of(page, page.content or "")
    assert set(record) == set(host.RENDERED)
    assert record["_title_from_render"] == "A title"
    assert "steps" in record["present_anchor_ids"]
    assert [item.title for item in record["toc"]] == ["A title"]
    # Links to other pages' anchors, by src_uri: the next build has new File objects.
    assert record["links_to_anchors"] == {"b.md": {"notes": "b.md#notes"}, "a.md": {"steps": "#steps"}}

    # A later build: new Files, a fresh page; the record puts back what render() would have set.
    again = get_files(config)  # type: ignore[arg-type]
    fresh = Page(None, again.get_file_from_path("a.md"), config)  # type: ignore[arg-type]
    assert host.restore_conversion(fresh, record, again, page.markdown or "") == page.content
    assert fresh.markdown == page.markdown, "plugins after ours read the page's own Markdown"
    rendered = _rendered(config, again, "a.md")
    for name in host.RENDERED:
        if name not in ("content", "toc"):
            assert getattr(fresh, name) == getattr(rendered, name), name
    targets = set(fresh.links_to_anchors or {})
    assert targets == {again.get_file_from_path("a.md"), again.get_file_from_path("b.md")}, "this build's Files"


def test_a_missing_attribute_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    """A page whose render() did not set what the cache records (as if MkDocs stopped doing it)."""
    config, files = _site(tmp_path)
    page = Page(None, files.get_file_from_path("a.md"), config)  # type: ignore[arg-type]
    page.toc = []  # type: ignore[assignment]
    with pytest.raises(host.HostChanged, match="present_anchor_ids"):
        host.conversion_of(page, "")


def test_a_worker_converts_a_page_as_mkdocs_does(tmp_path: Path) -> None:
    """host.convert (what _populate_page does after on_page_markdown) gives what render() gives."""
    config, files = _site(tmp_path)
    rendered = _rendered(config, files, "a.md")
    page = Page(None, files.get_file_from_path("a.md"), config)  # type: ignore[arg-type]
    record = host.convert(page, rendered.markdown or "", config, files)  # type: ignore[arg-type]
    assert record["content"] == rendered.content
    assert config._current_page is page  # type: ignore[attr-defined]  # extensions look the page up there
    expected = host.conversion_of(rendered, rendered.content or "")
    assert [(item.title, item.id) for item in record.pop("toc")] == [(i.title, i.id) for i in expected.pop("toc")]
    assert record == expected


def _plugins(tmp_path: Path, hook: str | None) -> tuple[object, object]:
    """A site with our plugin and, maybe, a hook with one event; (its plugins, our plugin)."""
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    config: dict[str, object] = {"site_name": "Host", "docs_dir": "docs", "plugins": [{"postmortems": {}}]}
    if hook is not None:
        (tmp_path / "hook.py").write_text(f"def on_{hook}(*args, **kwargs):\n    return None\n")
        config["hooks"] = ["hook.py"]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    loaded = load_config(str(tmp_path / "mkdocs.yml"))
    return loaded.plugins, loaded.plugins["postmortems"]


@pytest.mark.parametrize(
    ("hook", "alone"),
    [(None, True), ("pre_page", False), ("page_read_source", False), ("page_markdown", False),
     ("page_content", True), ("post_page", True)],
)  # fmt: skip
def test_only_our_plugin_taking_part_in_conversion_lets_a_worker_convert(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, hook: str | None, alone: bool
) -> None:
    """A hook on an event up to on_page_markdown takes part in conversion; one on on_page_content
    runs after ours (we come first in the list), so the worker's conversion is still right."""
    plugins, ours = _plugins(tmp_path, hook)
    for record in caplog.records:  # MkDocs: "Multiple 'on_page_read_source' handlers can't work"
        record.expected = hook == "page_read_source" and "on_page_read_source" in record.getMessage()
    assert host.converts_alone(plugins, ours) is alone  # type: ignore[arg-type]


def test_a_plugin_collection_without_its_event_lists_is_an_error(tmp_path: Path) -> None:
    plugins, ours = _plugins(tmp_path, None)
    del plugins.events  # type: ignore[attr-defined]  # as if MkDocs stopped keeping them there
    with pytest.raises(host.HostChanged, match="events"):
        host.converts_alone(plugins, ours)  # type: ignore[arg-type]


HOOK_WRITES_LATE = """
from pathlib import Path
from mkdocs.structure.files import File
from postmortem_archive.plugin import host

def on_files(files, config):
    site = Path(config.site_dir)
    files.append(host.WrittenInPlace.generated(config, "late.txt", abs_src_path=str(site / "late.txt")))
    if Path("copy-it").exists():
        files.append(File.generated(config, "copied.txt", abs_src_path=str(site / "copied.txt")))
    return files

def on_post_build(config):
    (Path(config.site_dir) / "late.txt").write_text("written at the end", encoding="utf-8")
"""


def test_a_file_written_in_place_is_not_copied_by_mkdocs(tmp_path: Path) -> None:
    """MkDocs copies static files (File.copy_file) right after on_env, before a worker writing
    into site_dir is done: a WrittenInPlace file that does not exist yet is skipped, where a plain
    generated File pointing at the same kind of path fails the build."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "hooks.py").write_text(HOOK_WRITES_LATE, encoding="utf-8")
    config = {"site_name": "Host", "docs_dir": "docs", "hooks": ["hooks.py"]}
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    build = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    ok = subprocess.run(build, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "site" / "late.txt").read_text(encoding="utf-8") == "written at the end"
    (tmp_path / "copy-it").touch()
    copied = subprocess.run(build, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert copied.returncode != 0 and "copied.txt" in copied.stderr, "a plain File is copied, and fails"
