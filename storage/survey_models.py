"""Anonymous survey tables.

Nothing here identifies or orders people: answers carry random ids, no person or chat id and
no timestamp finer than their round; "already answered" is only a keyed hash of the person
and the round, whose key lives outside the database. On SQLite the answer table has no rowid,
so not even the storage order follows the order of answering.

A closed round's answers are also kept counted (:class:`SurveyRoundCounts`): per group, question
and value, the same sums its answers give, so that figures over many rounds need not read
every answer again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.models import random_id, utc_column

RESPONSE_MARKER = "*"
"""The question id of the one row per respondent that counts respondents."""


class SurveyRound(SQLModel, table=True):
    """One round of a survey: which units are asked, and when it is open."""

    __tablename__ = "survey_round"

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    survey_id: str = Field(max_length=48, index=True)
    unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    label: str = Field(default="", max_length=32)
    opens_at: datetime = Field(sa_column=utc_column(nullable=False))
    closes_at: datetime = Field(sa_column=utc_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class SurveyAnswer(SQLModel, table=True):
    """One anonymous answer to one question: the round, the unit and the value, nothing else."""

    __tablename__ = "survey_answer"
    __table_args__: Any = (
        # A round's answers to one question (its free texts) without reading the others.
        Index("ix_survey_answer_round_question", "round_id", "question_id"),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    round_id: str = Field(foreign_key="survey_round.id", index=True, max_length=32)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=48)
    question_id: str = Field(max_length=48)
    value: int | None = None
    text: str | None = None


class SurveyReceipt(SQLModel, table=True):
    """That someone answered a round: an HMAC of person and round, keyed outside the database."""

    __tablename__ = "survey_receipt"
    __table_args__: Any = {"sqlite_with_rowid": False}

    key: str = Field(primary_key=True, max_length=64)
    round_id: str = Field(foreign_key="survey_round.id", index=True, max_length=32)


class SurveyRoundCounts(SQLModel, table=True):
    """A closed round's answers counted per group, question and value, written once at the close.

    ``counts`` is ``{"groups": {group: {question: [answers, value, n, value, n, ...]}}, "tree":
    {unit: parent}}``: per group (a unit with its whole subtree), how many answers of any kind
    the question got (for question ``"*"``, the respondents), then how many gave each numeric
    value, values ascending; and the units those sums were made over (every unit with answers
    and its ancestors), so that a later move in the tree is noticed
    (:mod:`storage.survey_counts`). Free texts are counted, never copied. One JSON document a
    round rather than one row a value: a history of many rounds then reads a few rows, not tens
    of thousands. The counts are as anonymous as the answers they sum and are still suppressed
    when shown; they are deleted with their round (the foreign key makes a round with counts
    impossible to delete alone).
    """

    __tablename__ = "survey_round_counts"

    round_id: str = Field(foreign_key="survey_round.id", primary_key=True, max_length=32)
    counts: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
