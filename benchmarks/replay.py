"""A manager's period report replayed through python-telegram-bot, one update at a time.

What figure 1 (:mod:`benchmarks.answers`) and the footprint (:mod:`benchmarks.footprint`)
share: the script of a whole report (every metric kind), the fake Bot API feeding each update
to ``Application.process_update`` and timing it, and a manager's chat that presses the buttons
the bot sent and checks each answer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application

from tests.fakebotapi import FakeBotApi, Sent

TOKEN = "123:BENCH"
SECRET = b"benchmark-secret"
FIRST_USER = 10_000


@dataclass(frozen=True)
class Step:
    """One thing the manager does: type ``value`` or press the button labelled ``value``."""

    press: bool
    value: str
    expect: str
    answer: bool = True


# Every metric kind of the test catalog: count, percent, duration, count with the previous
# period, multi choice (two picks and Done), number, choice, index, percent with a goal,
# goal status, free text; then the review and the submission.
SCRIPT: tuple[Step, ...] = (
    Step(False, "/report", "1/11", answer=False),
    Step(False, "1 050 kpl", "2/11"),
    Step(False, "4,6 %", "3/11"),
    Step(False, "0:13:25", "4/11"),
    Step(False, "7 (6)", "5/11"),
    Step(True, "Medication", "5/11"),
    Step(True, "Accident/fall", "5/11"),
    Step(True, "Done", "6/11"),
    Step(False, "12,5", "7/11"),
    Step(True, "Yes", "8/11"),
    Step(False, "−42", "9/11"),
    Step(False, "4.6", "10/11"),
    Step(True, "On schedule", "11/11"),
    Step(False, "Kaksoistarkistus käyttöön.", "Review"),
    Step(True, "Send the report", "Thank you!", answer=False),
)
ANSWERS_PER_REPORT = sum(1 for s in SCRIPT if s.answer)


def unpaced_limiter() -> AIORateLimiter:
    """The PTB rate limiter with retries but without pacing (figure 1 only)."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


class Feeder:
    """Builds updates with the fake and times ``process_update`` on an application.

    ``steps`` collects the seconds of each engine step, when the engine is timed
    (:func:`time_engine_steps`).
    """

    def __init__(self, api: FakeBotApi, application: Application[Any, Any, Any, Any, Any, Any]):
        self.api = api
        self.application = application
        self.steps: list[float] = []

    async def _take(self, update_id: int) -> Update:
        update = Update.de_json(await self.api.take_update(update_id), self.application.bot)
        assert update is not None
        return update

    async def text(self, user_id: int, text: str) -> float:
        """Send a text from ``user_id``; return the seconds ``process_update`` took."""
        update = await self._take(self.api.push_text(user_id, text, language_code="en"))
        return await self._process(update)

    async def press(self, user_id: int, sent: Sent, data: str) -> float:
        """Press a button of message ``sent``; return the seconds ``process_update`` took."""
        assert sent.message_id is not None
        update_id = self.api.push_callback(user_id, data, message_id=sent.message_id)
        return await self._process(await self._take(update_id))

    async def _process(self, update: Update) -> float:
        start = time.perf_counter()
        await self.application.process_update(update)
        return time.perf_counter() - start


def _button(replies: Sequence[Sent], label: str) -> tuple[Sent, str]:
    for sent in reversed(replies):
        for text, data in FakeBotApi.buttons(sent):
            if data is not None and (text == label or text.startswith(label)):
                return sent, data
    shown = [FakeBotApi.buttons(s) for s in replies]
    raise RuntimeError(f"no button {label!r} in the bot's replies: {shown}")


@dataclass
class Timings:
    """Seconds per update of one run, by kind, and the wall time of its concurrent part."""

    answers: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)  # the engine's step within each answer
    starts: list[float] = field(default_factory=list)
    submits: list[float] = field(default_factory=list)
    together: list[float] = field(default_factory=list)
    together_answers: int = 0
    wall: float = 0.0


class Manager:
    """One manager's chat: the steps of :data:`SCRIPT`, replayed through the application."""

    def __init__(self, feeder: Feeder, user_id: int) -> None:
        self.feeder, self.user_id = feeder, user_id
        self.replies: list[Sent] = []

    async def do(self, step: Step) -> float:
        """Take one step, check the bot's answer and return the seconds it took."""
        api = self.feeder.api
        mark = len(api.sent)
        if step.press:
            sent, data = _button(self.replies, step.value)
            seconds = await self.feeder.press(self.user_id, sent, data)
        else:
            seconds = await self.feeder.text(self.user_id, step.value)
        self.replies = [
            s for s in api.sent[mark:] if s.chat_id == self.user_id and s.text is not None
        ]
        shown = "\n".join(s.text or "" for s in self.replies).replace("\u00a0", " ")
        if step.expect not in shown:
            raise RuntimeError(f"after {step.value!r} expected {step.expect!r}, got:\n{shown}")
        return seconds

    async def answers(self, out: list[float], engine: list[float] | None = None) -> None:
        """Every answer of the report, one after the other (and each one's engine step)."""
        for step in SCRIPT:
            if step.answer:
                mark = len(self.feeder.steps)
                out.append(await self.do(step))
                if engine is not None:
                    engine.append(sum(self.feeder.steps[mark:]))


__all__ = [
    "ANSWERS_PER_REPORT",
    "FIRST_USER",
    "SCRIPT",
    "SECRET",
    "TOKEN",
    "Feeder",
    "Manager",
    "Step",
    "Timings",
    "unpaced_limiter",
]
