"""``omabot survey open|close|results|list`` through click's runner on a temporary database."""

from __future__ import annotations

import copy
import getpass
import json
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result

from bot.cli import CliState, cli
from bot.cli import surveys as survey_cli
from collectors.app import build_engine
from collectors.config import load_config
from collectors.messages import Deliverer, Delivery, DeliveryOutcome
from collectors.organisation import sync_units
from storage import surveys
from storage.audit import entries
from storage.db import Database
from storage.people import Role
from tests.support import REPORT_DAY, SMALL_CONFIG, Clock, join

survey_cli.register(cli)
Run = Callable[..., Result]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"


@pytest.fixture
def config_path(tmp_path: Path, sqlite_url: str) -> Path:
    data = copy.deepcopy(SMALL_CONFIG)
    data["database_url"] = sqlite_url
    path = tmp_path / "omabot.toml"
    path.write_text("\n".join(f"{k} = {_toml(v)}" for k, v in data.items()) + "\n", "utf-8")
    return path


@pytest.fixture
def database(config_path: Path) -> Iterator[Database]:
    config = load_config(config_path)
    db = Database(config.database_url)
    db.upgrade()
    with db.session() as session:
        sync_units(session, config)
    yield db
    db.dispose()


@pytest.fixture
def omabot(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    monkeypatch.delenv("OMABOT_TELEGRAM_TOKEN", raising=False)
    with time_machine.travel(REPORT_DAY, tick=False):

        def run(*args: str) -> Result:
            return CliRunner().invoke(cli, ["--config", str(config_path), *args])

        yield run


class FakeDeliverer:
    """Records what it is asked to deliver."""

    transport = "test"

    def __init__(self) -> None:
        self.delivered: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        self.delivered.append(delivery)
        return DeliveryOutcome.SENT


def test_open_without_a_transport_just_opens(omabot: Run) -> None:
    assert omabot("survey", "list").stdout.strip() == "No survey rounds yet."
    result = omabot("survey", "open", "staff", "--unit", "koti", "--closes", "23.9.2025")
    assert result.exit_code == 0, result.output
    assert "of staff for 3 units, open until 2025-09-23; 0 staff members asked" in result.stdout
    assert "No transport can deliver from here (OMABOT_TELEGRAM_TOKEN is not set)" in result.stdout
    assert "omabot invite create --role staff --unit UNIT --uses 30 --qr UNIT.png" in result.stdout
    listing = omabot("survey", "list").stdout
    assert "staff  2025-09-10" in listing and "open until 2025-09-23" in listing
    assert "0 answers" in listing


def test_open_invites_through_the_deliverers(
    omabot: Run, database: Database, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = build_engine(database, load_config(config_path), clock=Clock(), secret=b"k")
    for name in ("s1", "s2"):
        join(engine, name, Role.STAFF, "kotihoito-a", "en")
    join(engine, "s3", Role.STAFF, "ohjaus", "en")
    fake = FakeDeliverer()

    @asynccontextmanager
    async def available(state: CliState) -> AsyncIterator[list[Deliverer]]:
        yield [fake]

    monkeypatch.setattr(survey_cli, "deliverers", available)
    result = omabot("survey", "open", "staff", "--unit", "koti", "--label", "spring")
    assert result.exit_code == 0, result.output
    assert "2 staff members asked" in result.stdout
    assert "Invitations: 2 sent." in result.stdout
    assert sorted(d.chat_id for d in fake.delivered) == ["s1", "s2"]


def test_close_and_results(omabot: Run, database: Database) -> None:
    assert omabot("survey", "open", "staff", "--label", "2025-3").exit_code == 0
    with database.session() as session:
        [row] = surveys.list_rounds(session)
        for nps in (10, 9, 8, 6, 2):
            surveys.store_response(
                session,
                round_id=row.id,
                unit_id="kotihoito-a",
                receipt=secrets.token_hex(32),
                answers={"nps": nps, "nss": 4},
            )
    still_open = omabot("survey", "results", "--round", "2025-3")
    assert still_open.exit_code == 1
    assert "is still open: results come after the close" in still_open.stderr
    closed = omabot("survey", "close", "2025-3")
    assert closed.exit_code == 0, closed.output
    assert f"Closed round {row.id} (2025-3): 5 answers" in closed.stdout
    results = omabot("survey", "results", "--round", row.id[:8], "--language", "en")
    assert results.exit_code == 0, results.output
    # 2 promoters and 2 detractors of 5: NPS 0.
    assert "Kotihoito A (en): 5 answers (71% of 7 staff)" in results.stdout
    assert "NPS 0 (promoters 40%, passives 20%, detractors 40%; 5 answers)" in results.stdout
    only = omabot("survey", "results", "--round", "2025-3", "--unit", "ohjaus", "--language", "en")
    assert "Asiakasohjaus (en): fewer than 5 answers" in only.stdout
    assert "Kotihoito A" not in only.stdout
    assert "closed" in omabot("survey", "list").stdout
    again = omabot("survey", "close", "2025-3")
    assert again.exit_code == 1 and "already closed" in again.stderr
    with database.session() as session:
        audited = [(e.actor, e.action, e.target, e.detail) for e in entries(session)]
    actor = f"cli:{getpass.getuser()}"
    assert (actor, "survey.closed", f"round:{row.id}", {"answers": 5}) in audited
    assert (
        actor,
        "survey.opened",
        f"round:{row.id}",
        {"survey": "staff", "units": list(row.unit_ids), "label": "2025-3"},
    ) in audited


def test_mistakes_are_one_line_errors(omabot: Run) -> None:
    unknown = omabot("survey", "open", "nope")
    assert unknown.exit_code == 1
    assert "Error: survey 'nope' is not defined (configured: staff)" in unknown.stderr
    bad_unit = omabot("survey", "open", "staff", "--unit", "mars")
    assert "unit 'mars' is not defined" in bad_unit.stderr
    bad_date = omabot("survey", "open", "staff", "--closes", "someday")
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    missing = omabot("survey", "close", "no-such-round")
    assert missing.exit_code == 1 and "no survey round 'no-such-round'" in missing.stderr
    assert "Traceback" not in unknown.output + bad_unit.output + missing.output
