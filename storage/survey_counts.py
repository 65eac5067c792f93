"""A closed round's answers counted once per group, question and value, and kept.

A closed round never changes, so :func:`storage.surveys.close_round` counts its answers in one
grouped query per unit, sums them over the organisation tree per group (a unit with its whole
subtree) and keeps the sums (:class:`storage.survey_models.SurveyRoundCounts`) with the part of
the tree they were summed over: every unit that has answers and its ancestors. Figures over
many rounds then read one row a round instead of every answer again, and need not sum either.
When that part of the tree has changed since (a unit moved), the kept sums no longer say what
the answers say with today's tree, and :mod:`storage.survey_figures` counts the answers again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from storage.models import Unit
from storage.survey_models import RESPONSE_MARKER, SurveyAnswer, SurveyRoundCounts

UnitCounts = dict[str, dict[str, list[int]]]
"""``{unit: {question: [answers, value, n, value, n, ...]}}``: a round's answers in each unit
(or, summed, in each group).

``answers`` counts the question's answers of any kind (respondents for question ``"*"``); the
pairs after it say how many gave each numeric value, values ascending. Flat lists of numbers,
as stored: a history reads tens of thousands of them, and each nested object would cost.
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
    return flat_counts(session.execute(statement).all())


def flat_counts(rows: Iterable[Sequence[Any]]) -> UnitCounts:
    """Grouped rows ``(unit or group, question, value, has text, answers)`` in the flat form.

    What counts as an answer is the rule of every count here: a value, a text or a response
    marker. Units, questions and values come out sorted.
    """
    found: dict[str, dict[str, tuple[int, dict[int, int]]]] = {}
    for unit_id, qid, value, text, n in rows:
        if not (qid == RESPONSE_MARKER or value is not None or text):
            continue
        questions = found.setdefault(str(unit_id), {})
        given, spread = questions.get(str(qid), (0, {}))
        if value is not None:
            spread[int(value)] = spread.get(int(value), 0) + int(n)
        questions[str(qid)] = (given + int(n), spread)
    return {
        unit: {
            qid: [given, *(x for v in sorted(spread) for x in (v, spread[v]))]
            for qid, (given, spread) in sorted(questions.items())
        }
        for unit, questions in sorted(found.items())
    }


def unit_parents(session: Session) -> dict[str, str | None]:
    """``{unit: parent}`` of every unit."""
    unit = Unit.__table__  # type: ignore[attr-defined]
    rows = session.execute(select(unit.c.id, unit.c.parent_id)).all()
    return {str(u): None if p is None else str(p) for u, p in rows}


def ancestry(parents: Mapping[str, str | None]) -> dict[str, tuple[str, ...]]:
    """Each unit with its ancestors, nearest first: the groups its answers count in.

    The same pairs as :func:`storage.figures.unit_groups`, from ``{unit: parent}``.
    """
    out: dict[str, tuple[str, ...]] = {}
    for unit_id in parents:
        chain = [unit_id]
        node = parents[unit_id]
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        out[unit_id] = tuple(chain)
    return out


def sum_groups(counts: UnitCounts, parents: Mapping[str, str | None]) -> UnitCounts:
    """Counts per unit summed per group over the tree (``{unit: parent}``), in the same form.

    The same sums as :func:`storage.survey_figures.count_round` makes in SQL; a unit not in
    the tree counts nowhere.
    """
    given: dict[str, dict[str, int]] = {}
    values: dict[str, dict[str, dict[int, int]]] = {}
    for unit_id, chain in ancestry(parents).items():
        for qid, flat in counts.get(unit_id, {}).items():
            for group_id in chain:
                mine = given.setdefault(group_id, {})
                mine[qid] = mine.get(qid, 0) + flat[0]
                spread = values.setdefault(group_id, {}).setdefault(qid, {})
                for value, n in zip(flat[1::2], flat[2::2], strict=True):
                    spread[value] = spread.get(value, 0) + n
    return {
        group_id: {
            qid: [n, *(x for v, k in sorted(values[group_id][qid].items()) for x in (v, k))]
            for qid, n in sorted(questions.items())
        }
        for group_id, questions in sorted(given.items())
    }


def summed_over(counts: UnitCounts, parents: Mapping[str, str | None]) -> dict[str, str | None]:
    """The part of the tree the sums of ``counts`` depend on: units with answers, ancestors."""
    chains = ancestry(parents)
    return {g: parents[g] for u in sorted(counts) if u in chains for g in chains[u]}


def store_counts(session: Session, round_id: str) -> dict[str, Any]:
    """Count a round's answers, sum them per group and keep them (once, at the close).

    Returns:
        The document kept: ``{"groups": sums per group, "tree": {unit: parent}}``.
    """
    counts = count_answers(session, round_id)
    parents = unit_parents(session)
    document = {"groups": sum_groups(counts, parents), "tree": summed_over(counts, parents)}
    table = SurveyRoundCounts.__table__  # type: ignore[attr-defined]
    session.execute(delete(table).where(table.c.round_id == round_id))
    session.execute(insert(table).values(round_id=round_id, counts=document))
    return document


def stored_counts(session: Session, round_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The kept counts of those of ``round_ids`` that have them, in one query."""
    return dict(iter_stored_counts(session, round_ids))


def iter_stored_counts(
    session: Session, round_ids: Iterable[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(round, document)`` of those of ``round_ids`` that have them, in one query, as read.

    Each round's document is decoded only when reached, so a caller that is done with one
    round before the next never holds them all.
    """
    ids = list(round_ids)
    if not ids:
        return
    table = SurveyRoundCounts.__table__  # type: ignore[attr-defined]
    statement = select(table.c.round_id, table.c.counts).where(table.c.round_id.in_(ids))
    for round_id, stored in session.execute(statement):
        yield str(round_id), stored


__all__ = [
    "UnitCounts",
    "ancestry",
    "count_answers",
    "flat_counts",
    "iter_stored_counts",
    "store_counts",
    "stored_counts",
    "sum_groups",
    "summed_over",
    "unit_parents",
]
