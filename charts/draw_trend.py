"""The trend chart: one metric over reporting periods, with target and baseline lines.

A missing period is a gap in the line (NaN), never a drop to zero; a period missing from
every series is shaded and labelled "missing".
"""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D

from charts.data import TrendChart
from charts.draw_common import add_title, light_grid, value_ticks
from charts.layout import trend_height_in, trend_plot_in
from charts.prepare import (
    common_gaps,
    is_percent,
    point_labels_shown,
    ticks_rotated,
    trend_matrix,
    value_axis_limits,
)
from charts.style import (
    BASELINE_COLOUR,
    MUTED,
    SERIES_STYLES,
    SMALL_PT,
    TARGET_COLOUR,
    TICK_PT,
    pt,
)
from charts.textwidth import text_width_in
from charts.trend_layout import (
    BORDER_PAD_EM,
    COLUMN_GAP_EM,
    HANDLE_EM,
    LABEL_GAP_EM,
    POINT_LABEL_PAD_PT,
    POINT_OFFSET_PT,
    TEXT_PAD_EM,
    level_labels,
    point_label_sides,
    point_label_text,
    trend_legend,
)
from charts.words import word

GAP_SHADE = "#F0F0F0"
LEVEL_STYLES: dict[str, tuple[str, tuple[float, tuple[float, float]]]] = {
    "target": (TARGET_COLOUR, (0, (6, 3))),
    "baseline": (BASELINE_COLOUR, (0, (1.5, 2))),
}
"""Colour and dash pattern of the target and baseline lines."""


def draw_trend(
    fig: FigureBase, chart: TrendChart, width_in: float, height_in: float | None = None
) -> None:
    """Draw a trend chart into a (sub)figure.

    The legend follows :func:`charts.trend_layout.trend_legend` (it always fits the width);
    point values avoid the target and baseline lines (:func:`point_label_sides`).

    Args:
        fig: The (sub)figure to draw into.
        chart: The chart.
        width_in: The drawing width, for wrapping the title and the legend.
        height_in: The drawing height; the preferred height when omitted.
    """
    locale, unit = chart.locale, chart.unit_label
    add_title(fig, chart.title, width_in)
    ax = fig.add_subplot()
    periods, rows = trend_matrix(chart)
    xs = list(range(len(periods)))
    everything: list[float | None] = [v for row in rows for v in row]
    everything += [chart.target, chart.baseline]
    low, high = value_axis_limits(everything, percent=is_percent(unit), headroom=1.18)
    ax.set_ylim(low, high)
    ax.set_xlim(-0.5, max(len(periods) - 0.5, 0.5))
    value_ticks(ax, "y", locale, unit)
    light_grid(ax, "y")
    if low < 0:
        ax.axhline(0, color=MUTED, linewidth=1.0)
    if chart.y_label:
        ax.set_ylabel(chart.y_label)

    ax.set_xticks(xs, periods)
    if ticks_rotated(periods, width_in, TICK_PT):
        ax.tick_params(axis="x", labelrotation=40)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")

    for x in common_gaps(rows):
        ax.axvspan(x - 0.4, x + 0.4, color=GAP_SHADE, zorder=0, linewidth=0)
        ax.text(
            x,
            low + (high - low) * 0.04,
            word("missing", locale),
            ha="center",
            va="bottom",
            rotation=90,
            fontsize=pt(SMALL_PT),
            color=MUTED,
            style="italic",
        )

    handles: list[Line2D] = []
    for i, (series, values) in enumerate(zip(chart.series, rows, strict=True)):
        colour, marker, linestyle = SERIES_STYLES[i % len(SERIES_STYLES)]
        (line,) = ax.plot(
            xs,
            values,
            color=colour,
            marker=marker,
            linestyle=linestyle,
            linewidth=2.4,
            markersize=pt(8),
            label=series.label,
            clip_on=False,
            zorder=3,
        )
        handles.append(line)
    levels = level_labels(chart)
    if point_labels_shown(rows):
        _point_labels(
            ax, chart, rows[0], (low, high), [y for _, _, y in levels], width_in, height_in
        )
    if all(math.isnan(v) for row in rows for v in row):
        ax.text(
            0.5,
            0.5,
            word("no_data", locale),
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=MUTED,
        )

    for key, text, level in levels:
        colour, style = LEVEL_STYLES[key]
        handles.append(
            ax.axhline(level, color=colour, linestyle=style, linewidth=1.8, zorder=2, label=text)
        )
    legend = trend_legend(chart, width_in)
    fig.legend(
        handles=handles,
        labels=list(legend.labels),
        loc="outside lower center",
        ncols=legend.ncols,
        handlelength=HANDLE_EM,
        handletextpad=TEXT_PAD_EM,
        columnspacing=COLUMN_GAP_EM,
        borderpad=BORDER_PAD_EM,
        labelspacing=LABEL_GAP_EM,
    )


def _point_labels(
    ax: Axes,
    chart: TrendChart,
    values: list[float],
    limits: tuple[float, float],
    levels: list[float],
    width_in: float,
    height_in: float | None,
) -> None:
    """Write each value at its point, above it or below it (see :func:`point_label_sides`)."""
    texts = [point_label_text(v, chart) if not math.isnan(v) else "" for v in values]
    widths = [text_width_in(t, SMALL_PT, bold=True) for t in texts]
    plot = trend_plot_in(chart, width_in, height_in or trend_height_in(chart, width_in))
    sides = point_label_sides(values, widths, levels, limits, plot)
    for x, (value, text, side) in enumerate(zip(values, texts, sides, strict=True)):
        if math.isnan(value):
            continue
        above = side == "above"
        ax.annotate(
            text,
            (x, value),
            xytext=(0, POINT_OFFSET_PT if above else -POINT_OFFSET_PT),
            textcoords="offset points",
            ha="center",
            va="bottom" if above else "top",
            fontsize=pt(SMALL_PT),
            fontweight="bold",
            bbox={
                "facecolor": "white",
                "edgecolor": "none",
                "pad": POINT_LABEL_PAD_PT,
                "alpha": 0.85,
            },
        )
