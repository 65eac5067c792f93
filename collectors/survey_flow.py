"""Answering a survey: one question at a time with buttons, then one explicit send.

States (``state["stage"]``)::

    stateDiagram-v2
        [*] --> unit: staff of several asked units
        [*] --> question
        unit --> question
        question --> question: answer / skip / back
        question --> review: after the last question
        review --> question: back
        review --> [*]: send (receipt and answers written together)
        question --> [*]: cancel, or the round closes (unfinished answers deleted)

This module is the state machine; what each step shows is :mod:`collectors.survey_screens`.

Unfinished answers live only in this conversation's state, and nowhere else; there they are
sealed (``state["sealed"]``, :mod:`collectors.survey_drafts`) because a conversation row names
its person. They are deleted on sending, on ``/cancel`` and when the round closes
(:func:`storage.surveys.close_round`).

Sending writes the receipt (an HMAC of person and round) and the answer rows (round, unit,
question, value; random ids, no time) in the engine's one transaction, and deletes the
conversation row in that same transaction. Why no timestamp can be lined up with an answer:

* ``conversation.updated_at`` names the person, but the row is gone once the survey is sent;
  while it exists it holds only sealed answers.
* ``processed_update`` keeps each update's key (``telegram:<update_id>``, no person) and the
  time it was handled, for the redelivery window. The send step leaves such a row, but an
  answer row has no time, no order (random id, no rowid) and nothing in common with it, so
  there is nothing to join them on; the update id names no one without Telegram's records.
* The receipt has no time either, and it is deleted at the close.

What remains is documented in the README ("What is stored, what is not"): on PostgreSQL the
hidden ``xmin`` of the rows ties one sending together until the close rewrites them, and
whoever can watch the live database while the round is open sees rows appear as people send.

Nothing here logs; the engine logs only the kind of a failed message, never its text, and a
database error while sending is replaced by :class:`SurveyNotStored`, whose log entry carries
no SQL parameters.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from collectors.config import LANGUAGES
from collectors.date_text import day_text
from collectors.engine import Ctx, UserError
from collectors.i18n import N_
from collectors.messages import Outbound, TextReply
from collectors.survey_answers import scale_step
from collectors.survey_config import QuestionKind, SurveyDefinition, SurveyQuestion
from collectors.survey_drafts import seal, unseal
from collectors.survey_messages import SURVEY_KIND
from collectors.survey_results import definition_of, questions_of
from collectors.survey_screens import question_screen, review_screen, unit_screen
from collectors.survey_text import last_open_day, start_button
from collectors.vocabulary import named
from storage import surveys
from storage.survey_models import SurveyRound

log = logging.getLogger(__name__)


class SurveyNotStored(RuntimeError):
    """Sending failed in the database; the details are withheld because they hold answers."""


class SurveyFlow:
    """The survey conversation."""

    kind = SURVEY_KIND
    unsent_answers: str | None = N_(
        "Your survey answers are not sent yet, and they are kept nowhere else. Finish the "
        "survey first (/survey shows where you were), or /cancel it, which deletes them."
    )

    # starting ---------------------------------------------------------------------------------
    def start(self, ctx: Ctx, round_id: str | None = None) -> list[Outbound]:
        """Begin the person's next open survey, or continue the unfinished one."""
        _ = ctx._
        staff_units = ctx.access.staff_units()
        if not staff_units:
            raise UserError(
                _("The staff survey is for staff members; join with your unit's staff invitation.")
            )
        conversation = ctx.conversation
        if conversation is not None and conversation.kind == SURVEY_KIND:
            current = dict(conversation.state)
            if round_id is None or current.get("round") == round_id:
                row = surveys.get_round(ctx.session, str(current.get("round")))
                if row is not None and surveys.is_open(row, ctx.now):
                    welcome = TextReply(_("Welcome back! Let us continue where you left off."))
                    return [welcome, *self.resume(ctx, current)]
                ctx.end()
        open_now = [
            r
            for r in surveys.open_rounds(ctx.session, ctx.now)
            if set(r.unit_ids) & set(staff_units)
        ]
        if round_id is not None:
            open_now = [r for r in open_now if r.id == round_id]
            if not open_now:
                raise UserError(_("This survey is closed, or it is not for your unit."))
        pending = [r for r in open_now if not self._answered(ctx, r)]
        if not pending:
            if open_now:
                row = open_now[0]
                raise UserError(
                    _(
                        "Your answers are already in. Thank you! "
                        "The results can be seen with /results from {date}.",
                        date=self._results_day(ctx, row),
                    )
                )
            raise UserError(
                _("No survey is open for you right now. I will send you a message when one opens.")
            )
        row = pending[0]
        definition = self._definition(ctx, row)
        units = [u for u in staff_units if u in row.unit_ids]
        state: dict[str, Any] = {"round": row.id, "i": 0}
        intro = TextReply(
            _.plural(
                "{survey}: {n} question. Your answers are saved without your name, and "
                "results are shown only for groups of at least {minimum} people. You can stop "
                "and continue later with /survey until {date}; /cancel deletes your unfinished "
                "answers.",
                "{survey}: {n} questions. Your answers are saved without your name, and "
                "results are shown only for groups of at least {minimum} people. You can stop "
                "and continue later with /survey until {date}; /cancel deletes your unfinished "
                "answers.",
                len(definition.questions),
                survey=definition.name.get(ctx.language),
                minimum=ctx.config.surveys.min_responses,
                date=last_open_day(ctx.config, row, ctx.language),
            )
        )
        if len(units) > 1:
            state["stage"] = "unit"
            return [intro, *self._ask_unit(ctx, state, units)]
        state["unit"] = units[0]
        state["stage"] = "question"
        return [intro, *self._ask(ctx, state)]

    def _answered(self, ctx: Ctx, row: SurveyRound) -> bool:
        return surveys.has_answered(ctx.session, self._receipt(ctx, row.id))

    def _receipt(self, ctx: Ctx, round_id: str) -> str:
        if not ctx.engine.secret:
            log.error("surveys need the secret named by security.secret_env; none is set")
            raise UserError(ctx._("Surveys are not available right now. Please try again later."))
        return surveys.receipt_key(ctx.engine.secret, ctx.person_id, round_id)

    def _answers(self, ctx: Ctx, state: dict[str, Any]) -> dict[str, Any]:
        round_id = str(state.get("round"))
        return unseal(ctx.engine.secret, ctx.person_id, round_id, state.get("sealed"))

    def _keep(self, ctx: Ctx, state: dict[str, Any], answers: dict[str, Any]) -> None:
        round_id = str(state.get("round"))
        state["sealed"] = seal(ctx.engine.secret, ctx.person_id, round_id, answers)

    def _results_day(self, ctx: Ctx, row: SurveyRound) -> str:
        return day_text(surveys.aware(row.closes_at).astimezone(ctx.config.tz).date(), ctx.language)

    def _definition(self, ctx: Ctx, row: SurveyRound) -> SurveyDefinition:
        definition = definition_of(ctx.config, row.survey_id)
        if definition is None:
            ctx.end()
            raise UserError(ctx._("This survey is no longer in use."))
        return definition

    def _questions(self, ctx: Ctx, row: SurveyRound) -> list[SurveyQuestion]:
        return questions_of(ctx.config, self._definition(ctx, row))

    def _open_round(self, ctx: Ctx, state: dict[str, Any]) -> SurveyRound:
        row = surveys.get_round(ctx.session, str(state.get("round")))
        if row is None or not surveys.is_open(row, ctx.now):
            ctx.end()
            raise UserError(
                ctx._("The survey has closed, so your unfinished answers were deleted.")
            )
        return row

    # showing --------------------------------------------------------------------------------
    def resume(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Show the current step again (or say the round has closed)."""
        try:
            row = self._open_round(ctx, state)
        except UserError as closed:
            return [TextReply(closed.message)]
        stage = state.get("stage")
        if stage == "unit":
            units = [u for u in ctx.access.staff_units() if u in row.unit_ids]
            return self._ask_unit(ctx, state, units)
        if stage == "review":
            return self._review(ctx, state)
        return self._ask(ctx, state)

    def _ask_unit(self, ctx: Ctx, state: dict[str, Any], units: list[str]) -> list[Outbound]:
        ctx.save(SURVEY_KIND, state)
        return [unit_screen(ctx, units)]

    def _ask(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        row = self._open_round(ctx, state)
        questions = self._questions(ctx, row)
        index = min(max(int(state.get("i", 0)), 0), len(questions) - 1)
        state["i"], state["stage"] = index, "question"
        ctx.save(SURVEY_KIND, state)
        given = self._answers(ctx, state).get(questions[index].id)
        return [question_screen(ctx, questions, index, given)]

    def _review(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        row = self._open_round(ctx, state)
        state["stage"] = "review"
        ctx.save(SURVEY_KIND, state)
        answers = self._answers(ctx, state)
        return [review_screen(ctx, self._questions(ctx, row), answers)]

    # answering ------------------------------------------------------------------------------
    def on_choice(self, ctx: Ctx, state: dict[str, Any], data: str) -> list[Outbound]:
        """Handle a button of the current step."""
        _ = ctx._
        row = self._open_round(ctx, state)
        action, _sep, argument = data.partition(":")
        stage = state.get("stage")
        if stage == "unit" and action == "u":
            if argument not in ctx.access.staff_units() or argument not in row.unit_ids:
                raise UserError(_("You can answer only for your own unit."))
            state["unit"], state["i"] = argument, 0
            return self._ask(ctx, state)
        if stage == "review":
            if action == "send":
                return self._send(ctx, state, row)
            if action == "back":
                state["i"] = len(self._questions(ctx, row)) - 1
                return self._ask(ctx, state)
        if stage == "question":
            questions = self._questions(ctx, row)
            question = questions[min(int(state.get("i", 0)), len(questions) - 1)]
            answers = self._answers(ctx, state)
            number = int(argument) if argument.removeprefix("-").isdecimal() else None
            if action in ("v", "c") and number is not None:
                expected = QuestionKind.SCALE if action == "v" else QuestionKind.CHOICE
                if question.kind is expected and number in question.values():
                    answers[question.id] = number
                    return self._next(ctx, state, answers)
            if action == "skip" and not question.is_required:
                answers.pop(question.id, None)
                return self._next(ctx, state, answers)
            if action == "back" and int(state.get("i", 0)) > 0:
                state["i"] = int(state["i"]) - 1
                return self._ask(ctx, state)
        return [
            TextReply(_("That button belongs to an earlier question.")),
            *self.resume(ctx, state),
        ]

    def on_text(self, ctx: Ctx, state: dict[str, Any], text: str) -> list[Outbound]:
        """Read a typed answer: free text, a number of the scale, or an option by its name."""
        _ = ctx._
        row = self._open_round(ctx, state)
        if state.get("stage") != "question":
            return [TextReply(_("Please use the buttons.")), *self.resume(ctx, state)]
        questions = self._questions(ctx, row)
        question = questions[min(int(state.get("i", 0)), len(questions) - 1)]
        answers = self._answers(ctx, state)
        typed = text.strip()
        if question.kind is QuestionKind.TEXT:
            if not typed:
                return self._ask(ctx, state)
            if len(typed) > question.max_length:
                limit = question.max_length
                warning = TextReply(
                    _("That is too long: at most {limit} characters, please.", limit=limit)
                )
                return [warning, *self._ask(ctx, state)]
            answers[question.id] = typed
            return self._next(ctx, state, answers)
        step = scale_step(typed, question) if question.kind is QuestionKind.SCALE else None
        if step is not None:
            answers[question.id] = step
            return self._next(ctx, state, answers)
        if question.kind is QuestionKind.CHOICE:
            labels = [{c.label.get(language) for language in LANGUAGES} for c in question.choices]
            position = named(labels, typed)
            if position is not None:
                answers[question.id] = position
                return self._next(ctx, state, answers)
        if question.kind is QuestionKind.SCALE:  # out of range, or no number at all
            hint = _(
                "Please answer with a number from {low} to {high}, or with the buttons.",
                low=question.min,
                high=question.max,
            )
            return [TextReply(hint), *self._ask(ctx, state)]
        return [TextReply(_("Please answer with the buttons.")), *self._ask(ctx, state)]

    def _next(self, ctx: Ctx, state: dict[str, Any], answers: dict[str, Any]) -> list[Outbound]:
        row = self._open_round(ctx, state)
        self._keep(ctx, state, answers)
        state["i"] = int(state.get("i", 0)) + 1
        if state["i"] >= len(self._questions(ctx, row)):
            return self._review(ctx, state)
        return self._ask(ctx, state)

    def _send(self, ctx: Ctx, state: dict[str, Any], row: SurveyRound) -> list[Outbound]:
        _ = ctx._
        unit = str(state.get("unit"))
        if unit not in ctx.access.staff_units() or unit not in row.unit_ids:
            ctx.end()
            raise UserError(_("You are no longer a staff member of that unit."))
        questions = self._questions(ctx, row)
        given = self._answers(ctx, state)
        missing = [i for i, q in enumerate(questions) if q.is_required and q.id not in given]
        if missing:
            state["i"] = missing[0]
            return [TextReply(_("Please answer this question first.")), *self._ask(ctx, state)]
        receipt = self._receipt(ctx, row.id)
        if surveys.has_answered(ctx.session, receipt):
            ctx.end()
            raise UserError(_("Your answers are already in. Thank you!"))
        values: dict[str, int | str] = {}
        for question in questions:
            value = given.get(question.id)
            if question.kind is QuestionKind.TEXT and isinstance(value, str):
                values[question.id] = value[: question.max_length]
            elif isinstance(value, int) and value in question.values():
                values[question.id] = value
        minimum = ctx.config.surveys.min_responses
        stored_under = surveys.answering_unit(ctx.session, unit, minimum, ctx.now)
        try:
            surveys.store_response(
                ctx.session, round_id=row.id, unit_id=stored_under, receipt=receipt, answers=values
            )
        except SQLAlchemyError:
            # Its message would quote the statement's parameters, i.e. the answers, and the
            # engine logs it beside the sender: log a bare error instead.
            raise SurveyNotStored("a survey response could not be stored") from None
        ctx.end()
        ctx.engine.count("survey_responses")
        replies: list[Outbound] = [
            TextReply(
                _(
                    "Thank you! Your answers are in. The results can be seen with /results from "
                    "{date}, for groups where at least {minimum} people answered.",
                    date=self._results_day(ctx, row),
                    minimum=ctx.config.surveys.min_responses,
                )
            )
        ]
        staff_units = set(ctx.access.staff_units())
        for other in surveys.open_rounds(ctx.session, ctx.now):
            if set(other.unit_ids) & staff_units and not self._answered(ctx, other):
                another = _("Another survey is waiting for your answers.")
                replies.append(TextReply(another, (start_button(_, other.id),)))
                break
        return replies

    def on_cancel(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Stop and delete the unfinished answers."""
        ctx.end()
        return [
            TextReply(
                ctx._(
                    "Stopped. Your unfinished answers were deleted; "
                    "you can start again with /survey while the survey is open."
                )
            )
        ]


__all__ = ["SurveyFlow", "SurveyNotStored"]
