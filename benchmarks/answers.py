"""Figure 1: a manager's whole period report through python-telegram-bot, answers per second.

Each update is built by the fake Bot API (:class:`tests.fakebotapi.FakeBotApi`) exactly as
Telegram would send it, de-serialised by PTB and handed to ``Application.process_update`` of the
real :class:`~bot.telegram_transport.TelegramTransport`; the bot's own calls (replies, callback
answers, keyboard removal) go to the same fake in-process through
:class:`tests.fakebotapi.InProcessRequest`: no sockets. Only ``process_update`` is timed; the
fake's preparation of the next update is not.

The floor is a bare python-telegram-bot echo bot over the same fake and the same rate limiter:
a text is answered with the same text, a button press with ``answer()`` and one message.

A third run shows what the transport alone costs, and so the most the answers' ratio to echo
can be with the engine free: the same report through the same ``TelegramTransport``, the
engine's step replaced by the replies it gave to one real report (:class:`Replayer`).

All run with Telegram's pacing of 30 messages a second lifted (an ``AIORateLimiter`` without
limits): with it, every figure here would be the limiter's 30 a second. Pacing is measured in
figure 4.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from benchmarks.common import Row, median, ms, percentile, ratio, rss_mib
from benchmarks.replay import (
    ANSWERS_PER_REPORT,
    FIRST_USER,
    SCRIPT,
    SECRET,
    TOKEN,
    Feeder,
    Manager,
    Timings,
    unpaced_limiter,
)
from benchmarks.world import (
    Member,
    add_people,
    county_config,
    postgres_database,
    postgres_url,
    reporting_units,
    sqlite_database,
)
from bot.runtime import keep_long_lived_out_of_collections
from bot.telegram_transport import TelegramTransport
from charts.cache import DEFAULT_CACHE
from collectors.app import build_engine
from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.messages import Inbound, Outbound
from storage.db import Database
from tests.fakebotapi import FakeBotApi, Sent
from tests.support import Clock


async def _report(feeder: Feeder, user_id: int, timings: Timings) -> None:
    manager = Manager(feeder, user_id)
    timings.starts.append(await manager.do(SCRIPT[0]))
    await manager.answers(timings.answers, timings.engine)
    timings.submits.append(await manager.do(SCRIPT[-1]))


async def _together(feeder: Feeder, user_ids: Sequence[int], timings: Timings) -> None:
    """Managers answering at the same time: only the answers are timed, as a whole."""
    managers = [Manager(feeder, user) for user in user_ids]
    await asyncio.gather(*(m.do(SCRIPT[0]) for m in managers))
    start = time.perf_counter()
    await asyncio.gather(*(m.answers(timings.together) for m in managers))
    timings.wall = time.perf_counter() - start
    timings.together_answers = len(managers) * ANSWERS_PER_REPORT
    await asyncio.gather(*(m.do(SCRIPT[-1]) for m in managers))


def time_engine_steps(engine: Engine, out: list[float]) -> None:
    """Append the seconds of each ``engine.handle`` (the step, in its worker thread) to ``out``."""
    handle = engine.handle

    def timed(message: Inbound) -> list[Outbound]:
        start = time.perf_counter()
        try:
            return handle(message)
        finally:
            out.append(time.perf_counter() - start)

    engine.handle = timed  # type: ignore[method-assign]


def telegram_config(config: AppConfig) -> AppConfig:
    """The configuration with the fake's (unused, in-process) Bot API address."""
    telegram = config.telegram.model_copy(
        update={
            "api_base_url": "http://fake.invalid/bot",
            "api_file_url": "http://fake.invalid/file/bot",
        }
    )
    return config.model_copy(update={"telegram": telegram})


class Replayer:
    """The engine's replies to one real report, handed to every other chat again, in order.

    With :meth:`handle` in place of ``engine.handle``, the same report costs only the transport:
    PTB's de-serialisation, the worker-thread hop, the signing of buttons and the calls to the
    Bot API. Options are plain data (the transport signs them per chat), so presses still work.
    """

    def __init__(self) -> None:
        self.steps: list[list[Outbound]] = []
        self._next: dict[str, int] = {}

    def record(self, engine: Engine, chat_id: int) -> None:
        """Keep the replies ``engine.handle`` gives to ``chat_id`` from now on."""
        handle = engine.handle

        def recording(message: Inbound) -> list[Outbound]:
            replies = handle(message)
            if message.sender.chat_id == str(chat_id):
                self.steps.append(list(replies))
            return replies

        engine.handle = recording  # type: ignore[method-assign]

    def handle(self, message: Inbound) -> list[Outbound]:
        """The recorded replies of the chat's next step."""
        step = self._next.get(message.sender.chat_id, 0)
        self._next[message.sender.chat_id] = step + 1
        return self.steps[step]


async def _timed_runs(
    feeder: Feeder, users: Sequence[int], runs: int, one_by_one: int, together: int
) -> list[Timings]:
    per_run = one_by_one + together
    out: list[Timings] = []
    for run in range(runs):
        timings = Timings()
        mine = users[run * per_run : (run + 1) * per_run]
        for user in mine[:one_by_one]:
            await _report(feeder, user, timings)
        await _together(feeder, mine[one_by_one:], timings)
        out.append(timings)
        feeder.api.clear()
    return out


async def _bot_runs(
    db: Database,
    config: AppConfig,
    runs: int,
    one_by_one: int,
    together: int,
    *,
    transport_alone: bool = False,
) -> tuple[list[Timings], list[Timings]]:
    """The bot's runs; then, if asked, the same runs with the engine's replies replayed."""
    units = reporting_units(config)
    per_run = one_by_one + together
    members = [FIRST_USER + i for i in range(min(runs * per_run + 1, len(units)))]
    add_people(db, [Member(user, "manager", units[n]) for n, user in enumerate(members)])
    engine = build_engine(db, config, clock=Clock(), secret=SECRET)
    api = FakeBotApi(TOKEN)
    transport = TelegramTransport(
        engine,
        telegram_config(config),
        TOKEN,
        request=api.as_request(),
        rate_limiter=unpaced_limiter(),
    )
    feeder = Feeder(api, transport.application)
    replayer = Replayer()
    if transport_alone:
        replayer.record(engine, members[0])  # the warm-up report's replies
    time_engine_steps(engine, feeder.steps)
    await transport.application.initialize()
    keep_long_lived_out_of_collections(engine)  # as bot.telegram.serve does once running
    alone: list[Timings] = []
    try:
        await _report(feeder, members[0], Timings())  # imports, caches, first chart
        out = await _timed_runs(feeder, members[1:], runs, one_by_one, together)
        if transport_alone:
            engine.handle = replayer.handle  # type: ignore[method-assign]
            strangers = [FIRST_USER + 50_000 + i for i in range(runs * per_run)]
            alone = await _timed_runs(feeder, strangers, runs, one_by_one, together)
    finally:
        await transport.application.shutdown()
    return out, alone


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    query = update.callback_query
    if query is not None:
        await query.answer()
        await context.bot.send_message(query.from_user.id, query.data or "", reply_markup=keyboard)
    elif update.message is not None and update.message.text:
        await update.message.reply_text(update.message.text, reply_markup=keyboard)


async def _echo_chat(feeder: Feeder, user: int, times: list[float]) -> None:
    api = feeder.api
    last: Sent | None = None
    for step in SCRIPT:
        if not step.answer:
            continue
        if step.press and last is not None:
            times.append(await feeder.press(user, last, "again"))
        else:
            times.append(await feeder.text(user, step.value))
        last = [s for s in api.sent if s.chat_id == user and s.text is not None][-1]


async def echo_runs(runs: int, one_by_one: int, together: int) -> list[Timings]:
    """The floor: a bare echo bot given the same texts and presses, one by one and together."""
    api = FakeBotApi(TOKEN)
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api.as_request())
        .rate_limiter(unpaced_limiter())
        .job_queue(None)
        .build()
    )
    application.add_handler(TypeHandler(Update, _echo))
    feeder = Feeder(api, application)
    await application.initialize()
    out: list[Timings] = []
    user = FIRST_USER + 100_000
    try:
        for run in range(runs + 1):  # the first run warms up
            timings = Timings()
            for _n in range(one_by_one):
                user += 1
                await _echo_chat(feeder, user, timings.answers)
            users = list(range(user + 1, user + 1 + together))
            user += together
            start = time.perf_counter()
            await asyncio.gather(*(_echo_chat(feeder, u, timings.together) for u in users))
            timings.wall = time.perf_counter() - start
            timings.together_answers = together * ANSWERS_PER_REPORT
            if run:
                out.append(timings)
            api.clear()
    finally:
        await application.shutdown()
    return out


@dataclass(frozen=True)
class AnswerFigures:
    """Medians over runs of one bot's figures."""

    one_by_one: float
    together: float
    p50: float
    p99: float
    engine_p50: float
    engine_share: float
    together_p99: float
    start_p50: float
    submit_p50: float
    submit_max: float
    answers: int


def summarise(runs: Sequence[Timings]) -> AnswerFigures:
    """Medians over the runs of throughput and latency percentiles."""
    return AnswerFigures(
        one_by_one=median(len(t.answers) / sum(t.answers) for t in runs),
        together=median(t.together_answers / t.wall for t in runs),
        p50=median(percentile(t.answers, 50) for t in runs),
        p99=median(percentile(t.answers, 99) for t in runs),
        engine_p50=median(percentile(t.engine, 50) for t in runs) if runs[0].engine else 0.0,
        engine_share=median(sum(t.engine) / sum(t.answers) for t in runs)
        if runs[0].engine
        else 0.0,
        together_p99=median(percentile(t.together, 99) for t in runs),
        start_p50=median(percentile(t.starts, 50) for t in runs) if runs[0].starts else 0.0,
        submit_p50=median(percentile(t.submits, 50) for t in runs) if runs[0].submits else 0.0,
        submit_max=max(max(t.submits, default=0.0) for t in runs),
        answers=sum(len(t.answers) + t.together_answers for t in runs),
    )


def _transport_rows(alone: AnswerFigures, echo: AnswerFigures) -> list[Row]:
    """What the transport alone allows: the bound on the answers' ratio to echo."""
    return [
        Row(
            "1 answers/s, the transport alone (the engine's replies replayed)",
            f"{alone.one_by_one:.0f}/s",
            f"echo {echo.one_by_one:.0f}/s",
            ratio(alone.one_by_one, echo.one_by_one),
        ),
        Row("1 answer latency p50, the transport alone", ms(alone.p50), f"echo {ms(echo.p50)}"),
    ]


def measure(
    runs: int = 5, one_by_one: int = 8, together: int = 12, *, postgres: bool = True
) -> tuple[list[Row], dict[str, float]]:
    """Run figure 1; return the table rows and the resident memory after it (MiB)."""
    logging.getLogger("collectors").setLevel(logging.WARNING)
    config = telegram_config(county_config())
    rows: list[Row] = []
    echo = summarise(asyncio.run(echo_runs(runs, one_by_one, together)))
    databases: list[tuple[str, Callable[[], Any]]] = [("SQLite", lambda: sqlite_database(config))]
    url = postgres_url() if postgres else None
    if url is not None:
        databases.append(("PostgreSQL", lambda: postgres_database(url, config)))
    memory: dict[str, float] = {}
    for name, opener in databases:
        DEFAULT_CACHE.clear()  # the same units and answers on each database: draw them again
        sqlite = name == "SQLite"
        with opener() as db:
            bot, alone = asyncio.run(
                _bot_runs(db, config, runs, one_by_one, together, transport_alone=sqlite)
            )
        found = summarise(bot)
        memory[name] = rss_mib()
        meets = found.one_by_one >= 500 and found.one_by_one >= echo.one_by_one / 4
        rows += [
            Row(
                f"1 answers/s, one report after another, {name} ({found.answers} answers)",
                f"{found.one_by_one:.0f}/s",
                f"echo {echo.one_by_one:.0f}/s",
                ratio(found.one_by_one, echo.one_by_one),
                "≥ 500/s and ≥ ×0.25 of echo" if sqlite else "",
                meets if sqlite else None,
            ),
            *(_transport_rows(summarise(alone), echo) if alone else []),
            Row(
                f"1 answer latency p50, {name}",
                ms(found.p50),
                f"echo {ms(echo.p50)}",
                ratio(found.p50, echo.p50),
            ),
            Row(
                f"1 answer latency p99, {name}",
                ms(found.p99),
                f"echo {ms(echo.p99)}",
                ratio(found.p99, echo.p99),
                "< 20 ms" if sqlite else "",
                found.p99 < 0.020 if sqlite else None,
            ),
            Row(
                f"1 engine step of an answer p50 (share of all answer time), {name}",
                f"{ms(found.engine_p50)} ({found.engine_share:.0%})",
            ),
            Row(
                f"1 answers/s, {together} managers at once, {name}",
                f"{found.together:.0f}/s",
                f"echo {echo.together:.0f}/s",
                ratio(found.together, echo.together),
            ),
            Row(
                f"1 answer latency p99, {together} at once (waiting included), {name}",
                ms(found.together_p99),
                f"echo {ms(echo.together_p99)}",
                ratio(found.together_p99, echo.together_p99),
            ),
            Row(f"1 /report (start) p50, {name}", ms(found.start_p50)),
            Row(
                f"1 send report + summary picture p50 (max), {name}",
                f"{ms(found.submit_p50)} ({ms(found.submit_max)})",
            ),
        ]
    if url is None:
        rows.append(Row("1 PostgreSQL", "not reachable: skipped" if postgres else "not asked"))
    return rows, memory


__all__ = ["Replayer", "echo_runs", "measure", "summarise", "telegram_config", "time_engine_steps"]


if __name__ == "__main__":
    from benchmarks.common import table

    found, _memory = measure(runs=3, postgres=False)
    print(table(found))
