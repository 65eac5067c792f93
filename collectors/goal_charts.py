"""The goals' charts: each unit's goals on a scorecard, and a division's goals in brief.

A goal is a ``goal_status`` metric; its status is the first choice a unit gave in the
period. A scorecard row also shows the baseline, target and latest value of the metric the
goal follows (``goal_for``). The figures come from :mod:`storage.figures`; rows and labels
are built like the other charts' in :mod:`collectors.chart_data`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from charts import GoalCount, GoalStatusChart, Scorecard, ScoreRow
from charts.data import STATUSES, Status
from collectors.chart_data import chunks, group_value
from collectors.chart_scope import Tree, drawn, status_words, unit_text
from collectors.config import AppConfig, MetricConfig, MetricKind
from collectors.i18n import Translator
from collectors.periods import Period
from storage import figures


def goal_metrics(config: AppConfig, tree: Tree, group: str) -> list[MetricConfig]:
    """The goal status metrics reported by a group's units."""
    return [
        m for m in config.metrics if m.kind is MetricKind.GOAL_STATUS and tree.reporters(group, m)
    ]


def scorecards(
    session: Session,
    config: AppConfig,
    group: str,
    period: Period,
    _: Translator,
    goals: Sequence[MetricConfig] | None = None,
) -> list[Scorecard]:
    """The goals of a group's units with baseline, target, latest value and status.

    A goal row is drawn for each unit that reported the goal's status in the period; the
    latest value is the unit's value of the metric the goal follows (``goal_for``).

    Returns:
        One scorecard per :data:`~collectors.chart_data.MAX_ROWS` goals (none when no status
        was reported).
    """
    tree = Tree(config)
    language = _.language
    chosen = list(goals) if goals is not None else goal_metrics(config, tree, group)
    if not chosen:
        return []
    units = sorted({u for m in chosen for u in tree.reporters(group, m)}, key=tree.order.index)
    statuses = figures.first_choices(session, [m.id for m in chosen], units, period.id)
    followed = {m.id: _followed(config, m) for m in chosen}
    values = figures.metric_figures(
        session, {f.id for f in followed.values() if f is not None}, units, [period.id]
    )
    single = len(units) == 1
    rows: list[ScoreRow] = []
    for unit in units:
        for goal in chosen:
            status = statuses.get((unit, goal.id))
            if status not in ("on_schedule", "challenges", "not_started", "done"):
                continue
            metric = followed[goal.id]
            name = goal.name.get(language)
            levels = metric.target_for(unit) if metric is not None else None
            rows.append(
                ScoreRow(
                    goal=name if single else f"{tree.name(unit, language)}: {name}",
                    metric=metric.name.get(language) if metric is not None else "",
                    baseline=drawn(metric, levels.baseline) if metric and levels else None,
                    target=drawn(metric, levels.target) if metric and levels else None,
                    latest=group_value(metric, values.get((unit, period.id, metric.id)))
                    if metric is not None
                    else None,
                    status=_status(status),
                    unit=unit_text(metric, language) if metric is not None else "",
                )
            )
    if not rows:
        return []
    title = _("Goals: {unit}", unit=tree.name(group, language))
    return [
        Scorecard(part_title, tuple(part), status_words(_), language)
        for part_title, part in chunks(rows, title, _)
    ]


def goal_status_chart(
    session: Session,
    config: AppConfig,
    group: str,
    period: Period,
    _: Translator,
) -> GoalStatusChart | None:
    """The goals of a division in brief: per goal, how many of its units gave each status.

    A unit that follows a goal but gave no status in the period (it has not reported, or
    left the goal unanswered) is counted apart; the units with challenges are named.

    Returns:
        The chart, or ``None`` when the group's units follow no goal.
    """
    tree = Tree(config)
    language = _.language
    chosen = goal_metrics(config, tree, group)
    if not chosen:
        return None
    units = {m.id: tree.reporters(group, m) for m in chosen}
    everyone = {u for found in units.values() for u in found}
    statuses = figures.first_choices(session, [m.id for m in chosen], everyone, period.id)
    rows = []
    for goal in chosen:
        given = {
            unit: _status(status)
            for unit in units[goal.id]
            if (status := statuses.get((unit, goal.id))) in STATUSES
        }
        counts = tuple((s, sum(1 for g in given.values() if g == s)) for s in STATUSES)
        challenged = [unit for unit in units[goal.id] if given.get(unit) == "challenges"]
        rows.append(
            GoalCount(
                goal=goal.name.get(language),
                counts=counts,
                unreported=len(units[goal.id]) - len(given),
                challenged=tuple(tree.name(unit, language) for unit in challenged),
            )
        )
    title = _("Goals: {unit}", unit=tree.name(group, language))
    return GoalStatusChart(title, tuple(rows), status_words(_), language)


def _followed(config: AppConfig, goal: MetricConfig) -> MetricConfig | None:
    if goal.goal_for is None:
        return None
    try:
        return config.metric(goal.goal_for)
    except KeyError:
        return None


def _status(value: str) -> Status:
    if value == "challenges":
        return "challenges"
    if value == "not_started":
        return "not_started"
    if value == "done":
        return "done"
    return "on_schedule"


__all__ = [
    "goal_metrics",
    "goal_status_chart",
    "scorecards",
]
