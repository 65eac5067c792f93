"""Queries for reminders: sent-message claims, who holds a role, snoozes and progress.

Who is away and who stands in for a unit's manager is :mod:`storage.absences`.

A message sent on the bot's own initiative is *claimed* by inserting a
:class:`~storage.notify_models.Notification` whose ``key`` is unique, in a transaction that
commits before the message leaves; a second process inserting the same key gets an
``IntegrityError`` and skips it. The outcome (sent, blocked, failed, skipped) is written
afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import dialect_insert
from storage.models import Answer, ChatIdentity, Person, RoleGrant, Submission
from storage.notify_models import Notification, Snooze
from storage.people import Role


def as_utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite hands them back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# claims ---------------------------------------------------------------------------------------
KEY_LENGTH = 160
"""Claim keys are cut to the column's length."""
KEY_CHUNK = 500
"""Keys per statement in :func:`claimed_keys` (well within every database's parameter limit)."""


@dataclass(frozen=True)
class Claim:
    """What a claim row records: which message, for whom, about what."""

    key: str
    kind: str
    step: str
    person_id: int | None
    period_id: str | None
    unit_id: str | None


def claim(
    session: Session, item: Claim, now: datetime, *, status: str = "claimed", detail: str = ""
) -> Notification | None:
    """Insert the claim row for ``item``; ``None`` when the key is already taken.

    Runs in a savepoint, so a lost race leaves the caller's transaction usable.
    """
    row = Notification(
        key=item.key[:KEY_LENGTH],
        person_id=item.person_id,
        period_id=item.period_id,
        unit_id=item.unit_id,
        kind=item.kind,
        step=item.step,
        status=status,
        detail=detail[:200],
        created_at=now,
        sent_at=now if status != "claimed" else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def claim_many(session: Session, items: Sequence[Claim], now: datetime) -> set[str]:
    """Insert the claim rows of ``items`` in bulk; return the keys this call claimed.

    Like :func:`claim` for each item, but as one batched statement instead of three per
    message (a survey round opening claims one message per staff member): ``INSERT ... ON
    CONFLICT (key) DO NOTHING RETURNING key``, so a key that is already taken, by another
    process or an earlier tick, is simply not returned.
    """
    if not items:
        return set()
    table: Any = Notification.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)
    rows = [
        {
            "key": item.key[:KEY_LENGTH],
            "person_id": item.person_id,
            "period_id": item.period_id,
            "unit_id": item.unit_id,
            "kind": item.kind,
            "step": item.step,
            "status": "claimed",
            "detail": "",
            "created_at": now.astimezone(UTC),
            "sent_at": None,
        }
        for item in items
    ]
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
    return set(session.connection().execute(statement, rows).scalars())


def finish_many(
    session: Session,
    outcomes: Sequence[tuple[str, str]],
    now: datetime,
    *,
    sent_only: bool = False,
) -> None:
    """Record the outcomes ``(key, status)`` of claimed messages in one statement.

    Args:
        session: The session.
        outcomes: Each claim's key and its status (sent, blocked, failed).
        now: When the messages went.
        sent_only: Set ``sent_at`` only for the messages sent (and clear it for the others);
            by default every outcome gets it, as :func:`finish` does.
    """
    if not outcomes:
        return
    table: Any = Notification.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.key == bindparam("claim_key"))
        .values(status=bindparam("new_status"), sent_at=bindparam("moment"))
    )
    moment = now.astimezone(UTC)
    session.connection().execute(
        statement,
        [
            {
                "claim_key": key,
                "new_status": status,
                "moment": moment if status == "sent" or not sent_only else None,
            }
            for key, status in outcomes
        ],
    )


def claimed_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are claimed already (whatever became of the message).

    One ``SELECT key .. WHERE key IN (..)`` on the unique index per :data:`KEY_CHUNK` keys.
    """
    table: Any = Notification.__table__  # type: ignore[attr-defined]
    found: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = [key[:KEY_LENGTH] for key in keys[start : start + KEY_CHUNK]]
        statement = select(table.c.key).where(table.c.key.in_(chunk))
        found.update(session.connection().execute(statement).scalars())
    return found


def finish(
    session: Session, notification_id: int, status: str, now: datetime, detail: str = ""
) -> None:
    """Record the outcome of a claimed message (sent, blocked or failed)."""
    row = session.get(Notification, notification_id)
    if row is None:
        return
    row.status = status
    row.detail = detail[:200]
    row.sent_at = now
    session.add(row)
    session.flush()


def notifications(
    session: Session, period_ids: Iterable[str] | None = None, *, kinds: Iterable[str] = ()
) -> Sequence[Notification]:
    """Claim rows, for some periods and kinds (all when not given), oldest first."""
    statement = select(Notification).order_by(col(Notification.id))
    if period_ids is not None:
        statement = statement.where(col(Notification.period_id).in_(sorted(set(period_ids))))
    kind_list = sorted(set(kinds))
    if kind_list:
        statement = statement.where(col(Notification.kind).in_(kind_list))
    return session.exec(statement).all()


# who holds which role -------------------------------------------------------------------------
def holders(session: Session, role: Role, now: datetime) -> dict[str, list[int]]:
    """Unit id -> ids of people with an active ``role`` grant there (forgotten people left out)."""
    statement = (
        select(RoleGrant.unit_id, RoleGrant.person_id)
        .join(Person, col(Person.id) == col(RoleGrant.person_id))
        .where(RoleGrant.role == role, col(RoleGrant.unit_id).is_not(None))
        .where(col(RoleGrant.revoked_at).is_(None), col(Person.forgotten_at).is_(None))
        .where(or_(col(RoleGrant.valid_until).is_(None), col(RoleGrant.valid_until) > now))
        .order_by(col(RoleGrant.id))
    )
    out: dict[str, list[int]] = {}
    for unit_id, person_id in session.exec(statement).all():
        people = out.setdefault(str(unit_id), [])
        if person_id not in people:
            people.append(person_id)
    return out


def people(session: Session, person_ids: Iterable[int]) -> dict[int, Person]:
    """People by id (forgotten ones left out)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    statement = select(Person).where(col(Person.id).in_(ids), col(Person.forgotten_at).is_(None))
    return {p.id: p for p in session.exec(statement).all() if p.id is not None}


def chat_identities(session: Session, person_ids: Iterable[int]) -> dict[int, list[ChatIdentity]]:
    """Every chat account of the people, oldest first (blocked ones included)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    statement = (
        select(ChatIdentity)
        .where(col(ChatIdentity.person_id).in_(ids))
        .order_by(col(ChatIdentity.id))
    )
    out: dict[int, list[ChatIdentity]] = {}
    for row in session.exec(statement).all():
        out.setdefault(row.person_id, []).append(row)
    return out


def mark_blocked(session: Session, transport: str, chat_id: str, now: datetime) -> int:
    """Remember that a chat blocked the bot or is gone; returns how many accounts were marked."""
    statement = select(ChatIdentity).where(
        ChatIdentity.transport == transport,
        ChatIdentity.chat_id == chat_id,
        col(ChatIdentity.blocked_at).is_(None),
    )
    rows = session.exec(statement).all()
    for row in rows:
        row.blocked_at = now
        session.add(row)
    session.flush()
    return len(rows)


_IDENTITIES: Any = ChatIdentity.__table__  # type: ignore[attr-defined]
_CLEAR_BLOCKED = (
    update(_IDENTITIES)
    .where(
        _IDENTITIES.c.transport == bindparam("b_transport"),
        _IDENTITIES.c.external_id == bindparam("b_external_id"),
        _IDENTITIES.c.blocked_at.is_not(None),
    )
    .values(blocked_at=None)
)


def clear_blocked(session: Session, transport: str, external_id: str) -> bool:
    """Forget a block when the person writes to the bot again; ``True`` when one was cleared.

    One Core ``UPDATE`` built once; the engine calls it when the step's speaker was marked
    blocked (:func:`storage.speakers.find_speaker`).
    """
    result: Any = session.connection().execute(
        _CLEAR_BLOCKED, {"b_transport": transport, "b_external_id": external_id}
    )
    return int(result.rowcount) > 0


# snoozes --------------------------------------------------------------------------------------
def snooze(
    session: Session, person_id: int, period_id: str, unit_id: str, due_at: datetime
) -> Snooze:
    """Ask a person again about a unit's report at ``due_at`` (one pending ask per unit)."""
    statement = select(Snooze).where(
        Snooze.person_id == person_id,
        Snooze.period_id == period_id,
        Snooze.unit_id == unit_id,
        col(Snooze.done_at).is_(None),
    )
    row = session.exec(statement).first()
    if row is None:
        row = Snooze(person_id=person_id, period_id=period_id, unit_id=unit_id, due_at=due_at)
    else:
        row.due_at = due_at
    session.add(row)
    session.flush()
    return row


def due_snoozes(session: Session, now: datetime) -> Sequence[Snooze]:
    """Snoozes due at ``now`` and not yet handled, oldest first."""
    statement = (
        select(Snooze)
        .where(col(Snooze.done_at).is_(None), col(Snooze.due_at) <= now)
        .order_by(col(Snooze.due_at), col(Snooze.id))
    )
    return session.exec(statement).all()


def pending_snoozes(session: Session) -> Sequence[Snooze]:
    """Every snooze not yet handled, by due time."""
    statement = select(Snooze).where(col(Snooze.done_at).is_(None)).order_by(col(Snooze.due_at))
    return session.exec(statement).all()


def close_snooze(session: Session, snooze_id: int, now: datetime) -> None:
    """Mark a snooze handled."""
    row = session.get(Snooze, snooze_id)
    if row is not None and row.done_at is None:
        row.done_at = now
        session.add(row)
        session.flush()


# progress -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    """How far a unit's report for a period has come."""

    status: str  # draft | submitted | reopened
    submitted_at: datetime | None
    first_submitted_at: datetime | None
    answered: frozenset[str]  # metric ids with a stored answer

    @property
    def submitted(self) -> bool:
        """Whether the report has been sent at least once."""
        return self.first_submitted_at is not None


def progress(session: Session, period_id: str) -> dict[str, Progress]:
    """Unit id -> progress of its report for the period (units not started are absent)."""
    rows = session.exec(select(Submission).where(Submission.period_id == period_id)).all()
    by_id = {row.id: row for row in rows if row.id is not None}
    answered: dict[int, set[str]] = {sid: set() for sid in by_id}
    if by_id:
        statement = select(Answer.submission_id, Answer.metric_id).where(
            col(Answer.submission_id).in_(sorted(by_id))
        )
        for submission_id, metric_id in session.exec(statement).all():
            answered[submission_id].add(metric_id)
    return {
        row.unit_id: Progress(
            status=row.status,
            submitted_at=row.submitted_at,
            first_submitted_at=row.first_submitted_at,
            answered=frozenset(answered[sid]),
        )
        for sid, row in by_id.items()
    }


def unsent_drafts(
    session: Session, period_ids: Sequence[str], unit_ids: Sequence[str]
) -> list[tuple[str, str, int]]:
    """``(period id, unit id, answers stored)`` of the reports among these periods and units
    that were started but never sent, in the order of ``period_ids``, then by unit."""
    if not period_ids or not unit_ids:
        return []
    statement = (
        select(Submission.period_id, Submission.unit_id, func.count(col(Answer.id)))
        .join(Answer, col(Answer.submission_id) == col(Submission.id), isouter=True)
        .where(col(Submission.period_id).in_(period_ids), col(Submission.unit_id).in_(unit_ids))
        .where(col(Submission.first_submitted_at).is_(None))
        .group_by(col(Submission.period_id), col(Submission.unit_id))
    )
    rows = [(str(p), str(u), int(n)) for p, u, n in session.exec(statement).all()]
    order = {period_id: n for n, period_id in enumerate(period_ids)}
    return sorted(rows, key=lambda row: (order[row[0]], row[1]))


def submitted_units(session: Session, period_id: str) -> set[str]:
    """Ids of the units whose report for the period has been sent."""
    statement = select(Submission.unit_id).where(
        Submission.period_id == period_id, col(Submission.first_submitted_at).is_not(None)
    )
    return set(session.exec(statement).all())


def count_by_status(session: Session, period_id: str) -> dict[str, int]:
    """Claim rows of a period by status."""
    statement = (
        select(Notification.status, func.count())
        .where(Notification.period_id == period_id)
        .group_by(col(Notification.status))
    )
    return {str(status): int(n) for status, n in session.exec(statement).all()}
