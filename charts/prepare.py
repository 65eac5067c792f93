"""Pure data preparation between the chart dataclasses and matplotlib.

Everything that decides *what* is drawn (gaps, axis ranges, which numbers appear) lives here
as plain functions, so it can be tested without drawing. Nothing here imports matplotlib.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from charts.data import DistributionChart, IndexChart, TrendChart
from charts.fmt import format_number, format_signed, format_value
from charts.words import word

NAN = math.nan


def series_values(points: Sequence[tuple[str, float | None]]) -> list[float]:
    """The y values of a series for matplotlib: ``None`` becomes NaN (a gap), never zero.

    Args:
        points: ``(period label, value)`` pairs.

    Returns:
        One float per point.
    """
    return [NAN if value is None else float(value) for _, value in points]


def trend_matrix(chart: TrendChart) -> tuple[list[str], list[list[float]]]:
    """Align every series of a trend chart on one period axis.

    The periods are the labels in order of first appearance over all series; a series lacking
    a period gets NaN there, so the line shows a gap.

    Args:
        chart: The trend chart.

    Returns:
        ``(period labels, one list of values per series)``.
    """
    periods: list[str] = []
    for series in chart.series:
        for label, _ in series.points:
            if label not in periods:
                periods.append(label)
    rows: list[list[float]] = []
    for series in chart.series:
        by_label = dict(
            zip((p for p, _ in series.points), series_values(series.points), strict=True)
        )
        rows.append([by_label.get(period, NAN) for period in periods])
    return periods, rows


def gap_indexes(values: Sequence[float]) -> list[int]:
    """Positions of the missing (NaN) values."""
    return [i for i, value in enumerate(values) if math.isnan(value)]


def common_gaps(rows: Sequence[Sequence[float]]) -> list[int]:
    """Periods missing from every series (drawn as a shaded, labelled gap)."""
    if not rows:
        return []
    return [i for i in range(len(rows[0])) if all(math.isnan(row[i]) for row in rows)]


def ticks_rotated(labels: Sequence[str], width_in: float, font_pt: float) -> bool:
    """Whether period labels side by side would collide at this width (then they slant)."""
    longest = max((len(label) for label in labels), default=0)
    return len(labels) * (longest + 1) * font_pt * 0.6 / 72 > width_in - 0.8


def point_labels_shown(rows: Sequence[Sequence[float]]) -> bool:
    """Values are written at the points of a single series of at most eight periods."""
    return len(rows) == 1 and len(rows[0]) <= 8


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``value`` (``value`` > 0)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10.0**exponent
        if candidate >= value * (1 - 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)


def value_axis_limits(
    values: Iterable[float | None], *, percent: bool = False, headroom: float = 1.12
) -> tuple[float, float]:
    """An honest value axis: it always includes zero, so bars start at zero.

    A percent axis runs 0..100 unless a value exceeds 100; only when every value is under
    25 % (e.g. sick leave 4,6 %) does it end lower, still starting at zero, so small shares
    stay readable.

    Args:
        values: Every value to fit (data, target, baseline); ``None`` and NaN are ignored.
        percent: Whether the values are percentages.
        headroom: Room above the largest value for labels, as a factor.

    Returns:
        ``(low, high)``.
    """
    finite = [float(v) for v in values if v is not None and not math.isnan(v)]
    top = max([0.0, *finite])
    bottom = min([0.0, *finite])
    if percent and top <= 100 and (top >= 25 or not finite):
        high = 100.0
    else:
        high = nice_ceiling(top * headroom) if top > 0 else (0.0 if bottom < 0 else 1.0)
    low = -nice_ceiling(-bottom * headroom) if bottom < 0 else 0.0
    return low, high


def is_percent(unit: str) -> bool:
    """Whether a unit label means percent."""
    return unit.strip() == "%"


def wrap(text: str, width: int) -> list[str]:
    """Wrap a label to lines of at most ``width`` characters.

    Words longer than a line (Finnish compounds) are split with a hyphen at the break.
    """
    width = max(width, 4)
    words: list[str] = []
    for word_ in text.split():
        while len(word_) > width:
            words.append(word_[: width - 1] + "-")
            word_ = word_[width - 1 :]
        words.append(word_)
    return textwrap.wrap(" ".join(words), width=width, break_long_words=False) or [""]


def chars_per_line(width_in: float, font_pt: float) -> int:
    """About how many characters of DejaVu Sans at ``font_pt`` fit in ``width_in``."""
    return max(int(width_in * 72 / (font_pt * 0.6)), 4)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever reads better on a ``#rrggbb`` fill."""
    red, green, blue = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if luminance > 0.30 else "#ffffff"


@dataclass(frozen=True)
class BarSlot:
    """Where one row of horizontal bars goes, in data units (y grows downwards)."""

    label_y: float
    bar_ys: tuple[float, ...]


BAR_HEIGHT = 0.8
LABEL_HEIGHT = 0.9
ROW_GAP = 0.45


def bar_slots(label_lines: Sequence[int], bars_per_row: int) -> tuple[list[BarSlot], float]:
    """Lay out rows of horizontal bars with each row's label on its own line(s) above the bars.

    Args:
        label_lines: Number of text lines of each row's label.
        bars_per_row: Bars in each row (1 or 2).

    Returns:
        ``(slots, total height)`` in bar units.
    """
    slots: list[BarSlot] = []
    y = 0.0
    for lines in label_lines:
        label_height = LABEL_HEIGHT * max(lines, 1)
        label_y = y + label_height / 2
        y += label_height
        bar_ys = tuple(y + BAR_HEIGHT * (i + 0.5) for i in range(bars_per_row))
        y += BAR_HEIGHT * bars_per_row + ROW_GAP
        slots.append(BarSlot(label_y=label_y, bar_ys=bar_ys))
    return slots, y


@dataclass(frozen=True)
class LabelPlace:
    """Where a bar's value label goes: inside the bar (contrasting text) or beside it."""

    inside: bool
    x: float
    ha: str  # "left": the label starts at x; "right": it ends at x


def value_label_place(
    value: float, high: float, pad: float, label_width: float, target: float | None = None
) -> LabelPlace:
    """Place a bar's value label so that it fits and never hides a target mark.

    For a bar from zero to ``value`` >= 0, in data units. A long bar carries its label inside
    its end; a short one beside it. When that would cross the target mark the label moves
    (inside the end, inside the start, beside, past the mark), in that order of preference.

    Args:
        value: The bar's value.
        high: The axis end.
        pad: The gap between a bar end (or mark) and the label.
        label_width: The label's width.
        target: A target mark on the bar's row, if any.

    Returns:
        The placement.
    """
    w = label_width
    inside_end = LabelPlace(True, value - pad, "right")
    inside_start = LabelPlace(True, pad, "left")
    beside = LabelPlace(False, value + pad, "left")
    candidates = [
        (inside_end, value - pad - w, value - pad, value - pad - w >= pad),
        (inside_start, pad, pad + w, pad + w <= value - pad),
        (beside, value + pad, value + pad + w, value + pad + w <= high),
    ]
    if high > 0 and value / high <= 0.78:
        candidates.insert(0, candidates.pop(2))
    if target is not None:
        start = target + 2 * pad
        candidates.append((LabelPlace(False, start, "left"), start, start + w, start + w <= high))
    for place, left, right, fits in candidates:
        crosses = target is not None and left - pad / 2 <= target <= right + pad / 2
        if fits and not crosses:
            return place
    return candidates[0][0] if candidates[0][3] else beside


@dataclass(frozen=True)
class IndexSegment:
    """One part of an index split bar, in percent units along 0..100."""

    key: str  # "detractors" | "passives" | "promoters"
    start: float
    width: float
    text: str | None  # the percentage, when the segment is wide enough to carry it


@dataclass(frozen=True)
class IndexRow:
    """What is drawn for one index round: either a split bar with numbers, or a gap."""

    label: str
    segments: tuple[IndexSegment, ...]
    value_text: str | None  # "NPS +26", None when suppressed
    n_text: str | None  # "n = 23", None when suppressed
    gap_text: str | None  # "too few answers" / "missing", None when drawn


SEGMENT_KEYS = ("detractors", "passives", "promoters")
_NSS_WORDS = {"detractors": "nss_low", "passives": "nss_middle", "promoters": "nss_high"}


def segment_word(key: str, index_name: str) -> str:
    """The word key naming segment ``key`` in a legend: NSS's bands agree or disagree with a
    statement (4-5, 3, 1-2); only NPS has promoters, passives and detractors."""
    return _NSS_WORDS[key] if index_name == "NSS" else key


def index_rows(chart: IndexChart, *, min_segment_text: float = 9.0) -> list[IndexRow]:
    """Prepare the rounds of an index chart.

    A suppressed round yields no segments and no numbers at all, whatever values it carries:
    only the words "too few answers". A round without the split yields "missing".

    Args:
        chart: The index chart.
        min_segment_text: Segments narrower than this (percentage points) carry no text.

    Returns:
        One row per round, in order.
    """
    rows: list[IndexRow] = []
    locale = chart.locale
    for rnd in chart.rounds:
        if rnd.suppressed:
            rows.append(IndexRow(rnd.label, (), None, None, word("too_few_answers", locale)))
            continue
        shares = (rnd.detractors_pct, rnd.passives_pct, rnd.promoters_pct)
        value_text = (
            None if rnd.index is None else f"{chart.index_name} {format_signed(rnd.index, locale)}"
        )
        n_text = None if rnd.n is None else f"n = {format_number(rnd.n, locale)}"
        if any(share is None for share in shares):
            gap = word("missing", locale)
            rows.append(IndexRow(rnd.label, (), value_text, n_text, gap))
            continue
        segments: list[IndexSegment] = []
        start = 0.0
        for key, share in zip(SEGMENT_KEYS, shares, strict=True):
            assert share is not None
            width = max(float(share), 0.0)
            text = (
                format_value(share, locale, "%", decimals=0) if width >= min_segment_text else None
            )
            segments.append(IndexSegment(key, start, width, text))
            start += width
        rows.append(IndexRow(rnd.label, tuple(segments), value_text, n_text, None))
    return rows


def index_side_text(row: IndexRow) -> str:
    """The index and answer count written at the right end of a round's label line."""
    count = f"({row.n_text})" if row.n_text else None
    return " ".join(text for text in (row.value_text, count) if text)


def target_text(target: float | None, locale: str) -> str:
    """The words at the right end of a target bar's label line (``"tavoite 50 %"``)."""
    if target is None:
        return ""
    return f"{word('target', locale)} {format_value(target, locale, '%')}"


@dataclass(frozen=True)
class DistributionRow:
    """One category of a distribution chart with both years' counts and shares (%)."""

    category: str
    this_count: float
    last_count: float
    this_share: float
    last_share: float


def distribution_rows(chart: DistributionChart) -> list[DistributionRow]:
    """Counts (NaN when not reported) and each count's share of its year's total.

    Args:
        chart: The distribution chart.

    Returns:
        One row per category, in order.
    """

    def share(count: int | None, total: int) -> float:
        if count is None:
            return NAN
        return 100.0 * count / total if total else 0.0

    this_total = sum(c for c in chart.this_counts if c is not None)
    last_total = sum(c for c in chart.last_counts if c is not None)
    return [
        DistributionRow(
            category=category,
            this_count=NAN if this is None else float(this),
            last_count=NAN if last is None else float(last),
            this_share=share(this, this_total),
            last_share=share(last, last_total),
        )
        for category, this, last in zip(
            chart.categories, chart.this_counts, chart.last_counts, strict=True
        )
    ]
