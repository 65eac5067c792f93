"""Conversation state: where each person is, written on every step."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session, col

from storage.db import dialect_insert
from storage.models import Conversation, ProcessedUpdate

FIRST_STEPS = 90_000
"""A new conversation's first step is one of this many five-digit numbers, drawn at random."""

# These run on every step, so they are SQLAlchemy Core statements built once: through the ORM
# each cost three to five times as much (benchmarks/RESULTS.md, figure 1).
_TABLE: Any = Conversation.__table__  # type: ignore[attr-defined]
_LOAD = select(_TABLE.c.kind, _TABLE.c.state, _TABLE.c.step).where(
    _TABLE.c.person_id == bindparam("person_id")
)
_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.person_id == bindparam("b_person_id"))
    .values(
        kind=bindparam("b_kind"),
        state=bindparam("b_state"),
        step=_TABLE.c.step + 1,
        updated_at=bindparam("now"),
    )
    .returning(_TABLE.c.step)
)
_DELETE = delete(_TABLE).where(_TABLE.c.person_id == bindparam("person_id"))
_UPDATES: Any = ProcessedUpdate.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ConversationRow:
    """A person's stored conversation as the step read it (a snapshot, not a live row)."""

    person_id: int
    kind: str
    state: dict[str, Any]
    step: int


def load(session: Session, person_id: int) -> ConversationRow | None:
    """The person's current conversation, if any."""
    found = session.connection().execute(_LOAD, {"person_id": person_id}).first()
    if found is None:
        return None
    return ConversationRow(person_id, found.kind, dict(found.state), found.step)


def save(
    session: Session, person_id: int, kind: str, state: dict[str, Any], now: datetime
) -> ConversationRow:
    """Store the person's conversation state (replacing any earlier one).

    Each save moves the step on by one; buttons carry the step they were made for. A new
    conversation (after an earlier one ended and its row was deleted) starts at a random step,
    so that the buttons of the earlier one, still on screen in the chat, do not match it.
    """
    connection = session.connection()
    values = {"b_person_id": person_id, "b_kind": kind, "b_state": dict(state), "now": now}
    step = connection.execute(_UPDATE, values).scalar()
    if step is None:
        step = 10_000 + secrets.randbelow(FIRST_STEPS)
        row = {"person_id": person_id, "kind": kind, "state": dict(state), "step": step}
        connection.execute(_TABLE.insert(), row | {"updated_at": now})
    return ConversationRow(person_id, kind, dict(state), int(step))


def clear(session: Session, person_id: int) -> None:
    """End the person's conversation."""
    session.connection().execute(_DELETE, {"person_id": person_id})


@cache
def _seen_statement(insert: Callable[..., Any]) -> Any:
    return insert(_UPDATES).on_conflict_do_nothing(index_elements=["key"])


def seen_update(session: Session, key: str, now: datetime) -> bool:
    """Record an update key; ``True`` when it had been handled already.

    One ``INSERT .. ON CONFLICT (key) DO NOTHING``: a key already there inserts nothing.
    """
    statement = _seen_statement(dialect_insert(session))
    result: Any = session.connection().execute(statement, {"key": key, "at": now.astimezone(UTC)})
    return int(result.rowcount) == 0


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
