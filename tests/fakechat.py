"""People talking to a bot through the fake Bot API, many chats at once, without sleeps.

An :class:`Inbox` listens to everything the bot sends (:attr:`FakeBotApi.listeners`) and sorts
what shows in a chat into one queue per chat, so that hundreds of simulated people can each
wait for their own reply without rescanning the whole record. A :class:`TgUser` pushes an
update as Telegram would deliver it and waits, with a deadline, until a message containing
the expected fragments arrives in their chat::

    inbox = Inbox(api)
    anna = TgUser(inbox, 501, "fi")
    await anna.send("/report", expect="1/5")
    await anna.press("Ei saatavilla", expect="2/5")

Works the same whether the bot runs in this process or in another one (``tests/botprocess``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from tests.fakebotapi import FakeBotApi, Sent

SHOWN = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})
"""The calls that put something a person reads into a chat."""


def shown_text(sent: Sent) -> str:
    """The text or caption of a message, with no-break spaces as plain spaces."""
    text = sent.text if sent.text is not None else (sent.caption or "")
    return text.replace("\u00a0", " ").replace("\u202f", " ")


class Inbox:
    """Everything the bot shows, sorted by chat as it is recorded."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._queues: dict[int | str, asyncio.Queue[Sent]] = {}
        api.listeners.append(self._record)

    def _record(self, sent: Sent) -> None:
        if sent.method in SHOWN and sent.chat_id is not None:
            self.queue(sent.chat_id).put_nowait(sent)

    def queue(self, chat_id: int | str) -> asyncio.Queue[Sent]:
        """The messages shown in a chat and not yet read by a :class:`TgUser`."""
        return self._queues.setdefault(chat_id, asyncio.Queue())

    def close(self) -> None:
        """Stop listening."""
        if self._record in self.api.listeners:
            self.api.listeners.remove(self._record)


def _fragments(expect: str | Sequence[str]) -> tuple[str, ...]:
    return (expect,) if isinstance(expect, str) else tuple(expect)


class TgUser:
    """One Telegram user in a private chat with the bot.

    ``last`` holds the messages read while waiting for the latest reply, oldest first.

    Args:
        inbox: Where the bot's messages arrive.
        user_id: The user's (and the private chat's) id.
        language: The ``language_code`` Telegram reports for the user.
        timeout: Seconds to wait for each expected reply.
    """

    def __init__(
        self, inbox: Inbox, user_id: int, language: str = "en", *, timeout: float = 10.0
    ) -> None:
        self.inbox, self.api = inbox, inbox.api
        self.user_id, self.language, self.timeout = user_id, language, timeout
        self.last: list[Sent] = []
        self.update_ids: list[int] = []

    # pushing ---------------------------------------------------------------------------------
    async def send(self, text: str, expect: str | Sequence[str]) -> TgUser:
        """Type ``text`` (commands get their entities) and wait for the expected reply."""
        return await self.exchange(
            lambda: self.api.push_text(self.user_id, text, language_code=self.language),
            expect,
        )

    async def press(self, label: str, expect: str | Sequence[str]) -> TgUser:
        """Press the button labelled ``label`` (or starting with it) in the latest messages."""
        sent, data = self.button(label)
        return await self.press_data(data, sent, expect)

    async def press_data(
        self,
        data: str,
        sent: Sent,
        expect: str | Sequence[str],
    ) -> TgUser:
        """Send a button press with any ``data`` on the bot's message ``sent``."""
        message_id = sent.message_id or 0
        return await self.exchange(
            lambda: self.api.push_callback(
                self.user_id, data, message_id=message_id, check_button=False
            ),
            expect,
        )

    async def exchange(
        self,
        push: Callable[[], int],
        expect: str | Sequence[str],
    ) -> TgUser:
        """Queue an update with ``push`` and wait for a message containing ``expect``."""
        self.drain()
        self.last = []
        self.update_ids.append(push())
        await self.wait(expect)
        return self

    def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update (its ``update_id`` is kept if given) without waiting."""
        update_id = self.api.push_raw(update)
        self.update_ids.append(update_id)
        return update_id

    # waiting and reading -----------------------------------------------------------------
    async def wait(self, expect: str | Sequence[str]) -> Sent:
        """Read this chat's messages until one contains every fragment of ``expect``.

        Raises:
            TimeoutError: No such message within the timeout; the message lists what came.
        """
        fragments = _fragments(expect)
        queue = self.inbox.queue(self.user_id)
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    sent = await queue.get()
                    self.last.append(sent)
                    if all(fragment in shown_text(sent) for fragment in fragments):
                        return sent
        except TimeoutError:
            seen = "\n".join(f"  {shown_text(s)[:120]!r}" for s in self.last) or "  (nothing)"
            raise TimeoutError(
                f"user {self.user_id} waited for {fragments}; the chat showed:\n{seen}"
            ) from None

    def drain(self) -> list[Sent]:
        """Take whatever has arrived in the chat and not been read yet."""
        queue = self.inbox.queue(self.user_id)
        out = []
        while not queue.empty():
            out.append(queue.get_nowait())
        return out

    @property
    def text(self) -> str:
        """The texts of :attr:`last`, joined."""
        return "\n---\n".join(shown_text(s) for s in self.last)

    def button(self, label: str) -> tuple[Sent, str]:
        """The newest message in :attr:`last` with a button ``label`` and that button's data."""
        for sent in reversed(self.last):
            buttons = [(t, d) for t, d in self.api.buttons(sent) if d is not None]
            for text, data in buttons:
                if text == label:
                    return sent, str(data)
            for text, data in buttons:
                if text.startswith(label):
                    return sent, str(data)
        offered = [t for s in self.last for t, _ in self.api.buttons(s)]
        raise AssertionError(f"no button {label!r} for user {self.user_id}; offered {offered}")


__all__ = ["SHOWN", "Inbox", "TgUser", "shown_text"]
