"""/status and ``omabot status``: submitted, draft and not started, with counts and percent."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner

from bot.cli import cli
from bot.cli import reminders as reminder_cli
from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.status import split_messages
from storage import reports
from storage.db import Database
from storage.people import Role
from tests.support import SMALL_CONFIG, Chat, Clock
from tests.test_cli import write_config
from tests.test_reminders_support import BEFORE, OPEN, add_person, submit

reminder_cli.register(cli)

SEPT_10 = datetime(2025, 9, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def people(db: Database, clock: Clock) -> dict[str, int]:
    clock.now = BEFORE
    ids = {
        "ma": add_person(db, "ma", Role.MANAGER, "kotihoito-a", name="Maija"),
        "mb": add_person(db, "mb", Role.MANAGER, "kotihoito-b", name="Mikko"),
        "lk": add_person(db, "lk", Role.LEADER, "koti", name="Kaisa"),
        "lc": add_person(db, "lc", Role.LEADER, "county", name="Kalle"),
        "sa": add_person(db, "sa", Role.STAFF, "kotihoito-a", name="Sanna"),
    }
    submit(db, "kotihoito-a", ids["ma"], OPEN + timedelta(days=3))
    clock.now = SEPT_10
    return ids


def draft(engine: Engine) -> None:
    """Mikko answers three questions of Kotihoito B's report and stops."""
    Chat(engine, "mb", "en").send("/report").send("12").send("95").send("0:05").send("/cancel")


def test_leader_sees_their_division(engine: Engine, people: dict[str, int]) -> None:
    draft(engine)
    lk = Chat(engine, "lk", "en").send("/status")
    lk.expect(
        "Reporting status of T2/2025",
        "the deadline is Sun, Sep 21, 2025.",
        "✅ Kotihoito A (en) – sent Thu, Sep 4, 2025",
        "📝 Kotihoito B (en) – draft, 3 of 11 answers",
        "Sent: 1 of 2 (50%). Drafts: 1. Not started: 0.",
    )
    lk.expect_not("Asiakasohjaus")


def test_county_leader_sees_every_unit_grouped_by_division(
    engine: Engine, people: dict[str, int]
) -> None:
    lc = Chat(engine, "lc", "en").send("/status")
    lc.expect(
        "Koti- ja asumispalvelut (en)\n✅ Kotihoito A (en)",
        "Asiakaskeskus (en)\n⬜ Asiakasohjaus (en) – not started",
        "Sent: 1 of 3 (33%). Drafts: 0. Not started: 2.",
    )


def test_manager_sees_own_unit_and_staff_is_refused(engine: Engine, people: dict[str, int]) -> None:
    Chat(engine, "mb", "en").send("/status").expect(
        "⬜ Kotihoito B (en) – not started", "Sent: 0 of 1 (0%)"
    ).expect_not("Kotihoito A")
    Chat(engine, "sa", "en").send("/status").expect(
        "Only leaders and unit managers can see the reporting status."
    )


def test_status_of_a_named_or_unknown_period(engine: Engine, people: dict[str, int]) -> None:
    Chat(engine, "lc", "en").send("/status 2025-T1").expect(
        "Reporting status of T1/2025", "Sent: 0 of 3 (0%)"
    )
    Chat(engine, "lc", "en").send("/status 2025-X9").expect(
        "I do not know the period 2025-X9. Name one as T2/2025, 2025-T2 or by its dates, "
        "1.5.–31.8.2025."
    )
    Chat(engine, "lc", "en").send("/status 1.1.-30.4.2025").expect(  # its dates, as in reports
        "Reporting status of T1/2025", "Sent: 0 of 3 (0%)"
    )


def test_after_the_deadline_status_shows_the_last_period(
    engine: Engine, people: dict[str, int], clock: Clock
) -> None:
    clock.now = datetime(2025, 10, 15, 9, tzinfo=UTC)  # no window open
    Chat(engine, "lk", "en").send("/status").expect("Reporting status of T2/2025")


def test_before_any_period_there_is_nothing_to_show(db: Database, engine: Engine) -> None:
    add_person(db, "lc", Role.LEADER, "county")
    Chat(engine, "lc", "en").send("/status").expect("Reporting status of T2/2025")
    with db.session() as session:
        for row in reports.list_periods(session):
            session.delete(row)
    engine.clock = lambda: datetime(2025, 8, 1, 9, tzinfo=UTC)  # T2 not yet open
    Chat(engine, "lc", "en").send("/status").expect("No reporting period has opened yet.")


def test_long_status_is_split_into_messages() -> None:
    lines = [f"line {n:04d} " + "x" * 90 for n in range(100)]
    parts = split_messages(lines, limit=1000)
    assert all(len(part) <= 1000 for part in parts) and len(parts) == 12  # 9 lines of 101
    assert "\n".join(parts).splitlines() == lines


# the CLI --------------------------------------------------------------------------------------
@pytest.fixture
def config_file(tmp_path: Path, db: Database) -> Path:
    data: dict[str, Any] = copy.deepcopy(SMALL_CONFIG)
    data["database_url"] = db.url
    return write_config(tmp_path / "omabot.toml", data)


def omabot(config_file: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config_file), *args])


def test_cli_status_prints_the_same_lines(
    config_file: Path, people: dict[str, int], config: AppConfig
) -> None:
    with time_machine.travel(SEPT_10, tick=False):
        result = omabot(config_file, "status", "--lang", "en")
        assert result.exit_code == 0, result.output
        assert "✅ Kotihoito A (en) – sent Thu, Sep 4, 2025" in result.output
        assert "Sent: 1 of 3 (33%)" in result.output
        result = omabot(config_file, "status", "--period", "2025-T2", "--unit", "koti")
        assert result.exit_code == 0 and "Asiakasohjaus" not in result.output
        assert "Kotihoito B" in result.output and "(50\xa0%)" in result.output  # in Finnish
        bad = omabot(config_file, "status", "--unit", "nowhere")
        assert bad.exit_code == 1 and "unknown unit 'nowhere'" in bad.output
