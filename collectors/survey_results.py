"""Survey results per group, with the anonymity rules applied.

:func:`survey_results` is the one door to a round's figures: charts, the ``/results`` command
and the CLI all go through it. It answers only for closed rounds, computes every figure in SQL
(:mod:`storage.surveys`) and blanks whatever :mod:`collectors.survey_suppression` hides: a
hidden group carries no numbers at all, and within a shown group a question answered by fewer
than the minimum (an optional one) carries none either. Suppression is decided over the whole
organisation before the viewer's scope is applied, so what different viewers see can be
combined without revealing a small group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import repeat

from sqlmodel import Session, select

from collectors.config import AppConfig
from collectors.survey_config import (
    INDEX_BANDS,
    IndexKind,
    QuestionKind,
    SurveyDefinition,
    SurveyQuestion,
    question_catalog,
)
from collectors.survey_suppression import Hidden, Tree, hidden_groups, shown_groups
from storage import survey_figures, survey_texts, surveys
from storage.models import Unit
from storage.survey_models import SurveyRound


class ResultsNotAvailable(Exception):
    """The round does not exist, or it is still open (results only after the close)."""


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question's figures in one group; every number is ``None`` when not shown.

    Attributes:
        question_id: The question.
        kind: Scale, choice or text.
        shown: Whether enough people answered it in this group.
        answers: Number of answers.
        index_kind: NPS or NSS for index questions.
        index: The index, -100..100 (``% high - % low``).
        promoters: Answers in the high band (NPS 9-10, NSS 4-5).
        passives: Answers between the bands (NPS 7-8, NSS 3).
        detractors: Answers in the low band (NPS 0-6, NSS 1-2).
        mean: The mean answer of a scale.
        values: Every value of a scale or choice position, in order (one tuple per question).
        counts: How many gave each of ``values`` (see :attr:`distribution`).
        texts: Free-text answers of the whole group, in alphabetical order.
    """

    question_id: str
    kind: QuestionKind
    shown: bool
    answers: int | None = None
    index_kind: IndexKind | None = None
    index: float | None = None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    mean: float | None = None
    values: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    texts: tuple[str, ...] = ()

    @property
    def distribution(self) -> tuple[tuple[int, int], ...]:
        """``(value, count)`` for every value of a scale or choice position."""
        return tuple(zip(self.values, self.counts, strict=True))

    def _share(self, count: int | None) -> float | None:
        if count is None or not self.answers:
            return None
        return 100.0 * count / self.answers

    @property
    def promoters_pct(self) -> float | None:
        """Share of promoters, 0..100."""
        return self._share(self.promoters)

    @property
    def passives_pct(self) -> float | None:
        """Share of passives, 0..100."""
        return self._share(self.passives)

    @property
    def detractors_pct(self) -> float | None:
        """Share of detractors, 0..100."""
        return self._share(self.detractors)


@dataclass(frozen=True, slots=True)
class GroupResult:
    """A unit's, division's or the county's results in one round.

    Attributes:
        unit_id: The group (a unit with everything below it).
        parent_id: Its parent among the round's groups, ``None`` for the top.
        kind: The unit kind (county, division, area, unit).
        shown: Whether any figure may be shown.
        hidden: Why not, when not shown.
        respondents: People who answered in the whole subtree.
        staff: Staff asked in the subtree (``staff_count``, else staff grants).
        response_rate: ``respondents / staff`` in percent.
        questions: The figures per question, in the survey's order.
    """

    unit_id: str
    parent_id: str | None
    kind: str
    shown: bool
    hidden: Hidden | None = None
    respondents: int | None = None
    staff: int | None = None
    response_rate: float | None = None
    questions: tuple[QuestionResult, ...] = ()

    def question(self, question_id: str) -> QuestionResult | None:
        """This group's result for one question."""
        return next((q for q in self.questions if q.question_id == question_id), None)


def definition_of(config: AppConfig, survey_id: str) -> SurveyDefinition | None:
    """The configured survey with ``survey_id``."""
    return next((d for d in config.surveys.definitions if d.id == survey_id), None)


def questions_of(config: AppConfig, definition: SurveyDefinition) -> list[SurveyQuestion]:
    """The questions of a survey, in order."""
    catalog = question_catalog(config.surveys.questions)
    return [catalog[q] for q in definition.questions if q in catalog]


@dataclass(frozen=True, slots=True)
class _Units:
    """Every unit's parent and kind, as the results need them."""

    parents: dict[str, str | None]
    kinds: dict[str, str]

    @classmethod
    def read(cls, session: Session) -> _Units:
        unit = Unit.__table__  # type: ignore[attr-defined]
        rows = session.execute(select(unit.c.id, unit.c.parent_id, unit.c.kind)).all()
        return cls({u: p for u, p, _k in rows}, {u: k for u, _p, k in rows})


def _groups(config: AppConfig, units: _Units, asked: Iterable[str]) -> Tree:
    """The asked units and their ancestors, in the configuration's order."""
    known = units.parents
    parents: dict[str, str | None] = {}
    for unit_id in asked:
        node: str | None = unit_id
        while node is not None and node in known and node not in parents:
            parents[node] = known[node]
            node = known[node]
    order = {u.id: i for i, u in enumerate(config.organisation.units)}
    ordered = sorted(parents, key=lambda n: (order.get(n, len(order)), n))
    return Tree({n: parents[n] if parents[n] in parents else None for n in ordered})


def survey_results(
    session: Session,
    config: AppConfig,
    round_id: str,
    scope_unit_ids: Iterable[str] | None = None,
) -> list[GroupResult]:
    """The figures of a closed round per group, suppression applied.

    Args:
        session: The session.
        config: The configuration (questions and ``min_responses``).
        round_id: The round.
        scope_unit_ids: The groups the viewer may see; ``None`` for all.

    Returns:
        The round's groups (the asked units and their ancestors) within the scope, parents
        before children.

    Raises:
        ResultsNotAvailable: When the round does not exist or is not closed.
    """
    row = surveys.get_round(session, round_id)
    if row is None or row.closed_at is None:
        raise ResultsNotAvailable(round_id)
    units = _Units.read(session)
    counted = survey_figures.round_counts(session, round_id)  # kept at the close, read once
    staff = survey_figures.staff_by_group(session, row.unit_ids, surveys.aware(row.closed_at))

    def texts(question_id: str, groups: set[str]) -> dict[str, list[str]]:
        return survey_texts.texts(session, round_id, question_id, groups)

    scope = None if scope_unit_ids is None else set(scope_unit_ids)
    tree = _groups(config, units, row.unit_ids)
    return _results(config, units, tree, row, counted, staff, texts, scope)


def _results(
    config: AppConfig,
    units: _Units,
    tree: Tree,
    row: SurveyRound,
    counted: survey_figures.RoundCounts,
    staff: dict[str, int],
    texts: Callable[[str, set[str]], dict[str, list[str]]],
    scope: set[str] | None,
) -> list[GroupResult]:
    """One closed round's groups from its counts, staff and texts (see :func:`survey_results`)."""
    minimum = config.surveys.min_responses
    definition = definition_of(config, row.survey_id)
    questions = questions_of(config, definition) if definition is not None else []
    groups = counted.groups
    kinds = units.kinds
    totals = counted.answered_in(surveys.RESPONSE_MARKER, tree.parents)
    hidden = hidden_groups(tree, totals, minimum)
    everyone = set(tree.parents) - set(hidden)
    visible_per_question: dict[str, set[str]] = {}
    for q in questions:
        answered = counted.answered_in(q.id, tree.parents)
        # Answered by every respondent in every group: the same sums, so the same groups shown.
        visible_per_question[q.id] = (
            everyone if answered == totals else shown_groups(tree, answered, minimum) - set(hidden)
        )
    numeric = [q for q in questions if q.kind is not QuestionKind.TEXT]
    bands = {q.id: INDEX_BANDS[q.index] if q.index else None for q in numeric}
    steps = {q.id: (q.values(), tuple(q.values())) for q in numeric}
    not_shown = {q.id: QuestionResult(q.id, q.kind, False) for q in questions}
    nothing: dict[str, list[int]] = {}
    free = {
        q.id: texts(q.id, visible_per_question[q.id])
        for q in questions
        if q.kind is QuestionKind.TEXT
    }
    out: list[GroupResult] = []
    for group in tree.pre_order():
        if scope is not None and group not in scope:
            continue
        parent, kind = tree.parents[group], kinds[group]
        if group in hidden:
            out.append(GroupResult(group, parent, kind, False, hidden[group], staff=None))
            continue
        results = []
        mine = groups.get(group, nothing)
        for q in questions:
            if group not in visible_per_question[q.id]:
                results.append(not_shown[q.id])
            elif q.kind is QuestionKind.TEXT:
                found = free[q.id].get(group, [])
                results.append(
                    QuestionResult(q.id, q.kind, True, answers=len(found), texts=tuple(found))
                )
            else:
                flat = mine.get(q.id)
                results.append(
                    _numeric(q, *steps[q.id], bands[q.id], flat)
                    if flat and len(flat) > 1
                    else not_shown[q.id]
                )
        people = totals[group]
        asked = staff.get(group)
        rate = 100.0 * people / asked if asked else None
        out.append(
            GroupResult(group, parent, kind, True, None, people, asked, rate, tuple(results))
        )
    return out


def _numeric(
    question: SurveyQuestion,
    steps: list[int],
    shared: tuple[int, ...],
    pair: tuple[survey_figures.Band, survey_figures.Band] | None,
    flat: list[int],
) -> QuestionResult:
    """A numeric question's result from its counts (``[answers, value, n, value, n, ...]``).

    ``steps`` are the question's values, and ``shared`` the same as the one tuple every result
    of the question holds.
    """
    values, counts = flat[1::2], flat[2::2]
    found = survey_figures.spread_figures(values, counts, pair)
    if found is None:
        return QuestionResult(question.id, question.kind, False)
    answers, low, high, total = found
    if values != steps:  # a value nobody gave: count 0
        counts = list(map(dict(zip(values, counts, strict=True)).get, steps, repeat(0)))
    if question.index is None:
        mean = total / answers if question.kind is QuestionKind.SCALE else None
        # Positional: thousands of these make a history (fields as declared).
        return QuestionResult(
            question.id, question.kind, True, answers, None, None, None, None, None, mean,
            shared, tuple(counts),
        )  # fmt: skip
    return QuestionResult(
        question.id, question.kind, True, answers, question.index, 100.0 * (high - low) / answers,
        high, answers - high - low, low, total / answers, shared, tuple(counts),
    )  # fmt: skip


def closed_rounds(session: Session, survey_id: str | None = None) -> list[SurveyRound]:
    """Closed rounds, newest first."""
    return [r for r in surveys.list_rounds(session, survey_id) if r.closed_at is not None]


def survey_history(
    session: Session,
    config: AppConfig,
    survey_id: str,
    scope_unit_ids: Iterable[str] | None = None,
) -> list[tuple[SurveyRound, list[GroupResult]]]:
    """Every closed round of a survey, oldest first, with its results (for trend charts).

    The same results as :func:`survey_results` round by round, read together: the counts kept
    at each close, the texts and the staff of all the rounds in a query each.
    """
    rounds = sorted(closed_rounds(session, survey_id), key=lambda r: surveys.aware(r.opens_at))
    if not rounds:
        return []
    ids = [r.id for r in rounds]
    units = _Units.read(session)
    parents = units.parents
    staff = survey_figures.rounds_staff(
        session, {r.id: (r.unit_ids, surveys.aware(r.closed_at or r.closes_at)) for r in rounds}
    )
    definition = definition_of(config, survey_id)
    questions = questions_of(config, definition) if definition is not None else []
    free = [q.id for q in questions if q.kind is QuestionKind.TEXT]
    found = survey_texts.rounds_texts(session, ids, free)
    chains = survey_figures.ancestry(parents)
    scope = None if scope_unit_ids is None else set(scope_unit_ids)
    trees: dict[tuple[str, ...], Tree] = {}  # rounds asking the same units share their tree
    by_id = {r.id: r for r in rounds}
    results: dict[str, list[GroupResult]] = {}
    # One round at a time, as its kept counts are read: no round's sums outlive its results.
    for round_id, counted in survey_figures.iter_rounds_counts(session, ids, parents):
        row = by_id[round_id]

        def texts(
            question_id: str, groups: set[str], round_id: str = round_id
        ) -> dict[str, list[str]]:
            return survey_texts.group_texts(found.get((round_id, question_id), []), chains, groups)

        asked = tuple(row.unit_ids)
        tree = trees.get(asked) or trees.setdefault(asked, _groups(config, units, asked))
        results[round_id] = _results(
            config, units, tree, row, counted, staff[round_id], texts, scope
        )
    return [(r, results[r.id]) for r in rounds]


__all__ = [
    "GroupResult",
    "QuestionResult",
    "ResultsNotAvailable",
    "closed_rounds",
    "definition_of",
    "questions_of",
    "survey_history",
    "survey_results",
]
