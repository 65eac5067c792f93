"""Unfinished survey answers, sealed inside the conversation state.

A conversation row names its person, so the answers given so far are stored there only
encrypted and authenticated under a key derived from the installation secret (which lives
outside the database). Whatever copy of the row survives — a backup taken mid-survey, a
deleted row on a free SQLite page or in the WAL file, a dead PostgreSQL tuple — holds no
readable answer.

The construction uses only the standard library: HMAC-SHA256 as a pseudo-random function in
counter mode for the key stream (a fresh random nonce per sealing), and HMAC-SHA256 over the
nonce, the ciphertext, the person and the round as the tag (encrypt-then-MAC), with separate
keys for the two. A sealed draft that does not verify (another person's, another round's, or
altered) opens as empty: the person answers again, nothing else happens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

NONCE_BYTES = 16
TAG_BYTES = 16
_BLOCK = hashlib.sha256().digest_size


def _key(secret: bytes, purpose: bytes) -> bytes:
    return hmac.new(secret, b"omabot survey draft " + purpose, hashlib.sha256).digest()


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + _BLOCK - 1) // _BLOCK
    return b"".join(
        hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        for counter in range(blocks)
    )[:length]


def _xor(data: bytes, key: bytes, nonce: bytes) -> bytes:
    stream = _stream(key, nonce, len(data))
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def _tag(key: bytes, nonce: bytes, body: bytes, person_id: int, round_id: str) -> bytes:
    bound = f"{person_id}:{round_id}".encode()
    mac = hmac.new(key, len(bound).to_bytes(4, "big") + bound + nonce + body, hashlib.sha256)
    return mac.digest()[:TAG_BYTES]


def seal(secret: bytes, person_id: int, round_id: str, answers: dict[str, Any]) -> str:
    """Encrypt and authenticate a person's unfinished answers to a round.

    Args:
        secret: The installation secret (non-empty).
        person_id: Whose answers they are (bound into the tag).
        round_id: The round (bound into the tag).
        answers: Question id to the answer so far (JSON-serialisable).

    Returns:
        Text to keep in the conversation state.
    """
    if not secret:
        raise ValueError("sealing needs the installation secret")
    plain = json.dumps(answers, ensure_ascii=False, separators=(",", ":")).encode()
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = _xor(plain, _key(secret, b"enc"), nonce)
    tag = _tag(_key(secret, b"mac"), nonce, body, person_id, round_id)
    return base64.urlsafe_b64encode(nonce + tag + body).decode("ascii")


def unseal(secret: bytes, person_id: int, round_id: str, sealed: object) -> dict[str, Any]:
    """The answers sealed by :func:`seal`; empty when missing, altered or not this person's."""
    if not secret or not isinstance(sealed, str) or not sealed:
        return {}
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return {}
    nonce, tag, body = (
        raw[:NONCE_BYTES],
        raw[NONCE_BYTES : NONCE_BYTES + TAG_BYTES],
        raw[NONCE_BYTES + TAG_BYTES :],
    )
    expected = _tag(_key(secret, b"mac"), nonce, body, person_id, round_id)
    if len(nonce) != NONCE_BYTES or not hmac.compare_digest(tag, expected):
        return {}
    plain = _xor(body, _key(secret, b"enc"), nonce)
    try:
        answers = json.loads(plain.decode())
    except (UnicodeDecodeError, ValueError):
        return {}
    return answers if isinstance(answers, dict) else {}


__all__ = ["seal", "unseal"]
