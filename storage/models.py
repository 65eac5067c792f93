"""Database tables (SQLModel).

Times are stored as timezone-aware UTC datetimes. Report answers keep what the person typed
(``raw``) beside the parsed value. Survey answers hold nothing that identifies or orders
people: see :class:`SurveyAnswer` and :class:`SurveyReceipt`.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utc_column(nullable: bool = True, index: bool = False) -> Any:
    """A timezone-aware datetime column."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def random_id() -> str:
    """A random, unordered 128-bit id (hex) for rows that must not reveal their order."""
    return secrets.token_hex(16)


class Unit(SQLModel, table=True):
    """A node of the organisation tree, mirrored from the configuration."""

    id: str = Field(primary_key=True, max_length=48)
    parent_id: str | None = Field(default=None, foreign_key="unit.id", index=True)
    kind: str = Field(max_length=16)
    name_fi: str
    name_sv: str
    name_en: str
    staff_count: int | None = None
    active: bool = True

    def name(self, language: str) -> str:
        """The unit's name in ``language``."""
        return str(getattr(self, f"name_{language}", None) or self.name_fi)


class Person(SQLModel, table=True):
    """Someone who talks to the bot. ``forgotten_at`` set means the identity was erased."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = ""
    language: str | None = Field(default=None, max_length=2)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    forgotten_at: datetime | None = Field(default=None, sa_column=utc_column())


class ChatIdentity(SQLModel, table=True):
    """A person's account on one transport (their Telegram user id and chat)."""

    __table_args__ = (UniqueConstraint("transport", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    transport: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    chat_id: str = Field(max_length=64)
    blocked_at: datetime | None = Field(default=None, sa_column=utc_column())


class RoleGrant(SQLModel, table=True):
    """What a person may do where: admin, leader of a subtree, manager or staff of a unit."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=16)
    unit_id: str | None = Field(default=None, foreign_key="unit.id", index=True)
    valid_until: datetime | None = Field(default=None, sa_column=utc_column())
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())


class Invitation(SQLModel, table=True):
    """An invitation code; only a hash of the code is stored."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(default="", max_length=8, description="first characters, to tell codes apart")
    role: str = Field(max_length=16)
    unit_id: str | None = Field(default=None, foreign_key="unit.id")
    max_uses: int = 1
    uses: int = 0
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())


class InvitationAttempt(SQLModel, table=True):
    """A failed invitation redemption, to rate-limit guessing (kept for a day)."""

    id: int | None = Field(default=None, primary_key=True)
    transport: str = Field(max_length=16)
    external_id: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))


class ReportingPeriod(SQLModel, table=True):
    """A reporting period and its window (opened by the scheme or by an administrator)."""

    __tablename__ = "reporting_period"

    id: str = Field(primary_key=True, max_length=16)
    scheme: str = Field(max_length=16)
    start: date
    end: date
    opens_on: date
    deadline: date
    manual: bool = False
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class Submission(SQLModel, table=True):
    """One unit's report for one period: a draft until submitted."""

    __table_args__ = (UniqueConstraint("period_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: str = Field(foreign_key="reporting_period.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", index=True)
    status: str = Field(default="draft", max_length=16)  # draft | submitted | reopened
    started_by: int | None = Field(default=None, foreign_key="person.id")
    submitted_by: int | None = Field(default=None, foreign_key="person.id")
    submitted_role: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
    """When this row last changed (started, submitted); each answer keeps its own time."""
    submitted_at: datetime | None = Field(default=None, sa_column=utc_column())
    first_submitted_at: datetime | None = Field(default=None, sa_column=utc_column())
    version: int = 0


class Answer(SQLModel, table=True):
    """One metric's answer in a submission."""

    __table_args__ = (UniqueConstraint("submission_id", "metric_id"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    metric_id: str = Field(max_length=48, index=True)
    status: str = Field(max_length=16)  # answered | not_available | skipped
    value: float | None = None
    second: float | None = None
    text: str | None = None
    choices: list[str] | None = Field(default=None, sa_column=Column(JSON))
    raw: str = ""
    updated_by: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class AnswerRevision(SQLModel, table=True):
    """An earlier value of an answer corrected after the report was first submitted."""

    __tablename__ = "answer_revision"

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", index=True)
    status: str = Field(max_length=16)
    value: float | None = None
    second: float | None = None
    text: str | None = None
    choices: list[str] | None = Field(default=None, sa_column=Column(JSON))
    raw: str = ""
    replaced_by: int | None = Field(default=None, foreign_key="person.id")
    replaced_at: datetime = Field(sa_column=utc_column(nullable=False))


class Conversation(SQLModel, table=True):
    """Where a person is in a conversation; written on every step so any process resumes it."""

    person_id: int = Field(primary_key=True, foreign_key="person.id")
    kind: str = Field(max_length=16)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    step: int = 0
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class ProcessedUpdate(SQLModel, table=True):
    """A transport update already handled, so a redelivery is handled only once."""

    __tablename__ = "processed_update"

    key: str = Field(primary_key=True, max_length=80)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))


class AuditEntry(SQLModel, table=True):
    """An administrator action or a report correction: who, what, when (never survey answers)."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    actor: str = Field(max_length=64)  # "person:12" or "cli"
    action: str = Field(max_length=48)
    target: str = Field(default="", max_length=120)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


Index("ix_answer_metric_submission", Answer.metric_id, Answer.submission_id)  # type: ignore[arg-type]
