"""The administrator CLI through click's runner, on a temporary SQLite file and config."""

from __future__ import annotations

import copy
import csv
import getpass
import io
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result
from sqlmodel import select

from bot.cli import admin, cli
from bot.terminal import TerminalTransport
from collectors.app import build_engine
from collectors.config import AppConfig, load_config
from collectors.exports import CSV_HEADER
from collectors.organisation import sync_units
from storage.audit import entries
from storage.db import Database, head_revision
from storage.models import Invitation, ReportingPeriod
from storage.people import Role
from tests.support import REPORT_DAY, SMALL_CONFIG, Clock, join

AFTER_T2 = datetime(2025, 10, 15, 9, 0, tzinfo=UTC)  # 2025-T2's deadline (21.9.) has passed

admin.register(cli)


def toml_value(value: Any) -> str:
    """A TOML inline value (enough for the test configuration)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(
        "\n".join(f"{key} = {toml_value(value)}" for key, value in data.items()) + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config_data(sqlite_url: str) -> dict[str, Any]:
    data = copy.deepcopy(SMALL_CONFIG)
    data["database_url"] = sqlite_url
    return data


@pytest.fixture
def config_path(tmp_path: Path, config_data: dict[str, Any]) -> Path:
    return write_config(tmp_path / "omabot.toml", config_data)


Run = Callable[..., Result]


@pytest.fixture
def omabot(config_path: Path) -> Run:
    """Run ``omabot --config <temp config> ARGS``; stdout and stderr kept apart."""

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--config", str(config_path), *args], input=input)

    return run


def lines(result: Result) -> list[str]:
    return result.stdout.splitlines()


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def prepared(config: AppConfig) -> Database:
    """The configured database, migrated and with the organisation synced."""
    db = Database(config.database_url)
    db.upgrade()
    with db.session() as session:
        sync_units(session, config)
    return db


# config and init ------------------------------------------------------------------------------
def test_config_check_ok(omabot: Run) -> None:
    result = omabot("config", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 6 units, 11 metrics")


def test_config_check_reports_each_problem_and_exits_2(
    tmp_path: Path, config_data: dict[str, Any]
) -> None:
    config_data["server"] = {"port": "x"}
    config_data["surveys"] = {"min_responses": 2}
    path = write_config(tmp_path / "bad.toml", config_data)
    result = CliRunner().invoke(cli, ["config", "check", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    problems = result.stderr.splitlines()
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}: server.port: ")
    assert problems[1].startswith(f"{path}: surveys.min_responses: ")
    no_traceback(result)


def test_config_reference_problem_line(tmp_path: Path, config_data: dict[str, Any]) -> None:
    config_data["organisation"]["units"][1]["parent"] = "nowhere"
    path = write_config(tmp_path / "bad.toml", config_data)
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}: organisation.units[1].parent: unit 'nowhere' is not defined "
        "(expected the id of another unit)"
    ]


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = CliRunner().invoke(cli, ["--config", str(missing), "org", "show"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{missing}: file not found"


def test_init_creates_then_reports_current(omabot: Run, sqlite_url: str) -> None:
    first = omabot("init")
    assert first.exit_code == 0, first.output
    assert "revision before: none (empty database)" in lines(first)
    assert f"revision after: {head_revision()}" in lines(first)
    assert "units: 6 added, 0 updated" in lines(first)
    second = omabot("init", "--database-url", sqlite_url)
    assert f"revision before: {head_revision()}" in lines(second)
    assert "units: 0 added, 0 updated" in lines(second)


def test_unreachable_database_is_one_line(omabot: Run) -> None:
    result = omabot("invite", "list", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: database error")
    no_traceback(result)


# org and catalog ------------------------------------------------------------------------------
def test_org_show_tree_in_language(omabot: Run) -> None:
    result = omabot("org", "show", "--lang", "sv")
    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "Testområde",
        "  county (county): Testialue (sv)",
        "    koti (division): Koti- ja asumispalvelut (sv)",
        "      kotihoito-a (unit, staff 7): Kotihoito A (sv)",
        "      kotihoito-b (unit, staff 9): Kotihoito B (sv)",
        "    asiakas (division): Asiakaskeskus (sv)",
        "      ohjaus (unit, staff 12): Asiakasohjaus (sv)",
    ]


@pytest.fixture
def calls_metric(config_data: dict[str, Any], config_path: Path) -> None:
    """Add a call-centre metric reported only by ``ohjaus``, with a unit's own target."""
    config_data["metrics"].append(
        {
            "id": "calls",
            "area": "availability",
            "kind": "count",
            "units": ["ohjaus"],
            "name": {"fi": "Puhelut", "sv": "Samtal", "en": "Calls"},
            "targets": [{"unit": "ohjaus", "target": 90000}],
        }
    )
    write_config(config_path, config_data)


@pytest.mark.usefixtures("calls_metric")
def test_catalog_show_all_and_for_a_unit(omabot: Run) -> None:
    everything = omabot("catalog", "show", "--lang", "en")
    assert everything.exit_code == 0, everything.output
    assert everything.stdout.startswith("12 metrics")
    assert "Safety and quality" in lines(everything)
    decisions = next(line for line in lines(everything) if line.strip().startswith("decisions"))
    assert decisions.split() == [
        "decisions", "count", "pcs", "0..100000", "required", "Client", "decisions"
    ]  # fmt: skip
    assert "reported by ohjaus; ohjaus: target 90000" in everything.stdout

    home = omabot("catalog", "show", "--unit", "kotihoito-a", "--lang", "en")
    assert home.exit_code == 0, home.output
    assert "11 metrics" in lines(home)[0]
    assert "calls" not in home.stdout
    assert "baseline 5, target 4.8" in home.stdout
    assert "target 14" in home.stdout
    ohjaus = omabot("catalog", "show", "--unit", "ohjaus", "--lang", "en")
    assert "target 90000" in ohjaus.stdout


def test_catalog_unknown_unit(omabot: Run) -> None:
    result = omabot("catalog", "show", "--unit", "nowhere")
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown unit 'nowhere' (`omabot org show` lists the units)\n"


# periods --------------------------------------------------------------------------------------
def test_period_list_shows_scheme_and_counts(omabot: Run, config_path: Path) -> None:
    with time_machine.travel(REPORT_DAY, tick=False):
        before = omabot("period", "list")
        assert before.exit_code == 0, before.output
        row = next(line for line in lines(before) if line.startswith("2025-T2"))
        assert row.split()[:8] == [
            "2025-T2", "tertile", "2025-05-01", "2025-08-31", "2025-09-01", "2025-09-21",
            "open", "0/3",
        ]  # fmt: skip
        assert "scheme, not stored yet" in row
        upcoming = next(line for line in lines(before) if line.startswith("2025-T3"))
        assert "upcoming" in upcoming
        config = load_config(config_path)
        db = prepared(config)
        submit_report(build_engine(db, config, clock=Clock(REPORT_DAY), secret=b"k"))
        after = omabot("period", "list")
        row = next(line for line in lines(after) if line.startswith("2025-T2"))
        assert "1/3" in row.split() and "not stored" not in row
        db.dispose()


def test_period_open_after_the_deadline_needs_a_new_deadline(omabot: Run, sqlite_url: str) -> None:
    with time_machine.travel(AFTER_T2, tick=False):
        refused = omabot("period", "open", "2025-T2")
        assert refused.exit_code == 1
        assert "the deadline 2025-09-21 has passed" in refused.stderr
        opened = omabot("period", "open", "2025-T2", "--deadline", "2025-10-29")
        assert opened.exit_code == 0, opened.output
        assert "until the end of 2025-10-29" in opened.stdout
    db = Database(sqlite_url)
    with db.session() as session:
        row = session.get(ReportingPeriod, "2025-T2")
        assert row is not None and row.manual
        assert (row.opens_on.isoformat(), row.deadline.isoformat()) == ("2025-09-01", "2025-10-29")
        audit = entries(session)
        assert audit[0].actor == f"cli:{getpass.getuser()}" and audit[0].action == "period.opened"
        assert audit[0].target == "period:2025-T2"
    db.dispose()


def test_period_open_running_period_opens_today(omabot: Run, sqlite_url: str) -> None:
    with time_machine.travel(AFTER_T2, tick=False):
        result = omabot("period", "open", "2025-T3")
    assert result.exit_code == 0, result.output
    db = Database(sqlite_url)
    with db.session() as session:
        row = session.get(ReportingPeriod, "2025-T3")
        assert row is not None
        assert (row.opens_on.isoformat(), row.deadline.isoformat()) == ("2025-10-15", "2026-01-21")
    db.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2025-T2", "--deadline", "29.10.2025"], "--deadline: expected a date as YYYY-MM-DD"),
        (["2025-T9"], "the tertile periods of a year are T1..T3"),
        (["extra"], "give --start and --end"),
        (["extra", "--start", "2025-10-01", "--end", "2025-10-10"], "--deadline is required"),
        (["2026-T1"], "starts on 2026-01-01, which is after today"),
    ],
)
def test_period_open_errors(omabot: Run, args: list[str], message: str) -> None:
    with time_machine.travel(AFTER_T2, tick=False):
        result = omabot("period", "open", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_period_open_own_id(omabot: Run, sqlite_url: str) -> None:
    args = [
        "extra-2025",
        "--start",
        "2025-10-01",
        "--end",
        "2025-10-10",
        "--deadline",
        "2025-11-01",
    ]
    with time_machine.travel(AFTER_T2, tick=False):
        result = omabot("period", "open", *args)
    assert result.exit_code == 0, result.output
    db = Database(sqlite_url)
    with db.session() as session:
        row = session.get(ReportingPeriod, "extra-2025")
        assert (
            row is not None and row.scheme == "manual" and row.opens_on.isoformat() == "2025-10-11"
        )
    db.dispose()


# invitations ----------------------------------------------------------------------------------
def terminal_person(db: Database, config_path: Path, handle: str) -> tuple[TerminalTransport, Any]:
    config = load_config(config_path)
    engine = build_engine(db, config, secret=b"k")
    out = io.StringIO()
    return TerminalTransport(engine, handle, out=out, language_hint="en"), out


def test_invite_lifecycle(omabot: Run, config_path: Path, sqlite_url: str) -> None:
    created = omabot("invite", "create", "--role", "manager", "--unit", "kotihoito-a")
    assert created.exit_code == 0, created.output
    code = lines(created)[-1]
    assert f"Link: https://t.me/omavalvonta_bot?start={code}" in lines(created)

    listed = omabot("invite", "list")
    assert code not in listed.output
    row = lines(listed)[1].split()
    assert row[:4] == ["1", code[:4] + "…", "manager", "kotihoito-a"]
    assert row[4] == "0/1" and row[-1] == "open"

    db = Database(sqlite_url)
    chat, out = terminal_person(db, config_path, "matti")
    chat.send(f"/start {code}")
    assert "Welcome! You are now registered as unit manager of Kotihoito A" in out.getvalue()
    assert lines(omabot("invite", "list"))[1].split()[-1] == "used"

    second = lines(omabot("invite", "create", "--role", "staff", "--unit", "ohjaus", "--uses", "5"))
    revoked = omabot("invite", "revoke", "2")
    assert revoked.exit_code == 0 and revoked.stdout == "Invitation 2 revoked.\n"
    assert "revoked" in lines(omabot("invite", "list"))[1]
    chat, out = terminal_person(db, config_path, "newcomer")
    chat.send(f"/start {second[-1]}")
    assert "That invitation has been cancelled" in out.getvalue()

    again = omabot("invite", "revoke", "2")
    assert again.exit_code == 1
    assert again.stderr == "Error: no open invitation with id 2 (`omabot invite list`)\n"
    with db.session() as session:
        actions = [(e.actor, e.action, e.target) for e in entries(session)]
    actor = f"cli:{getpass.getuser()}"  # the operating-system user behind the command
    assert (actor, "invitation.created", "invitation:1") in actions
    assert (actor, "invitation.revoked", "invitation:2") in actions
    db.dispose()


def test_invite_expiry_units_and_state(omabot: Run, sqlite_url: str) -> None:
    with time_machine.travel(REPORT_DAY, tick=False):
        for expires in ("12h", "2w", "1d"):
            result = omabot("invite", "create", "--role", "admin", "--expires", expires)
            assert result.exit_code == 0, result.output
    db = Database(sqlite_url)
    with db.session() as session:
        spans = {
            row.id: row.expires_at.replace(tzinfo=UTC) - REPORT_DAY
            for row in session.exec(select(Invitation)).all()
        }
    assert [spans[i].total_seconds() / 3600 for i in (1, 2, 3)] == [12, 14 * 24, 24]
    db.dispose()
    with time_machine.travel(datetime(2025, 9, 10, 20, 0, tzinfo=UTC), tick=False):
        states = {line.split()[0]: line.split()[-1] for line in lines(omabot("invite", "list"))[1:]}
    assert states == {"1": "expired", "2": "open", "3": "open"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--role", "staff", "--unit", "ohjaus", "--expires", "3x"],
            "--expires: expected a number",
        ),
        (["--role", "staff", "--unit", "ohjaus", "--expires", "0d"], "valid for some time"),
        (["--role", "staff", "--unit", "ohjaus", "--expires", "400d"], "at most one year"),
        (["--role", "manager", "--unit", "nowhere"], "unknown unit 'nowhere'"),
        (["--role", "staff"], "a staff invitation needs --unit"),
        (["--role", "admin", "--unit", "koti"], "leave out --unit"),
        (["--role", "manager", "--unit", "koti"], "reports no metrics"),
    ],
)
def test_invite_create_errors(omabot: Run, args: list[str], message: str) -> None:
    result = omabot("invite", "create", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


def test_invite_qr_code_png(omabot: Run, tmp_path: Path) -> None:
    target = tmp_path / "wall.png"
    result = omabot("invite", "create", "--role", "staff", "--unit", "ohjaus", "--qr", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"QR code: {target}" in lines(result)
    failed = omabot("invite", "create", "--role", "admin", "--qr", str(tmp_path / "no" / "q.png"))
    assert failed.exit_code == 1
    assert failed.stderr.startswith(f"Error: cannot write the QR code to {tmp_path / 'no'}")
    assert len(lines(omabot("invite", "list"))) == 2  # the header and the first one only


# export ---------------------------------------------------------------------------------------
def submit_report(engine: Any) -> None:
    chat = join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")
    chat.press("English")
    chat.send("/report")
    for answer in ("1 050 kpl", "96 %", "0:13:25", "7 (6)"):
        chat.send(answer)
    chat.press("Medication").press("Accident/fall").press("Done")
    chat.send("12,5").press("Yes")
    chat.press("Skip")  # client NPS is optional
    chat.send("4,6").press("On schedule")
    chat.send('Kaksoistarkistus, "lääkkeet"')
    chat.press("Send the report").expect("Thank you!")


def test_export_csv(omabot: Run, config_path: Path) -> None:
    with time_machine.travel(REPORT_DAY, tick=False):
        config = load_config(config_path)
        db = prepared(config)
        submit_report(build_engine(db, config, clock=Clock(REPORT_DAY), secret=b"k"))
        db.dispose()
        result = omabot("export", "--period", "2025-T2", "--format", "csv", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode("utf-8").startswith(
        "period,unit_id,unit_name,metric_id,metric_name,value,unit,raw,status,submitted_at\r\n"
    )
    rows = {row["metric_id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert len(rows) == 11
    decisions = rows["decisions"]
    assert (decisions["period"], decisions["unit_id"], decisions["unit_name"]) == (
        "2025-T2",
        "kotihoito-a",
        "Kotihoito A (en)",
    )
    assert (decisions["metric_name"], decisions["value"], decisions["unit"]) == (
        "Client decisions",
        "1050",
        "pcs",
    )
    assert decisions["raw"] == "1 050 kpl" and decisions["status"] == "answered"
    assert decisions["submitted_at"] == "2025-09-10T10:00:00+03:00"
    assert (rows["assessments_7d"]["value"], rows["assessments_7d"]["unit"]) == ("96", "%")
    assert rows["queue_time"]["value"] == "0:13:25"
    assert rows["incidents"]["value"] == "7"
    assert rows["incident_types"]["value"] == "medication;fall"
    assert rows["handling_days"]["value"] == "12.5"
    assert rows["plan_updated"]["value"] == "yes"
    assert (rows["client_nps"]["status"], rows["client_nps"]["value"]) == ("skipped", "")
    assert rows["sick_leave"]["value"] == "4.6"
    assert rows["actions"]["value"] == 'Kaksoistarkistus, "lääkkeet"'


def test_export_unknown_period(omabot: Run) -> None:
    result = omabot("export", "--period", "2024-T1")
    assert result.exit_code == 1
    assert result.stderr == "Error: no stored period '2024-T1' (`omabot period list`)\n"


def test_export_without_reports_is_just_the_header(omabot: Run, sqlite_url: str) -> None:
    with time_machine.travel(AFTER_T2, tick=False):
        omabot("period", "open", "2025-T3")
    result = omabot("export", "--period", "2025-T3")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [",".join(CSV_HEADER)]
    assert "No submitted reports" in result.stderr


# run ------------------------------------------------------------------------------------------
def test_run_without_token_names_the_variable(omabot: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMABOT_TELEGRAM_TOKEN", raising=False)
    result = omabot("run")
    assert result.exit_code == 2
    assert "OMABOT_TELEGRAM_TOKEN" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_run_hands_config_token_database_and_scheduler_to_the_bot(
    omabot: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.telegram
    from bot.scheduler import ReminderService

    calls: list[tuple[Any, str, Any, list[Any]]] = []

    def fake_run_bot(config: Any, token: str, *, db: Any = None, services: Any = ()) -> None:
        calls.append((config, token, db, list(services)))

    monkeypatch.setattr(bot.telegram, "run_bot", fake_run_bot)
    monkeypatch.setenv("OMABOT_TELEGRAM_TOKEN", "123:abc")
    result = omabot("run")
    assert result.exit_code == 0, result.output
    [(config, token, db, services)] = calls
    assert token == "123:abc"
    assert config.organisation.id == "test"
    assert isinstance(db, Database) and db.is_current()
    assert [type(s) for s in services] == [ReminderService]
    db.dispose()


def test_run_refuses_without_the_secret(omabot: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMABOT_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.delenv("OMABOT_SECRET", raising=False)
    result = omabot("run")
    assert result.exit_code == 2
    assert "OMABOT_SECRET" in result.stderr


def test_chat_by_person_id_gets_a_terminal_account(
    omabot: Run, config_path: Path, sqlite_url: str
) -> None:
    with time_machine.travel(REPORT_DAY, tick=False):
        config = load_config(config_path)
        db = prepared(config)
        engine = build_engine(db, config, clock=Clock(REPORT_DAY), secret=b"k")
        join(engine, "tg-1", Role.MANAGER, "kotihoito-a", "en").press("English")
        result = omabot("chat", "--as", "1", input="/report\n")
    assert result.exit_code == 0, result.output
    assert "Chatting as person-1 (person 1)" in result.stderr
    assert "Period report of Kotihoito A (en)" in result.stdout
    unknown = omabot("chat", "--as", "99", input="")
    assert unknown.exit_code == 1 and unknown.stderr == "Error: no person with id 99\n"
    with db.session() as session:
        assert any(e.action == "terminal.identity_added" for e in entries(session))
    db.dispose()


def test_starting_imports_nothing_only_some_commands_need() -> None:
    """Every command, registered, and the engine, built, leave the heavy libraries unloaded.

    openpyxl (a workbook), Alembic (the schema), aiohttp (the web chat and the server) and
    matplotlib (a chart) are imported when they are first used, so that ``omabot --help``
    and every other command start without them (benchmarks/RESULTS.md, figure 5).
    """
    code = textwrap.dedent(
        """
        import sys
        from bot.cli import admin, charts, cli, ops, reminders, surveys
        for area in (admin, surveys, reminders, charts, ops):
            area.register(cli)
        from collectors.app import build_engine
        from storage.db import Database
        from tests.support import small_config
        build_engine(Database("sqlite://"), small_config(), secret=b"x")
        loaded = [m for m in ("openpyxl", "alembic", "aiohttp", "matplotlib") if m in sys.modules]
        assert not loaded, loaded
        """
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
