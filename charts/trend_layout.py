"""Trend chart layout decided before drawing (pure, no matplotlib): the legend and point labels.

The legend goes under the plot in one or two columns, its labels wrapped so that it never
leaves the image; the value written at each point of a single series goes above the point,
or below it when above it would cross the target or baseline line or the previous label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from charts.data import TrendChart
from charts.fmt import format_value
from charts.prepare import is_percent
from charts.style import SMALL_PT
from charts.textwidth import text_width_in, wrap_to_width
from charts.words import word

LEGEND_PT = SMALL_PT
HANDLE_EM = 2.6
"""Legend handle length, in font sizes (matplotlib's ``handlelength``)."""
TEXT_PAD_EM = 0.8
COLUMN_GAP_EM = 1.6
BORDER_PAD_EM = 0.4
LABEL_GAP_EM = 0.5
LINE_EM = 1.2 * 1.17
"""One legend text line: matplotlib's 1.2 line spacing of DejaVu's 1.17 em line."""

POINT_OFFSET_PT = 9.0
"""Gap between a point and the value written above or below it."""
POINT_LABEL_PAD_PT = 0.8


def level_labels(chart: TrendChart) -> list[tuple[str, str, float]]:
    """``(key, legend text, level)`` of the target and baseline lines that are set."""
    unit, locale = chart.unit_label, chart.locale
    out = []
    for level, key in ((chart.target, "target"), (chart.baseline, "baseline")):
        if level is not None:
            out.append((key, f"{word(key, locale)} {format_value(level, locale, unit)}", level))
    return out


@dataclass(frozen=True)
class LegendLayout:
    """How the legend of a trend chart is laid out.

    Attributes:
        labels: One label per entry (series, then target and baseline), with ``"\\n"`` where
            a long label wraps.
        ncols: The number of columns (1 or 2).
        width_in: The legend's width at its nominal font size.
        height_in: The legend's height, padding included.
    """

    labels: tuple[str, ...]
    ncols: int
    width_in: float
    height_in: float


def _em() -> float:
    return LEGEND_PT / 72


def legend_text_width_in(available_in: float, ncols: int) -> float:
    """The room for label text in each of ``ncols`` legend columns within ``available_in``."""
    chrome = 2 * BORDER_PAD_EM + ncols * (HANDLE_EM + TEXT_PAD_EM) + (ncols - 1) * COLUMN_GAP_EM
    return max((available_in - chrome * _em()) / ncols, 0.5)


def legend_layout(labels: Sequence[str], available_in: float) -> LegendLayout:
    """Fit legend entries into a width: two columns when no label wraps, else one.

    Args:
        labels: The entries' texts.
        available_in: The width the legend may take, in inches.

    Returns:
        The layout.
    """
    if not labels:
        return LegendLayout((), 1, 0.0, 0.0)
    widths = [text_width_in(label, LEGEND_PT) for label in labels]
    ncols = 2 if len(labels) > 1 and max(widths) <= legend_text_width_in(available_in, 2) else 1
    room = legend_text_width_in(available_in, ncols)
    wrapped = [wrap_to_width(label, room, LEGEND_PT) for label in labels]
    per_column = math.ceil(len(labels) / ncols)
    columns = [wrapped[i : i + per_column] for i in range(0, len(wrapped), per_column)]
    column_heights = [
        sum(1.17 + (len(lines) - 1) * LINE_EM for lines in column)
        + (len(column) - 1) * LABEL_GAP_EM
        for column in columns
    ]
    text_widths = [
        max(text_width_in(line, LEGEND_PT) for lines in column for line in lines)
        for column in columns
    ]
    em = _em()
    width = (
        sum(text_widths)
        + (2 * BORDER_PAD_EM + len(columns) * (HANDLE_EM + TEXT_PAD_EM)) * em
        + (len(columns) - 1) * COLUMN_GAP_EM * em
    )
    height = (max(column_heights) + 2 * BORDER_PAD_EM + 0.5) * em
    return LegendLayout(tuple("\n".join(lines) for lines in wrapped), ncols, width, height)


def trend_legend(chart: TrendChart, width_in: float) -> LegendLayout:
    """The legend of a trend chart drawn ``width_in`` wide (see :func:`legend_layout`)."""
    labels = [series.label for series in chart.series]
    labels += [text for _, text, _ in level_labels(chart)]
    return legend_layout(labels, width_in - 0.3)


Side = Literal["above", "below"]
Box = tuple[float, float, float, float]
"""``(x0, x1, y0, y1)`` in inches from the plot's bottom left."""


def point_label_text(value: float, chart: TrendChart) -> str:
    """The value written at a point (percent with its sign, other units without)."""
    unit = chart.unit_label
    return format_value(value, chart.locale, unit if is_percent(unit) else "")


def _clashes(box: Box, level_ys: Sequence[float], previous: Box | None) -> bool:
    """Whether a label box crosses a level line or overlaps the previous label."""
    margin = 1.5 / 72
    if any(box[2] - margin <= y <= box[3] + margin for y in level_ys):
        return True
    if previous is None:
        return False
    across = box[0] < previous[1] and previous[0] < box[1]
    return across and box[2] < previous[3] and previous[2] < box[3]


def point_label_sides(
    values: Sequence[float],
    widths_in: Sequence[float],
    levels: Sequence[float],
    limits: tuple[float, float],
    plot_in: tuple[float, float],
) -> list[Side]:
    """Where each point's value label goes so that it avoids level lines and its neighbour.

    Above the point unless that crosses a target or baseline line or overlaps the previous
    label while below the point is free (and inside the plot).

    Args:
        values: One value per period (NaN for a gap, which gets no label).
        widths_in: Each label's width in inches.
        levels: The y values of the target and baseline lines.
        limits: The value axis ``(low, high)``.
        plot_in: The plot's ``(width, height)`` in inches.

    Returns:
        ``"above"`` or ``"below"`` per value.
    """
    low, high = limits
    plot_width, plot_height = plot_in
    span = (high - low) or 1.0
    offset = POINT_OFFSET_PT / 72
    height = (SMALL_PT * 1.17 + 2 * POINT_LABEL_PAD_PT) / 72
    level_ys = [(level - low) / span * plot_height for level in levels]
    step = plot_width / max(len(values), 1)
    sides: list[Side] = []
    previous: Box | None = None
    for i, (value, width) in enumerate(zip(values, widths_in, strict=True)):
        if math.isnan(value):
            sides.append("above")
            continue
        y = (value - low) / span * plot_height
        x0, x1 = (i + 0.5) * step - width / 2, (i + 0.5) * step + width / 2
        above: Box = (x0, x1, y + offset, y + offset + height)
        below: Box = (x0, x1, y - offset - height, y - offset)
        move = (
            _clashes(above, level_ys, previous)
            and below[2] >= 0
            and not _clashes(below, level_ys, previous)
        )
        sides.append("below" if move else "above")
        previous = below if move else above
    return sides
