"""Conversation state: where each person is, written on every step."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import Conversation, ProcessedUpdate

FIRST_STEPS = 90_000
"""A new conversation's first step is one of this many five-digit numbers, drawn at random."""


def load(session: Session, person_id: int) -> Conversation | None:
    """The person's current conversation, if any."""
    return session.get(Conversation, person_id)


def save(
    session: Session, person_id: int, kind: str, state: dict[str, Any], now: datetime
) -> Conversation:
    """Store the person's conversation state (replacing any earlier one).

    Each save moves the step on by one; buttons carry the step they were made for. A new
    conversation (after an earlier one ended and its row was deleted) starts at a random step,
    so that the buttons of the earlier one, still on screen in the chat, do not match it.
    """
    row = session.get(Conversation, person_id)
    if row is None:
        first = 10_000 + secrets.randbelow(FIRST_STEPS)
        row = Conversation(
            person_id=person_id, kind=kind, state=dict(state), step=first, updated_at=now
        )
    else:
        row.kind = kind
        row.state = dict(state)  # a new object, so the JSON column is seen as changed
        row.step += 1
        row.updated_at = now
    session.add(row)
    session.flush()
    return row


def clear(session: Session, person_id: int) -> None:
    """End the person's conversation."""
    row = session.get(Conversation, person_id)
    if row is not None:
        session.delete(row)
        session.flush()


def seen_update(session: Session, key: str, now: datetime) -> bool:
    """Record an update key; ``True`` when it had been handled already."""
    if session.get(ProcessedUpdate, key) is not None:
        return True
    session.add(ProcessedUpdate(key=key, at=now))
    session.flush()
    return False


def purge_updates(session: Session, older_than: datetime) -> int:
    """Forget update keys older than the redelivery window."""
    result = session.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < older_than))
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_conversations(session: Session, older_than: timedelta, now: datetime) -> int:
    """Drop conversations untouched for longer than ``older_than``."""
    result = session.execute(
        delete(Conversation).where(col(Conversation.updated_at) < now - older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
