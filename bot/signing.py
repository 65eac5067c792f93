"""Signed button data: what a chat client sends back is checked before the engine sees it.

Telegram returns a button's ``callback_data`` exactly as the client sends it, and any client can
send any data. Each button's data is therefore prefixed with a short HMAC of the data and the
chat it was sent to, so data forged, altered or copied to another chat is refused::

    signed = ButtonSigner(secret).sign(chat_id, "12|c:0")  # "Xk3...9Q12|c:0"
    ButtonSigner(secret).verify(chat_id, signed)           # "12|c:0", or None when forged

The tag is 8 bytes of HMAC-SHA256 (11 URL-safe base64 characters): enough that guessing one is
hopeless within Telegram's rate limits, and short enough to leave 53 bytes of the 64 that
``callback_data`` may hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

TAG_BYTES = 8
TAG_CHARS = 11  # len(urlsafe_b64encode(8 bytes)) without padding
MAX_CALLBACK_BYTES = 64
MAX_DATA_BYTES = MAX_CALLBACK_BYTES - TAG_CHARS
_CONTEXT = b"omabot telegram buttons v1"


class ButtonDataTooLong(ValueError):
    """The data does not fit in a signed ``callback_data`` (more than 53 bytes)."""


class ButtonSigner:
    """Signs and verifies button data, bound to one chat.

    Args:
        secret: The installation's secret (``security.secret_env``); a key for buttons only is
            derived from it, so a tag never helps against anything else signed with the secret.

    Raises:
        ValueError: ``secret`` is empty.
    """

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("a non-empty secret is required to sign button data")
        self._key = hmac.new(secret, _CONTEXT, hashlib.sha256).digest()

    def _tag(self, chat_id: int | str, data: str) -> str:
        message = f"{chat_id}\x00{data}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()[:TAG_BYTES]
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def sign(self, chat_id: int | str, data: str) -> str:
        """Return ``data`` with its tag in front, for a button sent to ``chat_id``.

        Raises:
            ButtonDataTooLong: The signed data would exceed Telegram's 64 bytes.
        """
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ButtonDataTooLong(
                f"button data of {len(data.encode())} bytes exceeds {MAX_DATA_BYTES} bytes"
            )
        return self._tag(chat_id, data) + data

    def verify(self, chat_id: int | str, signed: str) -> str | None:
        """Return the original data if ``signed`` was made by :meth:`sign` for ``chat_id``.

        Returns:
            The data without its tag, or ``None`` when the tag is missing or wrong.
        """
        if len(signed) < TAG_CHARS:
            return None
        tag, data = signed[:TAG_CHARS], signed[TAG_CHARS:]
        expected = self._tag(chat_id, data)
        if not hmac.compare_digest(tag.encode(), expected.encode()):
            return None
        return data


__all__ = ["MAX_DATA_BYTES", "ButtonDataTooLong", "ButtonSigner"]
