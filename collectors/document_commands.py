"""``/export`` (the answers as .xlsx or CSV) and ``/pdf`` (the interim report), within scope.

Both read in the step's transaction, commit it (they write nothing) and only then build the
file, so that a long rendering never holds the database's write lock.
"""

from __future__ import annotations

from collectors.chart_periods import default_period
from collectors.chart_scope import Tree, scope_of
from collectors.command_args import read_arguments, refusal, release
from collectors.drawing import draw_pdf
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.exports import CSV_MIME, XLSX_MIME, export_csv, export_xlsx
from collectors.i18n import N_, translator
from collectors.interim_report import interim_report
from collectors.messages import DocumentReply, Outbound, TextReply
from collectors.reporting import local_today, to_period
from storage import figures, reports

REPORT_READERS = frozenset({"admin", "leader", "manager"})
PDF_MIME = "application/pdf"
FORMATS = ("csv", "xlsx")


def export_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/export [period] [unit] [csv]``: the answers in scope as .xlsx, or CSV on request."""
    _ = ctx._
    scope = scope_of(ctx.access)
    if not scope.report_units:
        raise UserError(_("Exports are for unit managers, leaders and administrators."))
    formats = [a.lower() for a in args if a.lower() in FORMATS]
    given = read_arguments(ctx, tuple(a for a in args if a.lower() not in FORMATS))
    if given.unit is not None and not scope.allows(given.unit, survey=False):
        raise refusal(ctx)
    period = given.period or default_period(ctx.session, ctx.config, ctx.now)
    units = set(scope.report_units)
    if given.unit is not None:
        units &= set(Tree(ctx.config).subtree(given.unit))
    rows = reports.export_rows(ctx.session, period.id, units, ctx.language)
    if not rows:
        text = _("No reports have been sent for {period} yet.", period=period.short_label())
        earlier = figures.latest_reported_period(ctx.session, units, period.start)
        if earlier is not None:
            text += "\n" + _(
                "The newest reports sent are for {period}: /export {id}",
                period=to_period(earlier).short_label(),
                id=earlier.id,
            )
        return [TextReply(text)]
    release(ctx)
    sent = len({r.unit_id for r in rows})
    caption = _.plural(
        "Answers of {period}: {n} report.",
        "Answers of {period}: {n} reports.",
        sent,
        period=period.short_label(),
    )
    name = f"omavalvonta-{period.id}"
    if formats and formats[-1] == "csv":
        text = "\ufeff" + export_csv(ctx.config, rows, ctx.language)  # the BOM tells Excel UTF-8
        return [DocumentReply(text.encode("utf-8"), f"{name}.csv", caption, CSV_MIME)]
    content = export_xlsx(ctx.config, rows, _)
    return [DocumentReply(content, f"{name}.xlsx", caption, XLSX_MIME)]


def pdf_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/pdf [period] [fi|sv|en] [unit]``: the interim report of the scope as a PDF."""
    _ = ctx._
    scope = scope_of(ctx.access)
    if not scope.report_units:
        raise UserError(_("The interim report is for unit managers, leaders and administrators."))
    given = read_arguments(ctx, args, languages=True)
    if given.unit is not None and not scope.allows(given.unit, survey=False):
        raise refusal(ctx)
    period = given.period or default_period(ctx.session, ctx.config, ctx.now)
    roots = [given.unit] if given.unit is not None else scope.roots(ctx.config, survey=False)
    tongue = translator(given.language or ctx.language)
    document = interim_report(
        ctx.session,
        ctx.config,
        scope,
        roots,
        period,
        tongue,
        today=local_today(ctx.config, ctx.now),
    )
    release(ctx)
    content = draw_pdf(ctx.engine, document)
    ctx.engine.count("reports_drawn")
    filename = f"omavalvonta-{period.id}-{tongue.language}.pdf"
    caption = _("Interim report for {period}", period=period.short_label())
    return [DocumentReply(content, filename, caption, PDF_MIME)]


def register(engine: Engine) -> None:
    """Add ``/export`` and ``/pdf``."""
    engine.add_command(
        Command(
            "export", N_("The period's answers as a spreadsheet"), export_command, REPORT_READERS
        )
    )
    engine.add_command(
        Command("pdf", N_("The interim report as a PDF"), pdf_command, REPORT_READERS)
    )


__all__ = ["export_command", "pdf_command", "register"]
