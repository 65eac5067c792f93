"""Rendering the engine's replies as Telegram messages.

Text goes out as plain text (no ``parse_mode``), so nothing a person typed and the engine
echoes can ever turn into markup or links. Options become an inline keyboard laid out
``columns`` buttons to a row, each button's data signed for the chat (:mod:`bot.signing`).
Texts longer than Telegram allows are split at line breaks; the keyboard goes with the last
part.

Texts and keyboard edits go out through :func:`post`, as the Bot API's JSON: python-telegram-bot's
typed methods parse the ``Message`` every such call returns, which the bot never reads, and
that parsing was a third of the transport's time per answer (``benchmarks/RESULTS.md``,
figure 1). Pictures and files keep the typed methods, which prepare the upload.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.signing import ButtonDataTooLong, ButtonSigner
from collectors.messages import DocumentReply, ImageReply, Option, Outbound, TextReply

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # UTF-16 code units, as Telegram counts
CAPTION_LIMIT = 1024


def _units(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(line: str, limit: int) -> list[str]:
    """Cut one line that is too long into pieces of at most ``limit`` units."""
    if _units(line) <= limit:
        return [line]
    pieces: list[str] = []
    current, size = "", 0
    for char in line:
        width = _units(char)
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return pieces


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split ``text`` into parts Telegram accepts, at line breaks where possible.

    Args:
        text: The text to send.
        limit: The largest part in UTF-16 code units.

    Returns:
        The non-blank parts in order; empty when ``text`` is blank.
    """
    chunks: list[str] = []
    current, size = "", 0
    for line in text.split("\n"):
        for piece in _hard_split(line, limit):
            width = _units(piece)
            if not current:
                current, size = piece, width
            elif size + 1 + width <= limit:
                current, size = f"{current}\n{piece}", size + 1 + width
            else:
                chunks.append(current)
                current, size = piece, width
    chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


Markup = dict[str, list[list[dict[str, str]]]]
"""An inline keyboard as the Bot API's JSON: ``{"inline_keyboard": [[button, ...], ...]}``."""

UNPARSED_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")
"""The Bot API methods :func:`post` calls."""


async def post(bot: Bot, method: str, **params: Any) -> None:
    """Call one of :data:`UNPARSED_METHODS` and leave its answer unparsed.

    The call takes the typed methods' way (the application's rate limiter, its retries after
    a 429, the same errors); only the ``Message`` it returns is not turned into objects.
    Parameters that are ``None`` are left out, as the typed methods leave them.

    The method goes to ``do_api_request`` in lower case. Telegram reads method names in any
    case ("All methods in the Bot API are case-insensitive", core.telegram.org/bots/api), and
    python-telegram-bot warns when ``do_api_request`` is given a name it has a typed method
    of, spelt as it spells it: the typed method is exactly what this avoids.

    Raises:
        ValueError: ``method`` is not one of :data:`UNPARSED_METHODS`.
        telegram.error.TelegramError: Telegram refused or could not be reached.
    """
    if method not in UNPARSED_METHODS:
        raise ValueError(f"{method} is not one of the calls sent unparsed")
    await bot.do_api_request(method.lower(), api_kwargs=params)


def keyboard(
    options: tuple[Option, ...], columns: int, chat_id: int | str, signer: ButtonSigner
) -> Markup | None:
    """An inline keyboard with ``columns`` buttons to a row and signed data.

    A button whose data is too long to sign is left out and logged as an error (the engine
    keeps its data short; this is a programming error, not a person's).

    Returns:
        The keyboard, or ``None`` when there are no buttons.
    """
    buttons: list[dict[str, str]] = []
    for option in options:
        try:
            data = signer.sign(chat_id, option.data)
        except ButtonDataTooLong:
            log.error("button left out: its data (%d bytes) is too long", len(option.data))
            continue
        buttons.append({"text": option.label, "callback_data": data})
    if not buttons:
        return None
    width = max(1, columns)
    rows = [buttons[start : start + width] for start in range(0, len(buttons), width)]
    return {"inline_keyboard": rows}


async def _send_text(bot: Bot, chat_id: int | str, text: str, markup: Markup | None) -> None:
    parts = split_text(text)
    if not parts:
        if markup is None:
            log.warning("an empty text reply was not sent")
            return
        parts = ["…"]  # a keyboard needs a message to sit on
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        await post(
            bot, "sendMessage", chat_id=chat_id, text=part, reply_markup=markup if last else None
        )


async def _send_file(bot: Bot, chat_id: int | str, reply: ImageReply | DocumentReply) -> None:
    caption = reply.caption if _units(reply.caption) <= CAPTION_LIMIT else ""
    if isinstance(reply, ImageReply):
        try:
            await bot.send_photo(
                chat_id, reply.content, caption=caption or None, filename=reply.filename
            )
        except BadRequest as problem:
            # Telegram refuses photos that are too large or too narrow; a file always works.
            log.warning("photo refused (%s); sending it as a file", problem.message)
            await bot.send_document(
                chat_id, reply.content, caption=caption or None, filename=reply.filename
            )
    else:
        document = InputFile(reply.content, filename=reply.filename)
        document.mimetype = reply.mime_type
        await bot.send_document(chat_id, document, caption=caption or None)
    if reply.caption and not caption:
        await _send_text(bot, chat_id, reply.caption, None)


async def send_reply(bot: Bot, chat_id: int | str, reply: Outbound, signer: ButtonSigner) -> None:
    """Send one reply to a chat.

    Args:
        bot: The application's bot (its rate limiter applies).
        chat_id: The Telegram chat.
        reply: What the engine wants said.
        signer: Signs the data of the reply's buttons for this chat.

    Raises:
        telegram.error.TelegramError: Telegram refused or could not be reached (after the rate
            limiter's retries).
    """
    if isinstance(reply, TextReply):
        markup = keyboard(reply.options, reply.columns, chat_id, signer)
        await _send_text(bot, chat_id, reply.text, markup)
    else:
        await _send_file(bot, chat_id, reply)


__all__ = ["UNPARSED_METHODS", "Markup", "keyboard", "post", "send_reply", "split_text"]
