"""Server-side SVG charts: one bar per day, heights in proportion, named, no style or script."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from inkstone.admin import charts

SVG = "{http://www.w3.org/2000/svg}"


def _points(counts: list[int]) -> list[tuple[date, int]]:
    first = date(2026, 11, 1)
    return [(first + timedelta(days=i), n) for i, n in enumerate(counts)]


def _draw(counts: list[int], **kwargs) -> ET.Element:
    markup = charts.chart(
        _points(counts),
        chart_id=kwargs.pop("chart_id", "chart-signups"),
        title=kwargs.pop("title", "Sign-ups per day"),
        description=kwargs.pop("description", "12 in all"),
        peak_label=kwargs.pop("peak_label", f"Most in a day: {max(counts, default=0)}"),
        **kwargs,
    )
    assert "style=" not in markup
    assert "<script" not in markup
    return ET.fromstring(str(markup))  # well-formed XML, or this fails


def _bars(svg: ET.Element) -> list[ET.Element]:
    return svg.findall(f"{SVG}rect[@class='chart-bar']")


@pytest.mark.parametrize("days", [1, 7, 30, 90, 365])
def test_one_bar_per_day_zeros_included(days):
    svg = _draw([i % 4 for i in range(days)])
    bars = _bars(svg)
    assert len(bars) == days
    assert [bar.get("data-day") for bar in bars] == [d.isoformat() for d, _ in _points([0] * days)]
    assert svg.get("data-days") == str(days)


def test_bar_heights_are_in_proportion_to_the_counts():
    counts = [0, 3, 6, 12, 1]
    bars = _bars(_draw(counts))
    heights = [float(bar.get("height")) for bar in bars]
    tallest = max(heights)
    assert tallest == pytest.approx(charts.PLOT_H)
    for height, count in zip(heights, counts, strict=True):
        assert height == pytest.approx(tallest * count / 12, abs=0.01)
    # Every bar stands on the x axis.
    base = charts.TOP + charts.PLOT_H
    for bar in bars:
        assert float(bar.get("y")) + float(bar.get("height")) == pytest.approx(base, abs=0.01)
    # Left to right, oldest first, none overlapping.
    xs = [float(bar.get("x")) for bar in bars]
    assert xs == sorted(xs)
    assert all(b - a >= float(bars[0].get("width")) for a, b in itertools.pairwise(xs))


def test_the_axes_ticks_and_the_max_label_are_drawn():
    svg = _draw([2, 40, 7], peak_label="Most in a day: 40")
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert "Most in a day: 40" in texts
    y_ticks = [t.text for t in svg.iter(f"{SVG}text") if "chart-tick-y" in t.get("class", "")]
    assert y_ticks == ["0", "20", "40"]
    x_ticks = [t.text for t in svg.iter(f"{SVG}text") if "chart-tick-x" in t.get("class", "")]
    assert x_ticks[0] == "11-01"
    assert x_ticks[-1] == "11-03"
    assert len(svg.findall(f"{SVG}line[@class='chart-axis']")) == 2
    assert svg.get("data-peak") == "40"


def test_a_window_with_nothing_draws_flat_bars_without_dividing_by_zero():
    bars = _bars(_draw([0] * 30))
    assert len(bars) == 30
    assert {float(bar.get("height")) for bar in bars} == {0.0}


def test_the_image_is_named_and_described_for_screen_readers():
    svg = _draw([1, 2], chart_id="chart-comments", title="Comments", description="3 in all")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-comments-title"
    assert svg.get("aria-describedby") == "chart-comments-desc"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("chart-comments-title", "Comments")
    assert (desc.get("id"), desc.text) == ("chart-comments-desc", "3 in all")
    # Each bar says its day and count on hover.
    assert [b.find(f"{SVG}title").text for b in _bars(svg)] == ["2026-11-01: 1", "2026-11-02: 2"]


def test_every_text_put_in_is_escaped():
    hostile = '<script>alert(1)</script>" onload="x'
    markup = str(
        charts.chart(
            _points([1]),
            chart_id='x" onmouseover="y',
            title=hostile,
            description=hostile,
            peak_label=hostile,
        )
    )
    assert "<script>" not in markup
    assert 'onload="x' not in markup
    assert 'onmouseover="y' not in markup
    ET.fromstring(markup)


def test_a_line_chart_has_a_point_per_day():
    svg = _draw([1, 5, 2, 0], kind="line")
    line = svg.find(f"{SVG}polyline")
    assert line is not None
    assert len(line.get("points").split()) == 4
    assert len(svg.findall(f"{SVG}circle")) == 4
    assert not _bars(svg)
    assert "chart-line" in svg.get("class")


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="pie"):
        charts.chart(
            _points([1]), chart_id="c", title="t", description="d", peak_label="p", kind="pie"
        )
