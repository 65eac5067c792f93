"""Upgrades keep data; backups, forgetting people and purging drafts."""

from __future__ import annotations

import getpass
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.ticker import Ticker
from collectors.config import AppConfig
from collectors.engine import Engine
from storage import reports
from storage.audit import entries
from storage.backup import BackupNotSupported, backup_sqlite, sqlite_path
from storage.db import Database, current_revision, head_revision, upgrade
from storage.models import Person, ProcessedUpdate
from storage.people import Role, find_person
from storage.privacy import forget_person, purge_stale_drafts
from storage.surveys import aware
from tests.support import Chat, Clock, join, send_blank_report

NOW = datetime(2025, 9, 10, 7, 0, tzinfo=UTC)


def test_upgrade_from_the_first_migration_keeps_data(any_db_url: str) -> None:
    db = Database(any_db_url)
    upgrade(db.engine, "0001")
    assert current_revision(db.engine) == "0001"
    assert "survey_answer" not in inspect(db.engine).get_table_names()
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO unit (id, parent_id, kind, name_fi, name_sv, name_en, active) "
                "VALUES ('u1', NULL, 'unit', 'Yksikkö', 'Enhet', 'Unit', true)"
            )
        )
        connection.execute(
            text("INSERT INTO person (id, display_name, created_at) VALUES (1, 'Maija', :now)"),
            {"now": NOW},
        )
        connection.execute(
            text(
                'INSERT INTO reporting_period (id, scheme, start, "end", opens_on, deadline, manual, created_at) '
                "VALUES ('2025-T2', 'tertile', '2025-05-01', '2025-08-31', '2025-09-01', '2025-09-21', false, :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO submission (id, period_id, unit_id, status, started_by, created_at, updated_at, version) "
                "VALUES (1, '2025-T2', 'u1', 'draft', 1, :now, :now, 0)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO answer (submission_id, metric_id, status, value, raw, updated_at) "
                "VALUES (1, 'decisions', 'answered', 1050, '1 050 kpl', :now)"
            ),
            {"now": NOW},
        )
    upgrade(db.engine, "head")
    assert current_revision(db.engine) == head_revision()
    assert "survey_answer" in inspect(db.engine).get_table_names()
    with db.session() as session:
        answers = reports.answers_of(session, 1)
        assert answers["decisions"].value == 1050
        assert answers["decisions"].raw == "1 050 kpl"
    db.dispose()


def test_backup_copies_a_live_database(db: Database, tmp_path: Path, engine: Engine) -> None:
    join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")
    out = tmp_path / "backup" / "copy.db"
    pages = backup_sqlite(db.url, out)
    assert pages > 0
    with sqlite3.connect(out) as copy:
        assert copy.execute("SELECT count(*) FROM person").fetchone()[0] == 1


def test_backup_of_postgresql_gives_a_pg_dump_hint() -> None:
    with pytest.raises(BackupNotSupported, match="pg_dump"):
        sqlite_path("postgresql+psycopg://postgres@127.0.0.1/omabot")


def test_forgetting_a_person_keeps_their_submitted_report(engine: Engine) -> None:
    send_blank_report(engine)
    with engine.db.session() as session:
        person = find_person(session, "test", "m1")
        assert person is not None and person.id is not None
        result = forget_person(session, person.id, NOW)
        assert result is not None
        assert result.identities == 1
        assert result.grants == 1
    with engine.db.session() as session:
        assert find_person(session, "test", "m1") is None
        forgotten = session.get(Person, person.id)
        assert forgotten is not None and forgotten.forgotten_at is not None
        assert forgotten.display_name == "" and forgotten.language is None
        submission = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert submission is not None
        assert submission.submitted_role == "manager"
        assert len(reports.answers_of(session, submission.id or 0)) == 11
    # The same Telegram account is a stranger now.
    Chat(engine, "m1", "en").send("/report").expect("invited staff only")


def test_stale_drafts_are_purged_and_sent_reports_kept(engine: Engine) -> None:
    chat = join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")
    chat.send("/report").send("1050")
    with engine.db.session() as session:
        assert purge_stale_drafts(session, timedelta(days=30), NOW + timedelta(days=10)) == 0
        assert purge_stale_drafts(session, timedelta(days=30), NOW + timedelta(days=31)) == 1
        assert reports.get_submission(session, "2025-T2", "kotihoito-a") is None


def test_a_draft_answered_lately_is_not_stale_though_started_long_ago(
    engine: Engine, clock: Clock
) -> None:
    """Storing an answer leaves the submission row be: its answers' times count too."""
    chat = join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")
    chat.send("/report").send("1050")
    clock.advance(days=10)  # still before the period's deadline
    chat.send("/report").send("4,6")
    with engine.db.session() as session:
        submission = reports.get_submission(session, "2025-T2", "kotihoito-a")
        assert submission is not None and aware(submission.updated_at) == NOW
        assert purge_stale_drafts(session, timedelta(days=30), NOW + timedelta(days=31)) == 0
        assert purge_stale_drafts(session, timedelta(days=30), NOW + timedelta(days=41)) == 1


async def test_the_scheduler_purges_stale_drafts_once_a_day_and_audits_it(
    engine: Engine, config: AppConfig
) -> None:
    chat = join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")
    chat.send("/report").send("1050")
    security = config.security.model_copy(update={"draft_max_age_days": 30})
    ticker = Ticker(engine.db, config.model_copy(update={"security": security}), {})
    with engine.db.session() as session:
        assert session.exec(select(ProcessedUpdate)).first() is not None
    day_29 = NOW + timedelta(days=29, hours=23)
    assert (await ticker.tick(day_29)).drafts_purged == 0  # not stale yet
    with engine.db.session() as session:
        assert session.exec(select(ProcessedUpdate)).first() is None  # past redelivery
    assert (await ticker.tick(day_29 + timedelta(hours=2))).drafts_purged == 0  # same day
    with engine.db.session() as session:
        assert reports.get_submission(session, "2025-T2", "kotihoito-a") is not None
    assert (await ticker.tick(day_29 + timedelta(days=1))).drafts_purged == 1
    with engine.db.session() as session:
        assert reports.get_submission(session, "2025-T2", "kotihoito-a") is None
        purged = [e for e in entries(session) if e.action == "drafts.purged"]
    assert [(e.actor, e.detail) for e in purged] == [
        ("scheduler", {"drafts": 1, "older_than_days": 30})
    ]


def test_corrections_are_audited(engine: Engine) -> None:
    chat = send_blank_report(engine)
    chat.send("/report").press("Correct it").press("1").send("1050").press("Send corrections")
    with engine.db.session() as session:
        actions = [(e.action, e.detail.get("metric")) for e in entries(session)]
    assert ("report.corrected", "decisions") in actions
    assert ("invitation.redeemed", None) in actions


def test_ops_commands_from_the_cli(tmp_path: Path, engine: Engine) -> None:
    from click.testing import CliRunner

    from bot.cli import cli
    from bot.cli import ops as ops_commands
    from tests.support import SMALL_CONFIG
    from tests.test_cli import write_config

    ops_commands.register(cli)
    join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")
    config = write_config(tmp_path / "config.toml", {**SMALL_CONFIG, "database_url": engine.db.url})
    runner = CliRunner()

    def omabot(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["--config", str(config), *args])
        return result.exit_code, result.output

    code, out = omabot("backup", "--out", str(tmp_path / "copy.db"))
    assert code == 0
    assert "integrity ok" in out
    code, out = omabot("person", "forget", "1")
    assert code == 0
    assert "person 1 forgotten: 1 chat links removed, 1 roles revoked" in out
    code, out = omabot("person", "forget", "999")
    assert code == 2
    assert "no person with id 999" in out
    with engine.db.session() as session:
        assert session.exec(select(ProcessedUpdate)).first() is not None  # from 2025
    code, out = omabot("purge", "--older-than", "30")
    assert (code, out.strip()) == (0, "0 stale drafts removed")
    with engine.db.session() as session:
        assert session.exec(select(ProcessedUpdate)).first() is None  # past redelivery
    code, out = omabot("audit")
    assert f"cli:{getpass.getuser()} person.forgotten person:1" in out
    assert "invitation.redeemed" in out
