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

from collections.abc import Iterable
from dataclasses import dataclass

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
from storage import survey_figures, surveys
from storage.models import Unit
from storage.survey_models import SurveyRound


class ResultsNotAvailable(Exception):
    """The round does not exist, or it is still open (results only after the close)."""


@dataclass(frozen=True)
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
        distribution: ``(value, count)`` for every value of a scale or choice position.
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
    distribution: tuple[tuple[int, int], ...] = ()
    texts: tuple[str, ...] = ()

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


@dataclass(frozen=True)
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


def _groups(config: AppConfig, units: dict[str, Unit], asked: Iterable[str]) -> Tree:
    """The asked units and their ancestors, in the configuration's order."""
    parents: dict[str, str | None] = {}
    for unit_id in asked:
        node: str | None = unit_id
        while node is not None and node in units and node not in parents:
            parents[node] = units[node].parent_id
            node = units[node].parent_id
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
    minimum = config.surveys.min_responses
    definition = definition_of(config, row.survey_id)
    questions = questions_of(config, definition) if definition is not None else []
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    tree = _groups(config, units, row.unit_ids)
    counted = survey_figures.round_counts(session, round_id)  # the round's answers, read once
    counts = counted.given
    totals = {g: counts.get((g, surveys.RESPONSE_MARKER), 0) for g in tree.parents}
    hidden = hidden_groups(tree, totals, minimum)
    visible_per_question = {
        q.id: shown_groups(tree, {g: counts.get((g, q.id), 0) for g in tree.parents}, minimum)
        - set(hidden)
        for q in questions
    }
    numeric = [q for q in questions if q.kind is not QuestionKind.TEXT]
    figures = counted.scale_figures(
        {q.id: INDEX_BANDS[q.index] if q.index else None for q in numeric}
    )
    spread = counted.values if numeric else {}
    free = {
        q.id: survey_figures.texts(session, round_id, q.id, visible_per_question[q.id])
        for q in questions
        if q.kind is QuestionKind.TEXT
    }
    staff = survey_figures.staff_by_group(session, row.unit_ids, surveys.aware(row.closed_at))
    scope = None if scope_unit_ids is None else set(scope_unit_ids)
    out: list[GroupResult] = []
    for group in tree.pre_order():
        if scope is not None and group not in scope:
            continue
        parent, kind = tree.parents[group], units[group].kind
        if group in hidden:
            out.append(GroupResult(group, parent, kind, False, hidden[group], staff=None))
            continue
        results = []
        for q in questions:
            if group not in visible_per_question[q.id]:
                results.append(QuestionResult(q.id, q.kind, False))
            elif q.kind is QuestionKind.TEXT:
                found = free[q.id].get(group, [])
                results.append(
                    QuestionResult(q.id, q.kind, True, answers=len(found), texts=tuple(found))
                )
            else:
                results.append(
                    _numeric(q, figures.get((group, q.id)), spread.get((group, q.id), {}))
                )
        people = totals[group]
        asked = staff.get(group)
        rate = 100.0 * people / asked if asked else None
        out.append(
            GroupResult(group, parent, kind, True, None, people, asked, rate, tuple(results))
        )
    return out


def _numeric(
    question: SurveyQuestion, figures: survey_figures.ScaleFigures | None, spread: dict[int, int]
) -> QuestionResult:
    if figures is None:
        return QuestionResult(question.id, question.kind, False)
    distribution = tuple((v, spread.get(v, 0)) for v in question.values())
    if question.index is None:
        return QuestionResult(
            question.id,
            question.kind,
            True,
            answers=figures.answers,
            mean=figures.mean if question.kind is QuestionKind.SCALE else None,
            distribution=distribution,
        )
    return QuestionResult(
        question.id,
        question.kind,
        True,
        answers=figures.answers,
        index_kind=question.index,
        index=figures.index,
        promoters=figures.high,
        passives=figures.answers - figures.high - figures.low,
        detractors=figures.low,
        mean=figures.mean,
        distribution=distribution,
    )


def closed_rounds(session: Session, survey_id: str | None = None) -> list[SurveyRound]:
    """Closed rounds, newest first."""
    return [r for r in surveys.list_rounds(session, survey_id) if r.closed_at is not None]


def survey_history(
    session: Session,
    config: AppConfig,
    survey_id: str,
    scope_unit_ids: Iterable[str] | None = None,
) -> list[tuple[SurveyRound, list[GroupResult]]]:
    """Every closed round of a survey, oldest first, with its results (for trend charts)."""
    scope = None if scope_unit_ids is None else list(scope_unit_ids)
    rounds = sorted(closed_rounds(session, survey_id), key=lambda r: surveys.aware(r.opens_at))
    return [(r, survey_results(session, config, r.id, scope)) for r in rounds]


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
