"""Survey figures, computed in SQL over subtrees of the organisation.

A recursive CTE lists every unit with each of its ancestors (``tree(unit_id, group_id)``). The
answers are first counted per unit (and value), then those counts are joined to the tree and
summed per ``group_id``, so a division's figure counts the answers of all its units; joining
the counts rather than the answers themselves keeps the join a few thousand rows long. Sums use
``CASE`` inside ``SUM``; no answer is looped over in Python. Nothing here is shown as is:
:mod:`collectors.survey_results` applies the suppression of small groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CTE, String, Subquery, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
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


def _per_unit(round_id: str, *conditions: ColumnElement[bool], by_value: bool = False) -> Subquery:
    """``per_unit(unit_id, question_id[, value], n)``: a round's answers counted per unit."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    keys = [answer.c.unit_id, answer.c.question_id] + ([answer.c.value] if by_value else [])
    return (
        select(*keys, func.count().label("n"))
        .where(answer.c.round_id == round_id, *conditions)
        .group_by(*keys)
        .subquery("per_unit")
    )


def answer_counts(session: Session, round_id: str) -> dict[tuple[str, str], int]:
    """Answers per ``(group, question)`` over subtrees; question ``"*"`` counts respondents."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    given = or_(
        answer.c.question_id == RESPONSE_MARKER,
        answer.c.value.is_not(None),
        answer.c.text.is_not(None),
    )
    counted = _per_unit(round_id, given)
    tree = unit_tree()
    statement = (
        select(tree.c.group_id, counted.c.question_id, func.sum(counted.c.n))
        .select_from(counted.join(tree, tree.c.unit_id == counted.c.unit_id))
        .group_by(tree.c.group_id, counted.c.question_id)
    )
    return {(str(g), str(q)): int(n) for g, q, n in session.execute(statement).all()}


@dataclass(frozen=True)
class ScaleFigures:
    """The sums of one question in one group, straight from SQL.

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


def scale_figures(
    session: Session, round_id: str, bands: Mapping[str, tuple[Band, Band] | None]
) -> dict[tuple[str, str], ScaleFigures]:
    """Count, index bands, index and mean per ``(group, question)`` in one grouped query.

    Args:
        session: The session.
        round_id: The round.
        bands: For each numeric question id, its ``(low band, high band)`` or ``None``.
    """
    if not bands:
        return {}
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    counted = _per_unit(
        round_id,
        answer.c.question_id.in_(list(bands)),
        answer.c.value.is_not(None),
        by_value=True,
    )
    tree = unit_tree()
    question, value, n = counted.c.question_id, counted.c.value, counted.c.n

    def band_case(position: int) -> ColumnElement[int]:
        whens = [
            (and_(question == qid, value >= pair[position][0], value <= pair[position][1]), n)
            for qid, pair in bands.items()
            if pair is not None
        ]
        return case(*whens, else_=0) if whens else literal(0)

    indexed = [qid for qid, pair in bands.items() if pair is not None]
    low, high, count = func.sum(band_case(0)), func.sum(band_case(1)), func.sum(n)
    index = case((question.in_(indexed), 100.0 * (high - low) / func.nullif(count, 0)), else_=None)
    mean = func.sum(value * n) * 1.0 / func.nullif(count, 0)
    statement = (
        select(tree.c.group_id, question, count, low, high, index, mean)
        .select_from(counted.join(tree, tree.c.unit_id == counted.c.unit_id))
        .group_by(tree.c.group_id, question)
    )
    out: dict[tuple[str, str], ScaleFigures] = {}
    for group_id, qid, n, lows, highs, idx, mean in session.execute(statement).all():
        out[(str(group_id), str(qid))] = ScaleFigures(
            answers=int(n),
            low=int(lows or 0),
            high=int(highs or 0),
            index=None if idx is None else float(idx),
            mean=None if mean is None else float(mean),
        )
    return out


def distributions(session: Session, round_id: str) -> dict[tuple[str, str], dict[int, int]]:
    """How many gave each value, per ``(group, question)``."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    counted = _per_unit(round_id, answer.c.value.is_not(None), by_value=True)
    tree = unit_tree()
    keys = (tree.c.group_id, counted.c.question_id, counted.c.value)
    statement = (
        select(*keys, func.sum(counted.c.n))
        .select_from(counted.join(tree, tree.c.unit_id == counted.c.unit_id))
        .group_by(*keys)
    )
    out: dict[tuple[str, str], dict[int, int]] = {}
    for group_id, qid, value, n in session.execute(statement).all():
        out.setdefault((str(group_id), str(qid)), {})[int(value)] = int(n)
    return out


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
    "ScaleFigures",
    "answer_counts",
    "distributions",
    "scale_figures",
    "staff_by_group",
    "texts",
    "unit_tree",
]
