"""Survey rounds, anonymous answers and their figures, computed in SQL.

What is written and when (see :mod:`storage.survey_models`): a person's answers reach the
``survey_answer`` table only when the whole survey is sent, all in the caller's single
transaction, beside a ``survey_receipt`` holding an HMAC of the person and the round. Each
sending also writes one *response marker* row (question ``"*"``, no value), so that the number
of respondents of a unit is a count of rows that carry nothing else.

Figures are sums over subtrees: a recursive CTE lists every unit with each of its ancestors
(``tree(unit_id, group_id)``), the answers are joined to it and grouped by ``group_id``, so a
division's figure counts the answers of all its units. The suppression of small groups is
decided above this module (:mod:`collectors.survey_results`); nothing here is shown as is.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import CTE, String, and_, case, cast, delete, func, insert, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from storage.models import Conversation, RoleGrant, Unit, random_id
from storage.survey_models import SurveyAnswer, SurveyReceipt, SurveyRound

RESPONSE_MARKER = "*"
"""The question id of the one row per respondent that counts respondents."""

Band = tuple[int, int]


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
    """Close a round: no more answers, unfinished answers and receipts deleted.

    The round's answer rows are also rewritten with fresh random ids, in an order that
    carries no information (by unit, question and value). On PostgreSQL a row's hidden
    system columns (``xmin``, its physical place) would otherwise group one person's answers
    together and tie them to the transaction that wrote that person's receipt.

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
        .where(_grant_active(at))
        .order_by(col(RoleGrant.person_id), col(RoleGrant.unit_id))
        .distinct()
    )
    return [(int(p), str(u)) for p, u in session.execute(statement).all()]


def _grant_active(at: datetime) -> ColumnElement[bool]:
    at = at.astimezone(UTC)
    return and_(
        col(RoleGrant.created_at) <= at,
        or_(col(RoleGrant.revoked_at).is_(None), col(RoleGrant.revoked_at) > at),
        or_(col(RoleGrant.valid_until).is_(None), col(RoleGrant.valid_until) > at),
    )


# figures -----------------------------------------------------------------------------------
def unit_tree() -> CTE:
    """``tree(unit_id, group_id)``: every unit paired with itself and each of its ancestors."""
    unit = Unit.__table__  # type: ignore[attr-defined]
    # Unbounded text in both terms: PostgreSQL wants one type for the id and parent columns.
    tree = select(
        cast(unit.c.id, String).label("unit_id"), cast(unit.c.id, String).label("group_id")
    ).cte("tree", recursive=True)
    parent = unit.alias("parent_unit")
    step = (
        select(tree.c.unit_id, cast(parent.c.parent_id, String))
        .join(parent, parent.c.id == tree.c.group_id)
        .where(parent.c.parent_id.is_not(None))
    )
    return tree.union_all(step)


def answer_counts(session: Session, round_id: str) -> dict[tuple[str, str], int]:
    """Answers per ``(group, question)`` over subtrees; question ``"*"`` counts respondents."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    tree = unit_tree()
    statement = (
        select(tree.c.group_id, answer.c.question_id, func.count())
        .select_from(answer.join(tree, tree.c.unit_id == answer.c.unit_id))
        .where(answer.c.round_id == round_id)
        .where(
            or_(
                answer.c.question_id == RESPONSE_MARKER,
                answer.c.value.is_not(None),
                answer.c.text.is_not(None),
            )
        )
        .group_by(tree.c.group_id, answer.c.question_id)
    )
    return {(str(g), str(q)): int(n) for g, q, n in session.execute(statement).all()}


@dataclass(frozen=True)
class ScaleFigures:
    """The sums of one question in one group, straight from SQL.

    Attributes:
        answers: Number of numeric answers.
        low: Answers in the index's low band (NPS 0-6, NSS 1-2); 0 without an index.
        high: Answers in the index's high band (NPS 9-10, NSS 4-5); 0 without an index.
        index: ``100 * (high - low) / answers``; ``None`` without an index.
        mean: The mean answer.
    """

    answers: int
    low: int
    high: int
    index: float | None
    mean: float | None


def scale_figures(
    session: Session, round_id: str, bands: Mapping[str, tuple[Band, Band] | None]
) -> dict[tuple[str, str], ScaleFigures]:
    """Count, index bands, index and mean per ``(group, question)`` in one grouped query.

    Args:
        session: The session.
        round_id: The round.
        bands: For each numeric question id, its ``(low band, high band)`` or ``None``.
    """
    if not bands:
        return {}
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    tree = unit_tree()
    question, value = answer.c.question_id, answer.c.value

    def band_case(position: int) -> ColumnElement[int]:
        whens = [
            (and_(question == qid, value >= pair[position][0], value <= pair[position][1]), 1)
            for qid, pair in bands.items()
            if pair is not None
        ]
        return case(*whens, else_=0) if whens else literal(0)

    indexed = [qid for qid, pair in bands.items() if pair is not None]
    low, high, count = func.sum(band_case(0)), func.sum(band_case(1)), func.count(value)
    index = case((question.in_(indexed), 100.0 * (high - low) / func.nullif(count, 0)), else_=None)
    statement = (
        select(tree.c.group_id, question, count, low, high, index, func.avg(value))
        .select_from(answer.join(tree, tree.c.unit_id == answer.c.unit_id))
        .where(answer.c.round_id == round_id, question.in_(list(bands)), value.is_not(None))
        .group_by(tree.c.group_id, question)
    )
    out: dict[tuple[str, str], ScaleFigures] = {}
    for group_id, qid, n, lows, highs, idx, mean in session.execute(statement).all():
        out[(str(group_id), str(qid))] = ScaleFigures(
            answers=int(n),
            low=int(lows or 0),
            high=int(highs or 0),
            index=None if idx is None else float(idx),
            mean=None if mean is None else float(mean),
        )
    return out


def distributions(session: Session, round_id: str) -> dict[tuple[str, str], dict[int, int]]:
    """How many gave each value, per ``(group, question)``."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    tree = unit_tree()
    statement = (
        select(tree.c.group_id, answer.c.question_id, answer.c.value, func.count())
        .select_from(answer.join(tree, tree.c.unit_id == answer.c.unit_id))
        .where(answer.c.round_id == round_id, answer.c.value.is_not(None))
        .group_by(tree.c.group_id, answer.c.question_id, answer.c.value)
    )
    out: dict[tuple[str, str], dict[int, int]] = {}
    for group_id, qid, value, n in session.execute(statement).all():
        out.setdefault((str(group_id), str(qid)), {})[int(value)] = int(n)
    return out


def texts(
    session: Session, round_id: str, question_id: str, group_ids: Iterable[str]
) -> dict[str, list[str]]:
    """The free texts of each group's whole subtree, in alphabetical order (never by unit)."""
    groups = list(group_ids)
    if not groups:
        return {}
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    tree = unit_tree()
    statement = (
        select(tree.c.group_id, answer.c.text)
        .select_from(answer.join(tree, tree.c.unit_id == answer.c.unit_id))
        .where(answer.c.round_id == round_id, answer.c.question_id == question_id)
        .where(answer.c.text.is_not(None), tree.c.group_id.in_(groups))
        .order_by(tree.c.group_id, answer.c.text)
    )
    out: dict[str, list[str]] = {}
    for group_id, text in session.execute(statement).all():
        out.setdefault(str(group_id), []).append(str(text))
    return out


def staff_by_group(session: Session, unit_ids: Sequence[str], at: datetime) -> dict[str, int]:
    """Staff asked per group: each unit's ``staff_count``, else its staff grants at ``at``."""
    if not unit_ids:
        return {}
    unit = Unit.__table__  # type: ignore[attr-defined]
    grants = (
        select(func.count(func.distinct(RoleGrant.person_id)))
        .where(col(RoleGrant.unit_id) == unit.c.id, col(RoleGrant.role) == "staff")
        .where(_grant_active(at))
        .scalar_subquery()
    )
    staff = (
        select(unit.c.id.label("unit_id"), func.coalesce(unit.c.staff_count, grants).label("n"))
        .where(unit.c.id.in_(list(unit_ids)))
        .subquery("staff")
    )
    tree = unit_tree()
    statement = (
        select(tree.c.group_id, func.sum(staff.c.n))
        .select_from(staff.join(tree, tree.c.unit_id == staff.c.unit_id))
        .group_by(tree.c.group_id)
    )
    return {str(g): int(n or 0) for g, n in session.execute(statement).all()}


__all__ = [
    "RESPONSE_MARKER",
    "ScaleFigures",
    "answer_counts",
    "aware",
    "close_round",
    "create_round",
    "delete_survey_conversations",
    "distributions",
    "find_round",
    "get_round",
    "has_answered",
    "is_open",
    "list_rounds",
    "open_rounds",
    "receipt_key",
    "respondent_count",
    "round_with_label",
    "rounds_due_to_close",
    "scale_figures",
    "staff_by_group",
    "staff_members",
    "store_response",
    "texts",
    "unit_tree",
]
