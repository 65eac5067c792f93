"""``/chart`` and ``/summary``, and the summary after every report.

``/chart`` asks for the figure, the scope and the span with global buttons whose data is
``ch:<step>:<figure key>:<unit position>[:<span>:<period id>]`` (a few bytes; see
:mod:`collectors.chart_scope`; either of the last two may be empty): a span or period the
command named already goes with the buttons that ask for the rest, so that ``/chart
sick_leave 2025-T1`` asks only for the unit. Every press is checked again on the server: a
figure or unit outside the person's scope is refused whatever the button says. The quick form
``/chart sick_leave kotihoito-kajaani 6`` skips the buttons. ``/export`` and ``/pdf`` live in
:mod:`collectors.document_commands`; :func:`register` adds them too.

The figures are read in the step's transaction, which is then committed before anything is
drawn (these commands only read), so that a long drawing never holds the database's write lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from charts import Chart
from collectors import document_commands
from collectors.chart_data import distribution_chart, has_values, paired_bars_charts, trend_chart
from collectors.chart_periods import (
    MAX_SPAN,
    default_period,
    parse_period,
    period_span,
    previous_of,
)
from collectors.chart_scope import (
    ChartMetric,
    Scope,
    Tree,
    chart_metrics,
    match_figures,
    scope_of,
)
from collectors.chart_survey import index_charts
from collectors.command_args import read_arguments, refusal, release
from collectors.config import NUMERIC_KINDS, MetricKind
from collectors.drawing import draw_png
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.goal_charts import scorecards
from collectors.i18n import N_
from collectors.messages import Option, Outbound, TextReply
from collectors.periods import Period
from collectors.reporting import find_period
from collectors.summary import fit_to_phone, picture, summary_page
from storage.models import Submission

log = logging.getLogger(__name__)

PREFIX = "ch"
SPANS = (3, 6, 9, 12)
DEFAULT_SPAN = 6
MAX_UNIT_BUTTONS = 30
MAX_PERIOD_ID_ON_BUTTON = 16
"""Longer ids (periods opened by hand) would not fit in a button's 64 bytes: not carried."""
EVERYONE = frozenset({"admin", "leader", "manager", "staff"})


def available(ctx: Ctx, scope: Scope) -> list[ChartMetric]:
    """The figures a person may chart: report metrics of their units, survey indexes."""
    tree = Tree(ctx.config)
    roots = scope.roots(ctx.config, survey=False)
    out = []
    for figure in chart_metrics(ctx.config):
        if figure.is_survey:
            if scope.survey_units:
                out.append(figure)
        elif figure.metric is not None and any(tree.reporters(r, figure.metric) for r in roots):
            out.append(figure)
    return out


def _figure(ctx: Ctx, scope: Scope, key: str) -> ChartMetric:
    figure = next((f for f in available(ctx, scope) if f.key == key), None)
    if figure is None:
        raise refusal(ctx)
    return figure


def _unit(ctx: Ctx, scope: Scope, position: str, figure: ChartMetric) -> str:
    unit = Tree(ctx.config).at(position)
    if unit is None or not scope.allows(unit, survey=figure.is_survey):
        raise refusal(ctx)
    return unit


# /chart ------------------------------------------------------------------------------------
def chart_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/chart [figure [unit] [periods] [period]]``; the figure by key, id or name."""
    _ = ctx._
    scope = scope_of(ctx.access)
    figures = available(ctx, scope)
    if not figures:
        raise UserError(_("There are no figures you could chart."))
    if not args:
        options = tuple(Option(f.name(ctx.language), f"{PREFIX}:m:{f.key}") for f in figures)
        return [TextReply(_("Which figure do you want to see?"), options, 2)]
    found, used = match_figures(figures, args)
    if not found:
        raise UserError(
            _("I do not know the figure “{name}”. Type /chart to choose.", name=args[0][:40])
        )
    given = read_arguments(ctx, args[used:], spans=True)
    if len(found) > 1:
        end = Given(given.span, given.period).suffix() if given.unit is None else ""
        options = tuple(Option(f.name(ctx.language), f"{PREFIX}:m:{f.key}{end}") for f in found)
        return [TextReply(_("Which of these figures do you mean?"), options, 2)]
    figure = found[0]
    if given.unit is None:
        return _ask_scope(ctx, scope, figure, Given(given.span, given.period))
    if not scope.allows(given.unit, survey=figure.is_survey):
        raise refusal(ctx)
    return _draw(ctx, figure, given.unit, given.span or DEFAULT_SPAN, given.period)


@dataclass(frozen=True)
class Given:
    """What ``/chart`` was told already besides the figure: carried on the buttons."""

    span: int | None = None
    period: Period | None = None

    def suffix(self, *, span: bool = True) -> str:
        """The button data's end: ``:<span>:<period id>``, each part empty when not given."""
        period = self.period.id if self.period is not None else ""
        period = period if len(period) <= MAX_PERIOD_ID_ON_BUTTON else ""
        shown = f"{self.span or ''}:" if span else ""
        return f":{shown}{period}" if self.span or period else ""


def _given(ctx: Ctx, parts: list[str]) -> Given:
    """The span and period at the end of a button's data (see :meth:`Given.suffix`)."""
    number = parts[0] if parts else ""
    period_id = parts[1] if len(parts) > 1 else ""
    period = parse_period(ctx.session, ctx.config, period_id) if period_id else None
    chosen = min(max(int(number), 1), MAX_SPAN) if number.isdecimal() else None
    return Given(chosen, period)


def _ask_scope(ctx: Ctx, scope: Scope, figure: ChartMetric, given: Given) -> list[Outbound]:
    tree = Tree(ctx.config)
    roots = scope.roots(ctx.config, survey=figure.is_survey)
    if figure.metric is not None:
        roots = [r for r in roots if tree.reporters(r, figure.metric)]
    if len(roots) == 1:
        return _ask_node(ctx, scope, figure, roots[0], given)
    end = given.suffix()
    options = tuple(
        Option(tree.name(r, ctx.language), f"{PREFIX}:s:{figure.key}:{tree.index(r)}{end}")
        for r in roots[:MAX_UNIT_BUTTONS]
    )
    return [TextReply(ctx._("Which unit or division?"), options, 2)]


def _ask_node(
    ctx: Ctx, scope: Scope, figure: ChartMetric, unit: str, given: Given
) -> list[Outbound]:
    tree = Tree(ctx.config)
    kids = [
        c
        for c in tree.children.get(unit, [])
        if scope.allows(c, survey=figure.is_survey)
        and (figure.metric is None or tree.reporters(c, figure.metric))
    ]
    if not kids:
        return _ask_span(ctx, figure, unit, given)
    name = tree.name(unit, ctx.language)
    end = given.suffix()
    everything = f"{PREFIX}:u:{figure.key}:{tree.index(unit)}{end}"
    options = [Option(ctx._("All of {unit}", unit=name), everything)]
    options += [
        Option(tree.name(c, ctx.language), f"{PREFIX}:s:{figure.key}:{tree.index(c)}{end}")
        for c in kids[:MAX_UNIT_BUTTONS]
    ]
    return [TextReply(ctx._("Which unit or division?"), tuple(options), 2)]


def _ask_span(ctx: Ctx, figure: ChartMetric, unit: str, given: Given) -> list[Outbound]:
    _ = ctx._
    metric = figure.metric
    if metric is not None and metric.kind not in NUMERIC_KINDS:
        return _draw(ctx, figure, unit, DEFAULT_SPAN, given.period)  # one period or one year
    if given.span is not None:
        return _draw(ctx, figure, unit, given.span, given.period)
    position = Tree(ctx.config).index(unit)
    end = given.suffix(span=False)
    options = tuple(
        Option(
            _.plural("{n} round", "{n} rounds", n)
            if figure.is_survey
            else _.plural("{n} period", "{n} periods", n),
            f"{PREFIX}:n:{figure.key}:{position}:{n}{end}",
        )
        for n in SPANS
    )
    return [TextReply(_("How far back?"), options, len(SPANS))]


def _charts(ctx: Ctx, figure: ChartMetric, unit: str, span: int, period: Period) -> list[Chart]:
    _, session, config = ctx._, ctx.session, ctx.config
    metric = figure.metric
    if metric is None:
        return list(index_charts(session, config, figure, unit, span, _))
    if metric.kind in NUMERIC_KINDS:
        trend = trend_chart(session, config, metric, unit, period_span(config, period, span), _)
        if not has_values(trend):
            return []
        out: list[Chart] = [trend]
        if len(Tree(config).reporters(unit, metric)) > 1:
            previous = previous_of(config, period)
            bars = paired_bars_charts(session, config, metric, unit, period, previous, _)
            out += [b for b in bars if has_values(b)]
        return out
    if metric.kind is MetricKind.GOAL_STATUS:
        return list(scorecards(session, config, unit, period, _, [metric]))
    chart, counted = distribution_chart(session, config, metric, unit, period, _)
    return [chart] if counted else []


def _draw(
    ctx: Ctx, figure: ChartMetric, unit: str, span: int, period: Period | None
) -> list[Outbound]:
    _ = ctx._
    chosen = period or default_period(ctx.session, ctx.config, ctx.now)
    charts = _charts(ctx, figure, unit, span, chosen)
    name = Tree(ctx.config).name(unit, ctx.language)
    if not charts:
        text = _(
            "Nothing to draw yet: no figures of “{figure}” for {unit} up to {period}.",
            figure=figure.name(ctx.language),
            unit=name,
            period=chosen.short_label(),
        )
        return [TextReply(text)]
    release(ctx)
    ctx.engine.count("charts_sent", len(charts))
    return [
        picture(draw_png(ctx.engine, chart), f"{figure.id}-{unit}-{n + 1}.png", chart.title)
        for n, chart in enumerate(charts)
    ]


def chart_button(ctx: Ctx, data: str) -> list[Outbound]:
    """A ``ch:`` button: re-check the figure and unit against the scope, then go on."""
    scope = scope_of(ctx.access)
    parts = data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    if action == "m" and len(parts) in (3, 5):
        return _ask_scope(ctx, scope, _figure(ctx, scope, parts[2]), _given(ctx, parts[3:]))
    if action in ("s", "u") and len(parts) in (4, 6):
        figure = _figure(ctx, scope, parts[2])
        unit = _unit(ctx, scope, parts[3], figure)
        given = _given(ctx, parts[4:])
        if action == "s":
            return _ask_node(ctx, scope, figure, unit, given)
        return _ask_span(ctx, figure, unit, given)
    if action == "n" and len(parts) in (5, 6) and parts[4].isdecimal():
        figure = _figure(ctx, scope, parts[2])
        unit = _unit(ctx, scope, parts[3], figure)
        given = _given(ctx, parts[4:])
        return _draw(ctx, figure, unit, given.span or DEFAULT_SPAN, given.period)
    if action == "y" and len(parts) in (3, 4):
        group = Tree(ctx.config).at(parts[2])
        if group is None or not (
            scope.allows(group, survey=False) or scope.allows(group, survey=True)
        ):
            raise refusal(ctx)
        period = parse_period(ctx.session, ctx.config, parts[3]) if len(parts) == 4 else None
        return _summary(ctx, scope, group, period)
    return [TextReply(ctx._("That button is no longer in use."))]


# /summary ----------------------------------------------------------------------------------
def summary_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/summary [unit] [period]``."""
    _ = ctx._
    scope = scope_of(ctx.access)
    if not scope.report_units and not scope.survey_units:
        raise UserError(_("There is nothing you could see a summary of."))
    given = read_arguments(ctx, args)
    unit, period = given.unit, given.period
    if unit is None:
        roots = scope.roots(ctx.config, survey=not scope.report_units)
        if len(roots) != 1:
            tree = Tree(ctx.config)
            suffix = Given(period=period).suffix(span=False)
            options = tuple(
                Option(tree.name(r, ctx.language), f"{PREFIX}:y:{tree.index(r)}{suffix}")
                for r in roots[:MAX_UNIT_BUTTONS]
            )
            return [TextReply(_("Which unit or division?"), options, 2)]
        unit = roots[0]
    if not (scope.allows(unit, survey=False) or scope.allows(unit, survey=True)):
        raise refusal(ctx)
    return _summary(ctx, scope, unit, period)


def _summary(ctx: Ctx, scope: Scope, unit: str, period: Period | None) -> list[Outbound]:
    _ = ctx._
    tree = Tree(ctx.config)
    chosen = period or default_period(ctx.session, ctx.config, ctx.now)
    page = summary_page(ctx.session, ctx.config, scope, unit, chosen, _)
    name = tree.name(unit, ctx.language)
    if not page.key_figures and not page.charts:
        return [TextReply(_("Nothing to show for {unit} yet.", unit=name))]
    kids = [c for c in tree.children.get(unit, []) if scope.allows(c, survey=False)]
    release(ctx)
    png = draw_png(ctx.engine, fit_to_phone(page))
    caption = _("Summary of {unit} for {period}", unit=name, period=chosen.short_label())
    replies: list[Outbound] = [picture(png, f"summary-{unit}-{chosen.id}.png", caption)]
    if kids:
        named = Given(period=chosen).suffix(span=False)
        options = tuple(
            Option(tree.name(c, ctx.language), f"{PREFIX}:y:{tree.index(c)}{named}")
            for c in kids[:MAX_UNIT_BUTTONS]
        )
        replies.append(TextReply(_("The summary of one of its units:"), options, 2))
    return replies


def summary_after_submit(ctx: Ctx, submission_id: int) -> list[Outbound]:
    """After a report is sent: the unit's summary of the period, as a picture.

    The report is committed before the drawing, so that no lock is held while it renders
    (on SQLite everyone else's answer would wait). A failure to draw never undoes the report:
    it is logged and the picture left out.
    """
    try:
        with ctx.session.begin_nested():
            submission = ctx.session.get(Submission, submission_id)
            if submission is None or not ctx.access.can_see(submission.unit_id):
                return []
            period = find_period(ctx.session, ctx.config, submission.period_id)
            unit = submission.unit_id
            page = summary_page(ctx.session, ctx.config, scope_of(ctx.access), unit, period, ctx._)
    except Exception:
        log.exception("could not gather the summary of submission %s", submission_id)
        return []
    release(ctx)  # storing the report itself: a failure here is the step's, never swallowed
    try:
        png = draw_png(ctx.engine, fit_to_phone(page))
    except Exception:
        log.exception("could not draw the summary of submission %s", submission_id)
        return []
    caption = ctx._(
        "{unit}, {period}: this period against the last one and the targets.",
        unit=Tree(ctx.config).name(unit, ctx.language),
        period=period.short_label(),
    )
    return [picture(png, f"summary-{unit}-{period.id}.png", caption)]


def register(engine: Engine) -> None:
    """Add ``/chart``, ``/summary``, ``/export``, ``/pdf`` and the summary after each report."""
    engine.add_command(
        Command("chart", N_("Draw a figure over time or across units"), chart_command, EVERYONE)
    )
    engine.add_command(
        Command(
            "summary", N_("A one-page summary of a unit or division"), summary_command, EVERYONE
        )
    )
    document_commands.register(engine)
    engine.add_choice(PREFIX, chart_button)
    engine.after_submit.append(summary_after_submit)


__all__ = [
    "PREFIX",
    "available",
    "chart_button",
    "chart_command",
    "register",
    "summary_after_submit",
    "summary_command",
]
