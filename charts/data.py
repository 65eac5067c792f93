"""What each chart shows, as frozen dataclasses of plain values.

The caller (the collectors) fills these from the database and localizes every label it owns:
titles, unit names, period labels, category names, status words. The charts format the numbers,
dates and the few fixed words they draw themselves (see :mod:`charts.words`) in ``locale``.

``None`` always means "not available": a missing period is drawn as a gap, a missing value as
the word "missing", never as zero. Nothing here imports matplotlib.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

LOCALES: tuple[str, ...] = ("fi", "sv", "en")
"""The languages the charts draw their own words and numbers in."""

Status = Literal["on_schedule", "challenges", "not_started", "done"]
"""A goal's follow-up status."""

STATUSES: tuple[Status, ...] = ("on_schedule", "challenges", "not_started", "done")


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise ValueError(f"unsupported chart locale {locale!r}; expected one of {LOCALES}")


@dataclass(frozen=True)
class TrendSeries:
    """One line of a trend chart.

    Attributes:
        label: The series name shown in the legend (a unit, a division, "county").
        points: ``(period label, value)`` in time order; ``None`` marks a missing period.
    """

    label: str
    points: tuple[tuple[str, float | None], ...]


@dataclass(frozen=True)
class TrendChart:
    """A metric over reporting periods, one line per series.

    All series share the period labels of the first one (the x axis); a series that lacks a
    period should carry ``None`` for it.

    Attributes:
        title: The chart title.
        unit_label: The unit after each value: ``"%"``, ``"kpl"``, ``"pv"``, or ``""``.
        series: The lines; at least one.
        target: A target level drawn as a dashed line, if any.
        baseline: A baseline level drawn as a dotted line, if any.
        y_label: The value axis label.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
    """

    title: str
    unit_label: str
    series: tuple[TrendSeries, ...]
    target: float | None
    baseline: float | None
    y_label: str
    locale: str

    def __post_init__(self) -> None:
        _check_locale(self.locale)
        if not self.series:
            raise ValueError("a trend chart needs at least one series")


PairedRow: TypeAlias = tuple[str, float | None, float | None]
"""``(label, current value, previous value)``."""


@dataclass(frozen=True)
class PairedBarsChart:
    """This period against the previous one, per row (unit), as bars side by side.

    Attributes:
        title: The chart title.
        unit_label: The unit after each value (``"%"``, ``"kpl"``...).
        current_label: The legend text of the current period, e.g. ``"1-4/2025"``.
        previous_label: The legend text of the previous period.
        rows: ``(label, current, previous)``; ``None`` is drawn as "missing".
        target: A target level drawn as a dashed line across all rows, if any.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
    """

    title: str
    unit_label: str
    current_label: str
    previous_label: str
    rows: tuple[PairedRow, ...]
    target: float | None
    locale: str

    def __post_init__(self) -> None:
        _check_locale(self.locale)


@dataclass(frozen=True)
class IndexRound:
    """One NPS/NSS result: a survey round, or a unit within a round.

    A group under the anonymity minimum arrives with ``suppressed=True`` and every number
    ``None``; it is drawn as "too few answers" and its numbers are never drawn, even if set.

    Attributes:
        label: The round or unit name.
        index: The index, −100..100.
        promoters_pct: Share of promoters (NPS 9-10, NSS 4-5), 0..100.
        passives_pct: Share of passives (NPS 7-8, NSS 3), 0..100.
        detractors_pct: Share of detractors (NPS 0-6, NSS 1-2), 0..100.
        n: Number of answers.
        suppressed: Too few answers to show anything.
    """

    label: str
    index: float | None
    promoters_pct: float | None
    passives_pct: float | None
    detractors_pct: float | None
    n: int | None
    suppressed: bool


@dataclass(frozen=True)
class IndexChart:
    """An index (NPS or NSS) with its promoter / passive / detractor split per round.

    Attributes:
        title: The chart title.
        index_name: ``"NPS"`` or ``"NSS"``, drawn next to each value.
        rounds: One stacked bar each, in the order given.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
    """

    title: str
    index_name: str
    rounds: tuple[IndexRound, ...]
    locale: str

    def __post_init__(self) -> None:
        _check_locale(self.locale)


@dataclass(frozen=True)
class DistributionChart:
    """Counts per category, this year against last year (e.g. incident report types).

    Drawn as grouped horizontal bars with each count's share of its year's total.

    Attributes:
        title: The chart title.
        categories: The category names, in the order to draw.
        this_label: Legend text of the current counts, e.g. ``"2025"``.
        this_counts: One count per category (``None`` = not reported).
        last_label: Legend text of the comparison counts, e.g. ``"2024"``.
        last_counts: One count per category (``None`` = not reported).
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
    """

    title: str
    categories: tuple[str, ...]
    this_label: str
    this_counts: tuple[int | None, ...]
    last_label: str
    last_counts: tuple[int | None, ...]
    locale: str

    def __post_init__(self) -> None:
        _check_locale(self.locale)
        n = len(self.categories)
        if len(self.this_counts) != n or len(self.last_counts) != n:
            raise ValueError("a distribution chart needs one count per category in both years")


@dataclass(frozen=True)
class ScoreRow:
    """One goal of a scorecard.

    Attributes:
        goal: The goal, e.g. "Sairauspoissaolot vähenevät".
        metric: How it is measured, e.g. "Sairauspoissaolo-%".
        baseline: The starting level (lähtötaso).
        target: The target level (tavoite).
        latest: The latest measured value.
        status: Follow-up status.
        unit: The unit after the numbers (``"%"``, ``"pv"``...).
    """

    goal: str
    metric: str
    baseline: float | None
    target: float | None
    latest: float | None
    status: Status
    unit: str = ""


@dataclass(frozen=True)
class Scorecard:
    """Goals with baseline, target, latest value and a traffic-light status.

    Attributes:
        title: The chart title.
        rows: The goals.
        status_labels: Status -> localized word; a missing status falls back to the
            charts' own word.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
    """

    title: str
    rows: tuple[ScoreRow, ...]
    status_labels: Mapping[str, str]
    locale: str

    def __post_init__(self) -> None:
        _check_locale(self.locale)


TargetRow: TypeAlias = tuple[str, float | None, float | None]
"""``(category, percent reached, target percent)``."""


@dataclass(frozen=True)
class TargetBars:
    """Percent reached against a target, per category (e.g. 79 % against a 50 % target).

    Attributes:
        title: The chart title.
        rows: ``(category, value %, target %)``.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
    """

    title: str
    rows: tuple[TargetRow, ...]
    locale: str

    def __post_init__(self) -> None:
        _check_locale(self.locale)


@dataclass(frozen=True)
class GoalCount:
    """One goal across the units of a division: how many gave each status.

    Attributes:
        goal: The goal, e.g. "Sairauspoissaolot vähenevät".
        counts: ``(status, units)`` for every status in :data:`STATUSES` order.
        unreported: Units that follow the goal but gave no status in the period.
        challenged: The units whose status is ``challenges``, in the order to name them.
    """

    goal: str
    counts: tuple[tuple[Status, int], ...]
    unreported: int = 0
    challenged: tuple[str, ...] = ()

    @property
    def units(self) -> int:
        """The units that follow the goal, with or without a status."""
        return sum(n for _status, n in self.counts) + self.unreported


@dataclass(frozen=True)
class GoalStatusChart:
    """The goals of a division in brief: per goal, its units counted by status.

    Drawn as one block per goal: the counts beside each status marker and word, a bar split
    by status, and the units with challenges named (the full rows are a :class:`Scorecard`).

    Attributes:
        title: The chart title.
        rows: One per goal.
        status_labels: Status -> localized word; a missing status falls back to the
            charts' own word.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
    """

    title: str
    rows: tuple[GoalCount, ...]
    status_labels: Mapping[str, str]
    locale: str

    def __post_init__(self) -> None:
        _check_locale(self.locale)


Chart: TypeAlias = (
    TrendChart
    | PairedBarsChart
    | IndexChart
    | DistributionChart
    | Scorecard
    | TargetBars
    | GoalStatusChart
)
"""Any single chart."""


@dataclass(frozen=True)
class KeyFigure:
    """One line of a summary's key figure table; the caller formats the texts.

    Attributes:
        label: The metric name.
        value_text: The current value, e.g. ``"4,6 %"``.
        previous_text: The previous period's value, or ``""``.
        target_text: The target, or ``""``.
        status: A status marker, or ``None`` for none.
    """

    label: str
    value_text: str
    previous_text: str
    target_text: str
    status: Status | None


@dataclass(frozen=True)
class SummaryPage:
    """A one-page summary of a unit or division: key figures, charts, who has not reported.

    Attributes:
        title: The page title (the unit or division).
        subtitle: E.g. the period, ``"1-4/2025"``.
        key_figures: The key figure table (may be empty).
        charts: Charts drawn under the table, in order.
        missing_units: Units that have not reported yet (may be empty).
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
        status_labels: Status -> localized word for the key figures (optional).
    """

    title: str
    subtitle: str
    key_figures: tuple[KeyFigure, ...]
    charts: tuple[Chart, ...]
    missing_units: tuple[str, ...]
    locale: str
    status_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_locale(self.locale)


@dataclass(frozen=True)
class ReportSection:
    """A section of the interim report: a heading, text paragraphs and charts.

    Attributes:
        heading: The section heading.
        paragraphs: Plain-text paragraphs.
        charts: Charts drawn after the paragraphs.
    """

    heading: str
    paragraphs: tuple[str, ...]
    charts: tuple[Chart, ...]


@dataclass(frozen=True)
class ReportDocument:
    """The interim report (osavuosikatsaus) as a multi-page A4 PDF.

    Pages: a cover, then each section (starting on a new page, continuing onto more pages
    when long), then one page per unit summary.

    Attributes:
        title: The report title.
        subtitle: E.g. the county and period.
        language: ``"fi"``, ``"sv"`` or ``"en"``: the locale of the charts' own words.
        cover_lines: Further lines on the cover (author, division...).
        sections: The report sections.
        unit_pages: One summary page per unit.
        date: The report date shown on the cover, if any.
    """

    title: str
    subtitle: str
    language: str
    cover_lines: tuple[str, ...]
    sections: tuple[ReportSection, ...]
    unit_pages: tuple[SummaryPage, ...]
    date: datetime.date | None = None

    def __post_init__(self) -> None:
        _check_locale(self.language)

    @property
    def locale(self) -> str:
        """The document's language, under the name every chart uses."""
        return self.language
