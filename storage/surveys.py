"""Survey rounds and anonymous answers: what is written, when, and what is deleted at the close.

What is written and when (see :mod:`storage.survey_models`): a person's answers reach the
``survey_answer`` table only when the whole survey is sent, all in the caller's single
transaction, beside a ``survey_receipt`` holding an HMAC of the person and the round. Each
sending also writes one *response marker* row (question ``"*"``, no value), so that the number
of respondents of a unit is a count of rows that carry nothing else.

The figures are in :mod:`storage.survey_figures`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from storage.models import Conversation, RoleGrant, Unit, random_id
from storage.survey_counts import store_counts
from storage.survey_models import RESPONSE_MARKER, SurveyAnswer, SurveyReceipt, SurveyRound


def aware(moment: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite hands back naive ones, stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def receipt_key(secret: bytes, person_id: int, round_id: str) -> str:
    """The "already answered" key: HMAC-SHA256 of person and round under a secret key.

    Without the secret, which lives outside the database, the key cannot be tied to a person.
    """
    message = f"{person_id}:{round_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


# rounds ------------------------------------------------------------------------------------
def create_round(
    session: Session,
    *,
    survey_id: str,
    unit_ids: Iterable[str],
    label: str,
    opens_at: datetime,
    closes_at: datetime,
    now: datetime,
) -> SurveyRound:
    """Open a round of a survey for the staff of ``unit_ids``."""
    row = SurveyRound(
        survey_id=survey_id,
        unit_ids=sorted(set(unit_ids)),
        label=label[:32],
        opens_at=opens_at.astimezone(UTC),
        closes_at=closes_at.astimezone(UTC),
        created_at=now.astimezone(UTC),
    )
    session.add(row)
    session.flush()
    return row


def get_round(session: Session, round_id: str) -> SurveyRound | None:
    """The round with ``round_id``."""
    return session.get(SurveyRound, round_id)


def list_rounds(session: Session, survey_id: str | None = None) -> list[SurveyRound]:
    """Rounds, newest first (of one survey when ``survey_id`` is given)."""
    statement = select(SurveyRound).order_by(col(SurveyRound.opens_at).desc())
    if survey_id is not None:
        statement = statement.where(col(SurveyRound.survey_id) == survey_id)
    return list(session.scalars(statement).all())


def find_round(session: Session, reference: str) -> SurveyRound | None:
    """A round by its id, a unique id prefix (six characters or more) or a unique label."""
    row = get_round(session, reference)
    if row is not None:
        return row
    matches = [
        r
        for r in list_rounds(session)
        if (len(reference) >= 6 and r.id.startswith(reference)) or r.label == reference
    ]
    return matches[0] if len(matches) == 1 else None


def round_with_label(session: Session, survey_id: str, label: str) -> SurveyRound | None:
    """The round of ``survey_id`` labelled ``label``, if any."""
    statement = select(SurveyRound).where(
        col(SurveyRound.survey_id) == survey_id, col(SurveyRound.label) == label
    )
    return session.scalars(statement).first()


def is_open(row: SurveyRound, now: datetime) -> bool:
    """Whether the round takes answers at ``now``."""
    return row.closed_at is None and aware(row.opens_at) <= now < aware(row.closes_at)


def open_rounds(session: Session, now: datetime) -> list[SurveyRound]:
    """Rounds taking answers now, closing soonest first."""
    statement = (
        select(SurveyRound)
        .where(col(SurveyRound.closed_at).is_(None))
        .order_by(col(SurveyRound.closes_at), col(SurveyRound.id))
    )
    return [r for r in session.scalars(statement).all() if is_open(r, now)]


def rounds_due_to_close(session: Session, now: datetime) -> list[SurveyRound]:
    """Rounds past their closing time that are not closed yet."""
    statement = select(SurveyRound).where(col(SurveyRound.closed_at).is_(None))
    return [r for r in session.scalars(statement).all() if aware(r.closes_at) <= now]


def close_round(session: Session, round_id: str, now: datetime, *, conversation_kind: str) -> bool:
    """Close a round: no more answers, unfinished answers and receipts deleted, answers counted.

    The round's answer rows are also rewritten with fresh random ids, in an order that
    carries no information (by unit, question and value). On PostgreSQL a row's hidden
    system columns (``xmin``, its physical place) would otherwise group one person's answers
    together and tie them to the transaction that wrote that person's receipt. Their counts per
    group, question and value are kept (:mod:`storage.survey_counts`) for the figures.

    Returns:
        ``False`` when the round does not exist or was closed already.
    """
    row = get_round(session, round_id)
    if row is None or row.closed_at is not None:
        return False
    row.closed_at = now.astimezone(UTC)
    session.add(row)
    delete_survey_conversations(session, round_id, conversation_kind)
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        select(answer.c.unit_id, answer.c.question_id, answer.c.value, answer.c.text)
        .where(answer.c.round_id == round_id)
        .order_by(answer.c.unit_id, answer.c.question_id, answer.c.value, answer.c.text)
    ).all()
    session.execute(delete(answer).where(answer.c.round_id == round_id))
    if rows:
        session.execute(
            insert(answer),
            [
                {
                    "id": random_id(),
                    "round_id": round_id,
                    "unit_id": unit_id,
                    "question_id": question_id,
                    "value": value,
                    "text": text,
                }
                for unit_id, question_id, value, text in rows
            ],
        )
    session.execute(delete(SurveyReceipt).where(col(SurveyReceipt.round_id) == round_id))
    store_counts(session, round_id)
    session.flush()
    return True


def delete_survey_conversations(session: Session, round_id: str, kind: str) -> int:
    """Delete the unfinished answers of a round: the conversations of ``kind`` about it."""
    result = session.execute(
        delete(Conversation).where(
            col(Conversation.kind) == kind,
            col(Conversation.state)["round"].as_string() == round_id,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# answering ---------------------------------------------------------------------------------
def has_answered(session: Session, key: str) -> bool:
    """Whether a receipt with ``key`` exists."""
    return session.get(SurveyReceipt, key) is not None


def store_response(
    session: Session,
    *,
    round_id: str,
    unit_id: str,
    receipt: str,
    answers: Mapping[str, int | str],
) -> None:
    """Write one person's whole survey in the caller's transaction.

    Args:
        session: The open session; nothing is committed here.
        round_id: The round answered.
        unit_id: The unit the answers count for.
        receipt: The person's :func:`receipt_key` for the round.
        answers: Question id to a number (scale, choice position) or a text.
    """
    session.add(SurveyReceipt(key=receipt, round_id=round_id))
    rows = [SurveyAnswer(round_id=round_id, unit_id=unit_id, question_id=RESPONSE_MARKER)]
    for question_id, given in answers.items():
        if isinstance(given, str):
            rows.append(
                SurveyAnswer(
                    round_id=round_id, unit_id=unit_id, question_id=question_id, text=given
                )
            )
        else:
            rows.append(
                SurveyAnswer(
                    round_id=round_id, unit_id=unit_id, question_id=question_id, value=given
                )
            )
    session.add_all(rows)
    session.flush()


def answering_unit(session: Session, unit_id: str, minimum: int, at: datetime) -> str:
    """The unit a staff member's answers are stored under.

    A unit whose whole subtree has fewer than ``minimum`` people who could ever answer
    (counting each unit's ``staff_count`` or, when larger, its staff grants) can never be
    shown, so its answers are stored under the nearest ancestor where enough people could
    answer, or the top of the tree: even someone reading the raw rows cannot single out a
    two-person team. The results are the same, since a hidden unit's answers count only in its
    ancestors' figures anyway.
    """
    units = {u.id: u for u in session.execute(select(Unit)).scalars().all()}
    grants = dict(
        session.execute(
            select(col(RoleGrant.unit_id), func.count(func.distinct(RoleGrant.person_id)))
            .where(col(RoleGrant.role) == "staff", grant_active(at))
            .group_by(col(RoleGrant.unit_id))
        ).all()
    )
    potential = {u.id: max(u.staff_count or 0, int(grants.get(u.id, 0))) for u in units.values()}
    below: dict[str, int] = dict(potential)
    for unit in units.values():  # add each unit's potential to all of its ancestors
        node, seen = unit.parent_id, {unit.id}
        while node is not None and node in units and node not in seen:
            seen.add(node)
            below[node] += potential[unit.id]
            node = units[node].parent_id
    current: str | None = unit_id
    seen = set()
    while current is not None and current in units and current not in seen:
        seen.add(current)
        if below[current] >= minimum or units[current].parent_id is None:
            return current
        current = units[current].parent_id
    return unit_id


def respondent_count(session: Session, round_id: str) -> int:
    """How many people have sent the round (no figure, only the count)."""
    statement = select(func.count()).where(
        col(SurveyAnswer.round_id) == round_id, col(SurveyAnswer.question_id) == RESPONSE_MARKER
    )
    return int(session.execute(statement).scalar_one())


def staff_members(session: Session, unit_ids: Iterable[str], at: datetime) -> list[tuple[int, str]]:
    """``(person id, unit id)`` of every active staff grant in ``unit_ids`` at ``at``."""
    statement = (
        select(col(RoleGrant.person_id), col(RoleGrant.unit_id))
        .where(col(RoleGrant.role) == "staff", col(RoleGrant.unit_id).in_(list(unit_ids)))
        .where(grant_active(at))
        .order_by(col(RoleGrant.person_id), col(RoleGrant.unit_id))
        .distinct()
    )
    return [(int(p), str(u)) for p, u in session.execute(statement).all()]


def grant_active(at: datetime) -> ColumnElement[bool]:
    at = at.astimezone(UTC)
    return and_(
        col(RoleGrant.created_at) <= at,
        or_(col(RoleGrant.revoked_at).is_(None), col(RoleGrant.revoked_at) > at),
        or_(col(RoleGrant.valid_until).is_(None), col(RoleGrant.valid_until) > at),
    )


__all__ = [
    "RESPONSE_MARKER",
    "answering_unit",
    "aware",
    "close_round",
    "create_round",
    "delete_survey_conversations",
    "find_round",
    "get_round",
    "grant_active",
    "has_answered",
    "is_open",
    "list_rounds",
    "open_rounds",
    "receipt_key",
    "respondent_count",
    "round_with_label",
    "rounds_due_to_close",
    "staff_members",
    "store_response",
]
