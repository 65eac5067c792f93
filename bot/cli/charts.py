"""Administrator commands that draw: ``chart``, ``report pdf`` and ``docs-images``.

The command line sees everything (an administrator's scope). Figures are read in one session,
which is closed before anything is drawn.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import click

from bot.cli import CliState, fail, pass_state
from bot.cli.admin import LANGUAGE_OPTION, language_of
from charts import Chart, render_pdf, render_png
from collectors.chart_data import distribution_chart, has_values, paired_bars_charts, trend_chart
from collectors.chart_periods import (
    MAX_SPAN,
    default_period,
    parse_period,
    period_span,
    previous_of,
)
from collectors.chart_scope import ChartMetric, Tree, find_metric, full_scope
from collectors.chart_survey import index_charts
from collectors.config import NUMERIC_KINDS, AppConfig, MetricKind
from collectors.goal_charts import scorecards
from collectors.i18n import translator
from collectors.interim_report import interim_report
from collectors.organisation import sync_units
from collectors.periods import Period
from collectors.reporting import local_today
from storage.db import Database, utcnow

KINDS = ("trend", "bars", "distribution", "scorecard", "index")


def _default_kind(figure: ChartMetric) -> str:
    metric = figure.metric
    if metric is None:
        return "index"
    if metric.kind in NUMERIC_KINDS:
        return "trend"
    if metric.kind is MetricKind.GOAL_STATUS:
        return "scorecard"
    return "distribution"


def build_charts(
    state: CliState,
    figure: ChartMetric,
    unit: str,
    kind: str,
    span: int,
    period: Period,
    language: str,
) -> list[Chart]:
    """The charts of one ``omabot chart`` call (several when long unit lists are split)."""
    config = state.config
    _ = translator(language)
    metric = figure.metric
    with state.db.session() as session:
        if kind == "index":
            if metric is not None:
                fail(f"{figure.id} is a report metric; --kind index draws survey indexes")
            return list(index_charts(session, config, figure, unit, span, _))
        if metric is None:
            fail(f"{figure.id} is a survey index; use --kind index")
        if kind in ("trend", "bars") and metric.kind not in NUMERIC_KINDS:
            fail(f"{metric.id} is a {metric.kind} metric; --kind {kind} needs a numeric one")
        if kind == "trend":
            chart = trend_chart(session, config, metric, unit, period_span(config, period, span), _)
            return [chart] if has_values(chart) else []
        if kind == "bars":
            previous = previous_of(config, period)
            found = paired_bars_charts(session, config, metric, unit, period, previous, _)
            return [c for c in found if has_values(c)]
        if kind == "distribution":
            if metric.kind not in (MetricKind.CHOICE, MetricKind.MULTI_CHOICE):
                fail(f"{metric.id} is a {metric.kind} metric; --kind distribution needs a choice")
            spread, counted = distribution_chart(session, config, metric, unit, period, _)
            return [spread] if counted else []
        goals = [
            m
            for m in config.metrics
            if m.kind is MetricKind.GOAL_STATUS and metric.id in (m.id, m.goal_for)
        ]
        if not goals:
            fail(f"no goal follows {metric.id}; --kind scorecard needs a goal_status metric")
        return list(scorecards(session, config, unit, period, _, goals))


def _period(state: CliState, period_id: str | None) -> Period:
    with state.db.session() as session:
        if period_id is None:
            return default_period(session, state.config, utcnow())
        found = parse_period(session, state.config, period_id)
    if found is None:
        fail(
            f"{period_id!r} is not a period: give its id (e.g. 2025-T2; `omabot period list`)"
            " or its dates (e.g. 1.5.-31.8.2025)"
        )
    return found


def _check_unit(config: AppConfig, unit: str) -> None:
    if unit not in Tree(config).order:
        fail(f"unknown unit {unit!r} (`omabot org show` lists them)")


@click.command("chart")
@click.argument("metric")
@click.option("--unit", "unit", required=True, help="The unit or division (its id).")
@click.option(
    "--periods",
    "span",
    type=click.IntRange(1, MAX_SPAN),
    default=6,
    show_default=True,
    help="How many periods (or survey rounds) back.",
)
@click.option(
    "--period", "period_id", default=None, help="The last period, by id or dates (default: latest)."
)
@click.option(
    "--kind", type=click.Choice(KINDS), default=None, help="Chart kind (default: by metric)."
)
@click.option("--width", type=click.IntRange(320, 4000), default=1080, show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@LANGUAGE_OPTION
@pass_state
def chart_command(
    state: CliState,
    metric: str,
    unit: str,
    span: int,
    period_id: str | None,
    kind: str | None,
    width: int,
    out: Path,
    language: str | None,
) -> None:
    """Draw METRIC (a metric id or name, or nps/nss) for a unit as a PNG."""
    figure = find_metric(state.config, metric)
    if figure is None:
        fail(f"unknown metric {metric!r} (`omabot catalog show` lists them; nps, nss for surveys)")
    _check_unit(state.config, unit)
    period = _period(state, period_id)
    chosen = kind or _default_kind(figure)
    charts = build_charts(state, figure, unit, chosen, span, period, language_of(state, language))
    if not charts:
        fail(f"nothing to draw: no figures of {figure.id} for {unit} up to {period.id}")
    for number, chart in enumerate(charts, start=1):
        path = out if number == 1 else out.with_name(f"{out.stem}-{number}{out.suffix}")
        path.write_bytes(render_png(chart, width_px=width))
        click.echo(f"wrote {path}")


@click.group("report")
def report_group() -> None:
    """The interim report (osavuosikatsaus)."""


@report_group.command("pdf")
@click.option("--period", "period_id", required=True, help="The period: 2025-T2 or 1.5.-31.8.2025.")
@click.option("--unit", "unit", default=None, help="Only this unit or division (default: all).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@LANGUAGE_OPTION
@pass_state
def report_pdf(
    state: CliState, period_id: str, unit: str | None, out: Path, language: str | None
) -> None:
    """Write the interim report of a period as a PDF (cover, areas, one page per unit)."""
    config = state.config
    _ = translator(language_of(state, language))
    roots = [unit] if unit is not None else [Tree(config).order[0]]
    for root in roots:
        _check_unit(config, root)
    period = _period(state, period_id)
    with state.db.session() as session:
        document = interim_report(
            session,
            config,
            full_scope(config),
            roots,
            period,
            _,
            today=local_today(config, utcnow()),
        )
    out.write_bytes(render_pdf(document))
    click.echo(f"wrote {out}")


@click.command("docs-images")
@click.option(
    "--out",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    show_default=True,
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(("fi", "sv", "en")),
    default="en",
    show_default=True,
    help="Language of the images.",
)
@pass_state
def docs_images(state: CliState, folder: Path, language: str) -> None:
    """Draw the README's example images from demo data seeded into a throwaway database."""
    from bot.cli.docs_images import seed_history, write_images

    config = state.config
    first = config.periods.first_year
    today = date(max(first + 1, 2025), 9, 10)
    with tempfile.TemporaryDirectory(prefix="omabot-docs-") as temporary:
        database = Database(f"sqlite:///{Path(temporary) / 'docs.db'}")
        try:
            database.upgrade()
            with database.session() as session:
                sync_units(session, config)
                seeded = seed_history(session, config, today, language)
            with database.session() as session:
                written = write_images(session, config, seeded, folder, language)
        finally:
            database.dispose()
    for path in written:
        click.echo(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def register(group: click.Group) -> None:
    """Add ``chart``, ``report pdf`` and ``docs-images`` to ``group``."""
    for command in (chart_command, report_group, docs_images):
        group.add_command(command)


__all__ = ["build_charts", "register"]
