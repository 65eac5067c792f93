"""Sizes in inches: how tall each chart wants to be at a width, and how pages fill up.

Pure functions (no matplotlib), shared by the PNG renderer, the summary page and the PDF so
that a chart looks the same on a phone and on paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from charts.data import (
    Chart,
    DistributionChart,
    IndexChart,
    PairedBarsChart,
    Scorecard,
    SummaryPage,
    TargetBars,
    TrendChart,
)
from charts.prepare import bar_slots, chars_per_line, ticks_rotated, trend_matrix, wrap
from charts.style import BASE_PT, SMALL_PT, SUBTITLE_PT, TICK_PT, TITLE_PT
from charts.words import word

BAR_UNIT_IN = 0.27
"""Inches per bar unit of :func:`charts.prepare.bar_slots`."""

AXIS_IN = 0.5
"""Room for a value axis' tick labels under a plot."""

SIDE_PAD_IN = 0.12


def line_in(font_pt: float, spacing: float = 1.3) -> float:
    """The height of one text line in inches."""
    return font_pt * spacing / 72


def title_lines(title: str, width_in: float, font_pt: float = TITLE_PT) -> list[str]:
    """A title wrapped to the width."""
    return wrap(title, chars_per_line(width_in - 2 * SIDE_PAD_IN, font_pt * 1.05))


def title_height_in(title: str, width_in: float, font_pt: float = TITLE_PT) -> float:
    """The height of a wrapped title and the space under it."""
    return len(title_lines(title, width_in, font_pt)) * line_in(font_pt) + 0.2


def bar_label_lines(labels: Sequence[str], width_in: float) -> list[list[str]]:
    """Row labels of a horizontal bar chart wrapped to the plot width (at most 2 lines)."""
    width = chars_per_line(width_in - 2 * SIDE_PAD_IN, BASE_PT)
    wrapped = []
    for label in labels:
        lines = wrap(label, width)
        if len(lines) > 2:
            lines = [lines[0], lines[1][: max(width - 1, 1)] + "…"]
        wrapped.append(lines)
    return wrapped


def _bars_height(
    labels: Sequence[str],
    bars_per_row: int,
    width_in: float,
    title: str,
    *,
    legend: bool,
    target_line: bool = False,
) -> float:
    lines = bar_label_lines(labels, width_in)
    _, units = bar_slots([len(x) for x in lines], bars_per_row)
    units = max(units, 1.0) + (1.0 if target_line else 0.15)  # room above the first row
    legend_in = line_in(SMALL_PT, 1.8) if legend else 0.0
    return title_height_in(title, width_in) + legend_in + units * BAR_UNIT_IN + AXIS_IN


def trend_legend_entries(chart: TrendChart) -> int:
    """Legend entries of a trend chart: each series, the target and the baseline."""
    return len(chart.series) + (chart.target is not None) + (chart.baseline is not None)


def trend_height_in(chart: TrendChart, width_in: float) -> float:
    """Preferred height of a trend chart."""
    periods, _ = trend_matrix(chart)
    longest = max((len(p) for p in periods), default=1)
    rotated = ticks_rotated(periods, width_in, TICK_PT)
    ticks = longest * TICK_PT * 0.6 / 72 * 0.75 + 0.2 if rotated else 0.4
    legend_rows = (trend_legend_entries(chart) + 1) // 2
    y_label = 0.3 if chart.y_label else 0.0
    plot = min(max(width_in * 0.55, 2.4), 4.2)
    return (
        title_height_in(chart.title, width_in)
        + plot
        + ticks
        + y_label
        + legend_rows * line_in(SMALL_PT, 1.6)
        + 0.2
    )


def index_height_in(chart: IndexChart, width_in: float) -> float:
    """Preferred height of an index split chart."""
    lines = bar_label_lines([r.label for r in chart.rounds], width_in * 0.6)
    _, units = bar_slots([len(x) for x in lines], 1)
    return (
        title_height_in(chart.title, width_in)
        + line_in(SMALL_PT, 1.8)
        + max(units, 1.0) * BAR_UNIT_IN * 1.15
        + AXIS_IN
    )


@dataclass(frozen=True)
class ScoreRowLayout:
    """The wrapped texts of one scorecard row and its height."""

    goal_lines: list[str]
    metric_lines: list[str]
    status_lines: list[str]
    height_in: float


@dataclass(frozen=True)
class ScorecardLayout:
    """Columns and rows of a scorecard in inches."""

    status_col_in: float
    header_in: float
    rows: list[ScoreRowLayout]
    height_in: float


STATUS_COL_IN = 1.6
CELL_PAD_IN = 0.1


def status_word(status: str, labels: Mapping[str, str], locale: str) -> str:
    """The caller's word for a status, else the charts' own."""
    return labels.get(status) or word(status, locale)


def scorecard_layout(chart: Scorecard, width_in: float) -> ScorecardLayout:
    """Wrap and measure a scorecard: a status column and a goal column per row.

    The goal cell holds the goal, the metric and a line of baseline / target / latest.

    Args:
        chart: The scorecard.
        width_in: The drawing width.

    Returns:
        The layout.
    """
    inner = width_in - 2 * SIDE_PAD_IN
    goal_width = inner - STATUS_COL_IN - CELL_PAD_IN
    status_chars = chars_per_line(STATUS_COL_IN - 0.35, SMALL_PT)
    header = title_height_in(chart.title, width_in) + line_in(SMALL_PT, 1.8)
    rows = []
    for row in chart.rows:
        goal_lines = wrap(row.goal, chars_per_line(goal_width, BASE_PT * 1.08))
        metric_lines = wrap(row.metric, chars_per_line(goal_width, SMALL_PT)) if row.metric else []
        status_lines = wrap(
            status_word(row.status, chart.status_labels, chart.locale), status_chars
        )
        goal_h = (
            len(goal_lines) * line_in(BASE_PT)
            + len(metric_lines) * line_in(SMALL_PT)
            + line_in(SMALL_PT * 0.9)
            + line_in(BASE_PT)
        )
        status_h = len(status_lines) * line_in(SMALL_PT)
        rows.append(
            ScoreRowLayout(
                goal_lines,
                metric_lines,
                status_lines,
                max(goal_h, status_h) + 2 * CELL_PAD_IN,
            )
        )
    total = header + sum(r.height_in for r in rows) + 0.15
    return ScorecardLayout(STATUS_COL_IN, header, rows, total)


def chart_height_in(chart: Chart, width_in: float) -> float:
    """How tall a chart wants to be at a width, in inches.

    Args:
        chart: Any chart.
        width_in: The width it is drawn at.

    Returns:
        The preferred height.
    """
    if isinstance(chart, TrendChart):
        return trend_height_in(chart, width_in)
    if isinstance(chart, PairedBarsChart):
        labels = [r[0] for r in chart.rows]
        target_line = chart.target is not None
        return _bars_height(labels, 2, width_in, chart.title, legend=True, target_line=target_line)
    if isinstance(chart, DistributionChart):
        return _bars_height(list(chart.categories), 2, width_in, chart.title, legend=True)
    if isinstance(chart, TargetBars):
        labels = [r[0] for r in chart.rows]
        has_target = any(r[2] is not None for r in chart.rows)
        return _bars_height(labels, 1, width_in, chart.title, legend=has_target)
    if isinstance(chart, IndexChart):
        return index_height_in(chart, width_in)
    if isinstance(chart, Scorecard):
        return scorecard_layout(chart, width_in).height_in
    raise TypeError(f"not a chart: {type(chart).__name__}")


KEY_LABEL_FRACTION = 0.42


def key_figure_lines(page: SummaryPage, width_in: float) -> list[list[str]]:
    """The key figure labels wrapped to their column."""
    label_width = (width_in - 2 * SIDE_PAD_IN) * KEY_LABEL_FRACTION - 0.3
    return [wrap(k.label, chars_per_line(label_width, SMALL_PT)) for k in page.key_figures]


def summary_parts_in(page: SummaryPage, width_in: float) -> list[float]:
    """Heights of a summary page's parts: header, key figures, each chart, missing units.

    The key figure and missing-unit parts are 0 when empty.

    Args:
        page: The summary page.
        width_in: The drawing width.

    Returns:
        ``[header, key figures, *charts, missing units]`` in inches.
    """
    header = (
        len(title_lines(page.title, width_in, TITLE_PT + 3)) * line_in(TITLE_PT + 3)
        + (len(title_lines(page.subtitle, width_in, SUBTITLE_PT)) * line_in(SUBTITLE_PT))
        + 0.3
    )
    key_figures = 0.0
    if page.key_figures:
        rows = key_figure_lines(page, width_in)
        key_figures = (
            line_in(BASE_PT, 1.8)
            + line_in(SMALL_PT, 1.6)
            + sum(len(lines) * line_in(SMALL_PT) + 0.12 for lines in rows)
            + 0.4
        )
    missing = 0.0
    if page.missing_units:
        text = word("not_reported", page.locale) + ": " + ", ".join(page.missing_units)
        lines = wrap(text, chars_per_line(width_in - 2 * SIDE_PAD_IN, SMALL_PT))
        missing = len(lines) * line_in(SMALL_PT) + 0.3
    charts = [chart_height_in(chart, width_in) for chart in page.charts]
    return [header, key_figures, *charts, missing]


def paginate(heights: Sequence[float], page_in: float) -> list[list[int]]:
    """Fill pages top-down with blocks in order; a block that does not fit starts a page.

    A block taller than a page gets a page of its own (the caller shrinks it).

    Args:
        heights: Block heights in inches.
        page_in: Usable page height in inches.

    Returns:
        The block indexes on each page.
    """
    pages: list[list[int]] = []
    current: list[int] = []
    used = 0.0
    for i, height in enumerate(heights):
        if current and used + height > page_in:
            pages.append(current)
            current, used = [], 0.0
        current.append(i)
        used += height
    if current:
        pages.append(current)
    return pages


def fit_heights(
    heights: Sequence[float], shrinkable: Sequence[bool], available: float
) -> list[float]:
    """Shrink the shrinkable blocks proportionally so that all fit ``available`` if they can.

    Fixed blocks keep their height; a shrinkable one keeps at least half of its own.

    Args:
        heights: Preferred heights in inches.
        shrinkable: Whether each block may shrink.
        available: The height to fit into.

    Returns:
        The heights to draw at (unchanged when they already fit).
    """
    total = sum(heights)
    if total <= available:
        return list(heights)
    fixed = sum(h for h, s in zip(heights, shrinkable, strict=True) if not s)
    flexible = total - fixed
    if flexible <= 0:
        return list(heights)
    factor = min(max((available - fixed) / flexible, 0.5), 1.0)
    return [h * factor if s else h for h, s in zip(heights, shrinkable, strict=True)]
