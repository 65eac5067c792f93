"""Personal data: forgetting a person and purging old drafts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.conversations import purge_conversations, purge_updates
from storage.models import (
    Answer,
    ChatIdentity,
    Conversation,
    InvitationAttempt,
    Person,
    RoleGrant,
    Submission,
)
from storage.notify_models import Absence, Deputy, Snooze


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a person removed."""

    identities: int
    grants: int


def forget_person(session: Session, person_id: int, now: datetime) -> Forgotten | None:
    """Erase a person's identity and chat links; keep their submitted reports.

    Submitted reports stay, attributed to the role they were sent in (``submitted_role``);
    anonymous survey figures never held the person at all. Returns ``None`` for an unknown
    person.
    """
    person = session.get(Person, person_id)
    if person is None:
        return None
    links = session.exec(select(ChatIdentity).where(ChatIdentity.person_id == person_id)).all()
    for link in links:
        session.execute(
            delete(InvitationAttempt).where(
                col(InvitationAttempt.transport) == link.transport,
                col(InvitationAttempt.external_id) == link.external_id,
            )
        )
        session.delete(link)
    grants = session.execute(
        update(RoleGrant)
        .where(col(RoleGrant.person_id) == person_id, col(RoleGrant.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.execute(delete(Conversation).where(col(Conversation.person_id) == person_id))
    session.execute(delete(Snooze).where(col(Snooze.person_id) == person_id))
    session.execute(delete(Absence).where(col(Absence.person_id) == person_id))
    session.execute(delete(Deputy).where(col(Deputy.person_id) == person_id))
    person.display_name = ""
    person.language = None
    person.forgotten_at = now
    session.add(person)
    session.flush()
    return Forgotten(identities=len(links), grants=int(grants.rowcount))  # type: ignore[attr-defined]


def purge_stale_drafts(session: Session, older_than: timedelta, now: datetime) -> int:
    """Delete never-submitted drafts (and conversations) untouched for ``older_than``.

    A draft is untouched when neither the submission row nor any of its answers changed since
    the cutoff (an answer carries its own ``updated_at``; storing one leaves the submission be).

    Returns:
        The number of draft submissions removed.
    """
    cutoff = now - older_than
    recent_answer = select(Answer.id).where(
        col(Answer.submission_id) == col(Submission.id), col(Answer.updated_at) >= cutoff
    )
    stale = session.exec(
        select(Submission.id).where(
            col(Submission.first_submitted_at).is_(None),
            col(Submission.updated_at) < cutoff,
            ~recent_answer.exists(),
        )
    ).all()
    ids = [i for i in stale if i is not None]
    if ids:
        session.execute(delete(Answer).where(col(Answer.submission_id).in_(ids)))
        session.execute(delete(Submission).where(col(Submission.id).in_(ids)))
    purge_conversations(session, older_than, now)
    session.flush()
    return len(ids)


UPDATE_KEYS_KEPT = timedelta(days=7)
"""How long an update's de-duplication key is kept; Telegram redelivers for at most 24 hours."""


def purge_expired(session: Session, draft_age: timedelta, now: datetime) -> int:
    """The routine purge: stale drafts (see :func:`purge_stale_drafts`) and old update keys.

    Returns:
        The number of draft submissions removed.
    """
    removed = purge_stale_drafts(session, draft_age, now)
    purge_updates(session, now - UPDATE_KEYS_KEPT)
    return removed
