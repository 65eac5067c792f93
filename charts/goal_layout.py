"""The layout of a division's goals in brief (:class:`charts.data.GoalStatusChart`).

Per goal: its name, its units counted by status, a bar split by status, and the units with
challenges named (the names that do not fit counted instead). Pure functions, like
:mod:`charts.layout`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from charts.data import GoalCount, GoalStatusChart
from charts.layout import CELL_PAD_IN, SIDE_PAD_IN, line_in, status_word, title_height_in
from charts.style import BASE_PT, SMALL_PT
from charts.textwidth import text_width_in, wrap_to_width
from charts.words import word

GOAL_CHIP_MARKER_IN = 0.2
"""Room for a status marker left of its count."""
GOAL_CHIP_GAP_IN = 0.28
GOAL_CHIP_ROW_IN = 0.27
GOAL_BAR_IN = 0.16
GOAL_NAMED_LINES = 2
"""The most lines naming a goal's units with challenges; the rest are counted."""


@dataclass(frozen=True)
class GoalChip:
    """A status count of a goal: marker at ``(x, row)`` (``None``: no marker), text beside."""

    status: str | None
    text: str
    x: float
    row: int


@dataclass(frozen=True)
class GoalRowLayout:
    """One goal of a goal status chart, in inches from the row's top.

    Attributes:
        goal_lines: The goal, wrapped.
        chips: The counts per status, flowing over one or more rows.
        chips_y: The centre of the first row of chips.
        bar_y: The top of the bar split by status.
        named_lines: The units with challenges, named (empty when none).
        named_y: The top of those lines.
        height_in: The row's height.
    """

    goal_lines: list[str]
    chips: list[GoalChip]
    chips_y: float
    bar_y: float
    named_lines: list[str]
    named_y: float
    height_in: float


@dataclass(frozen=True)
class GoalStatusLayout:
    """The goal status chart: the title's height, then the rows."""

    header_in: float
    rows: list[GoalRowLayout]
    height_in: float


def _goal_chips(row: GoalCount, chart: GoalStatusChart, inner: float) -> list[GoalChip]:
    entries: list[tuple[str | None, str]] = [
        (status, f"{count} {status_word(status, chart.status_labels, chart.locale)}")
        for status, count in row.counts
        if count
    ]
    if row.unreported:
        entries.append((None, f"{row.unreported} {word('no_status', chart.locale)}"))
    chips: list[GoalChip] = []
    x, line = SIDE_PAD_IN, 0
    for status, text in entries:
        width = GOAL_CHIP_MARKER_IN + text_width_in(text, SMALL_PT)
        if chips and x + width > SIDE_PAD_IN + inner:
            x, line = SIDE_PAD_IN, line + 1
        chips.append(GoalChip(status, text, x, line))
        x += width + GOAL_CHIP_GAP_IN
    return chips


def named_units_lines(prefix: str, names: Sequence[str], width_in: float, locale: str) -> list[str]:
    """``prefix: A, B, C`` wrapped to at most :data:`GOAL_NAMED_LINES` lines.

    The names that do not fit are counted instead ("and 3 more").

    Args:
        prefix: The status word, e.g. "Challenges".
        names: The units, in order.
        width_in: The line width.
        locale: The language of "and N more".

    Returns:
        The lines (empty when there are no names).
    """
    if not names:
        return []
    shown = len(names)
    while True:
        rest = len(names) - shown
        more = word("and_one_more", locale) if rest == 1 else word("and_more", locale)
        text = f"{prefix}: " + ", ".join(names[:shown])
        if rest:
            text += (", " if shown else "") + more.format(n=rest)
        lines = wrap_to_width(text, width_in, SMALL_PT)
        if len(lines) <= GOAL_NAMED_LINES or shown == 0:
            return lines
        shown -= 1


def goal_status_layout(chart: GoalStatusChart, width_in: float) -> GoalStatusLayout:
    """Wrap and measure a goal status chart: per goal its name, counts, bar and named units.

    Args:
        chart: The chart.
        width_in: The drawing width.

    Returns:
        The layout.
    """
    inner = width_in - 2 * SIDE_PAD_IN
    header = title_height_in(chart.title, width_in)
    prefix = status_word("challenges", chart.status_labels, chart.locale)
    rows = []
    for row in chart.rows:
        goal_lines = wrap_to_width(row.goal, inner, BASE_PT, bold=True)
        chips = _goal_chips(row, chart, inner)
        chips_top = CELL_PAD_IN + len(goal_lines) * line_in(BASE_PT) + 0.02
        chip_rows = max((chip.row + 1 for chip in chips), default=0)
        bar_y = chips_top + chip_rows * GOAL_CHIP_ROW_IN + 0.04
        named = named_units_lines(prefix, row.challenged, inner, chart.locale)
        named_y = bar_y + GOAL_BAR_IN + 0.08
        height = named_y + len(named) * line_in(SMALL_PT) + CELL_PAD_IN
        rows.append(
            GoalRowLayout(
                goal_lines,
                chips,
                chips_top + GOAL_CHIP_ROW_IN / 2,
                bar_y,
                named,
                named_y,
                height,
            )
        )
    empty = line_in(BASE_PT) + 2 * CELL_PAD_IN if not rows else 0.0
    return GoalStatusLayout(header, rows, header + empty + sum(r.height_in for r in rows) + 0.1)


def goal_bar_segments(row: GoalCount) -> list[tuple[str | None, float, float]]:
    """The bar of a goal split by status: ``(status or None, start, width)`` as shares 0..1."""
    total = row.units
    if total <= 0:
        return []
    parts: list[tuple[str | None, int]] = [(s, n) for s, n in row.counts if n]
    if row.unreported:
        parts.append((None, row.unreported))
    segments, start = [], 0.0
    for status, count in parts:
        segments.append((status, start, count / total))
        start += count / total
    return segments
