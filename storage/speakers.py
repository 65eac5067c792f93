"""Who is writing: what every step of every conversation reads first, in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlmodel import Session

from storage.conversations import ConversationRow
from storage.models import ChatIdentity, Conversation, Person, RoleGrant
from storage.people import HeldGrant, PersonRow


@dataclass(frozen=True)
class Speaker:
    """The person behind a message as a step starts: who they are, whether their chat was
    marked blocked, the roles they hold now and their conversation."""

    person: PersonRow
    blocked: bool
    grants: tuple[HeldGrant, ...]
    conversation: ConversationRow | None


_PEOPLE: Any = Person.__table__  # type: ignore[attr-defined]
_IDENTITIES: Any = ChatIdentity.__table__  # type: ignore[attr-defined]
_CONVERSATIONS: Any = Conversation.__table__  # type: ignore[attr-defined]
_GRANTS: Any = RoleGrant.__table__  # type: ignore[attr-defined]
# One row per role held now (one with no role when none): the person, the block mark and the
# conversation repeat on each. Core, built once: every step of every conversation runs it.
_SPEAKER = (
    select(
        _PEOPLE.c.id,
        _PEOPLE.c.display_name,
        _PEOPLE.c.language,
        _IDENTITIES.c.blocked_at,
        _GRANTS.c.role,
        _GRANTS.c.unit_id,
        _GRANTS.c.valid_until,
        _CONVERSATIONS.c.kind,
        _CONVERSATIONS.c.state,
        _CONVERSATIONS.c.step,
    )
    .select_from(_PEOPLE)
    .join(_IDENTITIES, _IDENTITIES.c.person_id == _PEOPLE.c.id)
    .outerjoin(
        _GRANTS,
        and_(
            _GRANTS.c.person_id == _PEOPLE.c.id,
            _GRANTS.c.revoked_at.is_(None),
            or_(_GRANTS.c.valid_until.is_(None), _GRANTS.c.valid_until > bindparam("b_now")),
        ),
    )
    .outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.person_id == _PEOPLE.c.id)
    .where(
        _IDENTITIES.c.transport == bindparam("b_transport"),
        _IDENTITIES.c.external_id == bindparam("b_external_id"),
        _PEOPLE.c.forgotten_at.is_(None),
    )
)


def find_speaker(
    session: Session, transport: str, external_id: str, now: datetime
) -> Speaker | None:
    """The person behind a transport account, or None for a stranger.

    Finds whom :func:`storage.people.find_person` finds (forgotten people are strangers), with
    the grants :func:`storage.people.held_grants` finds at ``now`` and the conversation
    :func:`storage.conversations.load` finds.
    """
    params = {"b_transport": transport, "b_external_id": external_id, "b_now": now}
    rows = session.connection().execute(_SPEAKER, params).all()
    if not rows:
        return None
    first = rows[0]
    person = PersonRow(first.id, first.display_name, first.language)
    grants = tuple(HeldGrant(r.role, r.unit_id, r.valid_until) for r in rows if r.role is not None)
    conversation = None
    if first.kind is not None:
        conversation = ConversationRow(person.id, first.kind, dict(first.state), first.step)
    return Speaker(person, first.blocked_at is not None, grants, conversation)


__all__ = ["Speaker", "find_speaker"]
