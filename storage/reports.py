"""Reporting periods, submissions, answers and their revisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Answer, AnswerRevision, ReportingPeriod, Submission, Unit


def get_period(session: Session, period_id: str) -> ReportingPeriod | None:
    """A stored period by id."""
    return session.get(ReportingPeriod, period_id)


def save_period(
    session: Session,
    *,
    period_id: str,
    scheme: str,
    start: date,
    end: date,
    opens_on: date,
    deadline: date,
    manual: bool,
    now: datetime,
) -> ReportingPeriod:
    """Insert or update a period."""
    row = session.get(ReportingPeriod, period_id)
    if row is None:
        row = ReportingPeriod(
            id=period_id,
            scheme=scheme,
            start=start,
            end=end,
            opens_on=opens_on,
            deadline=deadline,
            manual=manual,
            created_at=now,
        )
    else:
        row.start, row.end, row.opens_on, row.deadline = start, end, opens_on, deadline
        row.manual = manual or row.manual
    session.add(row)
    session.flush()
    return row


def list_periods(session: Session) -> Sequence[ReportingPeriod]:
    """Every stored period, newest first."""
    return session.exec(select(ReportingPeriod).order_by(col(ReportingPeriod.start).desc())).all()


def open_periods(session: Session, today: date) -> Sequence[ReportingPeriod]:
    """Stored periods whose reporting window contains ``today``, newest first."""
    statement = (
        select(ReportingPeriod)
        .where(col(ReportingPeriod.opens_on) <= today, col(ReportingPeriod.deadline) >= today)
        .order_by(col(ReportingPeriod.start).desc())
    )
    return session.exec(statement).all()


def get_submission(session: Session, period_id: str, unit_id: str) -> Submission | None:
    """A unit's submission for a period, if started."""
    statement = select(Submission).where(
        Submission.period_id == period_id, Submission.unit_id == unit_id
    )
    return session.exec(statement).first()


def get_or_create_submission(
    session: Session, period_id: str, unit_id: str, person_id: int, now: datetime
) -> Submission:
    """The unit's submission for the period, created as a draft when missing."""
    existing = get_submission(session, period_id, unit_id)
    if existing is not None:
        return existing
    row = Submission(
        period_id=period_id,
        unit_id=unit_id,
        started_by=person_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another process started the same report a moment ago: use theirs.
        found = get_submission(session, period_id, unit_id)
        assert found is not None
        return found
    return row


def answers_of(session: Session, submission_id: int) -> dict[str, Answer]:
    """A submission's answers by metric id."""
    rows = session.exec(select(Answer).where(Answer.submission_id == submission_id)).all()
    return {row.metric_id: row for row in rows}


@dataclass(frozen=True)
class AnswerValue:
    """What is stored for one metric (without bookkeeping)."""

    status: str  # answered | not_available | skipped
    value: float | None = None
    second: float | None = None
    text: str | None = None
    choices: tuple[str, ...] | None = None
    raw: str = ""

    def same_as(self, row: Answer) -> bool:
        """Whether ``row`` already holds this value."""
        return (
            row.status == self.status
            and row.value == self.value
            and row.second == self.second
            and row.text == self.text
            and tuple(row.choices or ()) == tuple(self.choices or ())
            and row.raw == self.raw
        )


def put_answer(
    session: Session,
    submission: Submission,
    metric_id: str,
    new: AnswerValue,
    *,
    person_id: int,
    now: datetime,
) -> Answer:
    """Store an answer; after a first submission the earlier value is kept as a revision."""
    assert submission.id is not None
    row = session.exec(
        select(Answer).where(Answer.submission_id == submission.id, Answer.metric_id == metric_id)
    ).first()
    if row is not None and new.same_as(row):
        return row
    if row is None:
        row = Answer(
            submission_id=submission.id, metric_id=metric_id, status=new.status, updated_at=now
        )
    elif submission.first_submitted_at is not None:
        assert row.id is not None
        session.add(
            AnswerRevision(
                answer_id=row.id,
                status=row.status,
                value=row.value,
                second=row.second,
                text=row.text,
                choices=row.choices,
                raw=row.raw,
                replaced_by=person_id,
                replaced_at=now,
            )
        )
    row.status = new.status
    row.value = new.value
    row.second = new.second
    row.text = new.text
    row.choices = list(new.choices) if new.choices is not None else None
    row.raw = new.raw[:500]
    row.updated_by = person_id
    row.updated_at = now
    session.add(row)
    submission.updated_at = now
    session.add(submission)
    session.flush()
    return row


def revisions_of(session: Session, answer_id: int) -> Sequence[AnswerRevision]:
    """Earlier values of an answer, oldest first."""
    statement = (
        select(AnswerRevision)
        .where(AnswerRevision.answer_id == answer_id)
        .order_by(col(AnswerRevision.replaced_at), col(AnswerRevision.id))
    )
    return session.exec(statement).all()


def mark_submitted(
    session: Session, submission: Submission, *, person_id: int, role: str, now: datetime
) -> None:
    """Mark a submission as sent (atomically with the caller's transaction)."""
    submission.status = "submitted"
    submission.submitted_by = person_id
    submission.submitted_role = role
    submission.submitted_at = now
    if submission.first_submitted_at is None:
        submission.first_submitted_at = now
    submission.version += 1
    submission.updated_at = now
    session.add(submission)
    session.flush()


def previous_answers(session: Session, unit_id: str, period_id: str) -> dict[str, Answer]:
    """The answers of a unit's submission for ``period_id`` (any status), by metric id."""
    submission = get_submission(session, period_id, unit_id)
    if submission is None or submission.id is None:
        return {}
    return answers_of(session, submission.id)


@dataclass(frozen=True)
class ExportRow:
    """One answer as exported."""

    period: str
    unit_id: str
    unit_name: str
    metric_id: str
    value: float | None
    second: float | None
    text: str | None
    choices: tuple[str, ...]
    raw: str
    status: str
    submitted_at: datetime | None


def export_rows(
    session: Session, period_id: str, unit_ids: set[str] | None, language: str
) -> list[ExportRow]:
    """Every answer of the period's submitted reports (optionally limited to units)."""
    statement: Any = (
        select(Answer, Submission, Unit)
        .join(Submission, col(Submission.id) == col(Answer.submission_id))
        .join(Unit, col(Unit.id) == col(Submission.unit_id))
        .where(Submission.period_id == period_id)
        .where(col(Submission.first_submitted_at).is_not(None))
        .order_by(col(Submission.unit_id), col(Answer.id))
    )
    if unit_ids is not None:
        statement = statement.where(col(Submission.unit_id).in_(sorted(unit_ids)))
    rows = []
    for answer, submission, unit in session.exec(statement).all():
        rows.append(
            ExportRow(
                period=period_id,
                unit_id=unit.id,
                unit_name=unit.name(language),
                metric_id=answer.metric_id,
                value=answer.value,
                second=answer.second,
                text=answer.text,
                choices=tuple(answer.choices or ()),
                raw=answer.raw,
                status=answer.status,
                submitted_at=submission.submitted_at,
            )
        )
    return rows
