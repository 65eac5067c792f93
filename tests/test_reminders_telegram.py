"""A reminder round through the real python-telegram-bot client against the fake Bot API.

The rate limiter (``AIORateLimiter``) waits out a 429 answer and retries it; a chat that
blocked the bot is recorded and not tried again in the next round; someone who writes while a
round goes out is answered without waiting for the whole round.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from sqlmodel import select
from telegram import Update
from telegram.ext import BaseRateLimiter

from bot.signing import ButtonSigner
from bot.telegram import TelegramTransport
from bot.telegram_transport import DELIVERIES_AHEAD, flood_limiter
from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.messages import Delivery, DeliveryOutcome, TextReply
from collectors.reminders import Reminders
from storage.db import Database
from storage.models import ChatIdentity
from tests.fakebotapi import FakeBotApi
from tests.support import Clock
from tests.test_reminders_support import (
    BEFORE,
    OPEN,
    REMINDER_3,
    REMINDER_7,
    make_world,
    statuses,
)
from tests.test_telegram_e2e import telegram_config

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

CHATS = {"ma": "801", "mb": "802", "mo": "803"}


@pytest.fixture
async def transport(
    fake_api: FakeBotApi, engine: Engine, config: AppConfig
) -> AsyncIterator[TelegramTransport]:
    bot = TelegramTransport(engine, telegram_config(config, fake_api), fake_api.token)
    await bot.application.initialize()
    yield bot
    await bot.application.shutdown()


async def test_a_429_is_retried_and_a_blocked_chat_is_recorded_and_skipped(
    db: Database,
    config: AppConfig,
    clock: Clock,
    engine: Engine,
    fake_api: FakeBotApi,
    transport: TelegramTransport,
) -> None:
    clock.now = BEFORE
    world = make_world(db, config, clock)
    with db.session() as session:
        for row in session.exec(select(ChatIdentity)).all():
            row.transport = "telegram"
            row.chat_id = CHATS.get(row.chat_id, row.chat_id)
            session.add(row)
    reminders = Reminders(db, config, [transport], clock=clock)
    fake_api.fail_next("sendMessage", status=429, retry_after=1)
    clock.now = OPEN
    report = await reminders.run_due()
    # One of the three sends was answered 429: the rate limiter waited and retried it.
    assert (report.sent, report.failed) == (3, 0)
    assert [len(fake_api.sent_to(int(chat))) for chat in CHATS.values()] == [1, 1, 1]
    [to_ma] = fake_api.sent_to(801)
    assert to_ma.text is not None and "Kotihoito A (en)" in to_ma.text
    signer = ButtonSigner(engine.secret)
    data = [signer.verify(801, d or "") for _label, d in fake_api.buttons(to_ma)]
    assert data == ["rem:start:2025-T2:kotihoito-a", "rem:snooze:2025-T2:kotihoito-a"]

    fake_api.block_chat(802)
    clock.now = REMINDER_7
    report = await reminders.run_due()
    assert (report.sent, report.blocked, report.failed) == (2, 1, 0)
    with db.session() as session:
        blocked = session.exec(select(ChatIdentity).where(ChatIdentity.chat_id == "802")).one()
        assert blocked.blocked_at is not None
    mb = world.ids["mb"]
    assert statuses(db)[f"2025-T2:reminder-7:kotihoito-b:{mb}"] == "blocked"

    fake_api.unblock_chat(802)  # were it tried again, it would now go through
    clock.now = REMINDER_3
    report = await reminders.run_due()
    assert (report.sent, report.skipped, report.unreachable) == (2, 1, 1)
    assert len(fake_api.sent_to(802)) == 1  # only the opening message
    assert statuses(db)[f"2025-T2:reminder-3:kotihoito-b:{mb}"] == "skipped"


ROUND = 10 * DELIVERIES_AHEAD
STRANGER = 999


async def start_round(
    bot: TelegramTransport, fake_api: FakeBotApi
) -> list[asyncio.Task[DeliveryOutcome]]:
    """Hand a round of :data:`ROUND` invitations to the transport; return once five went."""
    invitations = [
        asyncio.ensure_future(
            bot.deliver(Delivery(n, "telegram", str(10_000 + n), TextReply("Kutsu")))
        )
        for n in range(ROUND)
    ]
    await fake_api.wait_for_sent(lambda s: s.method == "sendMessage", count=5)
    return invitations


async def stranger_asks(bot: TelegramTransport, fake_api: FakeBotApi) -> Update:
    """Someone not in the round writes ``/help``: the update as the bot receives it."""
    raw = await fake_api.take_update(fake_api.push_text(STRANGER, "/help", language_code="en"))
    update = Update.de_json(raw, bot.application.bot)
    assert update is not None
    return update


async def test_someone_writing_during_a_round_is_answered_before_the_round_ends(
    fake_api: FakeBotApi, engine: Engine, config: AppConfig
) -> None:
    # 285 sends a second on the limiter's clock: the round takes about a second.
    bot = TelegramTransport(
        engine,
        telegram_config(config, fake_api),
        fake_api.token,
        rate_limiter=flood_limiter(time_scale=10),
    )
    await bot.application.initialize()
    try:
        invitations = await start_round(bot, fake_api)
        asked_after = len(fake_api.sent)
        await bot.application.process_update(await stranger_asks(bot, fake_api))
        outcomes = await asyncio.wait_for(asyncio.gather(*invitations), 10)
    finally:
        await bot.application.shutdown()
    assert outcomes == [DeliveryOutcome.SENT] * ROUND
    sends = [s.chat_id for s in fake_api.sent if s.method == "sendMessage"]
    assert len(sends) == ROUND + 1
    # Only the invitations already waiting in the limiter (and those the engine's step let
    # through meanwhile) went out before the reply; unbounded, it came after all of them.
    answered_at = sends.index(STRANGER)
    assert answered_at < asked_after + 2 * DELIVERIES_AHEAD < ROUND


class HoldingLimiter(BaseRateLimiter[None]):
    """Lets every request through at once, except those to ``held_chat``: they wait for
    :attr:`release`. Records the chat of each request as it comes in."""

    def __init__(self, held_chat: int) -> None:
        self.held_chat = held_chat
        self.chats: list[object] = []
        self.release = asyncio.Event()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        self.chats.append(data.get("chat_id"))
        if data.get("chat_id") == self.held_chat:
            await self.release.wait()
        return await callback(*args, **kwargs)

    def after_held(self) -> int:
        """How many requests came in after the first one to the held chat."""
        return len(self.chats) - 1 - self.chats.index(self.held_chat)


async def test_no_delivery_enters_the_rate_limiter_while_a_reply_waits_there(
    fake_api: FakeBotApi, engine: Engine, config: AppConfig
) -> None:
    # The limiter's own order cannot put deliveries ahead of a reply: they are held back.
    limiter = HoldingLimiter(STRANGER)
    bot = TelegramTransport(
        engine, telegram_config(config, fake_api), fake_api.token, rate_limiter=limiter
    )
    await bot.application.initialize()
    try:
        invitations = await start_round(bot, fake_api)
        update = await stranger_asks(bot, fake_api)
        answering = asyncio.ensure_future(bot.application.process_update(update))
        for _ in range(200):  # until the reply waits; then as long again, or too many came
            await asyncio.sleep(0.01)
            if STRANGER in limiter.chats and limiter.after_held() > DELIVERIES_AHEAD:
                break
        came_in_while_held = limiter.after_held() if STRANGER in limiter.chats else None
        limiter.release.set()
        await asyncio.wait_for(answering, 10)
        outcomes = await asyncio.wait_for(asyncio.gather(*invitations), 10)
    finally:
        await bot.application.shutdown()
    assert outcomes == [DeliveryOutcome.SENT] * ROUND
    # Only those already past the gate when the reply's send began: none, or a few.
    assert came_in_while_held is not None
    assert came_in_while_held < DELIVERIES_AHEAD
    assert fake_api.sent_to(STRANGER)
