"""Horizontal bar charts: paired periods, distributions and percent against target.

Each row's label sits on its own line above its bars, so long unit names use the whole
phone width. Bars start at zero; a missing value is the word "missing", never a zero bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from charts.data import DistributionChart, PairedBarsChart, TargetBars
from charts.draw_common import add_title, light_grid, value_ticks
from charts.fmt import format_number, format_value
from charts.layout import BAR_PLOT_MARGIN_IN, bar_label_lines
from charts.prepare import (
    BAR_HEIGHT,
    bar_slots,
    distribution_rows,
    is_percent,
    target_text,
    text_colour_on,
    value_axis_limits,
    value_label_place,
)
from charts.style import (
    BASE_PT,
    CURRENT_COLOUR,
    MUTED,
    PREVIOUS_COLOUR,
    PREVIOUS_HATCH,
    SMALL_PT,
    TARGET_COLOUR,
    pt,
)
from charts.textwidth import text_width_in
from charts.words import word


@dataclass(frozen=True)
class BarSeries:
    """The look and legend text of one bar per row."""

    label: str
    colour: str
    hatch: str


@dataclass(frozen=True)
class BarRow:
    """One row: its label, one value and value text per series, and an optional own target."""

    label: str
    values: tuple[float, ...]  # NaN = missing
    texts: tuple[str, ...]
    target: float | None = None
    target_text: str = ""


def draw_hbars(
    fig: FigureBase,
    *,
    title: str,
    rows: Sequence[BarRow],
    series: Sequence[BarSeries],
    locale: str,
    unit: str,
    width_in: float,
    common_target: float | None = None,
) -> None:
    """Draw rows of horizontal bars into a (sub)figure.

    Args:
        fig: The (sub)figure to draw into.
        title: The chart title.
        rows: The rows, top to bottom.
        series: One entry per bar in a row (a legend is drawn when more than one).
        locale: For the numbers and fixed words.
        unit: The value unit (``"%"`` gives a 0..100 axis).
        width_in: The drawing width, for wrapping labels.
        common_target: A target drawn as a dashed line across all rows.
    """
    add_title(fig, title, width_in)
    ax = fig.add_subplot()
    beside = [text_width_in(row.target_text, SMALL_PT) for row in rows]
    label_lines = bar_label_lines([row.label for row in rows], width_in, beside)
    slots, total = bar_slots([len(lines) for lines in label_lines], len(series))
    everything: list[float | None] = [v for row in rows for v in row.values]
    everything += [row.target for row in rows] + [common_target]
    low, high = value_axis_limits(everything, percent=is_percent(unit))
    pad = (high - low) * 0.012
    top = -0.15 if common_target is None else -1.0
    ax.set_xlim(low, high)
    ax.set_ylim(max(total, 1.0), top)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    value_ticks(ax, "x", locale, unit)
    light_grid(ax, "x")
    if low < 0:
        ax.axvline(0, color=MUTED, linewidth=1.0)
    if not rows:
        ax.text(0.5, 0.5, word("no_data", locale), transform=ax.transAxes, ha="center")

    for row, lines, slot in zip(rows, label_lines, slots, strict=True):
        ax.text(
            low,
            slot.label_y,
            "\n".join(lines),
            ha="left",
            va="center",
            fontsize=pt(BASE_PT),
            fontweight="bold",
            linespacing=1.0,
            zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )
        if row.target is not None and row.target_text:
            ax.text(
                high,
                slot.label_y,
                row.target_text,
                ha="right",
                va="center",
                fontsize=pt(SMALL_PT),
                color=MUTED,
            )
        for value, text, y, style in zip(row.values, row.texts, slot.bar_ys, series, strict=True):
            if math.isnan(value):
                ax.text(
                    0 + pad,
                    y,
                    word("missing", locale),
                    ha="left",
                    va="center",
                    fontsize=pt(SMALL_PT),
                    color=MUTED,
                    style="italic",
                )
                continue
            ax.barh(
                y,
                value,
                height=BAR_HEIGHT * 0.9,
                color=style.colour,
                hatch=style.hatch,
                edgecolor="white",
                linewidth=0,
            )
            if value < 0:
                ax.text(value - pad, y, text, ha="right", va="center", fontsize=pt(SMALL_PT))
                continue
            plot_in = max(width_in - BAR_PLOT_MARGIN_IN, 1.0)
            width = text_width_in(text, SMALL_PT, bold=True) * (high - low) / plot_in
            place = value_label_place(value, high, pad, width, _first(row.target, common_target))
            if place.inside:
                ax.text(
                    place.x,
                    y,
                    text,
                    ha=place.ha,
                    va="center",
                    fontsize=pt(SMALL_PT),
                    color=text_colour_on(style.colour),
                    fontweight="bold",
                    zorder=4,
                    bbox={"facecolor": style.colour, "edgecolor": "none", "pad": 1.0},
                )
            else:
                ax.text(place.x, y, text, ha=place.ha, va="center", fontsize=pt(SMALL_PT), zorder=4)
        if row.target is not None:
            y_top = slot.bar_ys[0] - BAR_HEIGHT * 0.6
            y_bottom = slot.bar_ys[-1] + BAR_HEIGHT * 0.6
            ax.plot(
                [row.target, row.target],
                [y_top, y_bottom],
                color=TARGET_COLOUR,
                linewidth=3.0,
                solid_capstyle="butt",
                zorder=5,
            )

    if common_target is not None:
        ax.axvline(
            common_target, color=TARGET_COLOUR, linestyle=(0, (5, 3)), linewidth=1.6, zorder=3
        )
        target_text = f"{word('target', locale)} {format_value(common_target, locale, unit)}"
        flip = common_target > low + (high - low) * 0.6
        ax.text(
            common_target + (-pad if flip else pad),
            top * 0.55,
            target_text,
            ha="right" if flip else "left",
            va="center",
            fontsize=pt(SMALL_PT),
            color=TARGET_COLOUR,
        )

    handles: list[Patch | Line2D] = []
    if len(series) > 1:
        handles += [
            Patch(facecolor=s.colour, hatch=s.hatch, edgecolor="white", label=s.label)
            for s in series
        ]
    if any(row.target is not None for row in rows):
        handles.append(
            Line2D([], [], color=TARGET_COLOUR, linewidth=3.0, label=word("target", locale))
        )
    if handles:
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=3,
            borderaxespad=0.2,
            handlelength=1.6,
            columnspacing=1.2,
        )


def draw_paired(fig: FigureBase, chart: PairedBarsChart, width_in: float) -> None:
    """This period against the previous one, per unit."""
    rows = [
        BarRow(
            label=label,
            values=(_nan(current), _nan(previous)),
            texts=(
                format_value(current, chart.locale, chart.unit_label),
                format_value(previous, chart.locale, chart.unit_label),
            ),
        )
        for label, current, previous in chart.rows
    ]
    series = [
        BarSeries(chart.current_label, CURRENT_COLOUR, ""),
        BarSeries(chart.previous_label, PREVIOUS_COLOUR, PREVIOUS_HATCH),
    ]
    draw_hbars(
        fig,
        title=chart.title,
        rows=rows,
        series=series,
        locale=chart.locale,
        unit=chart.unit_label,
        width_in=width_in,
        common_target=chart.target,
    )


def draw_distribution(fig: FigureBase, chart: DistributionChart, width_in: float) -> None:
    """Counts per category, this year against last, with each count's share of its year."""
    locale = chart.locale

    def text(count: float, share: float) -> str:
        if math.isnan(count):
            return word("missing", locale)
        return f"{format_number(count, locale)} ({format_value(share, locale, '%', decimals=0)})"

    rows = [
        BarRow(
            label=row.category,
            values=(row.this_count, row.last_count),
            texts=(text(row.this_count, row.this_share), text(row.last_count, row.last_share)),
        )
        for row in distribution_rows(chart)
    ]
    this_total = sum(c for c in chart.this_counts if c is not None)
    last_total = sum(c for c in chart.last_counts if c is not None)
    series = [
        BarSeries(
            f"{chart.this_label} (n = {format_number(this_total, locale)})", CURRENT_COLOUR, ""
        ),
        BarSeries(
            f"{chart.last_label} (n = {format_number(last_total, locale)})",
            PREVIOUS_COLOUR,
            PREVIOUS_HATCH,
        ),
    ]
    draw_hbars(
        fig, title=chart.title, rows=rows, series=series, locale=locale, unit="", width_in=width_in
    )


def draw_target_bars(fig: FigureBase, chart: TargetBars, width_in: float) -> None:
    """Percent reached per category, each with its own target mark."""
    locale = chart.locale
    rows = [
        BarRow(
            label=category,
            values=(_nan(value),),
            texts=(format_value(value, locale, "%"),),
            target=target,
            target_text=target_text(target, locale),
        )
        for category, value, target in chart.rows
    ]
    series = [BarSeries("", CURRENT_COLOUR, "")]
    draw_hbars(
        fig, title=chart.title, rows=rows, series=series, locale=locale, unit="%", width_in=width_in
    )


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)
