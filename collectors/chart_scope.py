"""What a chart may show: scopes, the organisation tree and the chartable figures (the
periods it spans are :mod:`collectors.chart_periods`).

Every chart, summary, export and report is limited to a :class:`Scope` resolved on the server
side from the person's grants (:func:`scope_of`): a leader sees their subtree, a manager their
units, an administrator everything; a staff member only their unit's survey results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from collectors.access import Access
from collectors.config import (
    CHOICE_KINDS,
    LANGUAGES,
    NUMERIC_KINDS,
    AppConfig,
    MetricConfig,
    MetricKind,
)
from collectors.i18n import Translator
from collectors.survey_config import SurveyQuestion, question_catalog
from collectors.vocabulary import GOAL_STATUS_NAMES, MIN_PREFIX, folded


@dataclass(frozen=True)
class Scope:
    """What a person may see.

    Attributes:
        report_units: Units whose report figures may be seen (with nothing implied below).
        survey_units: Groups whose survey results may be seen (suppression still applies).
    """

    report_units: frozenset[str]
    survey_units: frozenset[str]

    def allows(self, unit_id: str, *, survey: bool) -> bool:
        """Whether the unit's report figures (or survey results) may be seen."""
        return unit_id in (self.survey_units if survey else self.report_units)

    def roots(self, config: AppConfig, *, survey: bool) -> list[str]:
        """The tops of the visible part of the tree, in configuration order."""
        allowed = self.survey_units if survey else self.report_units
        parents = {u.id: u.parent for u in config.organisation.units}
        return [
            u.id
            for u in config.organisation.units
            if u.id in allowed and parents.get(u.id) not in allowed
        ]


def scope_of(access: Access) -> Scope:
    """A person's scope from their active grants."""
    visible = frozenset(access.visible_units())
    return Scope(visible, visible | frozenset(access.staff_units()))


def full_scope(config: AppConfig) -> Scope:
    """Everything (for administrators' command line use)."""
    every = frozenset(u.id for u in config.organisation.units)
    return Scope(every, every)


class Tree:
    """The configured organisation tree, in configuration order."""

    def __init__(self, config: AppConfig) -> None:
        self.config = config
        self.order = [u.id for u in config.organisation.units]
        self.position = {unit_id: i for i, unit_id in enumerate(self.order)}
        self.parent = {u.id: u.parent for u in config.organisation.units}
        self.children: dict[str, list[str]] = {}
        for unit in config.organisation.units:
            if unit.parent is not None:
                self.children.setdefault(unit.parent, []).append(unit.id)

    def index(self, unit_id: str) -> int:
        """The unit's position in the configuration (used in button data)."""
        return self.position[unit_id]

    def at(self, position: str) -> str | None:
        """The unit at a position given as text, or ``None`` for anything else."""
        if not position.isdecimal() or int(position) >= len(self.order):
            return None
        return self.order[int(position)]

    def subtree(self, root: str) -> list[str]:
        """The root and every unit below it, in configuration order."""
        if root not in self.position:
            return []
        found = {root}
        waiting = [root]
        while waiting:
            for child in self.children.get(waiting.pop(), ()):
                if child not in found:
                    found.add(child)
                    waiting.append(child)
        return sorted(found, key=self.position.__getitem__)

    def name(self, unit_id: str, language: str) -> str:
        """The unit's name in a language."""
        return self.config.unit(unit_id).name.get(language)

    def reporters(self, group: str, metric: MetricConfig | None = None) -> list[str]:
        """Units in the group that report ``metric`` (or any metric), in configuration order."""
        out = []
        for unit_id in self.subtree(group):
            kind = self.config.unit(unit_id).kind
            if metric is None:
                if self.config.metrics_for(unit_id):
                    out.append(unit_id)
            elif metric.reported_by(unit_id, kind):
                out.append(unit_id)
        return out


@dataclass(frozen=True)
class ChartMetric:
    """A figure that can be charted: a report metric or a survey index question.

    Attributes:
        key: A short key for button data: ``m<n>`` (n-th metric) or ``s<n>`` (n-th index
            question of the surveys).
        id: The metric id, or the survey question id.
        metric: The report metric, for report figures.
        survey_id: The survey, for survey figures.
        question: The index question, for survey figures.
    """

    key: str
    id: str
    metric: MetricConfig | None = None
    survey_id: str | None = None
    question: SurveyQuestion | None = None

    @property
    def is_survey(self) -> bool:
        """Whether the figure comes from the anonymous staff surveys."""
        return self.question is not None

    def name(self, language: str) -> str:
        """The figure's name in a language."""
        if self.metric is not None:
            return self.metric.name.get(language)
        assert self.question is not None
        return self.question.label(language)


CHARTABLE_KINDS = NUMERIC_KINDS | CHOICE_KINDS


def chart_metrics(config: AppConfig) -> list[ChartMetric]:
    """Every chartable figure: numeric, choice and goal metrics, then survey indexes."""
    out = [
        ChartMetric(f"m{n}", metric.id, metric=metric)
        for n, metric in enumerate(config.metrics)
        if metric.kind in CHARTABLE_KINDS
    ]
    catalog = question_catalog(config.surveys.questions)
    number = 0
    for definition in config.surveys.definitions:
        for question_id in definition.questions:
            question = catalog.get(question_id)
            if question is not None and question.index is not None:
                out.append(
                    ChartMetric(
                        f"s{number}",
                        question.id,
                        survey_id=definition.id,
                        question=question,
                    )
                )
                number += 1
    return out


def find_metric(config: AppConfig, token: str) -> ChartMetric | None:
    """A chartable figure by key (``m3``), metric id, question id, ``survey.question`` or
    name (see :func:`match_figures`); ``None`` for none or several."""
    found, _used = match_figures(chart_metrics(config), [token])
    return found[0] if len(found) == 1 else None


def match_figures(
    candidates: Sequence[ChartMetric], words: Sequence[str]
) -> tuple[list[ChartMetric], int]:
    """The figures a command's first words name, and how many of the words that took.

    A key or id in the first word; else a figure's whole name in any language, the most
    words first (``/chart sick leave kotihoito-a``), case and spacing aside; else the names
    that begin with the words (at least :data:`MIN_PREFIX` letters), which may be several.
    Nothing found gives ``([], 0)``.
    """
    if not words:
        return [], 0
    token = words[0].strip().lower()
    for figure in candidates:
        if token == figure.key or token == figure.id:
            return [figure], 1
        if figure.is_survey and token == f"{figure.survey_id}.{figure.id}":
            return [figure], 1
    names = [(f, {folded(f.name(language)) for language in LANGUAGES}) for f in candidates]
    for size in range(len(words), 0, -1):
        typed = folded(" ".join(words[:size]))
        whole = [f for f, known in names if typed in known]
        if whole:
            return whole[:1], size
    for size in range(len(words), 0, -1):
        typed = folded(" ".join(words[:size]))
        if len(typed) >= MIN_PREFIX:
            begun = [f for f, known in names if any(n.startswith(typed) for n in known)]
            if begun:
                return begun, size
    return [], 0


# values as drawn ---------------------------------------------------------------------------
def is_total(metric: MetricConfig) -> bool:
    """Whether a group's figure is the sum of its units' values (counts) or their mean."""
    return metric.kind is MetricKind.COUNT


def unit_text(metric: MetricConfig, language: str) -> str:
    """The unit drawn after a metric's values: ``%``, ``min`` for durations, or its label."""
    if metric.kind is MetricKind.PERCENT:
        return "%"
    if metric.kind is MetricKind.DURATION:
        return "min"
    return metric.unit.get(language) if metric.unit is not None else ""


def drawn(metric: MetricConfig, value: float | None) -> float | None:
    """A stored value as drawn: durations (stored in seconds) in minutes."""
    if value is None:
        return None
    if metric.kind is MetricKind.DURATION:
        return round(value / 60.0, 2)
    return value


def status_words(_: Translator) -> dict[str, str]:
    """Goal status -> localized word, for scorecards and key figures."""
    return {key: _(name) for key, name in GOAL_STATUS_NAMES.items()}


__all__ = [
    "ChartMetric",
    "Scope",
    "Tree",
    "chart_metrics",
    "drawn",
    "find_metric",
    "full_scope",
    "is_total",
    "match_figures",
    "scope_of",
    "status_words",
    "unit_text",
]
