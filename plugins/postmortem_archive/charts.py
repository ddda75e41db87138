"""SVG charts drawn at build time with pygal: no JavaScript, no network needed to view them.

Each chart gets a fixed id (pygal picks a random one), so builds stay byte-identical.
Text goes through pygal's XML tree, so labels from front matter are escaped.
"""

from __future__ import annotations

import html
import re

import pygal
from pygal.style import Style

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>|<script\b[^>]*/>", re.DOTALL)
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#222",
    foreground_subtle="#999",
    colors=("#b71c1c", "#e65100", "#f9a825", "#1565c0", "#6a1b9a", "#2e7d32", "#00838f", "#5d4037"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
)
COMMON = {
    "style": STYLE,
    "js": [],  # pygal's tooltips load a script from the web; the numbers are in tables instead
    "disable_xml_declaration": True,
    "width": 800,
    "height": 320,
    "explicit_size": False,
    "show_minor_x_labels": False,
    "truncate_legend": 30,
    "print_values": False,
}


def _render(chart: pygal.graph.graph.Graph, chart_id: str) -> str:
    chart.uuid = chart_id  # fixed id: deterministic output, unique per page
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", svg)  # pygal stamps the wall-clock date into a comment
    svg = _SCRIPT.sub("", svg)  # pygal always embeds its tooltip config as a script; we ship no script
    label = html.escape(str(chart.config.title or chart_id), quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def stacked_bars(chart_id: str, title: str, labels: list[str], series: dict[str, list[int]]) -> str:
    chart = pygal.StackedBar(
        title=title, x_label_rotation=-45, x_labels_major_every=max(1, len(labels) // 12), **COMMON
    )
    chart.x_labels = labels
    peak = max((sum(column) for column in zip(*series.values(), strict=True)), default=0)
    step = max(1, peak // 8)
    chart.y_labels = list(range(0, peak + step, step))  # whole incidents, not 0.1 steps
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart, chart_id)


def lines(chart_id: str, title: str, labels: list[str], series: dict[str, list[float | None]], unit: str) -> str:
    chart = pygal.Line(title=title, x_label_rotation=-45, y_title=unit, allow_interruptions=True, **COMMON)
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart, chart_id)


def bars(chart_id: str, title: str, labels: list[str], values: list[float | None], *, percent: bool = False) -> str:
    options = dict(COMMON)
    chart = pygal.Bar(
        title=title, x_label_rotation=-45, show_legend=False, range=(0, 100) if percent else None, **options
    )
    chart.x_labels = labels
    chart.add(title, [None if v is None else round(v * 100, 1) if percent else v for v in values])
    return _render(chart, chart_id)


def horizontal_bars(chart_id: str, title: str, items: list[tuple[str, int]]) -> str:
    height = 60 + 26 * max(1, len(items))
    chart = pygal.HorizontalBar(title=title, show_legend=False, **{**COMMON, "height": height})
    chart.x_labels = [label for label, _ in reversed(items)]
    chart.add(title, [value for _, value in reversed(items)])
    svg = _render(chart, chart_id)
    return svg.replace(
        'class="pygal-chart"', f'class="pygal-chart pm-chart-tall" style="aspect-ratio: 800 / {height}"', 1
    )
