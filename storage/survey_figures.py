"""Survey figures, computed in SQL over subtrees of the organisation.

A recursive CTE lists every unit with each of its ancestors (``tree(unit_id, group_id)``). One
grouped query counts a round's answers per unit, question and value, joins those counts to the
tree and sums them per ``group_id``: how many in each group gave each value, a division's count
covering all its units. Everything else (respondents, index bands, the index, the mean) is a
sum over those few values per group and question (at most eleven); no answer is looped over in
Python, and the round's answers are read once. Nothing here is shown as is:
:mod:`collectors.survey_results` applies the suppression of small groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CTE, String, cast, func, select
from sqlmodel import Session, col

from storage.models import RoleGrant, Unit
from storage.survey_models import SurveyAnswer
from storage.surveys import RESPONSE_MARKER, grant_active

Band = tuple[int, int]


def unit_tree() -> CTE:
    """``tree(unit_id, group_id)``: every unit paired with itself and each of its ancestors."""
    unit = Unit.__table__  # type: ignore[attr-defined]
    # Unbounded text in both terms: PostgreSQL wants one type for the id and parent columns.
    tree = select(
        cast(unit.c.id, String).label("unit_id"), cast(unit.c.id, String).label("group_id")
    ).cte("tree", recursive=True)
    parent = unit.alias("parent_unit")
    step = (
        select(tree.c.unit_id, cast(parent.c.parent_id, String))
        .join(parent, parent.c.id == tree.c.group_id)
        .where(parent.c.parent_id.is_not(None))
    )
    return tree.union_all(step)


@dataclass(frozen=True)
class ScaleFigures:
    """The sums of one question in one group.

    Attributes:
        answers: Number of numeric answers.
        low: Answers in the index's low band (NPS 0-6, NSS 1-2); 0 without an index.
        high: Answers in the index's high band (NPS 9-10, NSS 4-5); 0 without an index.
        index: ``100 * (high - low) / answers``; ``None`` without an index.
        mean: The mean answer.
    """

    answers: int
    low: int
    high: int
    index: float | None
    mean: float | None


@dataclass(frozen=True)
class RoundCounts:
    """A round's answers counted per group (a unit with its whole subtree) and question.

    Attributes:
        values: ``(group, question) -> {value: answers}`` for the numeric answers.
        given: ``(group, question) -> answers`` of any kind; question ``"*"`` counts the
            respondents.
    """

    values: dict[tuple[str, str], dict[int, int]]
    given: dict[tuple[str, str], int]

    def scale_figures(
        self, bands: Mapping[str, tuple[Band, Band] | None]
    ) -> dict[tuple[str, str], ScaleFigures]:
        """Count, index bands, index and mean per ``(group, question)``.

        Args:
            bands: For each numeric question id, its ``(low band, high band)`` or ``None``.
        """
        out: dict[tuple[str, str], ScaleFigures] = {}
        for (group_id, qid), spread in self.values.items():
            if qid not in bands:
                continue
            answers = sum(spread.values())
            if not answers:
                continue
            pair = bands[qid]
            low = high = 0
            if pair is not None:
                low = sum(n for value, n in spread.items() if pair[0][0] <= value <= pair[0][1])
                high = sum(n for value, n in spread.items() if pair[1][0] <= value <= pair[1][1])
            out[(group_id, qid)] = ScaleFigures(
                answers=answers,
                low=low,
                high=high,
                index=None if pair is None else 100.0 * (high - low) / answers,
                mean=sum(value * n for value, n in spread.items()) / answers,
            )
        return out


def round_counts(session: Session, round_id: str) -> RoundCounts:
    """Count a round's answers per group, question and value in one grouped query."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    has_text = answer.c.text.is_not(None)
    per_unit = (
        select(
            answer.c.unit_id,
            answer.c.question_id,
            answer.c.value,
            has_text.label("has_text"),
            func.count().label("n"),
        )
        .where(answer.c.round_id == round_id)
        .group_by(answer.c.unit_id, answer.c.question_id, answer.c.value, has_text)
        .subquery("per_unit")
    )
    tree = unit_tree()
    keys = (tree.c.group_id, per_unit.c.question_id, per_unit.c.value, per_unit.c.has_text)
    statement = (
        select(*keys, func.sum(per_unit.c.n))
        .select_from(per_unit.join(tree, tree.c.unit_id == per_unit.c.unit_id))
        .group_by(*keys)
    )
    values: dict[tuple[str, str], dict[int, int]] = {}
    given: dict[tuple[str, str], int] = {}
    for group_id, qid, value, text, count in session.execute(statement).all():
        key, n = (str(group_id), str(qid)), int(count)
        if value is not None:
            spread = values.setdefault(key, {})
            spread[int(value)] = spread.get(int(value), 0) + n
        if qid == RESPONSE_MARKER or value is not None or text:
            given[key] = given.get(key, 0) + n
    return RoundCounts(values, given)


def answer_counts(session: Session, round_id: str) -> dict[tuple[str, str], int]:
    """Answers per ``(group, question)`` over subtrees; question ``"*"`` counts respondents."""
    return dict(round_counts(session, round_id).given)


def scale_figures(
    session: Session, round_id: str, bands: Mapping[str, tuple[Band, Band] | None]
) -> dict[tuple[str, str], ScaleFigures]:
    """Count, index bands, index and mean per ``(group, question)`` (see :class:`RoundCounts`).

    Args:
        session: The session.
        round_id: The round.
        bands: For each numeric question id, its ``(low band, high band)`` or ``None``.
    """
    return round_counts(session, round_id).scale_figures(bands) if bands else {}


def distributions(session: Session, round_id: str) -> dict[tuple[str, str], dict[int, int]]:
    """How many gave each value, per ``(group, question)``."""
    return {key: dict(spread) for key, spread in round_counts(session, round_id).values.items()}


def texts(
    session: Session, round_id: str, question_id: str, group_ids: Iterable[str]
) -> dict[str, list[str]]:
    """The free texts of each group's whole subtree, in alphabetical order (never by unit)."""
    groups = list(group_ids)
    if not groups:
        return {}
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    tree = unit_tree()
    statement = (
        select(tree.c.group_id, answer.c.text)
        .select_from(answer.join(tree, tree.c.unit_id == answer.c.unit_id))
        .where(answer.c.round_id == round_id, answer.c.question_id == question_id)
        .where(answer.c.text.is_not(None), tree.c.group_id.in_(groups))
        .order_by(tree.c.group_id, answer.c.text)
    )
    out: dict[str, list[str]] = {}
    for group_id, text in session.execute(statement).all():
        out.setdefault(str(group_id), []).append(str(text))
    return out


def staff_by_group(session: Session, unit_ids: Sequence[str], at: datetime) -> dict[str, int]:
    """Staff asked per group: each unit's ``staff_count``, else its staff grants at ``at``."""
    if not unit_ids:
        return {}
    unit = Unit.__table__  # type: ignore[attr-defined]
    grants = (
        select(func.count(func.distinct(RoleGrant.person_id)))
        .where(col(RoleGrant.unit_id) == unit.c.id, col(RoleGrant.role) == "staff")
        .where(grant_active(at))
        .scalar_subquery()
    )
    staff = (
        select(unit.c.id.label("unit_id"), func.coalesce(unit.c.staff_count, grants).label("n"))
        .where(unit.c.id.in_(list(unit_ids)))
        .subquery("staff")
    )
    tree = unit_tree()
    statement = (
        select(tree.c.group_id, func.sum(staff.c.n))
        .select_from(staff.join(tree, tree.c.unit_id == staff.c.unit_id))
        .group_by(tree.c.group_id)
    )
    return {str(g): int(n or 0) for g, n in session.execute(statement).all()}


__all__ = [
    "Band",
    "RoundCounts",
    "ScaleFigures",
    "answer_counts",
    "distributions",
    "round_counts",
    "scale_figures",
    "staff_by_group",
    "texts",
    "unit_tree",
]
