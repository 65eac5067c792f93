"""The web server: the Telegram webhook with its secret, /healthz and /metrics (loopback)."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CONTENT_TYPE_LATEST

from bot.server import SECRET_HEADER, create_server
from bot.telegram import BotStartError, TelegramTransport, run_bot, serve
from bot.ticker import Ticker
from charts.data import TargetBars
from collectors.app import build_engine
from collectors.config import AppConfig, ServerConfig, TelegramConfig
from collectors.drawing import draw_png
from collectors.engine import Engine
from collectors.messages import DeliveryOutcome, Inbound, InboundKind, Sender
from storage.db import Database
from tests.fakebotapi import FakeBotApi
from tests.support import Clock
from tests.test_reminders_support import BEFORE, OPEN, make_world

SECRET = "s3cret-Token_for-webhooks"


def update(update_id: int, text: str = "/help", user_id: int = 42) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": {"id": user_id, "type": "private", "first_name": "Test"},
            "date": 0,
            "text": text,
        },
    }


@pytest.fixture
async def webhook_bot(
    fake_api: FakeBotApi, engine: Engine, config: AppConfig
) -> AsyncIterator[TelegramTransport]:
    telegram = TelegramConfig(
        mode="webhook",
        api_base_url=fake_api.base_url,
        api_file_url=fake_api.base_file_url,
        webhook_url="https://bot.example/telegram",
    )
    server = ServerConfig(max_body_bytes=1024)
    settings = config.model_copy(update={"telegram": telegram, "server": server})
    transport = TelegramTransport(engine, settings, fake_api.token)
    await transport.start(webhook_url=telegram.webhook_url, webhook_secret=SECRET)
    yield transport
    await transport.stop()


@pytest.fixture
async def client(webhook_bot: TelegramTransport) -> AsyncIterator[TestClient[Any, Any]]:
    app = create_server(
        webhook_bot.engine,
        webhook_bot.config,
        application=webhook_bot.application,
        webhook_secret=SECRET,
    )
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_setting_the_webhook_passes_the_secret(
    webhook_bot: TelegramTransport, fake_api: FakeBotApi
) -> None:
    assert fake_api.webhook_url == "https://bot.example/telegram"
    assert fake_api.webhook_secret == SECRET
    [call] = [s for s in fake_api.sent if s.method == "setWebhook"]
    assert call.params["allowed_updates"] == ["message", "callback_query"]


async def test_update_with_the_right_secret_is_handled(
    client: TestClient[Any, Any], fake_api: FakeBotApi, engine: Engine
) -> None:
    response = await client.post("/telegram", json=update(1), headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    [reply] = await fake_api.wait_for_sent(lambda s: s.chat_id == 42)
    assert reply.text is not None and "invited staff only" in reply.text
    assert engine.counters["updates"] == 1


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_wrong_or_missing_secret_is_forbidden_and_not_handled(
    client: TestClient[Any, Any],
    webhook_bot: TelegramTransport,
    engine: Engine,
    headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = update(2, text="salainen vastaus")
    response = await client.post("/telegram", json=body, headers=headers)
    assert response.status == 403
    assert webhook_bot.application.update_queue.qsize() == 0
    assert "updates" not in engine.counters
    assert "salainen" not in caplog.text
    assert "refused" in caplog.text


async def test_oversized_and_malformed_bodies_are_refused(
    client: TestClient[Any, Any], webhook_bot: TelegramTransport
) -> None:
    headers = {SECRET_HEADER: SECRET}
    big = update(3, text="x" * 2000)
    response = await client.post("/telegram", json=big, headers=headers)
    assert response.status == 413
    for body in (b"{not json", b"[1, 2]", b'{"no": "update"}', b'"text"'):
        response = await client.post(
            "/telegram", data=body, headers=headers | {"Content-Type": "application/json"}
        )
        assert response.status == 400, body
    assert webhook_bot.application.update_queue.qsize() == 0


async def test_health_reports_database_and_attached_checks(
    engine: Engine, config: AppConfig, tmp_path: Any
) -> None:
    healthy = create_server(engine, config, health_checks={"scheduler": lambda: True})
    async with TestClient(TestServer(healthy)) as test_client:
        response = await test_client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {
            "status": "ok",
            "checks": {"database": True, "scheduler": True},
        }
        assert (await test_client.post("/telegram", json=update(4))).status == 404

    def broken() -> bool:
        raise RuntimeError("scheduler gone")

    missing = Database(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    unwell = create_server(
        build_engine(missing, config, secret=b"k"),
        config,
        health_checks={"scheduler": lambda: False, "reminders": broken},
    )
    async with TestClient(TestServer(unwell)) as test_client:
        response = await test_client.get("/healthz")
        assert response.status == 503
        assert await response.json() == {
            "status": "failing",
            "checks": {"database": False, "scheduler": False, "reminders": False},
        }


async def test_metrics_mirror_engine_counters_and_extras(engine: Engine, config: AppConfig) -> None:
    stranger = Sender("telegram", "9", "9", language_hint="en")
    engine.handle(Inbound(stranger, InboundKind.TEXT, text="hei", update_key="telegram:1"))
    engine.handle(Inbound(stranger, InboundKind.TEXT, text="hei", update_key="telegram:1"))
    app = create_server(
        engine,
        config,
        extra_counters={"telegram": lambda: {"invalid_buttons": 2}},
        gauges={"reminders_pending": lambda: 3},
    )
    async with TestClient(TestServer(app)) as test_client:
        response = await test_client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
        body = await response.text()
    lines = set(body.splitlines())
    for expected in (
        "omabot_updates_handled_total 2.0",
        "omabot_duplicates_total 1.0",
        "omabot_errors_total 0.0",
        "omabot_answers_stored_total 0.0",
        "omabot_reports_submitted_total 0.0",
        "omabot_telegram_invalid_buttons_total 2.0",
        "omabot_reminders_pending 3.0",
    ):
        assert expected in lines, f"{expected!r} not in\n{body}"
    assert "# TYPE omabot_updates_handled_total counter" in lines


async def scrape(engine: Engine, config: AppConfig) -> set[str]:
    async with TestClient(TestServer(create_server(engine, config))) as test_client:
        response = await test_client.get("/metrics")
        assert response.status == 200
        return set((await response.text()).splitlines())


async def test_metrics_count_reminders_and_chart_render_time(
    engine: Engine, config: AppConfig, clock: Clock
) -> None:
    before = await scrape(engine, config)
    for zero in (
        "omabot_reminders_sent_total 0.0",
        "omabot_reminders_failed_total 0.0",
        "omabot_chart_render_seconds_count 0.0",
    ):
        assert zero in before  # present from the start, so rates work
    clock.now = BEFORE
    world = make_world(engine.db, config, clock)
    world.recorder.outcomes["mb"] = DeliveryOutcome.FAILED
    world.recorder.outcomes["mo"] = DeliveryOutcome.BLOCKED
    ticker = Ticker(engine.db, config, [world.recorder], clock=clock, counter=engine.count)
    report = await ticker.tick(OPEN)
    assert (report.reminders.sent, report.reminders.failed, report.reminders.blocked) == (1, 1, 1)
    draw_png(engine, TargetBars("Arvioinnit", (("Kotihoito", 79.0, 50.0),), "fi"))
    lines = await scrape(engine, config)
    for expected in (
        "omabot_reminders_sent_total 1.0",
        "omabot_reminders_failed_total 1.0",
        "omabot_reminders_blocked_total 1.0",
        "omabot_chart_render_seconds_count 1.0",
        "# TYPE omabot_chart_render_seconds summary",
    ):
        assert expected in lines, f"{expected!r} not in {sorted(lines)}"
    (total,) = [line for line in lines if line.startswith("omabot_chart_render_seconds_sum ")]
    assert float(total.split()[1]) == engine.counters["chart_render_ms"] / 1000


def test_server_without_telegram_has_no_webhook_route(engine: Engine, config: AppConfig) -> None:
    app = create_server(engine, config)
    paths = {resource.canonical for resource in app.router.resources()}
    assert paths == {"/healthz", "/metrics"}


class Gate:
    """A service whose stop lets the engine step in hand finish: proof of a graceful stop."""

    name = "gate"

    def __init__(self) -> None:
        self.open = threading.Event()

    async def start(self, transport: TelegramTransport) -> None:
        assert transport.application.running

    async def stop(self) -> None:
        self.open.set()

    def healthy(self) -> bool:
        return not self.open.is_set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_serve_answers_and_stops_after_the_update_in_hand(
    fake_api: FakeBotApi,
    engine: Engine,
    config: AppConfig,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    loop = asyncio.get_running_loop()
    entered, gate = asyncio.Event(), Gate()
    handle = engine.handle

    def held_handle(message: Inbound) -> list[Any]:
        loop.call_soon_threadsafe(entered.set)
        assert gate.open.wait(5)
        return handle(message)

    monkeypatch.setattr(engine, "handle", held_handle)
    frozen: list[bool] = []  # whether the bot was already running when start-up's heap froze
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(transport.running))
    port = free_port()
    telegram = TelegramConfig(
        mode=mode,
        api_base_url=fake_api.base_url,
        api_file_url=fake_api.base_file_url,
        webhook_url="https://bot.example/telegram",
    )
    settings = config.model_copy(
        update={"telegram": telegram, "server": ServerConfig(port=port, cpu="any")}
    )
    # Annotated: the gc.freeze patch above names it before this line, where mypy cannot infer it.
    transport: TelegramTransport = TelegramTransport(engine, settings, fake_api.token)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(transport, stop, webhook_secret=SECRET, services=[gate]))
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        if mode == "polling":
            await fake_api.wait_polling()
            fake_api.push_text(42, "/help", language_code="en")
        else:
            await fake_api.wait_for_sent(lambda s: s.method == "setWebhook")
            posted = await http.post(
                f"{base}/telegram", json=update(7), headers={SECRET_HEADER: SECRET}
            )
            assert posted.status == 200
        health = await http.get(f"{base}/healthz")
        checks = (await health.json())["checks"]
        assert checks == {"database": True, "telegram": True, "gate": True}
        assert frozen == [True]
        engine.chart_drawn()  # the first chart brings matplotlib's heap: frozen once more
        engine.chart_drawn()
        assert frozen == [True, True]
    await asyncio.wait_for(entered.wait(), 5)
    stop.set()
    await asyncio.wait_for(running, 10)
    [reply] = [s for s in fake_api.sent_to(42) if s.method == "sendMessage"]
    assert reply.text is not None and "invited staff only" in reply.text
    assert not transport.application.running


def test_run_bot_needs_its_secrets(
    db: Database, config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMABOT_SECRET", raising=False)
    with pytest.raises(BotStartError, match="OMABOT_SECRET"):
        run_bot(config, "123:ABC", db=db)
    monkeypatch.setenv("OMABOT_SECRET", "k")
    monkeypatch.delenv("OMABOT_WEBHOOK_SECRET", raising=False)
    telegram = TelegramConfig(mode="webhook", webhook_url="https://bot.example/telegram")
    webhook = config.model_copy(update={"telegram": telegram})
    with pytest.raises(BotStartError, match="OMABOT_WEBHOOK_SECRET"):
        run_bot(webhook, "123:ABC", db=db)
