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
    GoalStatusChart,
    IndexChart,
    PairedBarsChart,
    Scorecard,
    TargetBars,
    TrendChart,
)
from charts.fmt import format_value
from charts.prepare import (
    IndexRow,
    bar_slots,
    index_rows,
    index_side_text,
    target_text,
    ticks_rotated,
    trend_matrix,
)
from charts.style import BASE_PT, SMALL_PT, TICK_PT, TITLE_PT
from charts.textwidth import text_width_in, value_lines, wrap_to_width
from charts.trend_layout import trend_legend
from charts.words import word

BAR_UNIT_IN = 0.27
"""Inches per bar unit of :func:`charts.prepare.bar_slots`."""

AXIS_IN = 0.5
"""Room for a value axis' tick labels under a plot."""

SIDE_PAD_IN = 0.12


def line_in(font_pt: float, spacing: float = 1.3) -> float:
    """The height of one text line in inches."""
    return font_pt * spacing / 72


def title_lines(
    title: str, width_in: float, font_pt: float = TITLE_PT, *, bold: bool = True
) -> list[str]:
    """A title (bold unless told) wrapped to the width inside the side padding."""
    return wrap_to_width(title, width_in - 2 * SIDE_PAD_IN, font_pt, bold=bold)


def title_height_in(title: str, width_in: float, font_pt: float = TITLE_PT) -> float:
    """The height of a wrapped title and the space under it."""
    return len(title_lines(title, width_in, font_pt)) * line_in(font_pt) + 0.2


BAR_PLOT_MARGIN_IN = 0.45
"""How much narrower than the drawing a bar chart's plot is (padding, tick label overhang)."""
BESIDE_GAP_IN = 0.15
BAR_LABEL_LINES = 3
"""The most lines a bar row's label takes; longer ones are cut with "…"."""


def bar_label_lines(
    labels: Sequence[str], width_in: float, beside_in: Sequence[float] = ()
) -> list[list[str]]:
    """Row labels of a horizontal bar chart wrapped to the plot width (at most 3 lines).

    Args:
        labels: The row labels (drawn bold, from the plot's left edge).
        width_in: The drawing width.
        beside_in: Per row, the width of a text drawn at the right end of the label's line
            (a target, an index); the label keeps clear of it.

    Returns:
        Each label's lines; a label longer than :data:`BAR_LABEL_LINES` lines ends in "…".
    """
    plot = width_in - BAR_PLOT_MARGIN_IN
    wrapped = []
    for i, label in enumerate(labels):
        beside = beside_in[i] if i < len(beside_in) else 0.0
        room = max(plot - (beside + BESIDE_GAP_IN if beside > 0 else 0.0), 0.6)
        lines = wrap_to_width(label, room, BASE_PT, bold=True)
        if len(lines) > BAR_LABEL_LINES:
            last = lines[BAR_LABEL_LINES - 1]
            while last and text_width_in(last + "…", BASE_PT, bold=True) > room:
                last = last[:-1]
            lines = [*lines[: BAR_LABEL_LINES - 1], last.rstrip() + "…"]
        wrapped.append(lines)
    return wrapped


def _bars_height(
    lines: Sequence[Sequence[str]],
    bars_per_row: int,
    width_in: float,
    title: str,
    *,
    legend: bool,
    target_line: bool = False,
) -> float:
    _, units = bar_slots([len(x) for x in lines], bars_per_row)
    units = max(units, 1.0) + (1.0 if target_line else 0.15)  # room above the first row
    legend_in = line_in(SMALL_PT, 1.8) if legend else 0.0
    return title_height_in(title, width_in) + legend_in + units * BAR_UNIT_IN + AXIS_IN


@dataclass(frozen=True)
class TrendParts:
    """The heights of a trend chart's parts in inches, top to bottom."""

    title: float
    plot: float
    ticks: float
    y_label: float
    legend: float

    @property
    def total(self) -> float:
        """The whole chart's height."""
        return self.title + self.plot + self.ticks + self.y_label + self.legend + 0.2


def trend_parts_in(chart: TrendChart, width_in: float) -> TrendParts:
    """How tall each part of a trend chart wants to be at a width.

    Args:
        chart: The trend chart.
        width_in: The drawing width.

    Returns:
        The part heights; the legend's follows its wrapped labels and columns.
    """
    periods, _ = trend_matrix(chart)
    longest = max((len(p) for p in periods), default=1)
    rotated = ticks_rotated(periods, width_in, TICK_PT)
    ticks = longest * TICK_PT * 0.6 / 72 * 0.75 + 0.2 if rotated else 0.4
    return TrendParts(
        title=title_height_in(chart.title, width_in),
        plot=min(max(width_in * 0.55, 2.4), 4.2),
        ticks=ticks,
        y_label=0.3 if chart.y_label else 0.0,
        legend=trend_legend(chart, width_in).height_in,
    )


def trend_height_in(chart: TrendChart, width_in: float) -> float:
    """Preferred height of a trend chart."""
    return trend_parts_in(chart, width_in).total


def trend_plot_in(chart: TrendChart, width_in: float, height_in: float) -> tuple[float, float]:
    """About how wide and tall the plot area of a trend chart drawn at a size is.

    Args:
        chart: The trend chart.
        width_in: The drawing width.
        height_in: The drawing height (smaller than preferred when squeezed on a page).

    Returns:
        ``(width, height)`` in inches.
    """
    parts = trend_parts_in(chart, width_in)
    left = 0.75 + (0.3 if chart.y_label else 0.0)
    height = max(parts.plot + height_in - parts.total, parts.plot * 0.3)
    return max(width_in - left - 0.15, 0.5), height


def index_label_lines(rows: Sequence[IndexRow], width_in: float) -> list[list[str]]:
    """Round labels of an index chart, wrapped clear of the index written beside them."""
    beside = [text_width_in(index_side_text(row), BASE_PT, bold=True) for row in rows]
    return bar_label_lines([row.label for row in rows], width_in, beside)


def target_label_lines(chart: TargetBars, width_in: float) -> list[list[str]]:
    """Category labels of target bars, wrapped clear of the target written beside them."""
    texts = [target_text(target, chart.locale) for _, _, target in chart.rows]
    beside = [text_width_in(text, SMALL_PT) for text in texts]
    return bar_label_lines([row[0] for row in chart.rows], width_in, beside)


def index_height_in(chart: IndexChart, width_in: float) -> float:
    """Preferred height of an index split chart."""
    lines = index_label_lines(index_rows(chart), width_in)
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
    value_lines: tuple[list[str], ...] = ()
    """Baseline, target and latest, each wrapped to its third of the goal cell."""


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
    cell = goal_width / 3 - CELL_PAD_IN
    header = title_height_in(chart.title, width_in) + line_in(SMALL_PT, 1.8)
    rows = []
    for row in chart.rows:
        goal_lines = wrap_to_width(row.goal, goal_width, BASE_PT, bold=True)
        metric_lines = wrap_to_width(row.metric, goal_width, SMALL_PT) if row.metric else []
        status = status_word(row.status, chart.status_labels, chart.locale)
        status_lines = wrap_to_width(status, STATUS_COL_IN - 0.35, SMALL_PT)
        values = tuple(
            value_lines(format_value(value, chart.locale, row.unit), cell, BASE_PT, bold=bold)
            for value, bold in ((row.baseline, False), (row.target, False), (row.latest, True))
        )
        goal_h = (
            len(goal_lines) * line_in(BASE_PT)
            + len(metric_lines) * line_in(SMALL_PT)
            + line_in(SMALL_PT * 0.9)
            + max(len(lines) for lines in values) * line_in(BASE_PT)
        )
        status_h = len(status_lines) * line_in(SMALL_PT)
        height = max(goal_h, status_h) + 2 * CELL_PAD_IN
        rows.append(ScoreRowLayout(goal_lines, metric_lines, status_lines, height, values))
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
        lines = bar_label_lines([r[0] for r in chart.rows], width_in)
        target_line = chart.target is not None
        return _bars_height(lines, 2, width_in, chart.title, legend=True, target_line=target_line)
    if isinstance(chart, DistributionChart):
        lines = bar_label_lines(chart.categories, width_in)
        return _bars_height(lines, 2, width_in, chart.title, legend=True)
    if isinstance(chart, TargetBars):
        has_target = any(r[2] is not None for r in chart.rows)
        lines = target_label_lines(chart, width_in)
        return _bars_height(lines, 1, width_in, chart.title, legend=has_target)
    if isinstance(chart, IndexChart):
        return index_height_in(chart, width_in)
    if isinstance(chart, Scorecard):
        return scorecard_layout(chart, width_in).height_in
    if isinstance(chart, GoalStatusChart):
        from charts.goal_layout import goal_status_layout  # it builds on this module

        return goal_status_layout(chart, width_in).height_in
    raise TypeError(f"not a chart: {type(chart).__name__}")


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
