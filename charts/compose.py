"""Drawing any chart, or a whole summary page, into a matplotlib (sub)figure.

Imported only when drawing: this module imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure, FigureBase, SubFigure

from charts.data import (
    Chart,
    DistributionChart,
    GoalStatusChart,
    IndexChart,
    PairedBarsChart,
    Scorecard,
    SummaryPage,
    TargetBars,
    TrendChart,
)
from charts.draw_bars import draw_distribution, draw_paired, draw_target_bars
from charts.draw_index import draw_index
from charts.draw_tables import (
    draw_goal_status,
    draw_key_figures,
    draw_missing_units,
    draw_scorecard,
    draw_summary_header,
)
from charts.draw_trend import draw_trend
from charts.summary_layout import summary_parts_in


def draw_chart(fig: FigureBase, chart: Chart, width_in: float, height_in: float) -> None:
    """Draw any chart into a (sub)figure of the given size in inches.

    Args:
        fig: The (sub)figure.
        chart: The chart.
        width_in: Its width.
        height_in: Its height.

    Raises:
        TypeError: If ``chart`` is not a chart.
    """
    if isinstance(chart, TrendChart):
        draw_trend(fig, chart, width_in, height_in)
    elif isinstance(chart, PairedBarsChart):
        draw_paired(fig, chart, width_in)
    elif isinstance(chart, DistributionChart):
        draw_distribution(fig, chart, width_in)
    elif isinstance(chart, TargetBars):
        draw_target_bars(fig, chart, width_in)
    elif isinstance(chart, IndexChart):
        draw_index(fig, chart, width_in)
    elif isinstance(chart, Scorecard):
        draw_scorecard(fig, chart, width_in, height_in)
    elif isinstance(chart, GoalStatusChart):
        draw_goal_status(fig, chart, width_in, height_in)
    else:
        raise TypeError(f"not a chart: {type(chart).__name__}")


def settle_layout(fig: Figure) -> None:
    """Switch constrained layout off when nothing on the figure is a subplot.

    Tables and text are placed by hand; constrained layout has nothing to do for them and
    would only warn.
    """

    def has_subplots(part: Figure | SubFigure) -> bool:
        if any(ax.get_subplotspec() is not None for ax in part.axes):
            return True
        return any(has_subplots(sub) for sub in part.subfigs)

    if not has_subplots(fig):
        fig.set_layout_engine("none")


def stack(fig: FigureBase, heights: Sequence[float]) -> list[SubFigure]:
    """Split a (sub)figure into subfigures stacked top to bottom with these heights."""
    grid = fig.subfigures(len(heights), 1, height_ratios=list(heights), squeeze=False)
    return [grid[i][0] for i in range(len(heights))]


def draw_summary(
    fig: FigureBase, page: SummaryPage, width_in: float, heights: Sequence[float] | None = None
) -> None:
    """Draw a summary page: header, key figures, charts, units not reported.

    Args:
        fig: The (sub)figure, ``width_in`` wide and as tall as the heights together.
        page: The summary page.
        width_in: Its width.
        heights: The part heights (see :func:`charts.summary_layout.summary_parts_in`); computed
            when omitted. A trailing extra height is left empty.
    """
    parts = list(heights) if heights is not None else summary_parts_in(page, width_in)
    expected = len(page.charts) + 3
    kinds = ["header", "key_figures", *(["chart"] * len(page.charts)), "missing"]
    if len(parts) > expected:
        kinds.append("filler")
    drawn = [(kind, h, i) for i, (kind, h) in enumerate(zip(kinds, parts, strict=True)) if h > 0]
    subfigs = stack(fig, [h for _, h, _ in drawn])
    for subfig, (kind, height, index) in zip(subfigs, drawn, strict=True):
        if kind == "header":
            draw_summary_header(subfig, page, width_in, height)
        elif kind == "key_figures":
            draw_key_figures(subfig, page, width_in, height)
        elif kind == "chart":
            draw_chart(subfig, page.charts[index - 2], width_in, height)
        elif kind == "missing":
            draw_missing_units(subfig, page, width_in, height)
