"""Neutral message types exchanged between transports and the conversation engine.

A transport (Telegram, the terminal chat, later Teams) turns a platform update into an
:class:`Inbound` and renders each :class:`Outbound` the engine returns. Nothing here knows
about any platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class InboundKind(StrEnum):
    """What a person sent."""

    TEXT = "text"
    CHOICE = "choice"
    COMMAND = "command"
    UNSUPPORTED = "unsupported"  # a sticker, photo or file where text is expected


@dataclass(frozen=True)
class Sender:
    """Who sent a message, as the transport knows them.

    Attributes:
        transport: The transport's name, e.g. ``"telegram"`` or ``"terminal"``.
        external_id: The person's stable id on that transport (Telegram user id).
        chat_id: Where replies go on that transport (Telegram chat id).
        display_name: A name to greet the person with; never used for authorisation.
        language_hint: The platform's idea of the person's language (``"fi"``...), if any.
    """

    transport: str
    external_id: str
    chat_id: str
    display_name: str = ""
    language_hint: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message from a person.

    Attributes:
        sender: Who sent it.
        kind: Text, a chosen option, a command or something unsupported.
        text: The text typed (for ``TEXT``) or the raw command line (for ``COMMAND``).
        choice: The option data of a pressed button (for ``CHOICE``).
        command: The command name without the slash, lower case (for ``COMMAND``).
        args: The command's arguments.
        update_key: A transport-unique key of the update, used to handle a redelivered
            update only once (e.g. ``"telegram:123456"``); ``None`` when not applicable.
    """

    sender: Sender
    kind: InboundKind
    text: str = ""
    choice: str = ""
    command: str = ""
    args: tuple[str, ...] = ()
    update_key: str | None = None


@dataclass(frozen=True)
class Option:
    """A button: what the person sees and the data the engine gets back when pressed."""

    label: str
    data: str


@dataclass(frozen=True)
class TextReply:
    """A text message, optionally with buttons laid out ``columns`` to a row.

    ``in_place`` asks, when this is the first reply to a pressed button, to show it in place
    of the message that carried the button (a keyboard whose ticks change as it is pressed),
    where the transport can; otherwise, and elsewhere, it is sent like any other reply.
    """

    text: str
    options: tuple[Option, ...] = ()
    columns: int = 1
    in_place: bool = False


@dataclass(frozen=True)
class ImageReply:
    """A picture (PNG) with an optional caption."""

    content: bytes = field(repr=False)
    filename: str = "chart.png"
    caption: str = ""


@dataclass(frozen=True)
class DocumentReply:
    """A file (PDF, XLSX, CSV) with an optional caption."""

    content: bytes = field(repr=False)
    filename: str = "document.bin"
    caption: str = ""
    mime_type: str = "application/octet-stream"


Outbound = TextReply | ImageReply | DocumentReply


@dataclass(frozen=True)
class Delivery:
    """A message the engine wants sent to someone other than the current sender.

    Used by reminders and escalations: the scheduler hands these to the transport
    that owns ``transport``.
    """

    person_id: int
    transport: str
    chat_id: str
    reply: Outbound


class DeliveryOutcome(StrEnum):
    """What became of a delivery."""

    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot or the chat is gone: do not retry
    FAILED = "failed"  # anything else after the transport's own retries


class Deliverer(Protocol):
    """A transport that can send a message to someone on its own initiative (reminders)."""

    transport: str

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        """Send one message; never raises for a per-recipient failure."""
        ...
