"""Reminder commands: ``status``, ``remind``, ``schedule show`` and ``deputy set|end|list``."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date

import click

from bot.cli import CliState, fail, pass_state
from bot.terminal import TerminalTransport
from collectors.app import build_engine
from collectors.config import LANGUAGES, AppConfig
from collectors.deputyship import end_deputyship, name_deputy
from collectors.i18n import translator
from collectors.messages import Deliverer
from collectors.reminder_preview import preview
from collectors.reminders import Reminders, RoundReport
from collectors.reporting import local_today
from collectors.status import period_status, status_lines, status_period
from storage import absences, notifications
from storage.audit import record
from storage.db import Database, utcnow
from storage.people import subtree_ids, units_by_id

LANGUAGE_OPTION = click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of names and texts (default: the configuration's default_language).",
)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}")


# status ---------------------------------------------------------------------------------------
@click.command("status")
@click.option("--period", "period_id", default=None, help="Period id (default: the current one).")
@click.option("--unit", "root", default=None, help="Only this unit and the units below it.")
@LANGUAGE_OPTION
@pass_state
def status_command(
    state: CliState, period_id: str | None, root: str | None, language: str | None
) -> None:
    """Which units have sent, started or not started their report, with counts and percent."""
    config = state.config
    lang = language or config.default_language
    with state.db.session() as session:
        try:
            period = status_period(session, config, utcnow(), period_id)
        except ValueError as exc:
            fail(str(exc))
        if period is None:
            fail("no reporting period has opened yet; give one with --period")
        scope = None
        if root is not None:
            units = units_by_id(session)
            if root not in units:
                fail(f"unknown unit {root!r}")
            scope = subtree_ids(units, root)
        status = period_status(session, config, period, scope, lang)
    for line in status_lines(status, translator(lang), config.tz):
        click.echo(line)


# remind ---------------------------------------------------------------------------------------
def _deliverers(config: AppConfig, db: Database) -> tuple[list[Deliverer], str]:
    """The terminal deliverer, and Telegram's when the token is set; plus a note."""
    terminal = TerminalTransport(None, "omabot", out=sys.stdout)
    token = os.environ.get(config.telegram.token_env, "").strip()
    if not token:
        return [terminal], f"no Telegram token in {config.telegram.token_env}"
    secret = os.environ.get(config.security.secret_env, "")
    if not secret:
        fail(
            f"{config.security.secret_env} must be set to the bot's key, or the buttons of the "
            "reminders would not work in the running bot",
            code=2,
        )
    from bot.telegram import TelegramTransport

    engine = build_engine(db, config, secret=secret.encode("utf-8"))
    return [terminal, TelegramTransport(engine, config, token)], ""


async def _remind(
    db: Database,
    config: AppConfig,
    deliverers: list[Deliverer],
    period_id: str,
    unit_id: str | None,
) -> RoundReport:
    applications = [getattr(d, "application", None) for d in deliverers]
    started = [a for a in applications if a is not None]
    for application in started:
        await application.initialize()
    try:
        return await Reminders(db, config, deliverers).remind_now(period_id, unit_id)
    finally:
        for application in started:
            await application.shutdown()


@click.command("remind")
@click.option("--period", "period_id", required=True, help="The period to remind about.")
@click.option("--unit", "unit_id", default=None, help="Only this unit (default: every unit).")
@pass_state
def remind_command(state: CliState, period_id: str, unit_id: str | None) -> None:
    """Send a reminder now to the managers of units that have not sent their report.

    Goes through Telegram when the token variable (telegram.token_env) is set; people with
    a terminal account get it printed here. Run twice within a minute, it sends once.
    """
    config, db = state.config, state.db
    deliverers, note = _deliverers(config, db)
    try:
        report = asyncio.run(_remind(db, config, deliverers, period_id, unit_id))
    except ValueError as exc:
        fail(str(exc))
    with db.session() as session:
        record(
            session,
            now=utcnow(),
            actor=state.actor,
            action="remind.manual",
            target=f"period:{period_id}",
            detail={"unit": unit_id, "sent": report.sent, "failed": report.failed},
        )
    click.echo(
        f"sent {report.sent}, blocked {report.blocked}, failed {report.failed}, "
        f"skipped {report.skipped} (chat blocked before)"
    )
    if report.waiting:
        reason = f": {note}" if note else ""
        click.echo(f"not reachable from here: {report.waiting}{reason}")


# schedule -------------------------------------------------------------------------------------
@click.group("schedule")
def schedule_group() -> None:
    """The reminder schedule."""


@schedule_group.command("show")
@click.option("--period", "period_id", default=None, help="Only this period.")
@click.option("--days", default=120, show_default=True, help="How far ahead to look.")
@LANGUAGE_OPTION
@pass_state
def schedule_show(state: CliState, period_id: str | None, days: int, language: str | None) -> None:
    """List what is sent when (local time) to whom, and what became of it.

    Future recipients are those known now: managers and deputies not away, units that have
    not reported.
    """
    config = state.config
    lang = language or config.default_language
    with state.db.session() as session:
        try:
            plan = preview(
                session,
                config,
                utcnow(),
                period_ids=[period_id] if period_id else None,
                ahead_days=days,
            )
        except ValueError as exc:
            fail(str(exc))
        units = units_by_id(session)
        people = notifications.people(session, {row.person_id for row in plan})
    if not plan:
        click.echo("nothing planned")
        return
    for row in plan:
        when = row.due.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        person = people.get(row.person_id)
        who = f"{person.display_name if person else '?'} (#{row.person_id})"
        about = ", ".join(units[u].name(lang) if u in units else u for u in row.units)
        click.echo(f"{when}  {row.period_id:<8} {row.step:<12} {row.state:<8} {who}  {about}")


# deputy ---------------------------------------------------------------------------------------
@click.group("deputy")
def deputy_group() -> None:
    """Deputies who stand in for a unit's manager."""


@deputy_group.command("set")
@click.option("--unit", "unit_id", required=True, help="The unit.")
@click.option("--person", "person_id", required=True, type=int, help="The deputy's person id.")
@click.option("--until", "until", required=True, help="The last day, YYYY-MM-DD.")
@pass_state
def deputy_set(state: CliState, unit_id: str, person_id: int, until: str) -> None:
    """Name a deputy from today until a day: they get the reminders and may report."""
    config = state.config
    last = _day(until, "--until")
    now = utcnow()
    with state.db.session() as session:
        try:
            name_deputy(
                session,
                config,
                unit_id=unit_id,
                person_id=person_id,
                until=last,
                actor=state.actor,
                now=now,
            )
        except ValueError as exc:
            fail(str(exc))
    click.echo(f"person {person_id} stands in for the manager of {unit_id} until {last}")


@deputy_group.command("end")
@click.option("--unit", "unit_id", required=True, help="The unit.")
@click.option("--person", "person_id", required=True, type=int, help="The deputy's person id.")
@pass_state
def deputy_end(state: CliState, unit_id: str, person_id: int) -> None:
    """End a deputy's time today and withdraw their reporting right for the unit."""
    with state.db.session() as session:
        ended = end_deputyship(
            session,
            state.config,
            unit_id=unit_id,
            person_id=person_id,
            actor=state.actor,
            now=utcnow(),
        )
    if not ended:
        fail(f"person {person_id} is not a deputy of {unit_id}")
    click.echo(f"person {person_id} is no longer a deputy of {unit_id}")


@deputy_group.command("list")
@pass_state
def deputy_list(state: CliState) -> None:
    """List the deputies whose time has not ended."""
    today = local_today(state.config, utcnow())
    with state.db.session() as session:
        rows = absences.current_deputies(session, today)
        people = notifications.people(session, {row.person_id for row in rows})
    if not rows:
        click.echo("no deputies")
        return
    for row in rows:
        person = people.get(row.person_id)
        name = person.display_name if person is not None else "?"
        click.echo(
            f"{row.unit_id:<16} {name} (#{row.person_id})  {row.starts_on} – {row.until}  "
            f"named by {row.created_by}"
        )


def register(group: click.Group) -> None:
    """Add the reminder commands to ``group``."""
    for command in (status_command, remind_command, schedule_group, deputy_group):
        group.add_command(command)


__all__ = ["register"]
