"""The manager's period report: one question at a time, a review, then submit.

States (``state["stage"]``), kept in the database after every step::

    stateDiagram-v2
        [*] --> unit: several units
        [*] --> period: several open periods
        [*] --> question
        unit --> period
        unit --> question
        period --> question
        [*] --> reopen: already sent, before the deadline
        reopen --> review: correct
        question --> confirm: value far from last period's
        confirm --> question: no, type again
        confirm --> question: yes (next)
        question --> question: answer / skip / not available / reuse / back / keep
        question --> review: after the last question, or after an edit
        review --> question: edit an item
        review --> [*]: submit
        question --> [*]: cancel (the draft is kept)

Draft answers live in the ``answer`` table of the unit's draft submission and are written on
every answer, so the report continues at the same question after any restart. A question
asked again (after back, forward again, edited from the review, or before where a continued
report opens: ``state["furthest"]``) shows its answer and keeps it with a button.
"""

from __future__ import annotations

from typing import Any

from collectors.config import MetricConfig, MetricKind
from collectors.engine import Ctx, UserError
from collectors.messages import Outbound, TextReply
from collectors.periods import Period
from collectors.report_answers import NeedsConfirmation, Rejected, chosen_choice, interpret, pressed
from collectors.report_opening import choose_report, typed_opening
from collectors.report_review import KIND, review, submit
from collectors.report_screens import (
    confirm_screen,
    opening_text,
    question_screen,
    reopen_screen,
)
from collectors.report_text import choice_ids
from collectors.reporting import find_period, previous_period_id
from collectors.vocabulary import yes_or_no
from storage import reports
from storage.audit import record
from storage.models import Submission
from storage.reports import AnswerValue


class ReportFlow:
    """The period report conversation."""

    kind = KIND
    unsent_answers: str | None = None

    # starting ---------------------------------------------------------------------------------
    def start(
        self, ctx: Ctx, unit_id: str | None = None, period_id: str | None = None
    ) -> list[Outbound]:
        """Begin (or continue) a report, asking for the unit and period when not obvious."""
        chosen = choose_report(ctx, KIND, unit_id, period_id)
        if isinstance(chosen, list):
            return chosen
        return self._open(ctx, chosen.unit, chosen.period)

    def _open(self, ctx: Ctx, unit_id: str, period: Period) -> list[Outbound]:
        _ = ctx._
        submission = reports.get_or_create_submission(
            ctx.session, period.id, unit_id, ctx.person_id, ctx.now
        )
        assert submission.id is not None
        metrics = [m.id for m in ctx.config.metrics_for(unit_id)]
        if not metrics:
            raise UserError(_("Your unit has no metrics to report."))
        state: dict[str, Any] = {
            "stage": "question",
            "unit": unit_id,
            "period": period.id,
            "submission": submission.id,
            "metrics": metrics,
            "i": 0,
            "edit": False,
            "selected": [],
        }
        unit_name = ctx.access.units[unit_id].name(ctx.language)
        # The period compared with is fixed when the report opens, so that no step reads the
        # period again to find it.
        state["previous"] = previous_period_id(ctx.config, period)
        if submission.status in ("submitted", "reopened"):
            state["stage"] = "reopen"
            ctx.save(KIND, state)
            sent = (submission.submitted_at or ctx.now).astimezone(ctx.config.tz)
            return [reopen_screen(ctx, unit_name, period, sent)]
        answers = reports.answer_values(ctx.session, submission.id)
        first_open = next((i for i, m in enumerate(metrics) if m not in answers), None)
        if answers and first_open is None:
            return self._review(ctx, state)
        state["i"] = first_open or 0
        answered = [i for i, m in enumerate(metrics) if m in answers]
        state["furthest"] = max(state["i"], answered[-1] + 1 if answered else 0)
        intro = opening_text(ctx, unit_name, period, len(metrics), len(answers), state["i"])
        return [intro, *self._ask(ctx, state)]

    # showing --------------------------------------------------------------------------------
    def resume(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Show the current step again."""
        stage = state.get("stage")
        if stage == "question":
            return self._ask(ctx, state)
        if stage == "confirm":
            return self._ask_confirm(ctx, state)
        if stage == "review":
            return self._review(ctx, state)
        if stage == "unit" or stage == "period":
            return self.start(ctx, state.get("unit"), state.get("period"))
        if stage == "reopen":
            return self._open(
                ctx, state["unit"], find_period(ctx.session, ctx.config, state["period"])
            )
        ctx.end()
        return []

    def _metrics(self, ctx: Ctx, state: dict[str, Any]) -> list[MetricConfig]:
        known = {m.id: m for m in ctx.config.metrics}
        return [known[m] for m in state["metrics"] if m in known]

    def _submission(self, ctx: Ctx, state: dict[str, Any]) -> Submission:
        submission = ctx.session.get(Submission, state["submission"])
        if submission is None:
            raise self._gone(ctx)
        return submission

    def _gone(self, ctx: Ctx) -> UserError:
        """End the conversation of a report that was deleted meanwhile; the error to show."""
        ctx.end()
        return UserError(ctx._("This report no longer exists. Start again with /report."))

    def _previous(self, ctx: Ctx, state: dict[str, Any]) -> dict[str, AnswerValue]:
        """Last period's answers of the unit, read once per step."""
        unit, period_id = state["unit"], state["period"]

        def read() -> dict[str, AnswerValue]:
            if "previous" in state:
                previous_id = state["previous"]
            else:  # a report opened before the state kept it
                period = find_period(ctx.session, ctx.config, period_id)
                previous_id = previous_period_id(ctx.config, period)
            if previous_id is None:
                return {}
            return reports.previous_answers(ctx.session, unit, previous_id)

        return ctx.once(("previous answers", unit, period_id), read)

    def _ask(self, ctx: Ctx, state: dict[str, Any], *, in_place: bool = False) -> list[Outbound]:
        metrics = self._metrics(ctx, state)
        index = min(max(int(state["i"]), 0), len(metrics) - 1)
        state["i"] = index
        state["stage"] = "question"
        metric = metrics[index]
        # A question before the furthest one asked, or one edited from the review, may have an
        # answer already: it is shown, and kept with a button. The way forward reads nothing.
        furthest = int(state.get("furthest", index))
        revisit = bool(state.get("edit")) or index < furthest
        state["furthest"] = max(furthest, index)
        ticks = metric.kind is MetricKind.MULTI_CHOICE and not state.get("selected")
        current = None
        if revisit or ticks:
            current = reports.answer_values(ctx.session, state["submission"]).get(metric.id)
        if ticks:
            state["selected"] = list(current.choices or []) if current is not None else []
        ctx.save(KIND, state)
        screen = question_screen(
            ctx,
            metrics,
            index,
            previous=self._previous(ctx, state).get(metric.id),
            current=current if revisit else None,
            selected=list(state.get("selected") or []),
            editing=bool(state.get("edit")),
            in_place=in_place,
        )
        return [screen]

    # answering ------------------------------------------------------------------------------
    def on_text(self, ctx: Ctx, state: dict[str, Any], text: str) -> list[Outbound]:
        """Read a typed answer for the current question."""
        _ = ctx._
        stage = state.get("stage")
        if stage == "confirm":
            if (agreed := yes_or_no(text)) is not None:  # "kyllä", "nej": the buttons, typed
                return self.on_choice(ctx, state, "yes" if agreed else "no")
            # A new value typed instead of yes or no: read it as the answer.
            state["stage"] = "question"
            state.pop("pending", None)
        elif stage == "review" and text.strip().isdecimal():
            # Typing an item's number edits it, like tapping it.
            number = int(text.strip())
            if 1 <= number <= len(state["metrics"]):
                return self.on_choice(ctx, state, f"e:{number - 1}")
            reply = TextReply(_("There is no answer number {number} in the review.", number=number))
            return [reply, *self._review(ctx, state)]
        elif stage in ("unit", "period"):
            if data := typed_opening(ctx, state, text):
                return self.on_choice(ctx, state, data)  # a unit or period typed, not pressed
            unknown = (
                _("None of your units has that name: press its button, or type its name.")
                if stage == "unit"
                else _("No open period is called that: press its button, or type it as shown.")
            )
            return [TextReply(unknown), *self.resume(ctx, state)]
        elif stage != "question":
            return [TextReply(_("Please use the buttons.")), *self.resume(ctx, state)]
        metric = self._metrics(ctx, state)[int(state["i"])]
        previous = self._previous(ctx, state).get(metric.id)
        outcome = interpret(metric, text, previous, _)
        if isinstance(outcome, Rejected):
            return [TextReply(outcome.reason), *self._ask(ctx, state)]
        if isinstance(outcome, NeedsConfirmation):
            value = outcome.value
            state["stage"] = "confirm"
            state["pending"] = {"value": value.value, "second": value.second, "raw": value.raw}
            return self._ask_confirm(ctx, state)
        return self._store(ctx, state, metric, outcome.value)

    def _ask_confirm(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        metric = self._metrics(ctx, state)[int(state["i"])]
        previous = self._previous(ctx, state).get(metric.id)
        ctx.save(KIND, state)
        return [confirm_screen(ctx, metric, _pending_value(state["pending"]), previous)]

    def on_choice(self, ctx: Ctx, state: dict[str, Any], data: str) -> list[Outbound]:
        """Handle a button of the current step."""
        _ = ctx._
        stage = state.get("stage")
        action, _sep, argument = data.partition(":")
        if action == "cancel":
            return self.on_cancel(ctx, state)
        if stage == "unit" and action == "u":
            return self.start(ctx, argument, state.get("period"))
        if stage == "period" and action == "p":
            return self.start(ctx, state["unit"], argument)
        if not ctx.access.can_report(state.get("unit", "")):
            ctx.end()
            raise UserError(_("You can report only for your own units."))
        if stage == "reopen":
            if action == "correct":
                submission = self._submission(ctx, state)
                submission.status = "reopened"
                ctx.session.add(submission)
                return self._review(ctx, state)
            if action == "keep":
                ctx.end()
                return [TextReply(_("Fine, the report stays as it was sent."))]
        if stage == "confirm":
            if action == "yes":
                metric = self._metrics(ctx, state)[int(state["i"])]
                return self._store(ctx, state, metric, _pending_value(state.pop("pending")))
            if action == "no":
                state.pop("pending", None)
                return self._ask(ctx, state)
        if stage == "question":
            return self._question_choice(ctx, state, action, argument)
        if stage == "review":
            if action == "e" and argument.isdecimal() and int(argument) < len(state["metrics"]):
                state["i"] = int(argument)
                state["edit"] = True
                state["selected"] = []
                return self._ask(ctx, state)
            if action == "submit":
                return self._submit(ctx, state)
        return [
            TextReply(_("That button belongs to an earlier question.")),
            *self.resume(ctx, state),
        ]

    def _question_choice(
        self, ctx: Ctx, state: dict[str, Any], action: str, argument: str
    ) -> list[Outbound]:
        _ = ctx._
        metric = self._metrics(ctx, state)[int(state["i"])]
        selected = list(state.get("selected") or [])
        previous = self._previous(ctx, state).get(metric.id) if action == "reuse" else None
        outcome = pressed(metric, action, argument, selected, previous, _)
        if isinstance(outcome, Rejected):
            return [TextReply(outcome.reason), *self._ask(ctx, state)]
        if outcome is not None:
            return self._store(ctx, state, metric, outcome.value)
        choice = chosen_choice(metric, argument)
        if action == "t" and metric.kind is MetricKind.MULTI_CHOICE and choice is not None:
            limit = metric.max_choices or len(choice_ids(metric))
            if choice in selected:
                selected.remove(choice)
            elif len(selected) >= limit:
                state["selected"] = selected
                reply = TextReply(_("Choose at most {limit}.", limit=limit))
                return [reply, *self._ask(ctx, state)]
            else:
                selected.append(choice)
            state["selected"] = selected
            return self._ask(ctx, state, in_place=True)  # the ticks change on the same keyboard
        if action == "back" and int(state["i"]) > 0:
            state["i"] = int(state["i"]) - 1
            state["selected"] = []
            return self._ask(ctx, state)
        if action == "keep":  # a question asked again, its answer left as it is
            return self._next(ctx, state)
        if action == "review" and state.get("edit"):
            return self._review(ctx, state)
        return [TextReply(_("That button belongs to an earlier question.")), *self._ask(ctx, state)]

    def _store(
        self, ctx: Ctx, state: dict[str, Any], metric: MetricConfig, value: AnswerValue
    ) -> list[Outbound]:
        submission_id = int(state["submission"])
        stored = reports.put_answer(
            ctx.session, submission_id, metric.id, value, person_id=ctx.person_id, now=ctx.now
        )
        if stored is None:
            raise self._gone(ctx)
        if stored.correction:
            record(
                ctx.session,
                now=ctx.now,
                actor=f"person:{ctx.person_id}",
                action="report.corrected",
                target=f"submission:{submission_id}",
                detail={"period": state["period"], "unit": state["unit"], "metric": metric.id},
            )
        ctx.engine.count("answers_stored")
        return self._next(ctx, state)

    def _next(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """After an answer: the next question, or the review after the last one or an edit."""
        state["selected"] = []
        state.pop("pending", None)
        if state.get("edit"):
            return self._review(ctx, state)
        state["i"] = int(state["i"]) + 1
        if state["i"] >= len(state["metrics"]):
            return self._review(ctx, state)
        return self._ask(ctx, state)

    # review and submit ----------------------------------------------------------------------
    def _review(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        head = reports.submission_head(ctx.session, int(state["submission"]))
        if head is None:
            raise self._gone(ctx)
        return review(ctx, state, head, self._metrics(ctx, state))

    def _submit(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        return submit(ctx, state, self._submission(ctx, state), self._metrics(ctx, state))

    def on_cancel(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Stop for now; every answer given so far stays saved."""
        ctx.end()
        return [
            TextReply(
                ctx._("Stopped. Your answers so far are saved: continue any time with /report.")
            )
        ]


def _pending_value(pending: dict[str, Any]) -> AnswerValue:
    """The answer waiting for a yes in the state, as it would be stored."""
    return AnswerValue(
        "answered", value=pending["value"], second=pending.get("second"), raw=pending["raw"]
    )


__all__ = ["KIND", "ReportFlow"]
