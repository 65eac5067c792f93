"""The Telegram transport: python-telegram-bot in, the engine in the middle, replies out.

It decides nothing. Every update from a private chat becomes an
:class:`~collectors.messages.Inbound` (:mod:`bot.telegram_inbound`), the engine handles it in
a worker thread (one database transaction per step), and the replies are sent as plain-text
messages with signed inline keyboards (:mod:`bot.telegram_render`). Conversation state lives
in our database, not in PTB, so the process can restart at any moment. Running it as a
whole bot (server, signals, services) is :func:`bot.telegram.run_bot`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import BotCommand, CallbackQuery, Message, Update
from telegram.constants import FloodLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot.signing import ButtonSigner
from bot.telegram_inbound import TRANSPORT, ChatOrderedProcessor, is_private, to_inbound
from bot.telegram_render import keyboard, post, send_reply, split_text
from collectors.config import LANGUAGES, AppConfig
from collectors.engine import Engine
from collectors.i18n import pick_language, translator
from collectors.messages import Delivery, DeliveryOutcome, Outbound, TextReply

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
DESCRIPTION_LIMIT = 256
SENDS_PER_SECOND = 28.5
"""The bot's pace over all chats; with :data:`SEND_BURST` no second holds more than 30, which
is what Telegram allows."""
SEND_BURST = 1.5
"""The limiter's bucket: one and a half sends, so that a timer that fires late (the event loop
wakes on whole milliseconds) does not cost the next send its turn."""
DELIVERIES_AHEAD = 30
"""How many of the bot's own messages (reminders, invitations) may wait in the rate limiter at
once: about a second of sends. A round handed over all at once would otherwise queue there in
full, and the reply to someone writing meanwhile would wait behind every message of it (five
minutes for a county's 10 000: ``benchmarks/RESULTS.md``, figure 4); the limiter is never left
idle either way. While a reply is being sent, no further delivery enters the limiter: it is
not first come, first served (a waiter that loses a free slot to a newcomer queues again at
the back), so the reply would otherwise wait behind a stream of deliveries, not just these."""


def flood_limiter(time_scale: float = 1.0, max_retries: int = 3) -> AIORateLimiter:
    """PTB's rate limiter set to Telegram's flood limits, with the sends spaced evenly.

    ``AIORateLimiter()`` as such is a leaky bucket of 30: it lets 30 messages go at once and
    then 30 a second, up to 59 in the first second of a reminder round. Telegram answers the
    excess with 429, and the limiter then halts every send for the ``retry_after`` seconds and
    gives up on a message after ``max_retries``: a round of 10 000 took 2.7 times as long as
    it should and lost messages (``benchmarks/RESULTS.md``, figure 4). A bucket of 1.5 spaces
    the sends evenly instead, 28.5 a second, so no second ever holds more than 30; a 429 that
    still comes is waited out and retried.

    Args:
        time_scale: Seconds of the Bot API's clock per real second: 1 against Telegram; more
            against a fake Bot API that counts time faster (benchmarks).
        max_retries: How often one request is retried after a 429.
    """
    return AIORateLimiter(
        overall_max_rate=SEND_BURST,
        overall_time_period=SEND_BURST / (SENDS_PER_SECOND * time_scale),
        group_max_rate=FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period=60 / time_scale,
        max_retries=max_retries,
    )


class BotStartError(RuntimeError):
    """The bot cannot start: a secret or setting is missing (the message says which)."""


class TelegramTransport:
    """One Telegram bot connected to the engine; also the scheduler's ``Deliverer``.

    Args:
        engine: The conversation engine; its ``secret`` keys the button signatures.
        config: The configuration (``telegram`` section: API URLs and mode).
        token: The bot token.
        request: A PTB request object for the bot's calls (tests pass the fake's).
        get_updates_request: A PTB request object for ``getUpdates`` (polling mode only).
        max_concurrent_steps: How many engine steps may run at once, each in a thread of the
            transport's own; default 1 on SQLite (a single writer) and 8 otherwise.
        rate_limiter: The limiter of the bot's calls; default :func:`flood_limiter` (benchmarks
            pass one with a scaled clock or without pacing).

    Raises:
        ValueError: The engine has no secret to sign buttons with.
    """

    transport = TRANSPORT

    def __init__(
        self,
        engine: Engine,
        config: AppConfig,
        token: str,
        *,
        request: BaseRequest | None = None,
        get_updates_request: BaseRequest | None = None,
        max_concurrent_steps: int | None = None,
        rate_limiter: BaseRateLimiter[Any] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.signer = ButtonSigner(engine.secret)
        self.counters: dict[str, int] = {}
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(config.telegram.api_base_url)
            .base_file_url(config.telegram.api_file_url)
            .rate_limiter(rate_limiter or flood_limiter())
            .concurrent_updates(ChatOrderedProcessor())
            .job_queue(None)
        )
        if request is not None:
            builder = builder.request(request)
        if config.telegram.mode == "webhook":
            builder = builder.updater(None)
        elif get_updates_request is not None:
            builder = builder.get_updates_request(get_updates_request)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        sqlite = engine.db.url.startswith("sqlite")
        steps = max_concurrent_steps or (1 if sqlite else 8)
        self._steps = asyncio.Semaphore(steps)
        # Threads of its own, as many as steps may run: a step goes to a thread that is
        # waiting for it, not to whichever of asyncio's default pool (benchmarks/RESULTS.md).
        self._workers = ThreadPoolExecutor(steps, thread_name_prefix="engine-step")
        self._deliveries = asyncio.Semaphore(DELIVERIES_AHEAD)
        self._replies_sending = 0
        self._no_reply_sending = asyncio.Event()
        self._no_reply_sending.set()

    def _count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1

    # incoming -------------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: Any) -> None:
        query = update.callback_query
        if query is not None:
            await self._answer(query)
        if not is_private(update):
            async with self._replying():
                await self._refuse_group(update)
            return
        inbound, forged = to_inbound(update, self.signer)
        if inbound is None:
            return
        if forged:
            self._count("invalid_buttons")
            log.warning("refused a button with altered data from %s", inbound.sender.external_id)
        async with self._steps:
            loop = asyncio.get_running_loop()
            replies = await loop.run_in_executor(self._workers, self.engine.handle, inbound)
        chat_id = int(inbound.sender.chat_id)
        async with self._replying():
            to_send: Sequence[Outbound] = replies
            if query is not None:
                to_send = await self._show_in_place(query, chat_id, replies)
            await self._send_all(chat_id, to_send)

    @contextlib.asynccontextmanager
    async def _replying(self) -> AsyncIterator[None]:
        """Hold back the deliveries not yet in the rate limiter while a reply is sent."""
        self._replies_sending += 1
        self._no_reply_sending.clear()
        try:
            yield
        finally:
            self._replies_sending -= 1
            if not self._replies_sending:
                self._no_reply_sending.set()

    async def _answer(self, query: CallbackQuery) -> None:
        try:
            await query.answer()
        except TelegramError as problem:  # too old: the person waited, nothing else to do
            log.debug("could not answer a callback query: %s", problem.message)

    async def _show_in_place(
        self, query: CallbackQuery, chat_id: int, replies: Sequence[Outbound]
    ) -> Sequence[Outbound]:
        """Edit the pressed message into the first reply if it asks so, else drop its buttons.

        Returns:
            The replies still to send: all of them unless the edit was made.
        """
        first = replies[0] if replies else None
        message = query.message
        if (
            isinstance(first, TextReply)
            and first.in_place
            and isinstance(message, Message)
            and message.text is not None
            and split_text(first.text) == [first.text]
        ):
            markup = keyboard(first.options, first.columns, chat_id, self.signer)
            try:
                await post(
                    self.application.bot,
                    "editMessageText",
                    chat_id=message.chat.id,
                    message_id=message.message_id,
                    text=first.text,
                    reply_markup=markup,
                )
                return replies[1:]
            except TelegramError as problem:  # too old, deleted meanwhile: send it anew
                log.debug("could not edit the pressed message: %s", problem.message)
        await self._drop_keyboard(query)
        return replies

    async def _drop_keyboard(self, query: CallbackQuery) -> None:
        """Take the buttons off the pressed message, so old questions cannot be pressed."""
        message = query.message
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        try:  # without a reply_markup the keyboard is removed
            await post(
                self.application.bot,
                "editMessageReplyMarkup",
                chat_id=message.chat.id,
                message_id=message.message_id,
            )
        except TelegramError as problem:  # older than 48 h, or already edited
            log.debug("could not remove an old keyboard: %s", problem.message)

    async def _refuse_group(self, update: Update) -> None:
        message = update.message
        if message is None or not (message.text or "").startswith("/"):
            return
        user = update.effective_user
        hint = user.language_code if user is not None else None
        _ = translator(pick_language(hint, self.config.default_language))
        text = _("I work only in private chats. Please open a private chat with me.")
        await self._send_all(message.chat.id, [TextReply(text)])

    async def _send_all(self, chat_id: int, replies: Sequence[Outbound]) -> None:
        for reply in replies:
            try:
                await send_reply(self.application.bot, chat_id, reply, self.signer)
            except TelegramError as problem:
                self._count("send_errors")
                log.warning("could not send a reply to chat %s: %s", chat_id, problem.message)
                return

    async def _on_error(self, update: object, context: Any) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("processing update %s failed", update_id, exc_info=context.error)

    # outgoing on our own initiative -----------------------------------------------------------
    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        """Send a reminder or other message to a person's chat; never raises.

        At most :data:`DELIVERIES_AHEAD` wait for the rate limiter at a time, and none enters
        it while a reply is being sent, so replies to people who write meanwhile wait behind
        at most those, not a whole round. Flood-control answers (429) are retried by the rate
        limiter.

        Returns:
            ``SENT``; ``BLOCKED`` when the person blocked the bot or the chat is gone;
            ``FAILED`` for anything else.
        """
        outcome = DeliveryOutcome.FAILED
        if delivery.transport != self.transport:
            log.error("a %s delivery was handed to the Telegram transport", delivery.transport)
            return outcome
        chat_id: int | str = delivery.chat_id
        with contextlib.suppress(ValueError):
            chat_id = int(delivery.chat_id)
        try:
            async with self._deliveries:
                await self._no_reply_sending.wait()
                await send_reply(self.application.bot, chat_id, delivery.reply, self.signer)
            outcome = DeliveryOutcome.SENT
        except Forbidden:
            outcome = DeliveryOutcome.BLOCKED
        except BadRequest as problem:
            if "chat not found" in problem.message.lower():
                outcome = DeliveryOutcome.BLOCKED
            else:
                log.warning("delivery to person %s refused: %s", delivery.person_id, problem)
        except Exception as problem:
            log.warning(
                "delivery to person %s failed: %s", delivery.person_id, type(problem).__name__
            )
        self._count(f"deliveries_{outcome}")
        return outcome

    async def set_commands(self) -> None:
        """Set the command menu in each language, and the default one without a language."""
        bot = self.application.bot
        for language in LANGUAGES:
            await bot.set_my_commands(self._commands(language), language_code=language)
        await bot.set_my_commands(self._commands(self.config.default_language))

    def _commands(self, language: str) -> list[BotCommand]:
        menu = self.engine.menu(language)
        return [BotCommand(name, description[:DESCRIPTION_LIMIT]) for name, description in menu]

    # lifecycle --------------------------------------------------------------------------------
    async def start(
        self,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        poll_timeout: int = 10,
    ) -> None:
        """Connect, set the command menus and start receiving updates.

        Polling mode deletes any webhook first; webhook mode registers ``webhook_url`` with
        ``webhook_secret`` (updates then arrive through :mod:`bot.server`).
        """
        app = self.application
        await app.initialize()
        await self.set_commands()
        if app.updater is None:
            if not webhook_url:
                raise BotStartError("webhook mode needs telegram.webhook_url")
            await app.start()
            await app.bot.set_webhook(
                webhook_url, secret_token=webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
            return
        await app.bot.delete_webhook()
        await app.start()
        await app.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )

    @property
    def running(self) -> bool:
        """Whether updates are being received and handled (for the health check)."""
        updater = self.application.updater
        return self.application.running and (updater is None or updater.running)

    async def stop(self) -> None:
        """Stop receiving, finish the updates in hand, and disconnect."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        self._workers.shutdown()


__all__ = [
    "ALLOWED_UPDATES",
    "DELIVERIES_AHEAD",
    "SENDS_PER_SECOND",
    "SEND_BURST",
    "BotStartError",
    "TelegramTransport",
    "flood_limiter",
]
