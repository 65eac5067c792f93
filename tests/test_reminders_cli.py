"""``omabot remind``, ``omabot schedule show`` and ``omabot deputy``, through click's runner."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result
from sqlmodel import select

from bot.cli import cli
from bot.cli import reminders as reminder_cli
from storage.audit import entries
from storage.db import Database
from storage.models import ChatIdentity, RoleGrant
from storage.people import Role
from tests.support import SMALL_CONFIG
from tests.test_cli import write_config
from tests.test_reminders_support import add_person, rows, submit

reminder_cli.register(cli)

SEPT_10 = datetime(2025, 9, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def config_file(tmp_path: Path, db: Database) -> Path:
    data: dict[str, Any] = copy.deepcopy(SMALL_CONFIG)
    data["database_url"] = db.url
    return write_config(tmp_path / "omabot.toml", data)


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    out = {
        "ma": add_person(db, "ma", Role.MANAGER, "kotihoito-a", name="Maija"),
        "mb": add_person(db, "mb", Role.MANAGER, "kotihoito-b", name="Mikko"),
        "mo": add_person(db, "mo", Role.MANAGER, "ohjaus", name="Olli"),
        "sa": add_person(db, "sa", Role.STAFF, "kotihoito-a", name="Sanna"),
    }
    # Maija and Sanna use the terminal chat; the others only Telegram.
    with db.session() as session:
        for row in session.exec(select(ChatIdentity)).all():
            row.transport = "terminal" if row.chat_id in ("ma", "sa") else "telegram"
            session.add(row)
    return out


def omabot(config_file: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config_file), *args], env=env)


def test_remind_without_a_token_prints_to_the_terminal(
    config_file: Path, db: Database, ids: dict[str, int]
) -> None:
    submit(db, "ohjaus", ids["mo"], SEPT_10)
    with time_machine.travel(SEPT_10, tick=False):
        result = omabot(
            config_file, "remind", "--period", "2025-T2", env={"OMABOT_TELEGRAM_TOKEN": ""}
        )
    assert result.exit_code == 0, result.output
    assert "--- message for ma" in result.output and "Kotihoito A" in result.output
    assert "sent 1, blocked 0, failed 0" in result.output
    assert "not reachable from here: 1: no Telegram token in OMABOT_TELEGRAM_TOKEN" in result.output
    assert [(r.step, r.status) for r in rows(db)] == [("manual-202509101200", "sent")]
    with db.session() as session:
        assert entries(session)[0].action == "remind.manual"


def test_remind_refuses_a_closed_period_and_a_token_without_the_key(
    config_file: Path, ids: dict[str, int]
) -> None:
    with time_machine.travel(SEPT_10, tick=False):
        closed = omabot(config_file, "remind", "--period", "2025-T1")
        keyless = omabot(
            config_file,
            "remind",
            "--period",
            "2025-T2",
            env={"OMABOT_TELEGRAM_TOKEN": "123:ABC", "OMABOT_SECRET": ""},
        )
    assert closed.exit_code == 1 and "period 2025-T1 is not open" in closed.output
    assert keyless.exit_code == 2 and "OMABOT_SECRET must be set" in keyless.output


def test_schedule_show_lists_when_what_and_whom(
    config_file: Path, db: Database, ids: dict[str, int]
) -> None:
    submit(db, "ohjaus", ids["mo"], SEPT_10)
    with time_machine.travel(SEPT_10, tick=False):
        result = omabot(config_file, "schedule", "show", "--period", "2025-T2", "--lang", "en")
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert "2025-09-01 09:00  2025-T2  open         late     Maija (#1)  Kotihoito A (en)" in out
    assert "2025-09-15 09:00  2025-T2  reminder-7   planned  Mikko (#2)  Kotihoito B (en)" in out
    assert "2025-09-19 09:00  2025-T2  reminder-1   planned  Maija (#1)  Kotihoito A (en)" in out
    assert not [line for line in out if "Olli" in line]  # Asiakasohjaus has reported
    with time_machine.travel(SEPT_10, tick=False):
        default = omabot(config_file, "schedule", "show", "--days", "130")
    assert "2026-01-02 09:00  2025-T3  open" in default.output  # New Year's Day moved


def test_deputy_set_list_and_end(config_file: Path, db: Database, ids: dict[str, int]) -> None:
    sa = str(ids["sa"])
    with time_machine.travel(SEPT_10, tick=False):
        result = omabot(
            config_file,
            "deputy",
            "set",
            "--unit",
            "kotihoito-a",
            "--person",
            sa,
            "--until",
            "2025-09-30",
        )
        assert result.exit_code == 0, result.output
        listed = omabot(config_file, "deputy", "list")
        assert "kotihoito-a      Sanna (#4)  2025-09-10 – 2025-09-30  named by cli" in listed.output
        with db.session() as session:
            grant = session.exec(select(RoleGrant).where(RoleGrant.person_id == ids["sa"])).all()
        assert [(g.role, g.unit_id) for g in grant if g.valid_until] == [("manager", "kotihoito-a")]
        ended = omabot(config_file, "deputy", "end", "--unit", "kotihoito-a", "--person", sa)
        assert ended.exit_code == 0, ended.output
        assert omabot(config_file, "deputy", "list").output.strip() == "no deputies"
        again = omabot(config_file, "deputy", "end", "--unit", "kotihoito-a", "--person", sa)
        assert again.exit_code == 1 and "is not a deputy" in again.output
        bad = omabot(
            config_file,
            "deputy",
            "set",
            "--unit",
            "kotihoito-a",
            "--person",
            sa,
            "--until",
            "30.9.",
        )
        assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output
        past = omabot(
            config_file,
            "deputy",
            "set",
            "--unit",
            "nowhere",
            "--person",
            sa,
            "--until",
            "2025-09-30",
        )
        assert past.exit_code == 1 and "unknown unit 'nowhere'" in past.output
    with db.session() as session:
        revoked = session.exec(select(RoleGrant).where(RoleGrant.person_id == ids["sa"])).all()
    assert [g.revoked_at is not None for g in revoked if g.valid_until] == [True]


def test_deputy_set_again_gives_the_same_deputyship_a_new_last_day(
    config_file: Path, db: Database, ids: dict[str, int]
) -> None:
    def set_until(until: str) -> Result:
        args = ("deputy", "set", "--unit", "kotihoito-a", "--person", str(ids["sa"]))
        return omabot(config_file, *args, "--until", until)

    with time_machine.travel(SEPT_10, tick=False):
        assert set_until("2025-09-30").exit_code == 0
    with time_machine.travel(datetime(2025, 9, 15, 9, 0, tzinfo=UTC), tick=False):
        assert set_until("2025-09-20").exit_code == 0  # back earlier than planned
        listed = omabot(config_file, "deputy", "list").output.strip().splitlines()
    assert "Sanna (#4)  2025-09-10 – 2025-09-20  named by cli" in listed[-1]
    assert len([line for line in listed if "Sanna" in line]) == 1
    with db.session() as session:
        grants = session.exec(select(RoleGrant).where(RoleGrant.person_id == ids["sa"])).all()
        changes = [e.detail for e in entries(session) if e.action == "deputy.change"]
    ends = [g.valid_until for g in grants if g.valid_until and g.revoked_at is None]
    assert ends == [datetime(2025, 9, 20, 21, 0)]  # midnight in Helsinki, stored naive UTC
    assert changes == [{"person": ids["sa"], "until": "2025-09-20", "was": "2025-09-30"}]
