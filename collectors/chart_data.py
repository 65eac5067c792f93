"""The data each chart is given: figures from storage, labels in the viewer's language.

Each builder queries :mod:`storage.figures` (sums in SQL), localizes every label with ``_()``
and the configuration's names, and returns a :mod:`charts` dataclass; the charts package never
sees the database. A missing period stays ``None`` (a gap), never zero. Long unit lists are
split over several charts of at most :data:`MAX_ROWS` rows. The goals' scorecards and status
chart are built in :mod:`collectors.goal_charts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlmodel import Session

from charts import DistributionChart, PairedBarsChart, TargetBars, TrendChart, TrendSeries
from collectors.chart_periods import year_spans
from collectors.chart_scope import Tree, drawn, is_total, unit_text
from collectors.config import AppConfig, MetricConfig, MetricKind
from collectors.i18n import Translator
from collectors.periods import Period
from collectors.report_text import choice_ids, choice_label
from storage import figures

MAX_ROWS = 20
"""The most units (rows) one bar chart or scorecard shows; more are split."""
MAX_LINES = 6
"""The most unit lines a trend chart adds beside its group's own line."""

T = TypeVar("T")


def chunks(rows: Sequence[T], title: str, _: Translator) -> list[tuple[str, list[T]]]:
    """Rows split into charts of at most :data:`MAX_ROWS`, each titled with its part."""
    if len(rows) <= MAX_ROWS:
        return [(title, list(rows))]
    parts = [list(rows[i : i + MAX_ROWS]) for i in range(0, len(rows), MAX_ROWS)]
    return [
        (_("{title} ({part}/{parts})", title=title, part=n + 1, parts=len(parts)), part)
        for n, part in enumerate(parts)
    ]


def group_value(metric: MetricConfig, figure: figures.GroupFigure | None) -> float | None:
    """A group's figure as drawn: the total of a count, else the mean of its units."""
    if figure is None:
        return None
    return drawn(metric, figure.total if is_total(metric) else figure.mean)


def has_values(chart: TrendChart | PairedBarsChart) -> bool:
    """Whether a trend or bar chart has any value to draw (else it would be all gaps)."""
    if isinstance(chart, TrendChart):
        return any(v is not None for s in chart.series for _label, v in s.points)
    return any(now is not None or before is not None for _label, now, before in chart.rows)


def _aggregated(tree: Tree, metric: MetricConfig, group: str) -> bool:
    return len(tree.reporters(group, metric)) > 1


def metric_title(tree: Tree, metric: MetricConfig, group: str, _: Translator) -> str:
    """A chart title naming the metric, the group and how its units are combined."""
    name, where = metric.name.get(_.language), tree.name(group, _.language)
    if not _aggregated(tree, metric, group):
        return _("{metric}: {unit}", metric=name, unit=where)
    if is_total(metric):
        return _("{metric}: {unit}, total of units", metric=name, unit=where)
    return _("{metric}: {unit}, mean of units", metric=name, unit=where)


def levels(tree: Tree, metric: MetricConfig, group: str) -> tuple[float | None, float | None]:
    """Target and baseline as drawn, only where they apply to the group's figure."""
    if _aggregated(tree, metric, group) and is_total(metric):
        return None, None  # a unit's target says nothing about a sum over units
    target = metric.target_for(group)
    if target is None:
        return None, None
    return drawn(metric, target.target), drawn(metric, target.baseline)


def trend_chart(
    session: Session,
    config: AppConfig,
    metric: MetricConfig,
    group: str,
    periods: Sequence[Period],
    _: Translator,
) -> TrendChart:
    """A metric over periods for a group, with its target and baseline.

    The group's own line comes first; a group whose figure is a mean also gets one line per
    child group that reports the metric (at most :data:`MAX_LINES`).

    Args:
        session: The session.
        config: The configuration.
        metric: A numeric metric.
        group: The unit or division.
        periods: The period axis, oldest first.
        _: The viewer's translator.

    Returns:
        The chart; a period without any report is ``None`` (a gap).
    """
    tree = Tree(config)
    language = _.language
    lines = [group]
    children = [c for c in tree.children.get(group, []) if tree.reporters(c, metric)]
    if not is_total(metric) and 2 <= len(children) <= MAX_LINES:
        lines += children
    found = figures.metric_figures(session, [metric.id], lines, [p.id for p in periods])
    series = tuple(
        TrendSeries(
            tree.name(line, language),
            tuple(
                (p.short_label(), group_value(metric, found.get((line, p.id, metric.id))))
                for p in periods
            ),
        )
        for line in lines
    )
    target, baseline = levels(tree, metric, group)
    return TrendChart(
        title=metric_title(tree, metric, group, _),
        unit_label=unit_text(metric, language),
        series=series,
        target=target,
        baseline=baseline,
        y_label=unit_text(metric, language),
        locale=language,
    )


def paired_bars_charts(
    session: Session,
    config: AppConfig,
    metric: MetricConfig,
    group: str,
    period: Period,
    previous: Period | None,
    _: Translator,
) -> list[PairedBarsChart]:
    """This period against the previous one for each unit of a group that reports a metric.

    The target line is drawn when every unit shares it.

    Returns:
        One chart per :data:`MAX_ROWS` units (none when the group has no reporting unit).
    """
    tree = Tree(config)
    language = _.language
    units = tree.reporters(group, metric)
    if not units:
        return []
    period_ids = [period.id] + ([previous.id] if previous is not None else [])
    found = figures.metric_figures(session, [metric.id], units, period_ids)
    rows = [
        (
            tree.name(unit, language),
            group_value(metric, found.get((unit, period.id, metric.id))),
            group_value(metric, found.get((unit, previous.id, metric.id)))
            if previous is not None
            else None,
        )
        for unit in units
    ]
    targets = {t.target if (t := metric.target_for(u)) is not None else None for u in units}
    target = drawn(metric, targets.pop()) if len(targets) == 1 else None
    title = _("{metric}: {unit}", metric=metric.name.get(language), unit=tree.name(group, language))
    return [
        PairedBarsChart(
            title=part_title,
            unit_label=unit_text(metric, language),
            current_label=period.short_label(),
            previous_label=previous.short_label() if previous is not None else "",
            rows=tuple(part),
            target=target,
            locale=language,
        )
        for part_title, part in chunks(rows, title, _)
    ]


def distribution_chart(
    session: Session,
    config: AppConfig,
    metric: MetricConfig,
    group: str,
    period: Period,
    _: Translator,
) -> tuple[DistributionChart, int]:
    """How often each choice was named this year up to the period, against last year.

    Returns:
        The chart and the number of reports it counts (0: nothing to show). A year without
        any answering report has ``None`` counts (not reported), not zeros.
    """
    tree = Tree(config)
    language = _.language
    spans = year_spans(config, period)
    this = figures.choice_counts(session, metric.id, group, spans.this_ids)
    last = figures.choice_counts(session, metric.id, group, spans.last_ids)
    ids = choice_ids(metric)

    def counts(found: figures.ChoiceCounts) -> tuple[int | None, ...]:
        if not found.reports:
            return tuple(None for _id in ids)
        return tuple(found.counts.get(choice, 0) for choice in ids)

    chart = DistributionChart(
        title=_(
            "{metric}: {unit}, reports naming each",
            metric=metric.name.get(language),
            unit=tree.name(group, language),
        ),
        categories=tuple(choice_label(metric, choice, _) for choice in ids),
        this_label=spans.this_label,
        this_counts=counts(this),
        last_label=spans.last_label,
        last_counts=counts(last),
        locale=language,
    )
    return chart, this.reports + last.reports


def target_bars(
    session: Session,
    config: AppConfig,
    group: str,
    period: Period,
    _: Translator,
) -> TargetBars | None:
    """Percent reached against the target for the group's percent metrics that aim high."""
    tree = Tree(config)
    chosen = [
        m
        for m in config.metrics
        if m.kind is MetricKind.PERCENT
        and m.better != "lower"
        and (t := m.target_for(group)) is not None
        and t.target is not None
        and tree.reporters(group, m)
    ]
    if not chosen:
        return None
    found = figures.metric_figures(session, [m.id for m in chosen], [group], [period.id])
    rows = []
    for metric in chosen:
        value = group_value(metric, found.get((group, period.id, metric.id)))
        target = metric.target_for(group)
        if value is not None and target is not None:
            rows.append((metric.name.get(_.language), value, target.target))
    if not rows:
        return None
    title = _("Against the targets: {unit}", unit=tree.name(group, _.language))
    return TargetBars(title, tuple(rows[:MAX_ROWS]), _.language)


__all__ = [
    "MAX_LINES",
    "MAX_ROWS",
    "chunks",
    "distribution_chart",
    "group_value",
    "has_values",
    "levels",
    "metric_title",
    "paired_bars_charts",
    "target_bars",
    "trend_chart",
]
