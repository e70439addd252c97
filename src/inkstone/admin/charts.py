"""Daily series drawn as SVG on the server: bars or a line, with axes, ticks and a name.

No script and no ``style`` attribute (the site's CSP allows neither): shapes carry classes
that ``backoffice.css`` colours, or ``currentColor``. Every text put in is escaped. The
``<svg>`` is one image to assistive technology (``role="img"``, named by its ``<title>`` and
described by its ``<desc>``); the page puts a table of the same numbers beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 240
LEFT = 60  # room for the y-axis labels
RIGHT = 10
TOP = 30  # room for the peak label
BOTTOM = 34  # room for the x-axis labels
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM
X_TICKS = 5


def _n(value: float) -> str:
    """Return a coordinate with two decimals (a 365-bar chart writes a thousand of them)."""
    return f"{value:.2f}"


def _scale(peak: int) -> int:
    """Return the value the top of the plot stands for: the peak, at least 1."""
    return max(peak, 1)


def bar_height(count: int, peak: int) -> float:
    """Return the height of a bar for ``count`` when the tallest day is ``peak``."""
    return round(max(count, 0) * PLOT_H / _scale(peak), 2)


def _x_tick_indexes(days: int) -> list[int]:
    """Return which days get a date under the axis: the first, the last and a few between."""
    if days <= 1:
        return [0] * days
    step = (days - 1) / (X_TICKS - 1)
    return sorted({round(i * step) for i in range(X_TICKS)}) if days >= X_TICKS else [*range(days)]


def _frame(points: Sequence[tuple[date, int]], peak: int) -> list[str]:
    """Return the axes, the y ticks (0, half, top) and the dates under the x axis."""
    base = TOP + PLOT_H
    parts = [
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" '
        'stroke="currentColor"/>',
        f'<line class="chart-axis" x1="{LEFT}" y1="{base}" x2="{LEFT + PLOT_W}" y2="{base}" '
        'stroke="currentColor"/>',
    ]
    top = _scale(peak)
    for value in sorted({0, top // 2, top}):
        y = _n(base - value * PLOT_H / top)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{y}" x2="{LEFT + PLOT_W}" y2="{y}"/>'
            f'<text class="chart-tick chart-tick-y" x="{LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle" fill="currentColor">{value}</text>'
        )
    slot = PLOT_W / max(len(points), 1)
    for index in _x_tick_indexes(len(points)):
        day = points[index][0]
        x = _n(LEFT + slot * (index + 0.5))
        parts.append(
            f'<text class="chart-tick chart-tick-x" x="{x}" y="{HEIGHT - 6}" '
            f'text-anchor="middle" fill="currentColor">{day:%m-%d}</text>'
        )
    return parts


def _bars(points: Sequence[tuple[date, int]], peak: int) -> list[str]:
    slot = PLOT_W / max(len(points), 1)
    width = _n(max(slot * 0.8, 0.5))
    base = TOP + PLOT_H
    per_count = PLOT_H / _scale(peak)
    parts = []
    for index, (day, count) in enumerate(points):
        height = round(max(count, 0) * per_count, 2)  # as bar_height(), inlined: 1,095 a page
        iso, n = day.isoformat(), int(count)
        parts.append(
            f'<rect class="chart-bar" x="{LEFT + slot * (index + 0.1):.2f}" '
            f'y="{base - height:.2f}" width="{width}" height="{height:.2f}" '
            f'data-day="{iso}" data-count="{n}"><title>{iso}: {n}</title></rect>'
        )
    return parts


def _line(points: Sequence[tuple[date, int]], peak: int) -> list[str]:
    slot = PLOT_W / max(len(points), 1)
    base = TOP + PLOT_H
    coords = [
        (_n(LEFT + slot * (index + 0.5)), _n(base - bar_height(count, peak)))
        for index, (_, count) in enumerate(points)
    ]
    parts = [
        '<polyline class="chart-line" fill="none" stroke="currentColor" stroke-width="2" '
        f'points="{" ".join(f"{x},{y}" for x, y in coords)}"/>'
    ]
    for (x, y), (day, count) in zip(coords, points, strict=True):
        parts.append(
            f'<circle class="chart-point" cx="{x}" cy="{y}" r="2" fill="currentColor" '
            f'data-day="{day.isoformat()}" data-count="{int(count)}">'
            f"<title>{day.isoformat()}: {int(count)}</title></circle>"
        )
    return parts


def chart(
    points: Sequence[tuple[date, int]],
    *,
    chart_id: str,
    title: str,
    description: str,
    peak_label: str,
    kind: str = "bars",
) -> Markup:
    """Return an SVG chart of ``points`` (one per day) as markup ready to put in a page.

    ``title`` names the image, ``description`` says what it shows in words (the total, the
    busiest day), ``peak_label`` is written at the top of the y axis ("Most in a day: 12").
    ``kind`` is ``"bars"`` (one ``<rect>`` per day, zeros included) or ``"line"``.
    ``chart_id`` must be unique in the page: it names the title and description elements.
    """
    if kind not in ("bars", "line"):
        raise ValueError(f"unknown chart kind {kind!r}")
    peak = max((count for _, count in points), default=0)
    ident = escape(chart_id)
    body = _frame(points, peak) + (_bars(points, peak) if kind == "bars" else _line(points, peak))
    svg = (
        f'<svg class="chart chart-{kind}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
        f'data-days="{len(points)}" data-peak="{peak}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        f'<text class="chart-peak" x="{WIDTH - RIGHT}" y="{TOP - 10}" text-anchor="end" '
        'fill="currentColor">'
        f"{escape(peak_label)}</text>" + "".join(body) + "</svg>"
    )
    return Markup(svg)  # every text in it was escaped above; the rest is numbers


def table_rows(points: Sequence[tuple[date, int]], number: Callable[[int], str]) -> Markup:
    """Return the ``<tr>`` rows of the table beside a chart: newest day first, counts formatted.

    Built here rather than in a template loop: a year is 365 rows per chart, and Jinja's
    per-row calls would cost the page more than everything else on it.
    """
    rows = []
    for day, count in reversed(points):
        iso = day.isoformat()
        shown = escape(number(count))
        rows.append(
            f'<tr><td><time datetime="{iso}">{iso}</time></td>'
            f'<td class="text-end">{shown}</td></tr>'
        )
    return Markup("".join(rows))  # dates and escaped numbers only
