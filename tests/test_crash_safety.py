"""Crash safety: the real bot is SIGKILLed after every step and nothing confirmed is lost.

``omabot run`` runs as a separate process (:mod:`tests.botprocess`) against the fake Bot API
in this test. A manager fills in a short report (five questions of different kinds) and a
staff member answers the survey at the same time; after every single step the process is
killed with SIGKILL and a new one is started. The SQLite file is read directly after each
kill: every answer the bot confirmed is there exactly once, and the next reply (from a new
process) asks the next question.

Updates are redelivered as Telegram does it: the fake keeps every update until a later
``getUpdates`` offset confirms it, so an update the killed process had in hand comes again to
the next one, and an update pushed again with the same ``update_id`` must be handled once.
The webhook path (Telegram retrying a POST) is checked in this process, without a kill.
"""

from __future__ import annotations

import asyncio
import copy
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update
from telegram.ext import TypeHandler

from bot.server import SECRET_HEADER, create_server
from bot.telegram_transport import TelegramTransport
from collectors.app import build_engine
from collectors.config import AppConfig, TelegramConfig, parse_config
from collectors.engine import Engine
from collectors.messages import Inbound, InboundKind, Sender
from collectors.organisation import sync_units
from collectors.periods import manual_period
from collectors.reporting import local_today, open_periods, store_period
from collectors.survey_rounds import open_round
from storage.db import Database, utcnow
from storage.people import Role, create_invitation
from tests.botprocess import BotProcess
from tests.fakebotapi import FakeBotApi
from tests.fakechat import Inbox, TgUser
from tests.support import SMALL_CONFIG, invite

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

STEP_TIMEOUT = 30.0  # a new process starts (imports, migrations check) within the step
METRICS = ("decisions", "assessments_7d", "incident_types", "plan_updated", "actions")
MANAGER, STAFF = 5001, 5002


def process_config() -> dict[str, Any]:
    """The small test organisation with five metrics of different kinds."""
    data = copy.deepcopy(SMALL_CONFIG)
    data["metrics"] = [m for m in data["metrics"] if m["id"] in METRICS]
    data["default_language"] = "en"
    return data


@dataclass(frozen=True)
class Seed:
    """What the test prepared in the database before the first process starts."""

    manager_code: str
    staff_code: str


def prepare(config: AppConfig, url: str) -> Seed:
    """Migrate, make sure one period is open today (real clock), invite, open a survey."""
    now = utcnow()
    db = Database(url)
    try:
        db.upgrade()
        with db.session() as session:
            sync_units(session, config)
            today = local_today(config, now)
            if not open_periods(session, config, now):
                period = manual_period(
                    "crash-test",
                    today - timedelta(days=30),
                    today - timedelta(days=1),
                    today + timedelta(days=7),
                    opens_on=today - timedelta(days=1),
                )
                store_period(session, period, now, manual=True)
            codes = [
                create_invitation(
                    session, role=role, unit_id="kotihoito-a", now=now, expires_in=timedelta(1)
                ).code
                for role in (Role.MANAGER, Role.STAFF)
            ]
            open_round(session, config, "staff", now=now, closes_on=today + timedelta(days=14))
    finally:
        db.dispose()
    return Seed(*codes)


class Rows:
    """Reads the bot's SQLite file directly, as an operator would after a crash."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as connection:
            return connection.execute(sql).fetchall()

    def report(self) -> dict[str, str]:
        """Each stored answer's raw text by metric; fails when a metric is stored twice."""
        rows = self.query("SELECT metric_id, raw FROM answer ORDER BY metric_id")
        metrics = [metric for metric, _raw in rows]
        assert len(metrics) == len(set(metrics)), f"an answer is stored twice: {rows}"
        return dict(rows)

    def survey(self) -> list[tuple[str, int | None, str | None]]:
        return sorted(self.query("SELECT question_id, value, text FROM survey_answer"))

    def one(self, sql: str) -> Any:
        [(value,)] = self.query(sql)
        return value


@pytest.fixture
def config() -> AppConfig:
    return parse_config(process_config(), "crash-test")


@pytest.fixture
async def bot(fake_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with BotProcess(fake_api, tmp_path, process_config(), url) as process:
        yield process


def text_update(user_id: int, text: str) -> dict[str, Any]:
    """A private text message as Telegram delivers it (without its update_id)."""
    user = {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
    chat = {"id": user_id, "type": "private", "first_name": "Test"}
    message = {"message_id": 70000 + len(text), "from": user, "chat": chat, "date": 0}
    return {"message": message | {"text": text}}


Step = Callable[[TgUser], Awaitable[Any]]


def say(text: str, expect: str) -> Step:
    return lambda user: user.send(text, expect)


def tap(label: str, expect: str) -> Step:
    return lambda user: user.press(label, expect)


@pytest.mark.slow
async def test_report_and_survey_survive_a_kill_after_every_step(
    bot: BotProcess, fake_api: FakeBotApi, config: AppConfig, tmp_path: Path
) -> None:
    seed = prepare(config, bot.database_url)
    rows = Rows(tmp_path / "bot.db")
    inbox = Inbox(fake_api)
    manager = TgUser(inbox, MANAGER, timeout=STEP_TIMEOUT)
    staff = TgUser(inbox, STAFF, timeout=STEP_TIMEOUT)
    first = text_update(MANAGER, "46")
    first_id = 0

    async def first_answer(user: TgUser) -> None:
        nonlocal first_id
        await user.exchange(lambda: fake_api.push_raw(first), "2/5")
        first_id = user.update_ids[-1]

    async def redelivered_then_second(user: TgUser) -> None:
        # Telegram delivers the first answer again (the killed process may not have confirmed
        # it): it must not become the answer to question 2.
        fake_api.push_raw({"update_id": first_id, **first})
        await user.send("95,5 %", "3/5")
        assert "between" not in user.text and "choose" not in user.text, user.text

    survey_button: tuple[Any, str] | None = None

    async def send_survey(user: TgUser) -> None:
        nonlocal survey_button
        survey_button = user.button("Send my answers")
        await user.press("Send my answers", "Thank you! Your answers are in.")

    manager_steps: list[tuple[Step, dict[str, str]]] = [
        (say(f"/start {seed.manager_code}", "Welcome! You are now registered as"), {}),
        (say("/report", "1/5"), {}),
        (first_answer, {"decisions": "46"}),
        (redelivered_then_second, {"assessments_7d": "95,5 %"}),
        (tap("Medication", "Chosen: 1"), {}),
        (tap("Accident/fall", "Chosen: 2"), {}),
        (tap("Done", "4/5"), {"incident_types": "Medication, Accident/fall"}),
    ]
    staff_steps: list[Step] = [
        say(f"/start {seed.staff_code}", "Welcome! You are now registered as"),
        say("/survey", "1/3"),
        tap("9", "2/3"),
        tap("4", "3/3"),
        say("Shorter handovers", "Ready to send?"),
        send_survey,
    ]
    expected: dict[str, str] = {}
    for number, (manager_step, stored) in enumerate(manager_steps):
        await bot.start()
        steps = [manager_step(manager)]
        if number < len(staff_steps):
            steps.append(staff_steps[number](staff))
        await within_step(bot, asyncio.gather(*steps))
        await bot.kill()
        expected |= stored
        assert rows.report() == expected, f"after manager step {number + 1}"
        survey = rows.survey()
        if number < len(staff_steps) - 1:
            assert survey == [], f"survey answers stored before sending: {survey}"
            if number >= 2:  # the unfinished answers stay in the (sealed) conversation only
                assert rows.one("SELECT count(*) FROM conversation") == 2
    assert survey == [  # one marker row for the response, then one row per answer
        ("*", None, None),
        ("improve", None, "Shorter handovers"),
        ("nps", 9, None),
        ("nss", 4, None),
    ]
    assert rows.one("SELECT count(*) FROM survey_receipt") == 1

    # A crash in the middle of a step: the button press is in the bot's hands (the callback
    # query was answered) when the process is killed. Either it was handled once or not at
    # all; the next process shows where the report stands and nothing is doubled.
    await bot.start()
    sent, data = manager.button("Yes")
    fake_api.push_callback(MANAGER, data, message_id=sent.message_id or 0)
    await within_step(
        bot,
        fake_api.wait_for_sent(
            lambda s: s.method == "answerCallbackQuery" and s.chat_id == MANAGER,
            timeout=STEP_TIMEOUT,
        ),
    )
    await bot.kill()
    await bot.start()
    await within_step(bot, manager.send("/start", "Welcome back! Let us continue"))
    question = await within_step(bot, manager.wait("/5"))
    position = int(re.search(r"(\d)/5", question.text or "")[1])  # type: ignore[index]
    answered = rows.report()
    assert position in (4, 5) and len(answered) == position - 1, (position, answered)
    if position == 4:
        await within_step(bot, manager.press("Yes", "5/5"))
    await within_step(bot, manager.send("Double checks in use", "Review"))
    await bot.kill()
    expected |= {"plan_updated": "Yes", "actions": "Double checks in use"}
    assert rows.report() == expected

    await bot.start()
    report_button = manager.button("Send the report")
    await within_step(bot, manager.press("Send the report", "Thank you!"))
    await bot.kill()
    assert rows.report() == expected
    assert rows.one("SELECT status FROM submission") == "submitted"

    # Old buttons pressed again after the restart change nothing; SIGTERM stops cleanly.
    await bot.start()
    assert survey_button is not None
    for user, (sent, data) in ((manager, report_button), (staff, survey_button)):
        await within_step(bot, user.press_data(data, sent, "earlier question"))
    assert await bot.terminate() == 0, bot.log_tail()
    assert rows.report() == expected
    assert rows.survey() == survey
    assert rows.one("SELECT count(*) FROM submission") == 1
    assert rows.one("SELECT version FROM submission") == 1
    assert rows.one("SELECT count(*) FROM conversation") == 0


async def within_step(bot: BotProcess, step: Awaitable[Any]) -> Any:
    """Await one step; on a timeout show what the bot process logged."""
    try:
        return await step
    except TimeoutError as problem:
        raise AssertionError(f"{problem}\n--- bot log ---\n{bot.log_tail()}") from None


# The webhook: Telegram retries a POST it got no answer to --------------------------------
class Handled:
    """Records which update ids the application has finished handling."""

    def __init__(self, transport: TelegramTransport) -> None:
        self.ids: list[int] = []
        self._changed = asyncio.Event()
        transport.application.add_handler(TypeHandler(Update, self._done), group=1)

    async def _done(self, update: Update, context: Any) -> None:
        self.ids.append(update.update_id)
        self._changed.set()

    async def wait(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.ids) < count:
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
async def webhook(
    fake_api: FakeBotApi, engine: Engine, config: AppConfig
) -> AsyncIterator[tuple[TelegramTransport, TestClient[Any, Any]]]:
    telegram = TelegramConfig(
        mode="webhook",
        api_base_url=fake_api.base_url,
        api_file_url=fake_api.base_file_url,
        webhook_url="https://bot.example/telegram",
    )
    settings = config.model_copy(update={"telegram": telegram})
    transport = TelegramTransport(engine, settings, fake_api.token)
    await transport.start(webhook_url=telegram.webhook_url, webhook_secret="hook-secret")
    app = create_server(
        engine, settings, application=transport.application, webhook_secret="hook-secret"
    )
    try:
        async with TestClient(TestServer(app)) as client:
            yield transport, client
    finally:
        await transport.stop()


def _numbered(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    body = text_update(user_id, text)
    body["message"]["message_id"] = update_id
    return {"update_id": update_id, **body}


async def test_a_webhook_update_posted_twice_is_handled_once(
    webhook: tuple[TelegramTransport, TestClient[Any, Any]],
    fake_api: FakeBotApi,
    engine: Engine,
) -> None:
    transport, client = webhook
    handled = Handled(transport)
    inbox = Inbox(fake_api)
    manager = TgUser(inbox, 61)
    code = invite(engine, Role.MANAGER, "kotihoito-a")
    headers = {SECRET_HEADER: "hook-secret"}

    async def post(update_id: int, text: str) -> None:
        response = await client.post(
            "/telegram", json=_numbered(update_id, 61, text), headers=headers
        )
        assert response.status == 200

    await post(1, f"/start {code}")
    await post(2, "/report")
    await post(3, "46")
    await post(3, "46")  # the retry: Telegram saw no answer in time
    await post(4, "95")
    await handled.wait(5)
    await manager.wait("3/5")
    assert engine.counters["duplicates"] == 1
    replies = [s.text or "" for s in fake_api.sent_to(61) if s.method == "sendMessage"]
    questions = [found[0] for text in replies if (found := re.search(r"\d+/5", text))]
    assert questions == ["1/5", "2/5", "3/5"], replies
    with engine.db.session() as session:
        stored = session.connection().exec_driver_sql("SELECT metric_id, raw FROM answer")
        answers: dict[str, str] = dict(stored.fetchall())
    assert answers == {"decisions": "46", "assessments_7d": "95"}


def test_update_keys_survive_in_the_database(engine: Engine) -> None:
    """The de-duplication key is committed with the step, so a new process knows it."""
    sender = Sender("telegram", "77", "77", language_hint="en")
    message = Inbound(sender, InboundKind.TEXT, text="hei", update_key="telegram:900")
    assert engine.handle(message)
    fresh = Database(engine.db.url)
    try:
        again = build_engine(fresh, engine.config, clock=engine.clock, secret=b"x")
        assert again.handle(message) == []
        assert again.counters["duplicates"] == 1
    finally:
        fresh.dispose()
