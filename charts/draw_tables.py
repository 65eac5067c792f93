"""Tables and text laid out by hand in inches: the scorecard and summary page parts.

Status markers differ in shape and fill as well as colour, and always come with a word.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from charts.data import STATUSES, Scorecard, SummaryPage
from charts.draw_common import inch_axes, status_marker, text_lines
from charts.fmt import format_value
from charts.layout import (
    CELL_PAD_IN,
    KEY_LABEL_FRACTION,
    SIDE_PAD_IN,
    key_figure_lines,
    line_in,
    scorecard_layout,
    status_word,
    title_lines,
)
from charts.prepare import chars_per_line, wrap
from charts.style import BASE_PT, LIGHT_GREY, MUTED, SMALL_PT, SUBTITLE_PT, TEXT, TITLE_PT, pt
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
            value = getattr(row, field)
            ax.text(
                x,
                cursor + line_in(SMALL_PT * 0.9),
                format_value(value, locale, row.unit),
                va="top",
                fontsize=pt(BASE_PT),
                fontweight="bold" if field == "latest" else None,
                color=TEXT if value is not None else MUTED,
            )
        y += row_layout.height_in
        _rule(ax, y, width_in)


def draw_summary_header(
    fig: FigureBase, page: SummaryPage, width_in: float, height_in: float
) -> None:
    """The summary page's title and subtitle."""
    ax = inch_axes(fig, width_in, height_in)
    bottom = _title(ax, page.title, width_in, TITLE_PT + 3)
    lines = title_lines(page.subtitle, width_in, SUBTITLE_PT)
    text_lines(ax, SIDE_PAD_IN, bottom + 0.04, lines, SUBTITLE_PT, color=MUTED)


def draw_key_figures(fig: FigureBase, page: SummaryPage, width_in: float, height_in: float) -> None:
    """The key figure table: label (with a status marker), latest, previous, target."""
    locale = page.locale
    ax = inch_axes(fig, width_in, height_in)
    inner = width_in - 2 * SIDE_PAD_IN
    label_width = inner * KEY_LABEL_FRACTION
    number_width = (inner - label_width) / 3
    xs = [SIDE_PAD_IN + label_width + k * number_width for k in range(3)]
    ax.text(
        SIDE_PAD_IN,
        0.05,
        word("key_figures", locale),
        va="top",
        fontsize=pt(BASE_PT),
        fontweight="bold",
    )
    y = 0.05 + line_in(BASE_PT, 1.8)
    for x, key in zip(xs, ("latest", "previous", "target_level"), strict=True):
        ax.text(x, y, word(key, locale), va="top", fontsize=pt(SMALL_PT * 0.9), color=MUTED)
    y += line_in(SMALL_PT, 1.6)
    _rule(ax, y - 0.04, width_in, MUTED)
    for figure, lines in zip(page.key_figures, key_figure_lines(page, width_in), strict=True):
        top = y + 0.06
        if figure.status is not None:
            status_marker(
                ax, SIDE_PAD_IN + 0.1, top + line_in(SMALL_PT) / 2, figure.status, size=9.0
            )
        text_lines(ax, SIDE_PAD_IN + 0.28, top, lines, SMALL_PT)
        texts = (figure.value_text, figure.previous_text, figure.target_text)
        for k, (x, text) in enumerate(zip(xs, texts, strict=True)):
            ax.text(
                x,
                top,
                text or "–",
                va="top",
                fontsize=pt(SMALL_PT),
                fontweight="bold" if k == 0 else None,
                color=TEXT if k == 0 else MUTED,
            )
        y += len(lines) * line_in(SMALL_PT) + 0.12
        _rule(ax, y, width_in)
    present = {k.status for k in page.key_figures}
    used = [status for status in STATUSES if status in present]
    x = SIDE_PAD_IN + 0.1
    for status in used:
        label = status_word(status, page.status_labels, locale)
        status_marker(ax, x, y + 0.12, status, size=7.0)
        ax.text(x + 0.12, y + 0.12, label, va="center", fontsize=pt(SMALL_PT * 0.85), color=MUTED)
        x += 0.35 + len(label) * SMALL_PT * 0.85 * 0.6 / 72


def draw_missing_units(
    fig: FigureBase, page: SummaryPage, width_in: float, height_in: float
) -> None:
    """Who has not reported yet, as a wrapped line of text."""
    ax = inch_axes(fig, width_in, height_in)
    text = word("not_reported", page.locale) + ": " + ", ".join(page.missing_units)
    lines = wrap(text, chars_per_line(width_in - 2 * SIDE_PAD_IN, SMALL_PT))
    text_lines(ax, SIDE_PAD_IN, 0.12, lines, SMALL_PT, color=TEXT)
