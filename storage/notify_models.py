"""Reminders sent, absences and deputies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utc_column


class Notification(SQLModel, table=True):
    """A message sent (or claimed for sending) to a person for a step of a period.

    ``key`` is unique: a process claims a step by inserting it, so two schedulers on the same
    database never send the same reminder twice.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    period_id: str | None = Field(default=None, max_length=16, index=True)
    unit_id: str | None = Field(default=None, max_length=48)
    kind: str = Field(max_length=24)  # open | reminder | escalation | snooze | survey ...
    step: str = Field(default="", max_length=32)
    status: str = Field(
        default="claimed", max_length=16
    )  # claimed | sent | failed | blocked | skipped
    detail: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())


class Absence(SQLModel, table=True):
    """A manager away until a date: no reminders meanwhile."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    starts_on: date
    until: date
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class Deputy(SQLModel, table=True):
    """A person standing in for a unit's manager for a time."""

    __table_args__ = (UniqueConstraint("unit_id", "person_id", "starts_on"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    starts_on: date
    until: date
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class Snooze(SQLModel, table=True):
    """ "Remind me tomorrow": when to ask a person again about a unit's period report."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    period_id: str = Field(max_length=16)
    unit_id: str = Field(max_length=48)
    due_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    done_at: datetime | None = Field(default=None, sa_column=utc_column())
