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
# Text and axes in currentColor: the chart takes the page's text colour, so it reads on Material's
# light and dark schemes alike. Series colours are mid-tones visible on both backgrounds.
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="currentColor",
    foreground_strong="currentColor",
    foreground_subtle="currentColor",
    guide_stroke_color="currentColor",
    major_guide_stroke_color="currentColor",
    colors=("#d32f2f", "#f57c00", "#fbc02d", "#1e88e5", "#8e24aa", "#43a047", "#00acc1", "#8d6e63"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
)
COMMON = {
    "style": STYLE,
    "js": [],  # pygal's tooltips load a script from the web; the numbers are in tables instead
    "disable_xml_declaration": True,
    "width": 800,
    "height": 340,
    "explicit_size": False,
    "show_minor_x_labels": False,  # with many months, only every n-th label (the major ones) is shown
    "truncate_legend": 30,
    "print_values": False,
}


# Longest label drawn in a chart; longer ones are cut with an ellipsis (the table under each chart
# has them whole). pygal gives labels the room they ask for: a label wider than the chart (measured:
# a 110-character service name) leaves a negative width, and pygal's title wrapping then loops
# forever, growing memory until the build is killed.
LABEL_CHARS = 40


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _every(labels: list[str], most: int = 12) -> int:
    """Label every n-th point so at most `most` time labels show (all of them when few)."""
    return max(1, -(-len(labels) // most))


def _render(chart: pygal.graph.graph.Graph, chart_id: str) -> str:
    chart.uuid = chart_id  # fixed id: deterministic output, unique per page
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", svg)  # pygal stamps the wall-clock date into a comment
    svg = _SCRIPT.sub("", svg)  # pygal always embeds its tooltip config as a script; we ship no script
    label = html.escape(str(chart.config.title or chart_id), quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def stacked_bars(
    chart_id: str, title: str, labels: list[str], series: dict[str, list[int]], *, x_title: str, y_title: str
) -> str:
    chart = pygal.StackedBar(
        title=title,
        x_title=x_title,
        y_title=y_title,
        x_label_rotation=-45,
        x_labels_major_every=_every(labels),
        **COMMON,
    )
    chart.x_labels = labels
    # An empty archive has no series: pygal fails on zero series but draws "No data" for an empty one.
    series = series or {title: []}
    peak = max((sum(column) for column in zip(*series.values(), strict=True)), default=0)
    step = max(1, peak // 8)
    chart.y_labels = list(range(0, peak + step, step))  # whole incidents, not 0.1 steps
    for name, values in series.items():
        chart.add(_label(name), values)
    return _render(chart, chart_id)


def lines(
    chart_id: str, title: str, labels: list[str], series: dict[str, list[float | None]], *, x_title: str, y_title: str
) -> str:
    chart = pygal.Line(
        title=title,
        x_title=x_title,
        y_title=y_title,
        x_label_rotation=-45,
        x_labels_major_every=_every(labels),
        allow_interruptions=True,
        **COMMON,
    )
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart, chart_id)


def bars(
    chart_id: str,
    title: str,
    labels: list[str],
    values: list[float | None],
    *,
    x_title: str,
    y_title: str,
    percent: bool = False,
) -> str:
    chart = pygal.Bar(
        title=title,
        x_title=x_title,
        y_title=y_title,
        x_label_rotation=-45,
        x_labels_major_every=_every(labels),
        show_legend=False,
        range=(0, 100) if percent else None,
        **COMMON,
    )
    chart.x_labels = labels
    chart.add(title, [None if v is None else round(v * 100, 1) if percent else v for v in values])
    return _render(chart, chart_id)


def horizontal_bars(chart_id: str, title: str, items: list[tuple[str, int]], *, value_title: str) -> str:
    height = 90 + 26 * max(1, len(items))
    # Turned sideways, pygal's x axis holds the labels (left) and x_title names the values (bottom).
    options = {**COMMON, "height": height, "show_minor_x_labels": True}
    chart = pygal.HorizontalBar(title=title, x_title=value_title, show_legend=False, **options)
    chart.x_labels = [_label(label) for label, _ in reversed(items)]
    chart.add(title, [value for _, value in reversed(items)])
    svg = _render(chart, chart_id)
    return svg.replace(
        'class="pygal-chart"', f'class="pygal-chart pm-chart-tall" style="aspect-ratio: 800 / {height}"', 1
    )
