"""Report figures computed in SQL: values per group and period, choice counts, goal statuses
and reporting status.

A *group* is a unit with everything below it: a single unit, a division or the county. Sums
over subtrees use a recursive CTE pairing every unit with itself and each of its ancestors
(``groups(unit_id, group_id)``); joining the answers to it and grouping by ``group_id`` gives
every group's figure in one query. Only reports submitted at least once count: a draft is not
a figure. Nothing here knows the metric catalog; the collectors decide what a figure means.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import CTE, String, case, cast, distinct, func, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from storage.models import Answer, ReportingPeriod, Submission, Unit

ANSWERED = "answered"


def unit_groups() -> CTE:
    """``groups(unit_id, group_id)``: every unit paired with itself and each of its ancestors."""
    unit = Unit.__table__  # type: ignore[attr-defined]
    # Unbounded text in both terms: PostgreSQL wants one type for the id and parent columns.
    groups = select(
        cast(unit.c.id, String).label("unit_id"), cast(unit.c.id, String).label("group_id")
    ).cte("groups", recursive=True)
    parent = unit.alias("parent_unit")
    step = (
        select(groups.c.unit_id, cast(parent.c.parent_id, String))
        .join(parent, parent.c.id == groups.c.group_id)
        .where(parent.c.parent_id.is_not(None))
    )
    return groups.union_all(step)


def _submitted() -> ColumnElement[bool]:
    return col(Submission.first_submitted_at).is_not(None)


@dataclass(frozen=True)
class GroupFigure:
    """One metric's answered values in one group and period, summed in SQL.

    Attributes:
        total: The sum of the values (a count metric's group figure).
        mean: The mean of the values (a percent's or a mean's group figure).
        reports: How many reports gave a value.
    """

    total: float
    mean: float
    reports: int


def metric_figures(
    session: Session,
    metric_ids: Collection[str],
    group_ids: Collection[str],
    period_ids: Collection[str],
) -> dict[tuple[str, str, str], GroupFigure]:
    """Sum, mean and count of answered values per ``(group, period, metric)`` in one query.

    Args:
        session: The session.
        metric_ids: The metrics.
        group_ids: The groups (each a unit and everything below it).
        period_ids: The periods.

    Returns:
        Figures keyed by ``(group id, period id, metric id)``; a key is absent when no
        submitted report in the group gave a value for that period (a gap, never a zero).
    """
    if not metric_ids or not group_ids or not period_ids:
        return {}
    groups = unit_groups()
    answer = Answer.__table__  # type: ignore[attr-defined]
    submission = Submission.__table__  # type: ignore[attr-defined]
    value = answer.c.value
    statement = (
        select(
            groups.c.group_id,
            submission.c.period_id,
            answer.c.metric_id,
            func.sum(value),
            func.avg(value),
            func.count(value),
        )
        .select_from(
            answer.join(submission, submission.c.id == answer.c.submission_id).join(
                groups, groups.c.unit_id == submission.c.unit_id
            )
        )
        .where(answer.c.status == ANSWERED, value.is_not(None), _submitted())
        .where(answer.c.metric_id.in_(sorted(metric_ids)))
        .where(submission.c.period_id.in_(sorted(period_ids)))
        .where(groups.c.group_id.in_(sorted(group_ids)))
        .group_by(groups.c.group_id, submission.c.period_id, answer.c.metric_id)
    )
    out: dict[tuple[str, str, str], GroupFigure] = {}
    for group_id, period_id, metric_id, total, mean, reports in session.execute(statement):
        out[(str(group_id), str(period_id), str(metric_id))] = GroupFigure(
            float(total), float(mean), int(reports)
        )
    return out


@dataclass(frozen=True)
class ChoiceCounts:
    """How often each choice was named in a group's reports of some periods.

    Attributes:
        counts: Choice id -> number of reports naming it (choices never named are absent).
        reports: Reports that answered the question at all (0: nothing to show).
    """

    counts: dict[str, int]
    reports: int


def choice_counts(
    session: Session, metric_id: str, group_id: str, period_ids: Collection[str]
) -> ChoiceCounts:
    """Count the choices of a (multi-)choice metric over a group's reports, in SQL.

    The JSON list of choices is expanded by the database (``json_each`` on SQLite,
    ``json_array_elements_text`` on PostgreSQL) and counted with ``GROUP BY``.

    Args:
        session: The session.
        metric_id: The choice metric.
        group_id: The group.
        period_ids: The periods to count over.

    Returns:
        The counts and the number of answering reports.
    """
    if not period_ids:
        return ChoiceCounts({}, 0)
    groups = unit_groups()
    answer = Answer.__table__  # type: ignore[attr-defined]
    submission = Submission.__table__  # type: ignore[attr-defined]
    base = answer.join(submission, submission.c.id == answer.c.submission_id).join(
        groups, groups.c.unit_id == submission.c.unit_id
    )
    conditions = (
        answer.c.metric_id == metric_id,
        answer.c.status == ANSWERED,
        submission.c.period_id.in_(sorted(period_ids)),
        groups.c.group_id == group_id,
        _submitted(),
    )
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        elements = func.json_array_elements_text(answer.c.choices).table_valued("value")
    else:
        elements = func.json_each(answer.c.choices).table_valued("value")
    chosen = cast(elements.c.value, String)
    statement = (
        select(chosen, func.count())
        .select_from(base.join(elements, true()))
        .where(*conditions)
        .group_by(chosen)
    )
    counts = {str(choice): int(n) for choice, n in session.execute(statement)}
    total = select(func.count(distinct(answer.c.id))).select_from(base).where(*conditions)
    return ChoiceCounts(counts, int(session.execute(total).scalar_one()))


def first_choices(
    session: Session, metric_ids: Collection[str], unit_ids: Collection[str], period_id: str
) -> dict[tuple[str, str], str]:
    """The chosen option of single-choice answers (goal statuses) per ``(unit, metric)``.

    Args:
        session: The session.
        metric_ids: The goal status (or other single-choice) metrics.
        unit_ids: The units.
        period_id: The period.

    Returns:
        The first chosen id per ``(unit id, metric id)`` of submitted, answered reports.
    """
    if not metric_ids or not unit_ids:
        return {}
    statement = (
        select(col(Submission.unit_id), col(Answer.metric_id), col(Answer.choices))
        .join(Submission, col(Submission.id) == col(Answer.submission_id))
        .where(col(Answer.status) == ANSWERED, _submitted())
        .where(col(Submission.period_id) == period_id)
        .where(col(Submission.unit_id).in_(sorted(unit_ids)))
        .where(col(Answer.metric_id).in_(sorted(metric_ids)))
    )
    out: dict[tuple[str, str], str] = {}
    for unit_id, metric_id, choices in session.execute(statement):
        if choices:
            out[(str(unit_id), str(metric_id))] = str(choices[0])
    return out


def text_answers(
    session: Session, metric_ids: Collection[str], unit_ids: Collection[str], period_id: str
) -> list[tuple[str, str, str]]:
    """Free-text answers (corrective actions) of submitted reports.

    Args:
        session: The session.
        metric_ids: The text metrics.
        unit_ids: The units.
        period_id: The period.

    Returns:
        ``(unit id, metric id, text)`` ordered by unit and metric.
    """
    if not metric_ids or not unit_ids:
        return []
    statement = (
        select(col(Submission.unit_id), col(Answer.metric_id), col(Answer.text))
        .join(Submission, col(Submission.id) == col(Answer.submission_id))
        .where(col(Answer.status) == ANSWERED, col(Answer.text).is_not(None), _submitted())
        .where(col(Submission.period_id) == period_id)
        .where(col(Submission.unit_id).in_(sorted(unit_ids)))
        .where(col(Answer.metric_id).in_(sorted(metric_ids)))
        .order_by(col(Submission.unit_id), col(Answer.metric_id))
    )
    return [(str(u), str(m), str(t)) for u, m, t in session.execute(statement) if str(t).strip()]


def submitted_units(session: Session, period_id: str, unit_ids: Collection[str]) -> set[str]:
    """The units among ``unit_ids`` whose report for the period has been sent."""
    if not unit_ids:
        return set()
    statement = (
        select(col(Submission.unit_id))
        .where(col(Submission.period_id) == period_id, _submitted())
        .where(col(Submission.unit_id).in_(sorted(unit_ids)))
    )
    return {str(unit_id) for unit_id in session.execute(statement).scalars()}


def latest_reported_period(
    session: Session, unit_ids: Collection[str], before: date
) -> ReportingPeriod | None:
    """The newest period starting before ``before`` for which one of ``unit_ids`` sent its
    report; ``None`` when there is none."""
    if not unit_ids:
        return None
    statement = (
        select(ReportingPeriod)
        .join(Submission, col(Submission.period_id) == col(ReportingPeriod.id))
        .where(_submitted(), col(Submission.unit_id).in_(sorted(unit_ids)))
        .where(col(ReportingPeriod.start) < before)
        .order_by(col(ReportingPeriod.start).desc())
        .limit(1)
    )
    return session.execute(statement).scalars().first()


@dataclass(frozen=True)
class StatusCounts:
    """How far the units of a scope are with one period's report.

    Attributes:
        submitted: Reports sent (at least once).
        draft: Reports started but not sent.
        not_started: Units with no report at all.
    """

    submitted: int
    draft: int
    not_started: int

    @property
    def units(self) -> int:
        """The units counted."""
        return self.submitted + self.draft + self.not_started


def status_counts(session: Session, period_id: str, unit_ids: Collection[str]) -> StatusCounts:
    """Count sent, started and missing reports of a period among ``unit_ids``, in SQL.

    Args:
        session: The session.
        period_id: The period.
        unit_ids: The units expected to report.

    Returns:
        The counts; ``not_started`` is the units with no submission row.
    """
    if not unit_ids:
        return StatusCounts(0, 0, 0)
    sent = func.sum(case((_submitted(), 1), else_=0))
    statement = (
        select(func.count(), sent)
        .select_from(Submission)
        .where(col(Submission.period_id) == period_id)
        .where(col(Submission.unit_id).in_(sorted(unit_ids)))
    )
    started, submitted = session.execute(statement).one()
    started, submitted = int(started or 0), int(submitted or 0)
    return StatusCounts(submitted, started - submitted, len(set(unit_ids)) - started)


__all__ = [
    "ChoiceCounts",
    "GroupFigure",
    "StatusCounts",
    "choice_counts",
    "first_choices",
    "latest_reported_period",
    "metric_figures",
    "status_counts",
    "submitted_units",
    "text_answers",
    "unit_groups",
]
