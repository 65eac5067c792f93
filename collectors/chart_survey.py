"""Survey index charts (NPS, NSS) from the survey results, suppression applied.

Only :func:`collectors.survey_results.survey_history` is used: its figures are already
blanked for every group under the anonymity minimum, and such a group is drawn as "too few
answers" without numbers. Nothing here counts survey answers itself.
"""

from __future__ import annotations

from sqlmodel import Session

from charts import IndexChart, IndexRound
from collectors.chart_data import chunks
from collectors.chart_scope import ChartMetric, Tree
from collectors.config import AppConfig
from collectors.i18n import Translator
from collectors.survey_results import GroupResult, survey_history
from storage.survey_models import SurveyRound


def _round_label(row: SurveyRound) -> str:
    return row.label or row.opens_at.strftime("%m/%Y")


def _index_round(label: str, group: GroupResult | None, question_id: str) -> IndexRound:
    result = group.question(question_id) if group is not None and group.shown else None
    if result is None or not result.shown or result.index is None:
        return IndexRound(label, None, None, None, None, None, True)
    return IndexRound(
        label,
        result.index,
        result.promoters_pct,
        result.passives_pct,
        result.detractors_pct,
        result.answers,
        False,
    )


def index_charts(
    session: Session,
    config: AppConfig,
    figure: ChartMetric,
    group: str,
    rounds: int,
    _: Translator,
    *,
    by_unit: bool = True,
) -> list[IndexChart]:
    """NPS or NSS of a group per closed survey round, and by unit in the latest round.

    Only the survey results' suppression-aware figures are used: a group under the anonymity
    minimum arrives suppressed and is drawn as "too few answers", without numbers.

    Args:
        session: The session.
        config: The configuration.
        figure: A survey index figure.
        group: The unit or division.
        rounds: How many of the latest rounds.
        _: The viewer's translator.
        by_unit: Whether to add the units below the group in the latest round.

    Returns:
        The group's rounds (the last ``rounds``), then, for a group with units below it,
        those units in the latest round; empty when no closed round asked the group.
    """
    assert figure.question is not None and figure.survey_id is not None
    tree = Tree(config)
    language = _.language
    children = tree.children.get(group, []) if by_unit else []
    history = survey_history(session, config, figure.survey_id, [group, *children])
    asked = [(row, {g.unit_id: g for g in groups}) for row, groups in history if groups]
    asked = [(row, by_unit) for row, by_unit in asked if group in by_unit][-max(rounds, 1) :]
    if not asked:
        return []
    name = figure.question.label(language)
    index_name = (figure.question.index or "").upper()
    charts = [
        IndexChart(
            title=_("{metric}: {unit}", metric=name, unit=tree.name(group, language)),
            index_name=index_name,
            rounds=tuple(
                _index_round(_round_label(row), by_unit.get(group), figure.id)
                for row, by_unit in asked
            ),
            locale=language,
        )
    ]
    latest_row, latest = asked[-1]
    below = [c for c in children if c in latest]
    if below:
        title = _(
            "{metric}: {unit}, round {round}",
            metric=name,
            unit=tree.name(group, language),
            round=_round_label(latest_row),
        )
        for part_title, part in chunks(below, title, _):
            charts.append(
                IndexChart(
                    part_title,
                    index_name,
                    tuple(
                        _index_round(tree.name(c, language), latest.get(c), figure.id) for c in part
                    ),
                    language,
                )
            )
    return charts


__all__ = ["index_charts"]
