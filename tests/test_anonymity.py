"""Anonymity by construction: what the survey tables can hold, and what nothing else leaks.

These tests fail when someone adds a column that could identify or order people to a survey
answer table, when a sent answer leaves a trace beside the person, or when an answer reaches
the log.
"""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import Integer, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from collectors.engine import Engine
from collectors.survey_drafts import seal, unseal
from collectors.survey_rounds import open_round
from storage import surveys
from storage.db import Database
from storage.models import Conversation
from storage.people import Role
from storage.survey_models import SurveyAnswer
from tests.support import REPORT_DAY, Chat, join

# Anything that could name a person or a chat, or order or time a row.
SUSPECT = re.compile(
    r"person|people|user|chat|sender|identity|member|staff|name|email|phone|device|ip"
    r"|created|updated|modified|inserted|answered|sent|submitted|_at$|^at$|time|date|stamp"
    r"|seq|serial|order|rank|position|number|counter|step|session|update",
    re.IGNORECASE,
)
ANSWER_COLUMNS = {"id", "round_id", "unit_id", "question_id", "value", "text"}
RECEIPT_COLUMNS = {"key", "round_id"}


COUNTS_COLUMNS = {"round_id", "counts"}


@pytest.mark.parametrize(
    ("table", "allowed"),
    [
        ("survey_answer", ANSWER_COLUMNS),
        ("survey_receipt", RECEIPT_COLUMNS),
        ("survey_round_counts", COUNTS_COLUMNS),
    ],
)
def test_survey_tables_hold_nothing_that_identifies_or_orders_people(
    any_db: Database, table: str, allowed: set[str]
) -> None:
    inspector = inspect(any_db.engine)
    columns = {c["name"]: c for c in inspector.get_columns(table)}
    suspects = sorted(name for name in columns if SUSPECT.search(name))
    assert not suspects, f"{table} has columns that could identify or order people: {suspects}"
    # And nothing new at all without a deliberate change to this test.
    assert set(columns) == allowed
    for name, column in columns.items():
        assert not column.get("default"), f"{table}.{name} has a database default"
        assert column.get("autoincrement") is not True, f"{table}.{name} auto-increments"
    primary = inspector.get_pk_constraint(table)["constrained_columns"]
    assert len(primary) == 1
    assert not isinstance(columns[primary[0]]["type"], Integer), "an integer key orders rows"
    targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
    assert targets <= {"survey_round", "unit"}, targets


def test_sqlite_tables_have_no_rowid(db: Database) -> None:
    with db.engine.connect() as connection:
        for table in ("survey_answer", "survey_receipt"):
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                {"t": table},
            ).scalar_one()
            assert "WITHOUT ROWID" in sql.upper(), table


@pytest.mark.postgres
def test_postgres_tables_have_no_sequence(pg_url: str) -> None:
    db = Database(pg_url)
    db.upgrade()
    try:
        with db.engine.connect() as connection:
            for table in ("survey_answer", "survey_receipt"):
                owned = connection.execute(
                    text(
                        "SELECT count(*) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
                        "JOIN pg_class t ON t.oid = d.refobjid "
                        "WHERE s.relkind = 'S' AND t.relname = :t"
                    ),
                    {"t": table},
                ).scalar_one()
                assert owned == 0, table
    finally:
        db.dispose()


def _round(engine: Engine) -> str:
    with engine.db.session() as session:
        return open_round(session, engine.config, "staff", now=engine.clock()).id


def _staff(engine: Engine, name: str) -> Chat:
    chat = join(engine, name, Role.STAFF, "kotihoito-a", "en")
    chat.press("English")
    return chat


def test_sent_survey_leaves_nothing_beside_the_person(engine: Engine) -> None:
    _round(engine)
    chat = _staff(engine, "anon-1")
    chat.send("/survey").press("3").press("1").send("ZebraPancake42")
    with engine.db.session() as session:
        draft = session.exec(select(Conversation)).one()
        # The draft names the person, so the answers in it are sealed.
        assert "ZebraPancake42" not in str(draft.state)
        assert "nps" not in str(draft.state)
    chat.press("Send my answers").expect("Thank you!")
    with engine.db.session() as session:
        assert session.exec(select(Conversation)).all() == []
        rows = session.exec(select(SurveyAnswer)).all()
        assert {r.question_id for r in rows} == {"*", "nps", "nss", "improve"}
        # Nothing else in the database holds the text.
        for table in ("conversation", "processed_update", "audit_entry", "notification"):
            dump = str(session.connection().execute(text(f"SELECT * FROM {table}")).all())
            assert "ZebraPancake42" not in dump, table


def test_answers_never_reach_the_log(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _round(engine)
    chat = _staff(engine, "anon-2")
    chat.send("/survey").press("0").press("5").send("ZebraPancake42")
    chat.press("Send my answers").expect("Thank you!")
    assert "ZebraPancake42" not in caplog.text


def test_a_failed_send_logs_no_answer(
    engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLAlchemy errors quote their parameters; the engine logs them beside the sender."""
    caplog.set_level(logging.DEBUG)
    _round(engine)
    chat = _staff(engine, "anon-3")
    chat.send("/survey").press("7").press("2").send("ZebraPancake42")

    def broken(*args: object, **kwargs: object) -> None:
        orig = sqlite3.IntegrityError("UNIQUE constraint failed: survey_answer.id")
        raise IntegrityError("INSERT INTO survey_answer", {"text": "ZebraPancake42"}, orig)

    monkeypatch.setattr(surveys, "store_response", broken)
    chat.press("Send my answers").expect("Sorry, something went wrong")
    assert "failed to handle" in caplog.text  # the failure is logged...
    assert "ZebraPancake42" not in caplog.text  # ...without the answer
    assert "INSERT INTO" not in caplog.text


def test_sealed_drafts_open_only_for_their_person_and_round() -> None:
    sealed = seal(b"secret", 7, "round-1", {"nps": 9, "improve": "Ääni"})
    assert unseal(b"secret", 7, "round-1", sealed) == {"nps": 9, "improve": "Ääni"}
    assert unseal(b"secret", 8, "round-1", sealed) == {}
    assert unseal(b"secret", 7, "round-2", sealed) == {}
    assert unseal(b"other", 7, "round-1", sealed) == {}
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    assert unseal(b"secret", 7, "round-1", tampered) == {}
    assert seal(b"secret", 7, "round-1", {"nps": 9}) != seal(b"secret", 7, "round-1", {"nps": 9})


@pytest.mark.postgres
def test_close_rewrites_rows_so_postgres_xmin_no_longer_groups_a_person(pg_url: str) -> None:
    """Each sending is one transaction; until the close, xmin tells whose rows go together."""
    from tests.support import small_config

    db = Database(pg_url)
    db.upgrade()
    try:
        with db.session() as session:
            from collectors.organisation import sync_units

            sync_units(session, small_config())
            row = surveys.create_round(
                session,
                survey_id="staff",
                unit_ids=["kotihoito-a"],
                label="x",
                opens_at=REPORT_DAY,
                closes_at=REPORT_DAY + timedelta(days=1),
                now=REPORT_DAY,
            )
        for value in (1, 5, 9):
            with db.session() as session:
                surveys.store_response(
                    session,
                    round_id=row.id,
                    unit_id="kotihoito-a",
                    receipt=secrets.token_hex(32),
                    answers={"nps": value, "nss": 3},
                )
        query = text("SELECT count(DISTINCT xmin::text) FROM survey_answer WHERE round_id = :r")
        with db.engine.connect() as connection:
            assert connection.execute(query, {"r": row.id}).scalar_one() == 3
        with db.session() as session:
            surveys.close_round(
                session, row.id, REPORT_DAY + timedelta(days=2), conversation_kind="survey"
            )
        with db.engine.connect() as connection:
            assert connection.execute(query, {"r": row.id}).scalar_one() == 1
    finally:
        db.dispose()
