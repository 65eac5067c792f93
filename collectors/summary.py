"""A unit's or division's one-page summary of a period, and how a picture is sent.

The page has the key figures (this period, the previous one, the target, and whether the target
is met), the goals, and the units that have not reported yet. A unit's page then has its goals
in full, percent metrics against their targets and the staff survey indexes where the viewer
may see them. A division's page stays within about two phone screens however many units it
has: its goals in brief (units counted by status, those with challenges named) and at most
:data:`DIVISION_CHARTS` charts, the survey indexes first (the percent targets are in the key
figures already). Each unit's goals in full are in the interim report (``/pdf``); the other
charts (units side by side, choice distributions, trends) are one ``/chart`` away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlmodel import Session

from charts import Chart, KeyFigure, SummaryPage
from charts.data import Status
from charts.fmt import format_value
from charts.render import png_height_px
from collectors.chart_data import group_value, levels, target_bars
from collectors.chart_periods import period_title, previous_of
from collectors.chart_scope import Scope, Tree, chart_metrics, unit_text
from collectors.chart_survey import index_charts
from collectors.config import NUMERIC_KINDS, AppConfig, Area, MetricConfig
from collectors.goal_charts import goal_status_chart, scorecards
from collectors.i18n import Translator
from collectors.messages import DocumentReply, ImageReply, Outbound
from collectors.periods import Period
from storage import figures

TALL_RATIO = 2.0
"""A PNG taller than this many times its width goes as a file: Telegram shrinks photos to
1280 px on the long side, which would make a long table unreadable."""
SURVEY_ROUNDS = 4
DIVISION_CHARTS = 2
"""The most charts under a division's key figures and goals."""


def area_order(metric: MetricConfig) -> int:
    """A metric's area position, for listing metrics by area in catalog order."""
    return list(Area).index(metric.area)


def numeric_metrics(config: AppConfig, tree: Tree, group: str) -> list[MetricConfig]:
    """The numeric metrics some unit of the group reports, by area in catalog order."""
    chosen = [m for m in config.metrics if m.kind in NUMERIC_KINDS and tree.reporters(group, m)]
    return sorted(chosen, key=area_order)


def target_status(
    metric: MetricConfig, value: float | None, target: float | None, baseline: float | None
) -> Status | None:
    """``on_schedule`` when the value meets its target, ``challenges`` when not, else ``None``.

    The direction is the metric's ``better``, else the way from the baseline to the target.
    """
    if value is None or target is None:
        return None
    better = metric.better
    if better is None and baseline is not None and baseline != target:
        better = "higher" if target > baseline else "lower"
    if better is None:
        return None
    met = value >= target if better == "higher" else value <= target
    return "on_schedule" if met else "challenges"


def key_figures(
    session: Session,
    config: AppConfig,
    group: str,
    period: Period,
    previous: Period | None,
    _: Translator,
) -> tuple[KeyFigure, ...]:
    """One line per numeric metric: this period, the previous one, the target, its status."""
    tree = Tree(config)
    language = _.language
    metrics = numeric_metrics(config, tree, group)
    period_ids = [period.id] + ([previous.id] if previous is not None else [])
    found = figures.metric_figures(session, [m.id for m in metrics], [group], period_ids)
    out = []
    for metric in metrics:
        unit = unit_text(metric, language)
        value = group_value(metric, found.get((group, period.id, metric.id)))
        before = (
            group_value(metric, found.get((group, previous.id, metric.id)))
            if previous is not None
            else None
        )
        target, baseline = levels(tree, metric, group)
        out.append(
            KeyFigure(
                label=metric.name.get(language),
                value_text=format_value(value, language, unit),
                previous_text="" if before is None else format_value(before, language, unit),
                target_text="" if target is None else format_value(target, language, unit),
                status=target_status(metric, value, target, baseline),
            )
        )
    return tuple(out)


def _report_charts(
    session: Session, config: AppConfig, group: str, period: Period, _: Translator
) -> list[Chart]:
    """The goals and the percent metrics against their targets (kept short for a phone)."""
    charts: list[Chart] = list(scorecards(session, config, group, period, _))
    bars = target_bars(session, config, group, period, _)
    if bars is not None:
        charts.append(bars)
    return charts


def _division_charts(
    session: Session, config: AppConfig, scope: Scope, group: str, period: Period, _: Translator
) -> list[Chart]:
    """A division's goals in brief, then its survey indexes or else its percent targets."""
    charts: list[Chart] = []
    if scope.allows(group, survey=True):
        charts += survey_charts(session, config, group, _)
    if len(charts) < DIVISION_CHARTS:
        bars = target_bars(session, config, group, period, _)
        charts += [bars] if bars is not None else []
    goals = goal_status_chart(session, config, group, period, _)
    return ([goals] if goals is not None else []) + charts[:DIVISION_CHARTS]


def survey_charts(session: Session, config: AppConfig, group: str, _: Translator) -> list[Chart]:
    """The group's staff survey indexes over the latest rounds (suppression applied)."""
    out: list[Chart] = []
    for figure in chart_metrics(config):
        if figure.is_survey:
            out += index_charts(session, config, figure, group, SURVEY_ROUNDS, _, by_unit=False)
    return out


def summary_page(
    session: Session,
    config: AppConfig,
    scope: Scope,
    group: str,
    period: Period,
    _: Translator,
    *,
    with_charts: bool = True,
) -> SummaryPage:
    """The one-page summary of a unit or division for a period, as the viewer may see it.

    A viewer who may see only the group's survey results (a staff member) gets a page with
    the survey indexes alone.

    Args:
        session: The session.
        config: The configuration.
        scope: What the viewer may see.
        group: The unit or division.
        period: The period.
        _: The viewer's translator.
        with_charts: Whether to add charts under the key figures (the report's unit pages
            carry only the key figures and goals). A group of several reporting units gets
            the division's page (see the module's description).

    Returns:
        The page.

    Raises:
        PermissionError: When the scope allows neither the group's figures nor its surveys.
    """
    tree = Tree(config)
    language = _.language
    name = tree.name(group, language)
    if not scope.allows(group, survey=False):
        if not scope.allows(group, survey=True):
            raise PermissionError(group)
        indexes = survey_charts(session, config, group, _)
        return SummaryPage(name, _("Staff survey results"), (), tuple(indexes), (), language)
    previous = previous_of(config, period)
    reporters = tree.reporters(group)
    sent = figures.submitted_units(session, period.id, reporters)
    subtitle = period_title(period, language)
    if len(reporters) > 1:
        counted = _("{sent} of {units} reports sent", sent=len(sent), units=len(reporters))
        subtitle = f"{subtitle} · {counted}"
    charts: list[Chart] = []
    if not with_charts:
        charts = list(scorecards(session, config, group, period, _))
    elif len(reporters) > 1:
        charts = _division_charts(session, config, scope, group, period, _)
    else:
        charts = _report_charts(session, config, group, period, _)
        if scope.allows(group, survey=True):
            charts += survey_charts(session, config, group, _)
    return SummaryPage(
        title=name,
        subtitle=subtitle,
        key_figures=key_figures(session, config, group, period, previous, _),
        charts=tuple(charts),
        missing_units=tuple(tree.name(u, language) for u in reporters if u not in sent),
        locale=language,
        status_labels={"on_schedule": _("Target met"), "challenges": _("Target not met")},
    )


def fit_to_phone(page: SummaryPage, width_px: int = 1080) -> SummaryPage:
    """The page without its last charts while it is too tall for one image."""
    charts: Sequence[Chart] = page.charts
    while True:
        candidate = replace(page, charts=tuple(charts))
        try:
            png_height_px(candidate, width_px=width_px)
        except ValueError:
            if not charts:
                raise
            charts = charts[:-1]
            continue
        return candidate


def png_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or content[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def picture(content: bytes, filename: str, caption: str = "") -> Outbound:
    """A PNG as a photo, or as a file when it is too tall to read as a photo on a phone."""
    width, height = png_size(content)
    if height > TALL_RATIO * width:
        return DocumentReply(content, filename, caption, "image/png")
    return ImageReply(content, filename, caption)


__all__ = [
    "DIVISION_CHARTS",
    "TALL_RATIO",
    "fit_to_phone",
    "key_figures",
    "numeric_metrics",
    "picture",
    "png_size",
    "summary_page",
    "survey_charts",
    "target_status",
]
