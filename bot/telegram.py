"""Running the Telegram bot: :func:`run_bot` (blocking) and :func:`serve` (async).

The bot is the :class:`~bot.telegram_transport.TelegramTransport` (polling or webhook per
``telegram.mode``), the web server with ``/healthz``, ``/metrics`` and in webhook mode
``/telegram`` (:mod:`bot.server`), and optional services such as the reminder scheduler.
SIGINT and SIGTERM stop it gracefully: services first, then no new updates are taken, the
updates in hand are finished and their replies sent, and only then does the process exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.runtime import CpuNotAllowed, keep_long_lived_out_of_collections, keep_on_one_cpu
from bot.server import create_server
from bot.telegram_transport import BotStartError, TelegramTransport
from collectors.app import build_engine
from collectors.config import AppConfig
from collectors.organisation import sync_units
from storage.db import Database

log = logging.getLogger(__name__)


class Service(Protocol):
    """Something that runs beside the bot (the scheduler): started, stopped, health-checked."""

    name: str

    async def start(self, transport: TelegramTransport) -> None:
        """Start; ``transport`` delivers messages and knows the engine."""
        ...

    async def stop(self) -> None:
        """Stop, finishing any job in hand."""
        ...

    def healthy(self) -> bool:
        """Whether the service is running as it should."""
        ...


async def serve(
    transport: TelegramTransport,
    stop: asyncio.Event,
    *,
    webhook_secret: str | None = None,
    services: Sequence[Service] = (),
) -> None:
    """Run the transport, the web server and the services until ``stop`` is set.

    Raises:
        BotStartError: ``server.cpu`` names a CPU this process may not run on.
    """
    config = transport.config
    try:
        keep_on_one_cpu(config.server.cpu)
    except CpuNotAllowed as problem:
        raise BotStartError(str(problem)) from None
    webhook = config.telegram.mode == "webhook"
    server = create_server(
        transport.engine,
        config,
        application=transport.application if webhook else None,
        webhook_secret=webhook_secret,
        health_checks={
            "telegram": lambda: transport.running,
            **{service.name: service.healthy for service in services},
        },
        extra_counters={"telegram": transport.counters.copy},
    )
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    started: list[Service] = []
    try:
        await web.TCPSite(runner, config.server.host, config.server.port).start()
        await transport.start(
            webhook_url=config.telegram.webhook_url, webhook_secret=webhook_secret
        )
        for service in services:
            await service.start(transport)
            started.append(service)
        keep_long_lived_out_of_collections(transport.engine)
        log.info(
            "bot running (%s); health at :%s/healthz", config.telegram.mode, config.server.port
        )
        await stop.wait()
    finally:
        log.info("stopping: finishing the updates in hand")
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:
                log.exception("service %s did not stop cleanly", service.name)
        if webhook:
            await runner.cleanup()  # take no new updates, then finish those accepted
        await transport.stop()
        if not webhook:
            await runner.cleanup()


def _secret(name: str, what: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise BotStartError(f"the environment variable {name} ({what}) is not set")
    return value


def run_bot(
    config: AppConfig,
    token: str,
    *,
    db: Database | None = None,
    services: Sequence[Service] = (),
) -> None:
    """Run the bot until SIGINT or SIGTERM (blocking).

    Args:
        config: The loaded configuration; ``telegram.mode`` picks polling or webhook.
        token: The bot token.
        db: The database; by default the configuration's, migrated and synced.
        services: Things to run beside the bot, e.g. the reminder scheduler.

    Raises:
        BotStartError: The secret (``security.secret_env``), or in webhook mode the webhook
            secret (``telegram.webhook_secret_env``), is not set.
    """
    # httpx logs URLs, which carry the token; python-telegram-bot logs whole updates and
    # requests (message texts, survey answers) at DEBUG. Neither may reach the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)
    secret = _secret(config.security.secret_env, "the key for signed buttons").encode()
    webhook_secret = None
    if config.telegram.mode == "webhook":
        webhook_secret = _secret(config.telegram.webhook_secret_env, "the webhook secret")
    own_db = db is None
    if db is None:
        db = Database(config.database_url)
        db.upgrade()
        with db.session() as session:
            sync_units(session, config)
    try:
        asyncio.run(_main(config, token, db, secret, webhook_secret, services))
    finally:
        if own_db:
            db.dispose()


async def _main(
    config: AppConfig,
    token: str,
    db: Database,
    secret: bytes,
    webhook_secret: str | None,
    services: Sequence[Service],
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def request_stop() -> None:
        log.info("stop requested; a second signal stops at once")
        stop.set()
        for signum in signals:  # back to the default handlers
            loop.remove_signal_handler(signum)

    for signum in signals:
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C raises instead
            loop.add_signal_handler(signum, request_stop)
    transport = TelegramTransport(build_engine(db, config, secret=secret), config, token)
    await serve(transport, stop, webhook_secret=webhook_secret, services=services)


__all__ = [
    "BotStartError",
    "Service",
    "TelegramTransport",
    "run_bot",
    "serve",
]
