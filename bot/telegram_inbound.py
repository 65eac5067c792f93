"""Turning Telegram updates into the engine's :class:`~collectors.messages.Inbound`.

Translation only: text is text, ``/command args`` is a command, a pressed button is a choice
whose signed data has been checked, and a sticker, photo, file or voice message is
"unsupported" (the engine explains that it reads text and buttons). Also here: the update
processor that keeps each chat's updates in order while different chats run concurrently.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from bot.signing import ButtonSigner
from collectors.messages import Inbound, InboundKind, Sender

TRANSPORT = "telegram"
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?", re.DOTALL)


def update_key(update: Update) -> str:
    """The de-duplication key of an update (``"telegram:<update_id>"``)."""
    return f"{TRANSPORT}:{update.update_id}"


def is_private(update: Update) -> bool:
    """Whether the update comes from a person's private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def sender_of(update: Update) -> Sender | None:
    """Who sent the update, or ``None`` for updates without a human sender and a chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    return Sender(
        transport=TRANSPORT,
        external_id=str(user.id),
        chat_id=str(chat.id),
        display_name=user.first_name or "",
        language_hint=user.language_code,
    )


def parse_text(sender: Sender, text: str, key: str | None = None) -> Inbound:
    """A typed message: a command when it starts with ``/name``, otherwise text.

    The command name is lower-cased and a ``@botname`` suffix is dropped.
    """
    match = _COMMAND.fullmatch(text)
    if match is None:
        return Inbound(sender, InboundKind.TEXT, text=text, update_key=key)
    name, rest = match.groups()
    return Inbound(
        sender,
        InboundKind.COMMAND,
        text=text,
        command=name.lower(),
        args=tuple(rest.split()) if rest else (),
        update_key=key,
    )


def to_inbound(update: Update, signer: ButtonSigner) -> tuple[Inbound | None, bool]:
    """Translate an update from a private chat.

    Args:
        update: The update.
        signer: Checks the data of a pressed button against the chat it was sent to.

    Returns:
        The inbound message (``None`` when the update is nothing the engine handles, e.g. a
        service message) and whether it was a button press with forged or altered data. Such a
        press becomes a choice with empty data, which the engine refuses as an unknown button.
    """
    sender = sender_of(update)
    if sender is None:
        return None, False
    key = update_key(update)
    query = update.callback_query
    if query is not None:
        if query.data is None:
            return None, False
        data = signer.verify(sender.chat_id, query.data)
        inbound = Inbound(sender, InboundKind.CHOICE, choice=data or "", update_key=key)
        return inbound, data is None
    message = update.message
    if message is None:
        return None, False
    if message.text is not None:
        return parse_text(sender, message.text, key), False
    if message.effective_attachment is not None:
        return Inbound(sender, InboundKind.UNSUPPORTED, update_key=key), False
    return None, False


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Processes updates of different chats concurrently, and each chat's one at a time.

    A person's second message must not overtake their first (answers would land on the wrong
    question), while a slow step for one person should not hold up everyone else.

    Args:
        max_concurrent_updates: How many updates may be in hand at once.
    """

    def __init__(self, max_concurrent_updates: int = 32) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await ``coroutine`` once the chat's earlier updates are done."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._holders[chat.id] = self._holders.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._holders[chat.id] -= 1
            if not self._holders[chat.id]:
                del self._holders[chat.id]
                del self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def chats_in_hand(self) -> int:
        """How many chats have updates being processed or waiting."""
        return len(self._locks)


__all__ = [
    "TRANSPORT",
    "ChatOrderedProcessor",
    "is_private",
    "parse_text",
    "sender_of",
    "to_inbound",
    "update_key",
]
