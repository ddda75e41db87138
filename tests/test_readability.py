"""What readers of the example site meet: code blocks render as code, charts name their axes,
the README tells the truth about what the tools print."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from conftest import REPO

FENCE = re.compile(r"^\s*(```|~~~)")


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def test_no_page_shows_a_fence_as_text(example_site: Path) -> None:
    """Fenced code inside list items needs pymdownx.superfences; without it "```yaml" becomes a
    paragraph and a table-of-contents entry."""
    broken = []
    for path in pages(example_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article")
        texts = [el.get_text() for el in article.select("p, li, h1, h2, h3, h4, td")] if article else []
        texts += [a.get_text() for a in soup.select(".md-nav--secondary a")]  # the table of contents
        broken += [f"{path.relative_to(example_site)}: {t.strip()[:40]!r}" for t in texts if FENCE.match(t)]
    assert not broken, broken
    assert len(pages(example_site)) > 40


def test_fenced_code_in_list_items_renders_as_highlighted_code(example_site: Path) -> None:
    for url, start, token in (("index.html", "---\ntitle:", "span.nt"), ("guide/index.html", "postmortem new", "span")):
        soup = BeautifulSoup((example_site / url).read_text(encoding="utf-8"), "html.parser")
        blocks = [code for code in soup.select("article ol li div.highlight pre code") if code.select(token)]
        assert [code.get_text().startswith(start) for code in blocks] == [True], f"{url}: no code block in a list"


def test_time_charts_name_both_axes_and_label_the_time_axis(example_site: Path) -> None:
    soup = BeautifulSoup((example_site / "metrics" / "index.html").read_text(encoding="utf-8"), "html.parser")
    charts = {svg["id"]: svg for svg in soup.select("figure.pm-chart svg")}
    expected = {
        "chart-per-month": ("Month of incident", "Incidents", "2023-02"),
        "chart-durations": ("Quarter of incident", "Minutes (median)", "2023-Q1"),
        "chart-completion": ("Quarter of incident", "Done (%)", "2023-Q1"),
    }
    for chart_id, (x_title, y_title, first) in expected.items():
        svg = charts[chart_id]
        titles = {t.get_text(): t for t in svg.select(".titles text.title:not(.plot_title)")}
        assert x_title in titles and "transform" not in titles[x_title].attrs, chart_id  # horizontal, below
        assert y_title in titles and "rotate" in titles[y_title].get("transform", ""), chart_id  # along the y axis
        ticks = [t.get_text() for t in svg.select("g.axis.x text")]
        assert ticks[0] == first and len(ticks) >= 6, (chart_id, ticks)
    for chart_id in ("chart-services", "chart-patterns"):
        titles = [t.get_text() for t in charts[chart_id].select(".titles text.title:not(.plot_title)")]
        assert titles == ["Incidents"], chart_id


def test_charts_take_the_page_text_colour(example_site: Path) -> None:
    """Text and axes in currentColor, so the charts read on the dark scheme too; no fixed greys."""
    soup = BeautifulSoup((example_site / "metrics" / "index.html").read_text(encoding="utf-8"), "html.parser")
    for svg in soup.select("figure.pm-chart svg"):
        style = svg.style.get_text()
        assert re.search(r"\.axis text\.major\{fill:currentColor\}", style), svg["id"]
        assert re.search(r"\.title\{fill:currentColor\}", style), svg["id"]
        assert not re.search(r"fill:#(?:222|333|999)\b", style), svg["id"]


def test_example_config_offers_light_and_dark() -> None:
    import yaml

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    schemes = [p["scheme"] for p in config["theme"]["palette"]]
    assert schemes == ["default", "slate"] and all(p.get("toggle") for p in config["theme"]["palette"])


def test_readme_quotes_the_notice_every_build_prints(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_MKDOCS_2_WARNING"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(REPO / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**env, "POSTMORTEM_TODAY": "2026-11-23"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = re.sub(r"\x1b\[[0-9;]*m", "", result.stderr)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"prints a notice on every `mkdocs` command:\s+\"([^\"]+)\"", readme)
    assert quoted, "README no longer quotes the notice"
    assert quoted.group(1) in printed, printed[:400]
    assert "NO_MKDOCS_2_WARNING=1" in printed and "NO_MKDOCS_2_WARNING=1" in readme
