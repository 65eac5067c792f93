"""Survey figures, computed in SQL over subtrees of the organisation.

A recursive CTE lists every unit with each of its ancestors (``groups(unit_id, group_id)``, from
:func:`storage.figures.unit_groups`, as the report figures use it). One grouped query counts a
round's answers per unit, question and value, joins those counts to it and sums them per
``group_id``: how many in each group gave each value, a division's count
covering all its units. Everything else (respondents, index bands, the index, the mean) is a
sum over those few values per group and question (at most eleven); no answer is looped over in
Python, and the round's answers are read once. A closed round's answers are not read at all:
these sums per group were kept at its close (:mod:`storage.survey_counts`), and are used as
long as the units they were summed over still hang in the same place. Nothing here is shown as is:
:mod:`collectors.survey_results` applies the suppression of small groups. The free texts are
:mod:`storage.survey_texts`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from operator import mul
from typing import Any

from sqlalchemy import String, func, literal, select, union_all
from sqlmodel import Session, col

from storage.figures import unit_groups
from storage.models import RoleGrant, Unit
from storage.survey_counts import (
    UnitCounts,
    ancestry,
    flat_counts,
    iter_stored_counts,
    unit_parents,
)
from storage.survey_models import SurveyAnswer
from storage.surveys import grant_active

Band = tuple[int, int]


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

    Kept in the flat form the sums are stored in at the close (:data:`UnitCounts`), so that a
    history of many rounds reads them without turning tens of thousands of lists into dicts.

    Attributes:
        groups: ``{group: {question: [answers, value, n, value, n, ...]}}``: ``answers`` of
            any kind (question ``"*"`` counts the respondents), then how many gave each numeric
            value, values ascending.
    """

    groups: UnitCounts

    def answered_in(self, question_id: str, group_ids: Iterable[str]) -> dict[str, int]:
        """Answers of any kind to one question (respondents for ``"*"``) in each group."""
        groups, none = self.groups, (0,)
        return {g: groups.get(g, _NONE).get(question_id, none)[0] for g in group_ids}

    def spread(self, group_id: str, question_id: str) -> list[int]:
        """``[value, n, value, n, ...]`` of a question's numeric answers in a group."""
        flat = self.groups.get(group_id, _NONE).get(question_id)
        return flat[1:] if flat else []

    @cached_property
    def values(self) -> dict[tuple[str, str], dict[int, int]]:
        """``(group, question) -> {value: answers}`` for the numeric answers."""
        return {
            (group_id, qid): dict(zip(flat[1::2], flat[2::2], strict=True))
            for group_id, questions in self.groups.items()
            for qid, flat in questions.items()
            if len(flat) > 1
        }

    @cached_property
    def given(self) -> dict[tuple[str, str], int]:
        """``(group, question) -> answers`` of any kind; question ``"*"`` counts respondents."""
        return {
            (group_id, qid): flat[0]
            for group_id, questions in self.groups.items()
            for qid, flat in questions.items()
        }

    def scale_figures(
        self, bands: Mapping[str, tuple[Band, Band] | None]
    ) -> dict[tuple[str, str], ScaleFigures]:
        """Count, index bands, index and mean per ``(group, question)``.

        Args:
            bands: For each numeric question id, its ``(low band, high band)`` or ``None``.
        """
        out: dict[tuple[str, str], ScaleFigures] = {}
        for group_id, questions in self.groups.items():
            for qid in questions:
                if qid not in bands:
                    continue
                found = self.scale_figure(group_id, qid, bands[qid])
                if found is not None:
                    out[(group_id, qid)] = found
        return out

    def scale_figure(
        self, group_id: str, question_id: str, pair: tuple[Band, Band] | None
    ) -> ScaleFigures | None:
        """One group's :meth:`scale_figures` for one question; ``None`` without answers.

        Args:
            group_id: The group.
            question_id: The numeric question.
            pair: Its ``(low band, high band)``, or ``None`` without an index.
        """
        spread = self.spread(group_id, question_id)
        found = spread_figures(spread[0::2], spread[1::2], pair)
        if found is None:
            return None
        answers, low, high, total = found
        return ScaleFigures(
            answers=answers,
            low=low,
            high=high,
            index=None if pair is None else 100.0 * (high - low) / answers,
            mean=total / answers,
        )


_NONE: dict[str, list[int]] = {}


def spread_figures(
    values: Sequence[int], counts: Sequence[int], pair: tuple[Band, Band] | None
) -> tuple[int, int, int, int] | None:
    """``(answers, low, high, sum of values)`` of how many gave each value (values ascending).

    ``low`` and ``high`` count the answers in the index's bands (0 without an index); ``None``
    when nobody gave a value.
    """
    answers = sum(counts)
    if not answers:
        return None
    total = sum(map(mul, values, counts))
    if pair is None:
        return answers, 0, 0, total
    (low_from, low_to), (high_from, high_to) = pair
    # Values ascending: each band is one slice of the counts.
    low = sum(counts[bisect_left(values, low_from) : bisect_right(values, low_to)])
    high = sum(counts[bisect_left(values, high_from) : bisect_right(values, high_to)])
    return answers, low, high, total


def from_kept(document: Mapping[str, Any], parents: Mapping[str, str | None]) -> RoundCounts | None:
    """A round's counts from the document kept at its close; ``None`` if the tree has changed.

    Args:
        document: ``{"groups": ..., "tree": ...}`` (see :mod:`storage.survey_counts`).
        parents: ``{unit: parent}`` of every unit now.
    """
    tree = document["tree"]
    if any(u not in parents or parents[u] != p for u, p in tree.items()):
        return None  # a unit with answers, or an ancestor of one, has moved or gone
    return RoundCounts(document["groups"])


def rounds_counts(
    session: Session,
    round_ids: Iterable[str],
    parents: Mapping[str, str | None] | None = None,
) -> dict[str, RoundCounts]:
    """:func:`round_counts` of several rounds: kept counts read in one query, the rest counted.

    Args:
        session: The session.
        round_ids: The rounds.
        parents: ``{unit: parent}`` of every unit when the caller has it (else it is read).
    """
    ids = list(dict.fromkeys(round_ids))
    found = dict(iter_rounds_counts(session, ids, parents))
    return {rid: found[rid] for rid in ids}


def iter_rounds_counts(
    session: Session,
    round_ids: Iterable[str],
    parents: Mapping[str, str | None] | None = None,
) -> Iterator[tuple[str, RoundCounts]]:
    """``(round, counts)`` of every one of ``round_ids``, in no particular order.

    The rounds with kept counts first, read in one query and taken one at a time, then the
    others (and those whose tree has changed since, see :func:`from_kept`) counted from their
    answers (:func:`count_round`). Arguments as :func:`rounds_counts`.
    """
    ids = list(dict.fromkeys(round_ids))
    tree = parents if parents is not None else unit_parents(session)
    done = set()
    for round_id, document in iter_stored_counts(session, ids):
        counted = from_kept(document, tree)
        if counted is not None:
            done.add(round_id)
            yield round_id, counted
    for round_id in ids:
        if round_id not in done:
            yield round_id, count_round(session, round_id)


def round_counts(session: Session, round_id: str) -> RoundCounts:
    """A round's answers counted per group, question and value.

    From the sums kept at the close when the round has them and the tree they were summed over
    is unchanged (:mod:`storage.survey_counts`), else from its answers (:func:`count_round`):
    the same figures either way.
    """
    return rounds_counts(session, [round_id])[round_id]


def count_round(session: Session, round_id: str) -> RoundCounts:
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
    tree = unit_groups()
    keys = (tree.c.group_id, per_unit.c.question_id, per_unit.c.value, per_unit.c.has_text)
    statement = (
        select(*keys, func.sum(per_unit.c.n))
        .select_from(per_unit.join(tree, tree.c.unit_id == per_unit.c.unit_id))
        .group_by(*keys)
    )
    return RoundCounts(flat_counts(session.execute(statement).all()))


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


def rounds_staff(
    session: Session, asked: Mapping[str, tuple[Sequence[str], datetime]]
) -> dict[str, dict[str, int]]:
    """:func:`staff_by_group` of several rounds (``round -> (unit_ids, at)``) in one query or two.

    The staff counts are read once; grants are counted only for asked units without one, for
    every round in a single statement.
    """
    if not asked:
        return {}
    unit = Unit.__table__  # type: ignore[attr-defined]
    rows = session.execute(select(unit.c.id, unit.c.parent_id, unit.c.staff_count)).all()
    chains = ancestry({str(u): None if p is None else str(p) for u, p, _n in rows})
    counted = {str(u): n for u, _p, n in rows}
    uncounted = {u for units, _at in asked.values() for u in units if counted.get(u, 0) is None}
    grants: dict[tuple[str, str], int] = {}
    if uncounted:
        per_round = [
            select(
                literal(round_id, String).label("round_id"),
                col(RoleGrant.unit_id),
                func.count(func.distinct(RoleGrant.person_id)),
            )
            .where(col(RoleGrant.role) == "staff", col(RoleGrant.unit_id).in_(sorted(uncounted)))
            .where(grant_active(at))
            .group_by(col(RoleGrant.unit_id))
            for round_id, (_units, at) in asked.items()
        ]
        for round_id, unit_id, n in session.execute(union_all(*per_round)).all():
            grants[(str(round_id), str(unit_id))] = int(n)
    out: dict[str, dict[str, int]] = {}
    for round_id, (units, _at) in asked.items():
        sums: dict[str, int] = {}
        for unit_id in set(units) & counted.keys():
            own = counted[unit_id]
            n = own if own is not None else grants.get((round_id, unit_id), 0)
            for group_id in chains[unit_id]:
                sums[group_id] = sums.get(group_id, 0) + n
        out[round_id] = sums
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
    tree = unit_groups()
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
    "ancestry",
    "answer_counts",
    "count_round",
    "distributions",
    "from_kept",
    "iter_rounds_counts",
    "round_counts",
    "rounds_counts",
    "rounds_staff",
    "scale_figures",
    "spread_figures",
    "staff_by_group",
    "unit_parents",
]
