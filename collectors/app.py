"""Assemble the engine with every feature the product has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from collectors import (
    absence,
    chart_commands,
    deputies,
    onboarding,
    reminder_buttons,
    status,
    surveys,
)
from collectors.config import AppConfig
from collectors.engine import Command, Ctx, Engine
from collectors.i18n import N_
from collectors.messages import Outbound
from collectors.report import ReportFlow
from collectors.report_opening import unsent_report_hints
from storage.db import Database, utcnow


def build_engine(
    db: Database,
    config: AppConfig,
    *,
    clock: Callable[[], datetime] = utcnow,
    secret: bytes = b"",
) -> Engine:
    """An engine with onboarding, the period report and every other registered feature."""
    engine = Engine(db, config, clock=clock, secret=secret)
    onboarding.register(engine)
    surveys.register(engine)
    reminder_buttons.register(engine)
    status.register(engine)
    absence.register(engine)
    deputies.register(engine)
    report = ReportFlow()
    engine.add_flow(report)
    engine.idle_hints.append(unsent_report_hints)
    chart_commands.register(engine)

    def report_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
        unit = args[0] if args else None
        return report.start(ctx, unit)

    engine.add_command(
        Command("report", N_("Fill in the period report"), report_command, frozenset({"manager"}))
    )
    return engine
