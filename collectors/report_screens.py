"""What each step of the period report shows: a question with its buttons, the review.

The conversation logic lives in :mod:`collectors.report`; these functions only render a step
whose state is already saved (buttons are bound to that step with ``ctx.step_data``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from collectors.config import MetricConfig, MetricKind
from collectors.date_text import day_text
from collectors.engine import Ctx
from collectors.messages import Option, Outbound, TextReply
from collectors.periods import Period
from collectors.report_text import (
    choice_ids,
    choice_label,
    question_text,
    review_lines,
    show_answer,
)
from storage.reports import AnswerValue

BUTTON_VALUE_LENGTH = 40
"""Longest answer shown on a button ("Keep: …", "Same as last period: …"), in characters."""


def question_screen(
    ctx: Ctx,
    metrics: Sequence[MetricConfig],
    index: int,
    *,
    previous: AnswerValue | None,
    current: AnswerValue | None = None,
    selected: Sequence[str],
    editing: bool,
    in_place: bool = False,
) -> TextReply:
    """Question ``index``: its text, its choices and the controls that apply to it.

    ``current``: the answer already given, when the question is asked again (shown, and kept
    with a button). ``in_place``: shown instead of the pressed message, where the transport can.
    """
    _ = ctx._
    metric = metrics[index]
    text = question_text(
        metric,
        position=index + 1,
        total=len(metrics),
        previous=previous,
        current=current,
        selected=selected,
        _=_,
    )
    options: list[Option] = []
    columns = 1
    if metric.kind in (MetricKind.CHOICE, MetricKind.GOAL_STATUS):
        columns = 2
        for n, choice in enumerate(choice_ids(metric)):
            options.append(Option(choice_label(metric, choice, _), ctx.step_data(f"c:{n}")))
    elif metric.kind is MetricKind.MULTI_CHOICE:
        columns = 2
        for n, choice in enumerate(choice_ids(metric)):
            mark = "✓ " if choice in selected else ""
            options.append(Option(mark + choice_label(metric, choice, _), ctx.step_data(f"t:{n}")))
        options.append(Option(_("Done ({count})", count=len(selected)), ctx.step_data("done")))
    if current is not None and not editing:  # from the review, "Back to review" keeps it
        label = _("Keep: {value}", value=_on_button(show_answer(metric, current, _)))
        options.append(Option(label, ctx.step_data("keep")))
    if previous is not None and previous.status == "answered":
        shown = _on_button(show_answer(metric, previous, _))
        label = _("Same as last period: {value}", value=shown)
        options.append(Option(label, ctx.step_data("reuse")))
    options.append(Option(_("Not available"), ctx.step_data("na")))
    if not metric.required:
        options.append(Option(_("Skip"), ctx.step_data("skip")))
    if editing:
        options.append(Option(_("Back to review"), ctx.step_data("review")))
    elif index > 0:
        options.append(Option(_("◀ Back"), ctx.step_data("back")))
    options.append(Option(_("Continue later"), ctx.step_data("cancel")))
    return TextReply(text, tuple(options), columns, in_place=in_place)


def _on_button(value: str) -> str:
    """An answer short enough for a button: a long free text is cut to its start."""
    return value if len(value) <= BUTTON_VALUE_LENGTH else value[: BUTTON_VALUE_LENGTH - 1] + "…"


def review_screen(
    ctx: Ctx,
    title: str,
    metrics: Sequence[MetricConfig],
    answers: Mapping[str, AnswerValue],
    *,
    corrections: bool,
) -> TextReply:
    """Every answer numbered by area; tapping a number edits it; send (``corrections`` to a
    report sent before) or continue later."""
    _ = ctx._
    lines = review_lines(title, metrics, answers, _)
    options = [Option(str(n + 1), ctx.step_data(f"e:{n}")) for n in range(len(metrics))]
    label = _("Send corrections") if corrections else _("Send the report")
    options.append(Option(label, ctx.step_data("submit")))
    options.append(Option(_("Continue later"), ctx.step_data("cancel")))
    return TextReply("\n".join(lines), tuple(options), 6)


def missing_required(
    metrics: Sequence[MetricConfig], answers: Mapping[str, AnswerValue]
) -> list[MetricConfig]:
    """Required metrics without an answer (not available counts as an answer; skipped not)."""
    return [
        m
        for m in metrics
        if m.required and (m.id not in answers or answers[m.id].status == "skipped")
    ]


def thanks(
    ctx: Ctx, unit_name: str, period_label: str, deadline: str, corrected: bool
) -> list[Outbound]:
    """The answer to a sent report or sent corrections."""
    _ = ctx._
    if corrected:
        text = _("Thank you! The corrections to the report of {unit} are saved.", unit=unit_name)
    else:
        text = _(
            "Thank you! The report of {unit} for {period} is sent. "
            "You can correct it with /report until {deadline}.",
            unit=unit_name,
            period=period_label,
            deadline=deadline,
        )
    return [TextReply(text)]


def opening_text(
    ctx: Ctx, unit_name: str, period: Period, total: int, saved: int, index: int
) -> TextReply:
    """The first words of a report: what it is, or where a saved draft continues."""
    _ = ctx._
    if saved:
        return TextReply(
            _.plural(
                "Welcome back! {n} answer is saved; let us continue from question {number}.",
                "Welcome back! {n} answers are saved; let us continue from question {number}.",
                saved,
                number=index + 1,
            )
        )
    return TextReply(
        _(
            "Period report of {unit} for {period} ({dates}): {count} questions. "
            "Your answers are saved as you go; /cancel stops and you can continue later.",
            unit=unit_name,
            period=period.short_label(),
            dates=period.label(ctx.language),
            count=total,
        )
    )


def confirm_screen(
    ctx: Ctx, metric: MetricConfig, value: AnswerValue, previous: AnswerValue | None
) -> TextReply:
    """A value far from last period's, read back before it is kept."""
    _ = ctx._
    text = _(
        "You typed {value}, but last period it was {previous}. Is {value} right?",
        value=show_answer(metric, value, _),
        previous=show_answer(metric, previous, _),
    )
    options = (
        Option(_("Yes, keep it"), ctx.step_data("yes")),
        Option(_("No, I will type it again"), ctx.step_data("no")),
    )
    return TextReply(text, options, 2)


def reopen_screen(ctx: Ctx, unit_name: str, period: Period, sent: datetime) -> TextReply:
    """A report already sent: correct it (until the deadline) or keep it."""
    _ = ctx._
    text = _(
        "The report of {unit} for {period} was sent on {date}. You can correct it until {deadline}.",
        unit=unit_name,
        period=period.short_label(),
        date=day_text(sent.date(), ctx.language),
        deadline=day_text(period.deadline, ctx.language),
    )
    options = (
        Option(_("Correct it"), ctx.step_data("correct")),
        Option(_("Keep it as sent"), ctx.step_data("keep")),
    )
    return TextReply(text, options)
