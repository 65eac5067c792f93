"""People, their chat identities, role grants and invitations."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, col, select

from storage.db import held
from storage.models import ChatIdentity, Invitation, InvitationAttempt, Person, RoleGrant, Unit


class Role(StrEnum):
    """What a grant allows."""

    ADMIN = "admin"
    LEADER = "leader"
    MANAGER = "manager"
    STAFF = "staff"


def hash_code(code: str) -> str:
    """The stored form of an invitation code."""
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


_GRANTS: Any = RoleGrant.__table__  # type: ignore[attr-defined]
_HELD_GRANTS = select(_GRANTS.c.role, _GRANTS.c.unit_id, _GRANTS.c.valid_until).where(
    _GRANTS.c.person_id == bindparam("b_person"),
    _GRANTS.c.revoked_at.is_(None),
    or_(_GRANTS.c.valid_until.is_(None), _GRANTS.c.valid_until > bindparam("b_now")),
)


@dataclass(frozen=True)
class PersonRow:
    """A person as a step read them (a snapshot: change them with :func:`set_language`)."""

    id: int
    display_name: str
    language: str | None


_PEOPLE: Any = Person.__table__  # type: ignore[attr-defined]
_SET_LANGUAGE = (
    update(_PEOPLE).where(_PEOPLE.c.id == bindparam("b_id")).values(language=bindparam("b_code"))
)


def set_language(session: Session, person_id: int, code: str) -> None:
    """Store the language the person chose."""
    session.connection().execute(_SET_LANGUAGE, {"b_id": person_id, "b_code": code})
    person = held(session, Person, person_id)
    if person is not None:
        session.expire(person)


@dataclass(frozen=True)
class HeldGrant:
    """A role a person holds at one moment, as read for a step (a snapshot, not a live row)."""

    role: str
    unit_id: str | None
    valid_until: datetime | None


def find_person(session: Session, transport: str, external_id: str) -> Person | None:
    """The person behind a transport account, if any (forgotten people are not found)."""
    statement = (
        select(Person)
        .join(ChatIdentity, col(ChatIdentity.person_id) == col(Person.id))
        .where(ChatIdentity.transport == transport, ChatIdentity.external_id == external_id)
        .where(col(Person.forgotten_at).is_(None))
    )
    return session.exec(statement).first()


def identities(session: Session, person_id: int) -> Sequence[ChatIdentity]:
    """Every chat account of a person."""
    return session.exec(select(ChatIdentity).where(ChatIdentity.person_id == person_id)).all()


def create_person(
    session: Session,
    *,
    now: datetime,
    display_name: str = "",
    language: str | None = None,
    transport: str | None = None,
    external_id: str | None = None,
    chat_id: str | None = None,
) -> Person:
    """Create a person, with a chat identity when ``transport`` is given."""
    person = Person(display_name=display_name[:120], language=language, created_at=now)
    session.add(person)
    session.flush()
    if transport is not None and external_id is not None:
        assert person.id is not None
        session.add(
            ChatIdentity(
                person_id=person.id,
                transport=transport,
                external_id=external_id,
                chat_id=chat_id or external_id,
            )
        )
        session.flush()
    return person


def active_grants(session: Session, person_id: int, now: datetime) -> list[RoleGrant]:
    """The person's grants that are neither revoked nor expired."""
    statement = select(RoleGrant).where(
        RoleGrant.person_id == person_id,
        col(RoleGrant.revoked_at).is_(None),
        or_(col(RoleGrant.valid_until).is_(None), col(RoleGrant.valid_until) > now),
    )
    return list(session.exec(statement).all())


def held_grants(session: Session, person_id: int, now: datetime) -> list[HeldGrant]:
    """What :func:`active_grants` finds, as snapshots: one Core statement built once, since
    every step of every conversation asks it."""
    rows = session.connection().execute(_HELD_GRANTS, {"b_person": person_id, "b_now": now})
    return [HeldGrant(row.role, row.unit_id, row.valid_until) for row in rows]


def grant(
    session: Session,
    person_id: int,
    role: Role,
    unit_id: str | None,
    *,
    now: datetime,
    valid_until: datetime | None = None,
) -> RoleGrant:
    """Give a person a role (idempotent for an identical open-ended grant)."""
    for existing in active_grants(session, person_id, now):
        same = existing.role == role and existing.unit_id == unit_id
        if same and valid_until is None and existing.valid_until is None:
            return existing
    row = RoleGrant(
        person_id=person_id, role=role, unit_id=unit_id, valid_until=valid_until, created_at=now
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class NewInvitation:
    """A freshly created invitation: the code is shown once and never stored."""

    code: str
    invitation: Invitation


def create_invitation(
    session: Session,
    *,
    role: Role,
    unit_id: str | None,
    now: datetime,
    expires_in: timedelta,
    max_uses: int = 1,
    code_bytes: int = 12,
) -> NewInvitation:
    """Create an invitation and return its code (stored only as a hash)."""
    code = secrets.token_urlsafe(code_bytes)
    row = Invitation(
        code_hash=hash_code(code),
        hint=code[:4],
        role=role,
        unit_id=unit_id,
        max_uses=max_uses,
        expires_at=now + expires_in,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return NewInvitation(code=code, invitation=row)


class InvitationProblem(StrEnum):
    """Why an invitation code could not be used."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    TOO_MANY_ATTEMPTS = "too_many_attempts"


def _aware(moment: datetime, like: datetime) -> datetime:
    # SQLite hands back naive datetimes for aware columns; they were stored as UTC.
    if moment.tzinfo is None and like.tzinfo is not None:
        return moment.replace(tzinfo=like.tzinfo)
    return moment


def recent_failures(session: Session, transport: str, external_id: str, now: datetime) -> int:
    """Failed redemptions by this account in the last hour."""
    statement = (
        select(func.count())
        .select_from(InvitationAttempt)
        .where(
            InvitationAttempt.transport == transport,
            InvitationAttempt.external_id == external_id,
            col(InvitationAttempt.at) > now - timedelta(hours=1),
        )
    )
    return int(session.exec(statement).one())


def record_failure(session: Session, transport: str, external_id: str, now: datetime) -> None:
    """Remember a failed redemption (for rate limiting)."""
    session.add(InvitationAttempt(transport=transport, external_id=external_id, at=now))
    session.flush()


def check_invitation(session: Session, code: str, now: datetime) -> Invitation | InvitationProblem:
    """Look a code up without using it."""
    row = session.exec(select(Invitation).where(Invitation.code_hash == hash_code(code))).first()
    if row is None:
        return InvitationProblem.UNKNOWN
    if row.revoked_at is not None:
        return InvitationProblem.REVOKED
    if _aware(row.expires_at, now) <= now:
        return InvitationProblem.EXPIRED
    if row.uses >= row.max_uses:
        return InvitationProblem.USED
    return row


def use_invitation(session: Session, invitation: Invitation) -> bool:
    """Count one use atomically; ``False`` when another process used the last one first."""
    result = session.execute(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.uses) < col(Invitation.max_uses))
        .values(uses=col(Invitation.uses) + 1)
    )
    session.flush()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_invitations(session: Session) -> Sequence[Invitation]:
    """Every invitation, newest first."""
    return session.exec(select(Invitation).order_by(col(Invitation.created_at).desc())).all()


def revoke_invitation(session: Session, invitation_id: int, now: datetime) -> bool:
    """Revoke an invitation; ``False`` when there is no such open invitation."""
    row = session.get(Invitation, invitation_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    session.flush()
    return True


def units_by_id(session: Session) -> dict[str, Unit]:
    """Every active unit by id."""
    return {u.id: u for u in session.exec(select(Unit).where(col(Unit.active).is_(True))).all()}


def subtree_ids(units: dict[str, Unit], root: str) -> set[str]:
    """The ids of ``root`` and every unit below it."""
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.id)
    out, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node in out:
            continue
        out.add(node)
        stack.extend(children.get(node, ()))
    return out


def ancestors(units: dict[str, Unit], unit_id: str) -> list[str]:
    """The parents of a unit, nearest first."""
    out: list[str] = []
    node = units.get(unit_id)
    while node is not None and node.parent_id is not None and node.parent_id not in out:
        out.append(node.parent_id)
        node = units.get(node.parent_id)
    return out
