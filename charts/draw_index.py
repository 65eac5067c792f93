"""The NPS / NSS chart: per round, the index and its detractor / passive / promoter split.

A round under the anonymity minimum is an outlined, hatched gap saying "too few answers";
its numbers (index, shares, n) are never drawn.
"""

from __future__ import annotations

from matplotlib.figure import FigureBase
from matplotlib.patches import Patch, Rectangle

from charts.data import IndexChart
from charts.draw_common import add_title, light_grid, value_ticks
from charts.layout import index_label_lines
from charts.prepare import (
    BAR_HEIGHT,
    SEGMENT_KEYS,
    bar_slots,
    index_rows,
    index_side_text,
    segment_word,
    text_colour_on,
)
from charts.style import (
    BASE_PT,
    GREY,
    MUTED,
    SEGMENT_COLOURS,
    SEGMENT_HATCHES,
    SMALL_PT,
    pt,
)
from charts.words import word


def draw_index(fig: FigureBase, chart: IndexChart, width_in: float) -> None:
    """Draw an index chart into a (sub)figure.

    Args:
        fig: The (sub)figure to draw into.
        chart: The chart.
        width_in: The drawing width, for wrapping labels.
    """
    locale = chart.locale
    add_title(fig, chart.title, width_in)
    ax = fig.add_subplot()
    rows = index_rows(chart)
    label_lines = index_label_lines(rows, width_in)
    slots, total = bar_slots([len(lines) for lines in label_lines], 1)
    bar_height = BAR_HEIGHT * 1.1
    ax.set_xlim(0, 100)
    ax.set_ylim(max(total, 1.0), -0.15)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    value_ticks(ax, "x", locale, "%")
    ax.set_xticks([0, 25, 50, 75, 100])
    light_grid(ax, "x")
    if not rows:
        ax.text(0.5, 0.5, word("no_data", locale), transform=ax.transAxes, ha="center")

    for row, lines, slot in zip(rows, label_lines, slots, strict=True):
        y = slot.bar_ys[0]
        ax.text(
            0,
            slot.label_y,
            "\n".join(lines),
            ha="left",
            va="center",
            fontsize=pt(BASE_PT),
            fontweight="bold",
            linespacing=1.0,
        )
        right = index_side_text(row)
        if right:
            ax.text(
                100,
                slot.label_y,
                right,
                ha="right",
                va="center",
                fontsize=pt(BASE_PT),
                fontweight="bold",
            )
        if row.gap_text is not None:
            ax.add_patch(
                Rectangle(
                    (0, y - bar_height / 2),
                    100,
                    bar_height,
                    facecolor="white",
                    edgecolor=GREY,
                    hatch="..",
                    linewidth=1.2,
                    linestyle="--",
                )
            )
            ax.text(
                50,
                y,
                row.gap_text,
                ha="center",
                va="center",
                fontsize=pt(SMALL_PT),
                color=MUTED,
                style="italic",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 2.0},
            )
            continue
        for segment in row.segments:
            colour = SEGMENT_COLOURS[segment.key]
            ax.barh(
                y,
                segment.width,
                left=segment.start,
                height=bar_height,
                color=colour,
                hatch=SEGMENT_HATCHES[segment.key],
                edgecolor="white",
                linewidth=0.8,
            )
            if segment.text is not None:
                ax.text(
                    segment.start + segment.width / 2,
                    y,
                    segment.text,
                    ha="center",
                    va="center",
                    fontsize=pt(SMALL_PT),
                    fontweight="bold",
                    color=text_colour_on(colour),
                    bbox={"facecolor": colour, "edgecolor": "none", "pad": 0.5},
                )

    handles = [
        Patch(
            facecolor=SEGMENT_COLOURS[key],
            hatch=SEGMENT_HATCHES[key],
            edgecolor="white",
            label=word(segment_word(key, chart.index_name), locale),
        )
        for key in SEGMENT_KEYS
    ]
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=3,
        borderaxespad=0.2,
        handlelength=1.4,
        columnspacing=1.0,
    )
    ax.tick_params(axis="x", colors=MUTED)
