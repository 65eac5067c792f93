"""A closed round's answers counted once per unit, question and value, and kept.

A closed round never changes, so :func:`storage.surveys.close_round` counts its answers in one
grouped query and keeps the counts (:class:`storage.survey_models.SurveyRoundCounts`); figures
over many rounds then read one small row a round instead of every answer again. The counts are
per unit, as the answers are, not per group: the sums over the organisation tree are made
when read (:mod:`storage.survey_figures`), with the tree as it is then, exactly as from the
answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from storage.survey_models import RESPONSE_MARKER, SurveyAnswer, SurveyRoundCounts

UnitCounts = dict[str, dict[str, tuple[int, dict[int, int]]]]
"""``{unit: {question: (answers, {value: n})}}``: a round's answers counted in each unit.

``answers`` counts the question's answers of any kind (respondents for question ``"*"``), the
mapping how many gave each numeric value.
"""


def count_answers(session: Session, round_id: str) -> UnitCounts:
    """Count a round's answers per unit, question and value in one grouped query."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    has_text = answer.c.text.is_not(None)
    statement = (
        select(answer.c.unit_id, answer.c.question_id, answer.c.value, has_text, func.count())
        .where(answer.c.round_id == round_id)
        .group_by(answer.c.unit_id, answer.c.question_id, answer.c.value, has_text)
    )
    out: UnitCounts = {}
    for unit_id, qid, value, text, n in session.execute(statement).all():
        # The rule of storage.survey_figures.round_counts: a value, a text or a response marker.
        if not (qid == RESPONSE_MARKER or value is not None or text):
            continue
        questions = out.setdefault(str(unit_id), {})
        given, spread = questions.get(str(qid), (0, {}))
        if value is not None:
            spread[int(value)] = spread.get(int(value), 0) + int(n)
        questions[str(qid)] = (given + int(n), spread)
    return out


def to_json(counts: UnitCounts) -> dict[str, dict[str, list[Any]]]:
    """The stored form: ``{unit: {question: [answers, [[value, n], ...]]}}``, values ascending."""
    return {
        unit: {
            qid: [given, [[v, spread[v]] for v in sorted(spread)]]
            for qid, (given, spread) in sorted(questions.items())
        }
        for unit, questions in sorted(counts.items())
    }


def from_json(stored: Mapping[str, Mapping[str, list[Any]]]) -> UnitCounts:
    """The counts from their stored form (see :func:`to_json`)."""
    return {
        unit: {qid: (int(given), dict(spread)) for qid, (given, spread) in questions.items()}
        for unit, questions in stored.items()
    }


def store_counts(session: Session, round_id: str) -> UnitCounts:
    """Count a round's answers and keep the counts (done once, when the round closes)."""
    counts = count_answers(session, round_id)
    table = SurveyRoundCounts.__table__  # type: ignore[attr-defined]
    session.execute(delete(table).where(table.c.round_id == round_id))
    session.execute(insert(table).values(round_id=round_id, counts=to_json(counts)))
    return counts


def stored_counts(session: Session, round_ids: Iterable[str]) -> dict[str, UnitCounts]:
    """The kept counts of those of ``round_ids`` that have them, in one query."""
    ids = list(round_ids)
    if not ids:
        return {}
    table = SurveyRoundCounts.__table__  # type: ignore[attr-defined]
    statement = select(table.c.round_id, table.c.counts).where(table.c.round_id.in_(ids))
    return {str(rid): from_json(stored) for rid, stored in session.execute(statement).all()}


__all__ = [
    "UnitCounts",
    "count_answers",
    "from_json",
    "store_counts",
    "stored_counts",
    "to_json",
]
