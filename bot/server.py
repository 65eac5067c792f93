"""The bot's own web server (aiohttp): Telegram webhook, health check and Prometheus metrics.

Routes:

- ``POST /telegram`` (only when an :class:`~telegram.ext.Application` is given): accepts an
  update only with the right ``X-Telegram-Bot-Api-Secret-Token`` header (403 otherwise),
  refuses bodies over ``server.max_body_bytes`` (413) and bodies that are not a JSON update
  (400), and puts the update on the application's queue. python-telegram-bot is used as a
  library here, in the spirit of its ``customwebhookbot`` examples; unlike them, the secret is
  checked. Request bodies are never logged.
- ``GET /healthz``: JSON ``{"status": "ok"|"failing", "checks": {"database": true, ...}}``,
  200 when every check passes and 503 otherwise. The database is checked with ``SELECT 1``;
  callers add their own checks (the scheduler) as ``health_checks``.
- ``GET /metrics``: Prometheus text format from a private registry: the engine's counters
  (updates handled, errors, answers stored, reports submitted and any other it keeps), the
  counters in ``extra_counters`` and the values of ``gauges``, read at scrape time.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from collectors.config import AppConfig
from collectors.engine import Engine

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 5.0
ENGINE_COUNTERS: dict[str, tuple[str, str]] = {
    "updates": ("omabot_updates_handled", "Messages the engine handled."),
    "errors": ("omabot_errors", "Messages whose handling failed unexpectedly."),
    "answers_stored": ("omabot_answers_stored", "Report answers stored."),
    "reports_submitted": ("omabot_reports_submitted", "Period reports submitted."),
    "reminders_sent": ("omabot_reminders_sent", "Reminders and period openings delivered."),
    "reminders_failed": ("omabot_reminders_failed", "Reminders whose delivery failed."),
    "reminders_blocked": ("omabot_reminders_blocked", "Reminders to chats that blocked the bot."),
    "survey_messages_sent": (
        "omabot_survey_messages_sent",
        "Survey invitations and reminders delivered.",
    ),
    "survey_messages_failed": (
        "omabot_survey_messages_failed",
        "Survey invitations and reminders not delivered.",
    ),
}
_UNSAFE = re.compile(r"[^a-zA-Z0-9_]")

CounterSource = Callable[[], Mapping[str, int]]


def _metric_name(name: str) -> str:
    return _UNSAFE.sub("_", name).strip("_").lower() or "unnamed"


class _Mirror(Collector):
    """Reads the counters and gauges when Prometheus scrapes, so nothing is kept twice."""

    def __init__(
        self,
        engine: Engine,
        extra_counters: Mapping[str, CounterSource],
        gauges: Mapping[str, Callable[[], float]],
    ) -> None:
        self.engine = engine
        self.extra_counters = extra_counters
        self.gauges = gauges

    def collect(self) -> Iterable[Metric]:
        counters = dict(self.engine.counters)  # one atomic copy; handlers count concurrently
        for key, (name, documentation) in ENGINE_COUNTERS.items():
            yield CounterMetricFamily(name, documentation, value=counters.pop(key, 0))
        yield SummaryMetricFamily(
            "omabot_chart_render_seconds",
            "Time spent drawing charts, summary pages and reports for people.",
            count_value=counters.pop("charts_drawn", 0),
            sum_value=counters.pop("chart_render_ms", 0) / 1000,
        )
        for key, value in sorted(counters.items()):
            yield CounterMetricFamily(
                f"omabot_{_metric_name(key)}", f"Engine counter {key}.", value=value
            )
        for prefix, source in self.extra_counters.items():
            for key, value in sorted(dict(source()).items()):
                name = f"omabot_{_metric_name(prefix)}_{_metric_name(key)}"
                yield CounterMetricFamily(name, f"{prefix} counter {key}.", value=value)
        for key, read in self.gauges.items():
            try:
                reading = float(read())
            except Exception:
                log.warning("metrics: gauge %s could not be read", key, exc_info=True)
                continue
            yield GaugeMetricFamily(f"omabot_{_metric_name(key)}", f"{key}.", value=reading)


class _Routes:
    def __init__(
        self,
        engine: Engine,
        application: Application[Any, Any, Any, Any, Any, Any] | None,
        webhook_secret: str | None,
        health_checks: Mapping[str, Callable[[], bool]],
        registry: CollectorRegistry,
    ) -> None:
        self.engine = engine
        self.application = application
        self.secret = (webhook_secret or "").encode()
        self.health_checks = health_checks
        self.registry = registry

    async def webhook(self, request: web.Request) -> web.Response:
        assert self.application is not None
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not self.secret or not hmac.compare_digest(given, self.secret):
            log.warning(
                "webhook request from %s refused: %s secret token",
                request.remote,
                "wrong" if given else "missing",
            )
            raise web.HTTPForbidden()
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("webhook request from %s refused: body too large", request.remote)
            raise
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
        except Exception as problem:
            log.warning("webhook request refused: not an update (%s)", type(problem).__name__)
            raise web.HTTPBadRequest() from None
        if update is None:
            log.warning("webhook request refused: not an update (no JSON object)")
            raise web.HTTPBadRequest()
        await self.application.update_queue.put(update)
        return web.Response(status=200)

    def _database_ok(self) -> bool:
        try:
            with self.engine.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.warning("health check: the database is not reachable", exc_info=True)
            return False
        return True

    async def health(self, request: web.Request) -> web.Response:
        checks: dict[str, bool] = {}
        try:
            checks["database"] = await asyncio.wait_for(
                asyncio.to_thread(self._database_ok), HEALTH_TIMEOUT
            )
        except TimeoutError:
            log.warning("health check: the database did not answer in %s s", HEALTH_TIMEOUT)
            checks["database"] = False
        for name, check in self.health_checks.items():
            try:
                checks[name] = bool(check())
            except Exception:
                log.warning("health check %s failed", name, exc_info=True)
                checks[name] = False
        healthy = all(checks.values())
        return web.json_response(
            {"status": "ok" if healthy else "failing", "checks": checks},
            status=200 if healthy else 503,
        )

    async def metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_server(
    engine: Engine,
    config: AppConfig,
    *,
    application: Application[Any, Any, Any, Any, Any, Any] | None = None,
    webhook_secret: str | None = None,
    health_checks: Mapping[str, Callable[[], bool]] | None = None,
    extra_counters: Mapping[str, CounterSource] | None = None,
    gauges: Mapping[str, Callable[[], float]] | None = None,
) -> web.Application:
    """Build the aiohttp application serving the webhook, ``/healthz`` and ``/metrics``.

    Args:
        engine: The engine whose database is checked and whose counters are exported.
        config: The configuration (``server.max_body_bytes`` limits request bodies).
        application: The Telegram application that handles webhook updates; without it there
            is no ``POST /telegram`` route (polling mode).
        webhook_secret: The secret Telegram sends in ``X-Telegram-Bot-Api-Secret-Token``
            (given to ``setWebhook``); without it every webhook request is refused.
        health_checks: Further named checks for ``/healthz``, e.g. ``{"scheduler": ...}``.
        extra_counters: Counter sources by prefix, e.g. ``{"telegram": transport.counters
            .copy}`` exports ``omabot_telegram_<name>_total``.
        gauges: Values read at scrape time by name, exported as ``omabot_<name>``.

    Returns:
        The aiohttp application; run it with ``web.AppRunner``.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Mirror(engine, extra_counters or {}, gauges or {}))
    routes = _Routes(engine, application, webhook_secret, health_checks or {}, registry)
    app = web.Application(client_max_size=config.server.max_body_bytes)
    app.router.add_get("/healthz", routes.health)
    app.router.add_get("/metrics", routes.metrics)
    if application is not None:
        app.router.add_post(WEBHOOK_PATH, routes.webhook)
    return app


__all__ = ["ENGINE_COUNTERS", "SECRET_HEADER", "WEBHOOK_PATH", "create_server"]
