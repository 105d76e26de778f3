"""Charts as SVG rendered on the server with pygal; shown as ``<img src="data:image/svg+xml;base64,…">``.

Why an image and not inline SVG: pygal puts a ``<style>`` element (and a config ``<script>``) in the SVG; inline
in the page both would need CSP relaxations (``style-src 'self'`` forbids inline styles). As an image the SVG
is its own document, which never runs scripts, and the page's CSP already allows ``img-src data:``. pygal's
JavaScript tooltips, which it loads from a CDN by default, are switched off (``js=[]``) and the config script
is stripped, so nothing is fetched from anywhere. Every chart is shown next to a table with the same numbers.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

import pygal
from pygal.style import Style

_STYLE = Style(
    font_family='"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif',
    background="#ffffff", plot_background="#ffffff", foreground="#1d2733", foreground_strong="#1d2733",
    foreground_subtle="#5b6776", colors=("#0b5cad", "#17723a", "#b3261e", "#8a5a00", "#6a3d9a", "#5b6776"),
    title_font_size=16, label_font_size=12, major_label_font_size=12, legend_font_size=12, value_font_size=11,
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def _config(title: str, **extra) -> dict:
    return {"js": [], "disable_xml_declaration": True, "style": _STYLE, "title": title, "width": 720,
            "height": 340, "print_values": False, "legend_at_bottom": True, "truncate_label": -1,
            "x_label_rotation": 30, "margin": 12, **extra}


def _svg(chart) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bar(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
        percent: bool = False, horizontal: bool = False) -> str:
    """A bar chart (counts, or rates in percent with a 0–100 axis) as SVG text."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    extra = {"range": (0, 100)} if percent else {}
    chart = kind(**_config(title, **extra))
    chart.x_labels = [str(x) for x in labels]
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return _svg(chart)


def line(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
         percent: bool = False) -> str:
    extra = {"range": (0, 100)} if percent else {}
    chart = pygal.Line(**_config(title, allow_interruptions=True, **extra))
    chart.x_labels = [str(x) for x in labels]
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return _svg(chart)


def histogram(title: str, bins: Sequence[str], counts: Sequence[int], name: str) -> str:
    return bar(title, bins, [(name, counts)])
