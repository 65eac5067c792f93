"""``omabot survey``: open and close rounds by hand, list them, print their results.

Opening a round sends the invitation to every staff member asked through the transports
that can deliver from here (Telegram, when its token is set). Without one the round is just
opened: the running bot's scheduler invites the staff at its next tick, and anyone can answer
with ``/survey`` meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date, datetime

import click
from sqlmodel import Session, select

from bot.cli import CliState, fail, pass_state
from collectors.config import LANGUAGES, AppConfig
from collectors.messages import Deliverer, DeliveryOutcome
from collectors.survey_messages import SURVEY_KIND, Outgoing, record_outcome
from collectors.survey_results import (
    ResultsNotAvailable,
    definition_of,
    questions_of,
    survey_results,
)
from collectors.survey_rounds import invitations, open_round
from collectors.survey_text import last_answer_day, results_text, round_when
from storage import surveys
from storage.audit import record
from storage.db import Database, utcnow
from storage.models import Unit
from storage.survey_models import SurveyRound

DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"),
)


def parse_day(text: str) -> date:
    """A day typed as ``2025-09-23`` or ``23.9.2025``."""
    for pattern in DATE_FORMATS:
        found = pattern.match(text.strip())
        if found:
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                break
    raise click.BadParameter(f"{text!r} is not a date (e.g. 2025-09-23 or 23.9.2025)")


@asynccontextmanager
async def _telegram(state: CliState) -> AsyncIterator[list[Deliverer]]:
    token = os.environ.get(state.config.telegram.token_env, "").strip()
    if not token:
        yield []
        return
    from bot.cli.admin_run import engine_secret
    from bot.telegram_transport import TelegramTransport
    from collectors.app import build_engine

    engine = build_engine(state.db, state.config, secret=engine_secret(state.config, warn=False))
    transport = TelegramTransport(engine, state.config, token)
    await transport.application.initialize()
    try:
        yield [transport]
    finally:
        await transport.application.shutdown()


def deliverers(state: CliState) -> AbstractAsyncContextManager[list[Deliverer]]:
    """The transports that can deliver from the command line (none without a token)."""
    return _telegram(state)


async def deliver_all(
    db: Database, outgoing: Iterable[Outgoing], available: list[Deliverer]
) -> dict[DeliveryOutcome, int]:
    """Deliver claimed messages through the matching transport and record each outcome."""
    by_transport = {d.transport: d for d in available}
    counts: dict[DeliveryOutcome, int] = {}
    for item in outgoing:
        deliverer = by_transport.get(item.delivery.transport)
        if deliverer is None:
            continue
        outcome = await deliverer.deliver(item.delivery)
        counts[outcome] = counts.get(outcome, 0) + 1
        with db.session() as session:
            record_outcome(session, item.key, outcome, utcnow())
    return counts


async def _open_and_invite(
    state: CliState, survey: str, units: tuple[str, ...], closes: date | None, label: str | None
) -> None:
    config, db = state.config, state.db
    with db.session() as session:
        try:
            row = open_round(
                session,
                config,
                survey,
                now=utcnow(),
                unit_ids=list(units) or None,
                closes_on=closes,
                label=label,
            )
        except ValueError as problem:
            fail(str(problem))
        asked = {p for p, _u in surveys.staff_members(session, row.unit_ids, utcnow())}
        record(
            session,
            now=utcnow(),
            actor=state.actor,
            action="survey.opened",
            target=f"round:{row.id}",
            detail={"survey": survey, "units": list(row.unit_ids), "label": row.label},
        )
    click.echo(
        f"Opened round {row.id} ({row.label}) of {survey} for {len(row.unit_ids)} units, "
        f"open until {last_answer_day(config, row).isoformat()}; {len(asked)} staff members asked."
    )
    async with deliverers(state) as available:
        if not available:
            click.echo(
                "No transport can deliver from here "
                f"({config.telegram.token_env} is not set): the running bot invites the staff "
                "at its next scheduler tick, and anyone can answer now with /survey."
            )
        else:
            with db.session() as session:
                claimed = invitations(
                    session, config, row, utcnow(), {d.transport for d in available}
                )
            counts = await deliver_all(db, claimed, available)
            summary = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "none"
            click.echo(f"Invitations: {summary}.")
    click.echo(
        "To invite staff who have not joined yet, print a multi-use code for the break-room "
        "wall: omabot invite create --role staff --unit UNIT --uses 30 --qr UNIT.png"
    )


@click.group("survey")
def survey_group() -> None:
    """Anonymous staff surveys (NPS and NSS): rounds and results."""


@survey_group.command("open")
@click.argument("survey")
@click.option("--unit", "units", multiple=True, help="A subtree to ask (repeatable).")
@click.option("--closes", default=None, help="Last day of answering (2025-09-23 or 23.9.2025).")
@click.option("--label", default=None, help="The round's label (default: today's date).")
@pass_state
def open_command(
    state: CliState, survey: str, units: tuple[str, ...], closes: str | None, label: str | None
) -> None:
    """Open a round of SURVEY now and invite the staff asked."""
    closes_on = parse_day(closes) if closes else None
    asyncio.run(_open_and_invite(state, survey, units, closes_on, label))


@survey_group.command("close")
@click.argument("round_ref", metavar="ROUND")
@pass_state
def close_command(state: CliState, round_ref: str) -> None:
    """Close ROUND (its id, an id prefix or its label) now; unfinished answers are deleted."""
    with state.db.session() as session:
        row = _round(session, round_ref)
        if row.closed_at is not None:
            fail(f"round {row.id} ({row.label}) is already closed")
        answers = surveys.respondent_count(session, row.id)
        drafts = surveys.delete_survey_conversations(session, row.id, SURVEY_KIND)
        surveys.close_round(session, row.id, utcnow(), conversation_kind=SURVEY_KIND)
        record(
            session,
            now=utcnow(),
            actor=state.actor,
            action="survey.closed",
            target=f"round:{row.id}",
            detail={"answers": answers},
        )
    click.echo(
        f"Closed round {row.id} ({row.label}): {answers} answers; "
        f"{drafts} unfinished surveys deleted."
    )


@survey_group.command("results")
@click.option("--round", "round_ref", required=True, help="The round (id, id prefix or label).")
@click.option("--unit", "units", multiple=True, help="Only these groups (repeatable).")
@click.option("--language", type=click.Choice(LANGUAGES), default=None, help="Output language.")
@pass_state
def results_command(
    state: CliState, round_ref: str, units: tuple[str, ...], language: str | None
) -> None:
    """Print a closed round's figures, with small groups suppressed as everywhere else."""
    config = state.config
    with state.db.session() as session:
        row = _round(session, round_ref)
        definition = definition_of(config, row.survey_id)
        if definition is None:
            fail(f"survey {row.survey_id!r} is no longer configured")
        try:
            results = survey_results(session, config, row.id, list(units) or None)
        except ResultsNotAvailable:
            fail(f"round {row.id} ({row.label}) is still open: results come after the close")
        names = {u.id: u for u in session.exec(select(Unit)).all()}
        text = results_text(
            config,
            definition,
            questions_of(config, definition),
            row,
            results,
            names,
            language or config.default_language,
        )
    click.echo(text)


@survey_group.command("list")
@pass_state
def list_command(state: CliState) -> None:
    """List the rounds, newest first, with how many have answered."""
    config = state.config
    with state.db.session() as session:
        rows = surveys.list_rounds(session)
        if not rows:
            click.echo("No survey rounds yet.")
            return
        now = utcnow()
        for row in rows:
            click.echo(_list_line(config, row, surveys.respondent_count(session, row.id), now))


def _list_line(config: AppConfig, row: SurveyRound, answers: int, now: datetime) -> str:
    if row.closed_at is not None:
        status = f"closed {round_when(config, row.closed_at)}"
    elif surveys.aware(row.opens_at) > now:
        status = f"opens {round_when(config, row.opens_at)}"
    else:
        status = f"open until {last_answer_day(config, row).isoformat()}"
    return (
        f"{row.id}  {row.survey_id}  {row.label:<12} {status:<28} "
        f"{answers} answers  units: {', '.join(row.unit_ids)}"
    )


def _round(session: Session, reference: str) -> SurveyRound:
    row = surveys.find_round(session, reference)
    if row is None:
        fail(f"no survey round {reference!r} (see omabot survey list)")
    return row


def register(group: click.Group) -> None:
    """Add ``survey open|close|results|list`` to ``group``."""
    group.add_command(survey_group)
