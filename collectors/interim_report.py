"""The interim report (osavuosikatsaus) of a scope for a period, as a :class:`ReportDocument`.

A cover; one section per report area with its charts and the managers' free-text answers
(corrective actions); one page per unit with its key figures and goals. Everything in the
requested language and limited to the viewer's scope. A metric nobody reported in the period
is named in one line instead of drawing an empty chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from charts import Chart, ReportDocument, ReportSection, SummaryPage
from collectors.chart_data import distribution_chart, has_values, paired_bars_charts, trend_chart
from collectors.chart_periods import period_span, period_title, previous_of
from collectors.chart_scope import Scope, Tree
from collectors.config import CHOICE_KINDS, NUMERIC_KINDS, AppConfig, Area, MetricConfig, MetricKind
from collectors.goal_charts import scorecards
from collectors.i18n import Translator
from collectors.periods import Period
from collectors.summary import summary_page, survey_charts
from collectors.vocabulary import AREA_NAMES
from storage import figures

TREND_PERIODS = 3
"""How many periods a single unit's trend charts in the report cover."""


def report_units(config: AppConfig, roots: Sequence[str]) -> list[str]:
    """The reporting units below the roots, each once, in configuration order."""
    tree = Tree(config)
    found = {u for root in roots for u in tree.reporters(root)}
    return [u for u in tree.order if u in found]


def _metric_charts(
    session: Session,
    config: AppConfig,
    metric: MetricConfig,
    root: str,
    period: Period,
    _: Translator,
) -> list[Chart]:
    tree = Tree(config)
    previous = previous_of(config, period)
    if metric.kind in NUMERIC_KINDS:
        if len(tree.reporters(root, metric)) == 1:
            trend = trend_chart(
                session, config, metric, root, period_span(config, period, TREND_PERIODS), _
            )
            return [trend] if has_values(trend) else []
        bars = paired_bars_charts(session, config, metric, root, period, previous, _)
        return [b for b in bars if has_values(b)]
    if metric.kind in (MetricKind.CHOICE, MetricKind.MULTI_CHOICE):
        chart, counted = distribution_chart(session, config, metric, root, period, _)
        return [chart] if counted else []
    return []


def _area_section(
    session: Session,
    config: AppConfig,
    scope: Scope,
    area: Area,
    roots: Sequence[str],
    period: Period,
    _: Translator,
) -> ReportSection | None:
    tree = Tree(config)
    language = _.language
    units = report_units(config, roots)
    metrics = [
        m
        for m in config.metrics
        if m.area is area and any(m.reported_by(u, config.unit(u).kind) for u in units)
    ]
    paragraphs: list[str] = []
    charts: list[Chart] = []
    silent: list[str] = []
    for metric in metrics:
        if metric.kind in NUMERIC_KINDS or metric.kind in CHOICE_KINDS - {MetricKind.GOAL_STATUS}:
            found = [
                chart
                for root in roots
                for chart in _metric_charts(session, config, metric, root, period, _)
            ]
            charts += found
            if not found:
                silent.append(metric.name.get(language))
    goals = [m for m in metrics if m.kind is MetricKind.GOAL_STATUS]
    for root in roots:
        charts += scorecards(session, config, root, period, _, goals) if goals else []
    texts = [m for m in metrics if m.kind is MetricKind.TEXT]
    answers = figures.text_answers(session, [m.id for m in texts], units, period.id)
    names = {m.id: m.name.get(language) for m in texts}
    for unit_id, metric_id, text in answers:
        paragraphs.append(f"{tree.name(unit_id, language)} – {names[metric_id]}: {text.strip()}")
    for metric in texts:
        if not any(m == metric.id for _u, m, _t in answers):
            paragraphs.append(
                _("No answers to “{metric}” in this period.", metric=names[metric.id])
            )
    if silent:
        paragraphs.append(_("No figures were reported for: {metrics}.", metrics=", ".join(silent)))
    if area is Area.STAFF:
        for root in roots:
            if scope.allows(root, survey=True):
                charts += survey_charts(session, config, root, _)
    if not metrics and not charts:
        return None
    return ReportSection(_(AREA_NAMES[area]), tuple(paragraphs), tuple(charts))


def interim_report(
    session: Session,
    config: AppConfig,
    scope: Scope,
    roots: Sequence[str],
    period: Period,
    _: Translator,
    *,
    today: date | None = None,
) -> ReportDocument:
    """The interim report of the roots' subtrees for a period, in ``_``'s language.

    Args:
        session: The session.
        config: The configuration.
        scope: What the reader may see; every root must be within it.
        roots: The units or divisions the report covers.
        period: The period.
        _: The translator of the report's language.
        today: The date on the cover.

    Returns:
        The document for :func:`charts.render_pdf`.

    Raises:
        PermissionError: When a root is outside the scope.
    """
    for root in roots:
        if not scope.allows(root, survey=False):
            raise PermissionError(root)
    tree = Tree(config)
    language = _.language
    units = report_units(config, roots)
    sent = figures.status_counts(session, period.id, units)
    sections = []
    for area in Area:
        section = _area_section(session, config, scope, area, roots, period, _)
        if section is not None:
            sections.append(section)
    pages: list[SummaryPage] = [
        summary_page(session, config, scope, unit, period, _, with_charts=False) for unit in units
    ]
    where = ", ".join(tree.name(root, language) for root in roots)
    return ReportDocument(
        title=_("Interim report on self-monitoring"),
        subtitle=f"{where} · {period_title(period, language)}",
        language=language,
        cover_lines=(
            config.organisation.name.get(language),
            _("Reports sent: {sent} of {units}", sent=sent.submitted, units=sent.units),
        ),
        sections=tuple(sections),
        unit_pages=tuple(pages),
        date=today,
    )


__all__ = ["TREND_PERIODS", "interim_report", "report_units"]
