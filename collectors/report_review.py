"""The period report's end: the review of every answer, and sending the report.

:class:`collectors.report.ReportFlow` asks the questions; these two steps read the whole
draft and are kept here, each given the conversation's state, its submission and its metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from collectors.config import MetricConfig
from collectors.date_text import day_text
from collectors.engine import Ctx, UserError
from collectors.messages import Outbound, TextReply
from collectors.report_screens import missing_required, review_screen, thanks
from collectors.reporting import find_period
from storage import reports
from storage.models import Submission
from storage.reports import SubmissionHead

KIND = "report"
"""The conversation kind of the period report, kept with its state."""


def review(
    ctx: Ctx, state: dict[str, Any], head: SubmissionHead, metrics: Sequence[MetricConfig]
) -> list[Outbound]:
    """Show every answer, numbered; the conversation waits at the review."""
    _ = ctx._
    state["stage"] = "review"
    state["edit"] = False
    state["selected"] = []
    ctx.save(KIND, state)
    unit_name = ctx.access.units[state["unit"]].name(ctx.language)
    period = find_period(ctx.session, ctx.config, state["period"])
    title = _("Review: {unit}, {period}", unit=unit_name, period=period.short_label())
    answers = reports.answer_values(ctx.session, head.id)
    return [review_screen(ctx, title, metrics, answers, corrections=head.sent_before)]


def submit(
    ctx: Ctx, state: dict[str, Any], submission: Submission, metrics: Sequence[MetricConfig]
) -> list[Outbound]:
    """Send the report, unless its period has closed or a required answer is missing."""
    _ = ctx._
    assert submission.id is not None
    period = find_period(ctx.session, ctx.config, state["period"])
    if not period.is_open(ctx.now, ctx.config.tz):
        ctx.end()
        raise UserError(
            _("The deadline of this period has passed; the report can no longer be changed.")
        )
    answers = reports.answer_values(ctx.session, submission.id)
    missing = missing_required(metrics, answers)
    corrected = submission.first_submitted_at is not None
    if missing:
        text = _(
            "Some required answers are missing: {names}. Answer them, or mark them not available.",
            names="; ".join(m.name.get(ctx.language) for m in missing),
        )
        head = SubmissionHead(submission.id, corrected)
        return [TextReply(text), *review(ctx, state, head, metrics)]
    reports.mark_submitted(
        ctx.session, submission, person_id=ctx.person_id, role="manager", now=ctx.now
    )
    ctx.end()
    ctx.engine.count("reports_submitted")
    unit_name = ctx.access.units[state["unit"]].name(ctx.language)
    deadline = day_text(period.deadline, ctx.language)
    replies = thanks(ctx, unit_name, period.short_label(), deadline, corrected)
    for hook in ctx.engine.after_submit:
        replies.extend(hook(ctx, submission.id))
    return replies


__all__ = ["KIND", "review", "submit"]
