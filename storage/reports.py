"""Reporting periods, submissions, answers and their revisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, update
from sqlalchemy import select as core_select  # sqlmodel's select() types at most 4 columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import dialect_insert, held
from storage.models import Answer, AnswerRevision, ReportingPeriod, Submission, Unit

_PERIODS: Any = ReportingPeriod.__table__  # type: ignore[attr-defined]
_PERIOD = core_select(
    _PERIODS.c.id,
    _PERIODS.c.scheme,
    _PERIODS.c.start,
    _PERIODS.c.end,
    _PERIODS.c.opens_on,
    _PERIODS.c.deadline,
    _PERIODS.c.manual,
).where(_PERIODS.c.id == bindparam("b_id"))


@dataclass(frozen=True)
class StoredPeriod:
    """A stored period's dates, as read (:func:`get_period`); not a row to change."""

    id: str
    scheme: str
    start: date
    end: date
    opens_on: date
    deadline: date
    manual: bool


def get_period(session: Session, period_id: str) -> StoredPeriod | None:
    """A stored period by id, read with one Core statement (an ORM load costs three to four
    times as much, and every report's review and sending reads its period)."""
    row = session.connection().execute(_PERIOD, {"b_id": period_id}).first()
    return StoredPeriod(*row) if row is not None else None


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


def periods_with_dates(session: Session, start: date, end: date) -> Sequence[ReportingPeriod]:
    """Stored periods that run from ``start`` to ``end``, oldest stored first."""
    statement = (
        select(ReportingPeriod)
        .where(col(ReportingPeriod.start) == start, col(ReportingPeriod.end) == end)
        .order_by(col(ReportingPeriod.created_at), col(ReportingPeriod.id))
    )
    return session.exec(statement).all()


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

    def same_as(self, row: Any) -> bool:
        """Whether ``row`` (an :class:`Answer` or a row of its table) already holds this value."""
        return (
            row.status == self.status
            and row.value == self.value
            and row.second == self.second
            and row.text == self.text
            and tuple(row.choices or ()) == tuple(self.choices or ())
            and row.raw == self.raw
        )


# Stored on every answer: SQLAlchemy Core statements built once, the values bound at each call
# (through the ORM, reading the submission and the answer, the insert and the two flushes cost
# four times as much).
_ANSWERS: Any = Answer.__table__  # type: ignore[attr-defined]
_SUBMISSIONS: Any = Submission.__table__  # type: ignore[attr-defined]
_SUBMISSION_HEAD = core_select(_SUBMISSIONS.c.id, _SUBMISSIONS.c.first_submitted_at).where(
    _SUBMISSIONS.c.id == bindparam("b_id")
)
_WRITTEN = ("status", "value", "second", "text", "choices", "raw", "updated_by", "updated_at")
"""The columns an answer's value and bookkeeping are written to."""
_FIND_ANSWER = (
    select(_SUBMISSIONS.c.first_submitted_at, _ANSWERS)
    .select_from(
        _SUBMISSIONS.outerjoin(
            _ANSWERS,
            and_(
                _ANSWERS.c.submission_id == _SUBMISSIONS.c.id,
                _ANSWERS.c.metric_id == bindparam("b_metric"),
            ),
        )
    )
    .where(_SUBMISSIONS.c.id == bindparam("b_submission"))
)
_UPDATE_ANSWER = update(_ANSWERS).where(_ANSWERS.c.id == bindparam("b_id"))
_INSERT_REVISION = AnswerRevision.__table__.insert()  # type: ignore[attr-defined]


@cache
def _draft_upsert(insert: Callable[..., Any]) -> Any:
    """``INSERT .. SELECT`` from the submission if it is a draft, ``ON CONFLICT DO UPDATE``.

    One statement stores an answer of a report never submitted, new or changed: the submission
    row is the source, so a report deleted or submitted meanwhile inserts nothing (and returns
    no id).
    """
    source = core_select(
        _SUBMISSIONS.c.id,
        bindparam("b_metric", type_=_ANSWERS.c.metric_id.type),
        *(bindparam(f"b_{name}", type_=_ANSWERS.c[name].type) for name in _WRITTEN),
    ).where(
        _SUBMISSIONS.c.id == bindparam("b_submission"),
        _SUBMISSIONS.c.first_submitted_at.is_(None),
    )
    statement = insert(_ANSWERS).from_select(["submission_id", "metric_id", *_WRITTEN], source)
    return statement.on_conflict_do_update(
        index_elements=["submission_id", "metric_id"],
        set_={name: statement.excluded[name] for name in _WRITTEN},
    ).returning(_ANSWERS.c.id)


@dataclass(frozen=True)
class SubmissionHead:
    """What a report's review shows of its submission."""

    id: int
    sent_before: bool
    """It had been submitted before: the review offers to send corrections."""


def submission_head(session: Session, submission_id: int) -> SubmissionHead | None:
    """A submission's id and whether it was submitted before; None when it is gone.

    One Core read: the review needs no more, and loading a ``Submission`` through the ORM
    costs three to four times as much. Changes the session holds but has not flushed are not
    seen.
    """
    row = session.connection().execute(_SUBMISSION_HEAD, {"b_id": submission_id}).first()
    return SubmissionHead(row.id, row.first_submitted_at is not None) if row else None


@dataclass(frozen=True)
class StoredAnswer:
    """What :func:`put_answer` stored."""

    answer_id: int
    correction: bool
    """The report had been submitted before: a changed value left a revision behind."""


def put_answer(
    session: Session,
    submission_id: int,
    metric_id: str,
    new: AnswerValue,
    *,
    person_id: int,
    now: datetime,
) -> StoredAnswer | None:
    """Store an answer; after a first submission the earlier value is kept as a revision.

    A draft's answer is one ``INSERT .. ON CONFLICT DO UPDATE`` (:func:`_draft_upsert`); only
    when that stores nothing (the report was submitted before, or is gone) are the submission
    and the earlier answer read, to leave a revision of a changed value. Writes with Core: an
    ``Answer`` of these rows already loaded in the session is expired. The submission row is
    not touched: an answer carries its own ``updated_at``.

    Returns:
        What was stored, or None when there is no such submission.
    """
    session.flush()  # Core statements do not flush the session's pending changes first
    connection = session.connection()
    values = {
        "status": new.status,
        "value": new.value,
        "second": new.second,
        "text": new.text,
        "choices": list(new.choices) if new.choices is not None else None,
        "raw": new.raw[:500],
        "updated_by": person_id,
        "updated_at": now,
    }
    upsert = _draft_upsert(dialect_insert(session))
    params = {f"b_{name}": values[name] for name in _WRITTEN}
    draft = connection.execute(
        upsert, params | {"b_submission": submission_id, "b_metric": metric_id}
    ).scalar()
    if draft is not None:
        _expire_held(session, int(draft))
        return StoredAnswer(int(draft), correction=False)
    found = connection.execute(
        _FIND_ANSWER, {"b_submission": submission_id, "b_metric": metric_id}
    ).first()
    if found is None:
        return None
    correction = found.first_submitted_at is not None
    if found.id is not None and new.same_as(found):
        return StoredAnswer(int(found.id), correction)
    if found.id is None:
        row = values | {"submission_id": submission_id, "metric_id": metric_id}
        inserted: Any = connection.execute(_ANSWERS.insert(), row)
        return StoredAnswer(int(inserted.inserted_primary_key[0]), correction)
    answer_id = int(found.id)
    if correction:
        earlier = {k: getattr(found, k) for k in ("status", "value", "second", "text", "raw")}
        revision = earlier | {"choices": found.choices, "answer_id": answer_id}
        connection.execute(
            _INSERT_REVISION, revision | {"replaced_by": person_id, "replaced_at": now}
        )
    connection.execute(_UPDATE_ANSWER, values | {"b_id": answer_id})
    _expire_held(session, answer_id)
    return StoredAnswer(answer_id, correction)


def _expire_held(session: Session, answer_id: int) -> None:
    """Expire the session's ``Answer`` of this id, if it holds one (written with Core)."""
    held_answer = held(session, Answer, answer_id)
    if held_answer is not None:
        session.expire(held_answer)


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


# Read on every step of a report (last period's answers are shown beside each question) and
# for each review: Core statements built once, the values as AnswerValue snapshots.
_VALUE_COLUMNS = (
    _ANSWERS.c.metric_id,
    _ANSWERS.c.status,
    _ANSWERS.c.value,
    _ANSWERS.c.second,
    _ANSWERS.c.text,
    _ANSWERS.c.choices,
    _ANSWERS.c.raw,
)
_VALUES_OF = core_select(*_VALUE_COLUMNS).where(
    _ANSWERS.c.submission_id == bindparam("b_submission")
)
_PREVIOUS_ANSWERS = (
    core_select(*_VALUE_COLUMNS)
    .join(_SUBMISSIONS, _SUBMISSIONS.c.id == _ANSWERS.c.submission_id)
    .where(
        _SUBMISSIONS.c.unit_id == bindparam("b_unit"),
        _SUBMISSIONS.c.period_id == bindparam("b_period"),
    )
)


def _values(rows: Iterable[Any]) -> dict[str, AnswerValue]:
    return {
        row.metric_id: AnswerValue(
            row.status,
            value=row.value,
            second=row.second,
            text=row.text,
            choices=tuple(row.choices) if row.choices is not None else None,
            raw=row.raw,
        )
        for row in rows
    }


def answer_values(session: Session, submission_id: int) -> dict[str, AnswerValue]:
    """What :func:`answers_of` finds, as values (for showing them, not changing them)."""
    return _values(session.connection().execute(_VALUES_OF, {"b_submission": submission_id}))


def previous_answers(session: Session, unit_id: str, period_id: str) -> dict[str, AnswerValue]:
    """The values of a unit's answers for ``period_id`` (any status), by metric id."""
    params = {"b_unit": unit_id, "b_period": period_id}
    return _values(session.connection().execute(_PREVIOUS_ANSWERS, params))


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
