"""What each step of answering a survey shows: the unit question, a question, the review.

The conversation logic lives in :mod:`collectors.survey_flow`; these functions only render a
step whose state is already saved (buttons are bound to that step with ``ctx.step_data``).
The answers they are given are the person's own, unsealed for this reply only: they go into
the reply and nowhere else, and nothing here logs or stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from collectors.engine import Ctx
from collectors.messages import Option, TextReply
from collectors.survey_config import QuestionKind, SurveyQuestion

WIDE_SCALE_COLUMNS = 6


def unit_screen(ctx: Ctx, units: Sequence[str]) -> TextReply:
    """Ask which of the person's units they answer for, one button per unit."""
    options = tuple(
        Option(ctx.access.units[u].name(ctx.language), ctx.step_data(f"u:{u}")) for u in units
    )
    return TextReply(ctx._("Which unit do you answer for?"), options)


def question_screen(
    ctx: Ctx, questions: Sequence[SurveyQuestion], index: int, given: Any
) -> TextReply:
    """Question ``index`` with its buttons; ``given`` is the answer chosen so far, ticked.

    A scale of more than five values is laid out in rows of :data:`WIDE_SCALE_COLUMNS` with
    its end labels on a line of their own; a text question asks to be typed.
    """
    _ = ctx._
    question = questions[index]
    lines = [f"{index + 1}/{len(questions)}  {question.text.get(ctx.language)}"]
    options: list[Option] = []
    columns = 1
    if question.kind is QuestionKind.SCALE:
        low = question.low_label.get(ctx.language) if question.low_label else ""
        high = question.high_label.get(ctx.language) if question.high_label else ""
        wide = len(question.values()) > 5
        for value in question.values():
            label = str(value)
            if not wide and value == question.min and low:
                label = f"{value} – {low}"
            elif not wide and value == question.max and high:
                label = f"{value} – {high}"
            mark = "✓ " if given == value else ""
            options.append(Option(mark + label, ctx.step_data(f"v:{value}")))
        if wide:
            columns = WIDE_SCALE_COLUMNS
            if low and high:
                lines.append(f"{question.min} = {low} · {question.max} = {high}")
    elif question.kind is QuestionKind.CHOICE:
        for position, choice in enumerate(question.choices):
            mark = "✓ " if given == position else ""
            label = mark + choice.label.get(ctx.language)
            options.append(Option(label, ctx.step_data(f"c:{position}")))
    else:
        lines.append(
            _(
                "Type your answer (at most {limit} characters). Please write no names, "
                "nothing that tells who you or anyone else is.",
                limit=question.max_length,
            )
        )
    if not question.is_required:
        options.append(Option(_("Skip"), ctx.step_data("skip")))
    if index > 0:
        options.append(Option(_("◀ Back"), ctx.step_data("back")))
    return TextReply("\n".join(lines), tuple(options), columns)


def review_screen(
    ctx: Ctx, questions: Sequence[SurveyQuestion], answers: Mapping[str, Any]
) -> TextReply:
    """Every question with the answer given (or "skipped"), and the buttons to send or go back."""
    _ = ctx._
    lines = [_("Ready to send? Your answers:")]
    for number, question in enumerate(questions, start=1):
        given = answers.get(question.id)
        if given is None:
            shown = _("(skipped)")
        elif question.kind is QuestionKind.CHOICE:
            shown = question.choices[int(given)].label.get(ctx.language)
        else:
            shown = str(given)
        lines.append(f"{number}. {question.label(ctx.language)}: {shown}")
    options = (
        Option(_("Send my answers"), ctx.step_data("send")),
        Option(_("◀ Back"), ctx.step_data("back")),
    )
    return TextReply("\n".join(lines), options)


__all__ = ["WIDE_SCALE_COLUMNS", "question_screen", "review_screen", "unit_screen"]
