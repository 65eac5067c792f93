"""The summary page laid out in inches before drawing (pure, no matplotlib).

The key figure table sizes its columns to their content: every text is measured in the font
it is drawn in (:mod:`charts.textwidth`), a value column gets the width of its widest value
when there is room, and when there is not, the widest columns share what is left and their
long values go on two lines, the unit under the number. No text reaches into the next column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from charts.data import STATUSES, SummaryPage
from charts.layout import SIDE_PAD_IN, chart_height_in, line_in, status_word, title_lines
from charts.style import BASE_PT, SMALL_PT, SUBTITLE_PT, TITLE_PT
from charts.textwidth import text_width_in, value_lines, widest_piece_in, wrap_to_width
from charts.words import word

KEY_COLUMNS = ("latest", "previous", "target_level")
"""The words over the value columns."""
VALUE_PT = SMALL_PT
HEADER_PT = SMALL_PT * 0.9
LEGEND_PT = SMALL_PT * 0.85
MARKER_IN = 0.28
"""Room for a status marker left of each label."""
COLUMN_GAP_IN = 0.14
LABEL_SHARE = 0.42
"""The label column's preferred share of the width."""
LABEL_SHARES = tuple(share / 100 for share in range(32, 53, 2))
"""The label column shares tried: the one giving the shortest table wins."""
LABEL_MIN_SHARE = 0.3
"""The least the label column keeps when values do not fit their share even on two lines."""
ROW_PAD_IN = 0.06
LEGEND_ROW_IN = 0.26
LEGEND_MARKER_IN = 0.12
LEGEND_GAP_IN = 0.23


def share_width(natural: Sequence[float], minimum: Sequence[float], budget: float) -> list[float]:
    """Share a width among columns so that each gets what it needs, as evenly as possible.

    When the columns fit, the narrow ones widen evenly until the width is used up. When
    they do not, columns narrower than an equal share keep their natural width and the
    others share what is left equally, but never get less than their minimum (then the
    total exceeds ``budget``).

    Args:
        natural: Each column's width on one line.
        minimum: Each column's least width (its widest unbreakable piece).
        budget: The width to share.

    Returns:
        The column widths.
    """
    if not natural:
        return []
    if sum(natural) <= budget:
        ordered = sorted(natural, reverse=True)
        wide = 0  # the widest columns keep their width; the rest rise to one level
        while wide < len(ordered) - 1 and ordered[wide] > (budget - sum(ordered[:wide])) / (
            len(ordered) - wide
        ):
            wide += 1
        level = (budget - sum(ordered[:wide])) / (len(ordered) - wide)
        return [max(width, level) for width in natural]
    fixed: dict[int, float] = {}
    while len(fixed) < len(natural):
        free = [k for k in range(len(natural)) if k not in fixed]
        share = (budget - sum(fixed.values())) / len(free)
        settled = {k: natural[k] for k in free if natural[k] <= share}
        settled |= {k: minimum[k] for k in free if k not in settled and minimum[k] >= share}
        if not settled:
            fixed |= {k: share for k in free}
            break
        fixed |= settled
    return [fixed[k] for k in range(len(natural))]


@dataclass(frozen=True)
class KeyFigureRow:
    """One row of the key figure table: wrapped label and value lines, and its height."""

    label_lines: tuple[str, ...]
    value_lines: tuple[tuple[str, ...], ...]
    height_in: float


@dataclass(frozen=True)
class LegendEntry:
    """A status in the legend under the table: marker at ``(x, row)``, its word beside it."""

    status: str
    text: str
    x: float
    row: int


@dataclass(frozen=True)
class KeyFigureTable:
    """The key figure table in inches from its top left.

    Attributes:
        label_x: Where the label texts start (the status marker sits left of it).
        column_xs: Where each value column starts.
        column_widths: Each value column's width.
        headers: The words over the value columns.
        header_y: The top of the header row.
        rows_y: The top of the first row.
        rows: The rows.
        legend: The status legend under the table.
        legend_y: The centre of the legend's first row.
        height_in: The table's height, legend included.
    """

    label_x: float
    column_xs: tuple[float, ...]
    column_widths: tuple[float, ...]
    headers: tuple[str, ...]
    header_y: float
    rows_y: float
    rows: tuple[KeyFigureRow, ...]
    legend: tuple[LegendEntry, ...]
    legend_y: float
    height_in: float


def _legend(page: SummaryPage, width_in: float) -> list[LegendEntry]:
    present = {k.status for k in page.key_figures}
    entries: list[LegendEntry] = []
    x, row, right = SIDE_PAD_IN + 0.1, 0, width_in - SIDE_PAD_IN
    for status in (s for s in STATUSES if s in present):
        text = status_word(status, page.status_labels, page.locale)
        width = LEGEND_MARKER_IN + text_width_in(text, LEGEND_PT)
        if entries and x + width > right:
            x, row = SIDE_PAD_IN + 0.1, row + 1
        entries.append(LegendEntry(status, text, x, row))
        x += width + LEGEND_GAP_IN
    return entries


def _rows(
    page: SummaryPage,
    cells: Sequence[Sequence[str]],
    label_width: float,
    widths: Sequence[float],
) -> list[KeyFigureRow]:
    """The table's rows with labels and values wrapped to their columns."""
    rows = []
    for figure, texts in zip(page.key_figures, cells, strict=True):
        label = wrap_to_width(figure.label, label_width - MARKER_IN, SMALL_PT)
        values = tuple(
            tuple(value_lines(t, w, VALUE_PT, bold=k == 0))
            for k, (t, w) in enumerate(zip(texts, widths, strict=True))
        )
        lines = max(len(label), *(len(v) for v in values))
        rows.append(KeyFigureRow(tuple(label), values, lines * line_in(SMALL_PT) + 2 * ROW_PAD_IN))
    return rows


def _penalty(row: KeyFigureRow) -> float:
    """Lines' worth of untidiness: words cut with a hyphen, values on two lines."""
    cut = sum(line.endswith("-") for line in row.label_lines[:-1])
    return 0.3 * cut + 0.15 * sum(len(lines) > 1 for lines in row.value_lines)


def key_figure_table(page: SummaryPage, width_in: float) -> KeyFigureTable:
    """Lay out the key figure table: label, latest, previous and target columns.

    Args:
        page: The summary page.
        width_in: The drawing width.

    Returns:
        The table's geometry and wrapped texts.
    """
    inner = width_in - 2 * SIDE_PAD_IN
    headers = tuple(word(key, page.locale) for key in KEY_COLUMNS)
    cells = [
        tuple(text or "–" for text in (k.value_text, k.previous_text, k.target_text))
        for k in page.key_figures
    ]
    bold = (True, False, False)
    natural, minimum = [], []
    for k, header in enumerate(headers):
        column = [row[k] for row in cells]
        head = text_width_in(header, HEADER_PT)
        natural.append(max([head, *(text_width_in(t, VALUE_PT, bold=bold[k]) for t in column)]))
        minimum.append(max([head, *(widest_piece_in(t, VALUE_PT, bold=bold[k]) for t in column)]))
    gaps = len(headers) * COLUMN_GAP_IN
    best: tuple[float, list[float], list[KeyFigureRow]] | None = None
    for share in LABEL_SHARES:  # the label width that makes the table shortest
        widths = share_width(natural, minimum, inner * (1 - share) - gaps)
        squeeze = (inner * (1 - LABEL_MIN_SHARE) - gaps) / sum(widths)
        if squeeze < 1:  # values too long even on two lines: they break inside words
            widths = [w * squeeze for w in widths]
        rows = _rows(page, cells, inner - gaps - sum(widths), widths)
        cost = sum(r.height_in for r in rows) + abs(share - LABEL_SHARE) / 100
        cost += line_in(SMALL_PT) * sum(_penalty(r) for r in rows)
        if best is None or cost < best[0]:
            best = (cost, widths, rows)
    assert best is not None
    _, widths, rows = best
    label_width = inner - gaps - sum(widths)
    xs, x = [], SIDE_PAD_IN + label_width + COLUMN_GAP_IN
    for width in widths:
        xs.append(x)
        x += width + COLUMN_GAP_IN
    header_y = 0.05 + line_in(BASE_PT, 1.8)
    rows_y = header_y + line_in(SMALL_PT, 1.6)
    legend = _legend(page, width_in)
    legend_y = rows_y + sum(r.height_in for r in rows) + 0.14
    legend_rows = max((e.row + 1 for e in legend), default=0)
    height = legend_y + legend_rows * LEGEND_ROW_IN + 0.1
    return KeyFigureTable(
        label_x=SIDE_PAD_IN + MARKER_IN,
        column_xs=tuple(xs),
        column_widths=tuple(widths),
        headers=headers,
        header_y=header_y,
        rows_y=rows_y,
        rows=tuple(rows),
        legend=tuple(legend),
        legend_y=legend_y,
        height_in=height,
    )


def missing_lines(page: SummaryPage, width_in: float) -> list[str]:
    """The "not reported yet" line wrapped to the width."""
    text = word("not_reported", page.locale) + ": " + ", ".join(page.missing_units)
    return wrap_to_width(text, width_in - 2 * SIDE_PAD_IN, SMALL_PT)


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
        + (
            len(title_lines(page.subtitle, width_in, SUBTITLE_PT, bold=False))
            * line_in(SUBTITLE_PT)
        )
        + 0.3
    )
    key_figures = key_figure_table(page, width_in).height_in if page.key_figures else 0.0
    missing = 0.0
    if page.missing_units:
        missing = len(missing_lines(page, width_in)) * line_in(SMALL_PT) + 0.3
    charts = [chart_height_in(chart, width_in) for chart in page.charts]
    return [header, key_figures, *charts, missing]
