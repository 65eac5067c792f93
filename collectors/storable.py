"""What a database can store of a message: NUL and lone surrogates taken out."""

from __future__ import annotations

import re
from dataclasses import replace

from collectors.messages import Inbound

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL (PostgreSQL refuses it), lone surrogates


def storable(message: Inbound) -> Inbound:
    """The message without characters no database can store: NUL and lone surrogates.

    Telegram's JSON can carry both; PostgreSQL refuses a NUL in text and UTF-8 has no lone
    surrogates, so either would fail the step's transaction instead of being read.
    """
    sender = message.sender
    parts = (message.text, message.choice, sender.display_name, *message.args)
    if not any(_UNSTORABLE.search(part) for part in parts):
        return message

    def clean(text: str) -> str:
        return _UNSTORABLE.sub("", text)

    return replace(
        message,
        sender=replace(sender, display_name=clean(sender.display_name)),
        text=clean(message.text),
        choice=clean(message.choice),
        args=tuple(clean(arg) for arg in message.args),
    )


__all__ = ["storable"]
