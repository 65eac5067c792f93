"""Tables and text laid out by hand in inches: the scorecard and summary page parts.

Status markers differ in shape and fill as well as colour, and always come with a word.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.patches import Rectangle

from charts.data import GoalStatusChart, Scorecard, SummaryPage
from charts.draw_common import inch_axes, status_marker, text_lines
from charts.goal_layout import (
    GOAL_BAR_IN,
    GOAL_CHIP_MARKER_IN,
    GOAL_CHIP_ROW_IN,
    goal_bar_segments,
    goal_status_layout,
)
from charts.layout import CELL_PAD_IN, SIDE_PAD_IN, line_in, scorecard_layout, title_lines
from charts.style import (
    BASE_PT,
    GREY,
    LIGHT_GREY,
    MUTED,
    SMALL_PT,
    STATUS_STYLES,
    SUBTITLE_PT,
    TEXT,
    TITLE_PT,
    pt,
)
from charts.summary_layout import (
    HEADER_PT,
    LEGEND_MARKER_IN,
    LEGEND_PT,
    LEGEND_ROW_IN,
    ROW_PAD_IN,
    VALUE_PT,
    key_figure_table,
    missing_lines,
)
from charts.words import word


def _rule(ax: Axes, y: float, width_in: float, colour: str = LIGHT_GREY) -> None:
    ax.plot([SIDE_PAD_IN, width_in - SIDE_PAD_IN], [y, y], color=colour, linewidth=1.0)


def _title(ax: Axes, title: str, width_in: float, font_pt: float = TITLE_PT) -> float:
    lines = title_lines(title, width_in, font_pt)
    return text_lines(ax, SIDE_PAD_IN, 0.08, lines, font_pt, fontweight="bold")


def draw_scorecard(fig: FigureBase, chart: Scorecard, width_in: float, height_in: float) -> None:
    """Draw a goal scorecard: status column (marker + word) and goal column.

    The goal cell holds the goal, the metric and baseline / target / latest side by side.

    Args:
        fig: The (sub)figure to draw into.
        chart: The scorecard.
        width_in: The drawing width.
        height_in: The drawing height.
    """
    locale = chart.locale
    layout = scorecard_layout(chart, width_in)
    ax = inch_axes(fig, width_in, height_in)
    _title(ax, chart.title, width_in)
    goal_x = SIDE_PAD_IN + layout.status_col_in
    goal_width = width_in - SIDE_PAD_IN - goal_x
    y = layout.header_in - line_in(SMALL_PT, 1.5)
    ax.text(
        SIDE_PAD_IN,
        y,
        word("status", locale),
        fontsize=pt(SMALL_PT),
        color=MUTED,
        fontweight="bold",
        va="top",
    )
    ax.text(
        goal_x,
        y,
        word("goal", locale),
        fontsize=pt(SMALL_PT),
        color=MUTED,
        fontweight="bold",
        va="top",
    )
    y = layout.header_in
    _rule(ax, y, width_in, MUTED)
    if not chart.rows:
        ax.text(SIDE_PAD_IN, y + CELL_PAD_IN, word("no_data", locale), va="top", color=MUTED)
    columns = (
        ("baseline_level", "baseline"),
        ("target_level", "target"),
        ("latest", "latest"),
    )
    for row, row_layout in zip(chart.rows, layout.rows, strict=True):
        top = y + CELL_PAD_IN
        status_marker(ax, SIDE_PAD_IN + 0.12, top + line_in(SMALL_PT) / 2, row.status)
        text_lines(ax, SIDE_PAD_IN + 0.32, top, row_layout.status_lines, SMALL_PT)
        cursor = text_lines(ax, goal_x, top, row_layout.goal_lines, BASE_PT, fontweight="bold")
        cursor = text_lines(ax, goal_x, cursor, row_layout.metric_lines, SMALL_PT, color=MUTED)
        cell = goal_width / 3
        for k, (header_key, field) in enumerate(columns):
            x = goal_x + k * cell
            ax.text(
                x,
                cursor,
                word(header_key, locale),
                va="top",
                fontsize=pt(SMALL_PT * 0.9),
                color=MUTED,
            )
            text_lines(
                ax,
                x,
                cursor + line_in(SMALL_PT * 0.9),
                row_layout.value_lines[k],
                BASE_PT,
                fontweight="bold" if field == "latest" else None,
                color=TEXT if getattr(row, field) is not None else MUTED,
            )
        y += row_layout.height_in
        _rule(ax, y, width_in)


GOAL_STATUS_GID = "goal_status"
"""The ``gid`` of every text in a goal status chart, so that tests can find them."""


def draw_goal_status(
    fig: FigureBase, chart: GoalStatusChart, width_in: float, height_in: float
) -> None:
    """Draw a goal status chart: per goal its name, the units per status, a bar, the named.

    The layout follows :func:`charts.layout.goal_status_layout`; every text drawn carries the
    gid :data:`GOAL_STATUS_GID`. The bar's segments keep the status colours; a unit without a
    status is an outlined white segment.

    Args:
        fig: The (sub)figure to draw into.
        chart: The chart.
        width_in: The drawing width.
        height_in: The drawing height.
    """
    layout = goal_status_layout(chart, width_in)
    ax = inch_axes(fig, width_in, height_in)
    gid = GOAL_STATUS_GID
    lines = title_lines(chart.title, width_in)
    text_lines(ax, SIDE_PAD_IN, 0.08, lines, TITLE_PT, fontweight="bold", gid=gid)
    y = layout.header_in
    _rule(ax, y, width_in, MUTED)
    if not chart.rows:
        ax.text(SIDE_PAD_IN, y + CELL_PAD_IN, word("no_data", chart.locale), va="top", color=MUTED)
    bar_width = width_in - 2 * SIDE_PAD_IN
    for row, row_layout in zip(chart.rows, layout.rows, strict=True):
        text_lines(
            ax, SIDE_PAD_IN, y + CELL_PAD_IN, row_layout.goal_lines, BASE_PT, fontweight="bold"
        )
        for chip in row_layout.chips:
            centre = y + row_layout.chips_y + chip.row * GOAL_CHIP_ROW_IN
            if chip.status is not None:
                status_marker(ax, chip.x + 0.07, centre, chip.status, size=8.0)
            ax.text(
                chip.x + GOAL_CHIP_MARKER_IN,
                centre,
                chip.text,
                va="center",
                fontsize=pt(SMALL_PT),
                color=TEXT if chip.status is not None else MUTED,
                gid=gid,
            )
        top = y + row_layout.bar_y
        for status, start, share in goal_bar_segments(row):
            colour = STATUS_STYLES[status][0] if status is not None else "white"
            ax.add_patch(
                Rectangle(
                    (SIDE_PAD_IN + start * bar_width, top),
                    share * bar_width,
                    GOAL_BAR_IN,
                    facecolor=colour,
                    edgecolor="white" if status is not None else GREY,
                    linewidth=1.0,
                )
            )
        text_lines(
            ax,
            SIDE_PAD_IN,
            y + row_layout.named_y,
            row_layout.named_lines,
            SMALL_PT,
            color=MUTED,
            gid=gid,
        )
        y += row_layout.height_in
        _rule(ax, y, width_in)


def draw_summary_header(
    fig: FigureBase, page: SummaryPage, width_in: float, height_in: float
) -> None:
    """The summary page's title and subtitle."""
    ax = inch_axes(fig, width_in, height_in)
    bottom = _title(ax, page.title, width_in, TITLE_PT + 3)
    lines = title_lines(page.subtitle, width_in, SUBTITLE_PT, bold=False)
    text_lines(ax, SIDE_PAD_IN, bottom + 0.04, lines, SUBTITLE_PT, color=MUTED)


KEY_FIGURE_GID = "key_figures"
"""The ``gid`` of every text in the key figure table, so that tests can find them."""


def draw_key_figures(fig: FigureBase, page: SummaryPage, width_in: float, height_in: float) -> None:
    """The key figure table: label (with a status marker), latest, previous, target.

    The columns follow :func:`charts.summary_layout.key_figure_table`; every text drawn
    carries the gid :data:`KEY_FIGURE_GID`.
    """
    table = key_figure_table(page, width_in)
    ax = inch_axes(fig, width_in, height_in)
    gid = KEY_FIGURE_GID
    ax.text(
        SIDE_PAD_IN,
        0.05,
        word("key_figures", page.locale),
        va="top",
        fontsize=pt(BASE_PT),
        fontweight="bold",
        gid=gid,
    )
    for x, header in zip(table.column_xs, table.headers, strict=True):
        ax.text(x, table.header_y, header, va="top", fontsize=pt(HEADER_PT), color=MUTED, gid=gid)
    y = table.rows_y
    _rule(ax, y - 0.04, width_in, MUTED)
    for figure, row in zip(page.key_figures, table.rows, strict=True):
        top = y + ROW_PAD_IN
        if figure.status is not None:
            status_marker(
                ax, SIDE_PAD_IN + 0.1, top + line_in(SMALL_PT) / 2, figure.status, size=9.0
            )
        text_lines(ax, table.label_x, top, row.label_lines, SMALL_PT, gid=gid)
        for k, (x, lines) in enumerate(zip(table.column_xs, row.value_lines, strict=True)):
            text_lines(
                ax,
                x,
                top,
                lines,
                VALUE_PT,
                fontweight="bold" if k == 0 else None,
                color=TEXT if k == 0 else MUTED,
                gid=gid,
            )
        y += row.height_in
        _rule(ax, y, width_in)
    for entry in table.legend:
        centre = table.legend_y + entry.row * LEGEND_ROW_IN
        status_marker(ax, entry.x, centre, entry.status, size=7.0)
        ax.text(
            entry.x + LEGEND_MARKER_IN,
            centre,
            entry.text,
            va="center",
            fontsize=pt(LEGEND_PT),
            color=MUTED,
            gid=gid,
        )


def draw_missing_units(
    fig: FigureBase, page: SummaryPage, width_in: float, height_in: float
) -> None:
    """Who has not reported yet, as a wrapped line of text."""
    ax = inch_axes(fig, width_in, height_in)
    text_lines(ax, SIDE_PAD_IN, 0.12, missing_lines(page, width_in), SMALL_PT, color=TEXT)
