"""The trend chart: one metric over reporting periods, with target and baseline lines.

A missing period is a gap in the line (NaN), never a drop to zero; a period missing from
every series is shaded and labelled "missing".
"""

from __future__ import annotations

import math

from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D

from charts.data import TrendChart
from charts.draw_common import add_title, light_grid, value_ticks
from charts.fmt import format_value
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
from charts.words import word

GAP_SHADE = "#F0F0F0"


def draw_trend(fig: FigureBase, chart: TrendChart, width_in: float) -> None:
    """Draw a trend chart into a (sub)figure.

    Args:
        fig: The (sub)figure to draw into.
        chart: The chart.
        width_in: The drawing width, for wrapping the title.
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
    if point_labels_shown(rows):
        for x, value in zip(xs, rows[0], strict=True):
            if not math.isnan(value):
                ax.annotate(
                    format_value(value, locale, unit if is_percent(unit) else ""),
                    (x, value),
                    xytext=(0, 9),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=pt(SMALL_PT),
                    fontweight="bold",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85},
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

    for level, key, colour, style in (
        (chart.target, "target", TARGET_COLOUR, (0, (6, 3))),
        (chart.baseline, "baseline", BASELINE_COLOUR, (0, (1.5, 2))),
    ):
        if level is not None:
            handles.append(
                ax.axhline(
                    level,
                    color=colour,
                    linestyle=style,
                    linewidth=1.8,
                    zorder=2,
                    label=f"{word(key, locale)} {format_value(level, locale, unit)}",
                )
            )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, handlelength=2.6)
