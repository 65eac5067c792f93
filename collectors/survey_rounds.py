"""Survey rounds: opening and closing them, and the messages they send.

When a round opens, closes and reminds is :mod:`collectors.survey_schedule`.
:func:`survey_tick` is the scheduler's job: it closes what is due, opens what is due, and
returns the invitations, reminders and closing notices to deliver. Building and claiming each
message, once, is :mod:`collectors.survey_messages`.

The bot knows who has answered (it can recompute a receipt's HMAC with its secret) and reminds
only those who have not; it never knows *what* anyone answered.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from collectors.config import AppConfig
from collectors.survey_config import SurveyDefinition
from collectors.survey_messages import SURVEY_KIND, Outgoing, claim, messages_for
from collectors.survey_results import definition_of
from collectors.survey_schedule import (
    DEFAULT_OPEN_DAYS,
    end_of_day,
    planned_rounds,
    reminder_times,
)
from storage import surveys
from storage.models import Unit
from storage.people import subtree_ids
from storage.survey_models import SurveyReceipt, SurveyRound


def asked_units(
    definition: SurveyDefinition, units: dict[str, Unit], roots: Iterable[str] | None = None
) -> list[str]:
    """The units whose staff a round asks: the subtrees of ``roots``, else of the survey's."""
    chosen = list(roots or definition.units)
    if not chosen:
        chosen = [u.id for u in units.values() if u.parent_id is None]
    out: set[str] = set()
    for root in chosen:
        if root not in units:
            raise ValueError(f"unit {root!r} is not defined")
        out |= subtree_ids(units, root)
    return sorted(out)


def open_round(
    session: Session,
    config: AppConfig,
    survey_id: str,
    *,
    now: datetime,
    unit_ids: Iterable[str] | None = None,
    closes_on: date | None = None,
    label: str | None = None,
) -> SurveyRound:
    """Open a round by hand, now.

    Args:
        session: The session.
        config: The configuration.
        survey_id: The survey to open.
        now: The opening moment.
        unit_ids: Subtrees to ask; default the survey's units (or the whole organisation).
        closes_on: The last day of answering; default the schedule's ``open_days`` from today.
        label: The round's label; default the local date.

    Raises:
        ValueError: For an unknown survey or unit, or a closing day in the past.
    """
    definition = definition_of(config, survey_id)
    if definition is None:
        known = ", ".join(d.id for d in config.surveys.definitions) or "none"
        raise ValueError(f"survey {survey_id!r} is not defined (configured: {known})")
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.active).is_(True))).all()}
    asked = asked_units(definition, units, unit_ids)
    today = now.astimezone(config.tz).date()
    if closes_on is None:
        days = definition.rounds.open_days if definition.rounds else DEFAULT_OPEN_DAYS
        closes_on = today + timedelta(days=days - 1)
    if closes_on < today:
        raise ValueError(f"the closing day {closes_on:%d.%m.%Y} is in the past")
    return surveys.create_round(
        session,
        survey_id=survey_id,
        unit_ids=asked,
        label=label or today.isoformat(),
        opens_at=now,
        closes_at=end_of_day(closes_on, config),
        now=now,
    )


# claiming and delivering -------------------------------------------------------------------
def invitations(
    session: Session,
    config: AppConfig,
    row: SurveyRound,
    now: datetime,
    transports: Collection[str] | None = None,
    secret: bytes | None = None,
    *,
    claim: bool = True,
) -> list[Outgoing]:
    """The opening message to every staff member asked who has not had it yet.

    With ``secret``, people who have already answered (through ``/survey``) are left out;
    ``claim`` as for :func:`~collectors.survey_messages.messages_for`.
    """
    people = {p for p, _u in surveys.staff_members(session, row.unit_ids, now)}
    if secret:
        answered = _receipts(session, row.id)
        people = {p for p in people if surveys.receipt_key(secret, p, row.id) not in answered}
    return messages_for(session, config, row, "open", people, now, transports, claim=claim)


def _receipts(session: Session, round_id: str) -> set[str]:
    """The receipt keys of a round: HMACs only, read at once instead of one query a person."""
    statement = select(SurveyReceipt.key).where(col(SurveyReceipt.round_id) == round_id)
    return set(session.exec(statement).all())


def reminders(
    session: Session,
    config: AppConfig,
    row: SurveyRound,
    now: datetime,
    secret: bytes,
    transports: Collection[str] | None = None,
    *,
    claim: bool = True,
) -> list[Outgoing]:
    """The reminders due at ``now`` to the staff asked who have not answered (``claim``: as
    for :func:`~collectors.survey_messages.messages_for`)."""
    grace = timedelta(hours=config.schedule.late_grace_hours)
    due = [n for n, moment in reminder_times(config, row) if moment <= now <= moment + grace]
    if not due or not surveys.is_open(row, now):
        return []
    staff = {p for p, _u in surveys.staff_members(session, row.unit_ids, now)}
    answered = _receipts(session, row.id)
    waiting = [p for p in staff if surveys.receipt_key(secret, p, row.id) not in answered]
    step = f"reminder-{min(due)}"
    return messages_for(session, config, row, step, waiting, now, transports, claim=claim)


def close_due(session: Session, now: datetime) -> list[SurveyRound]:
    """Close every round past its closing time (deleting its unfinished answers)."""
    closed = []
    for row in surveys.rounds_due_to_close(session, now):
        if surveys.close_round(session, row.id, now, conversation_kind=SURVEY_KIND):
            closed.append(row)
    return closed


def closing_notices(
    session: Session,
    config: AppConfig,
    now: datetime,
    transports: Collection[str] | None = None,
    *,
    claim: bool = True,
) -> list[Outgoing]:
    """The "results are available" notice to the staff of rounds closed in the last hours
    (``claim``: as for :func:`~collectors.survey_messages.messages_for`)."""
    grace = timedelta(hours=config.schedule.late_grace_hours)
    out: list[Outgoing] = []
    for row in surveys.list_rounds(session):
        if row.closed_at is None or not now - grace <= surveys.aware(row.closed_at) <= now:
            continue
        staff = surveys.staff_members(session, row.unit_ids, surveys.aware(row.closed_at))
        people = (p for p, _u in staff)
        out.extend(
            messages_for(session, config, row, "closed", people, now, transports, claim=claim)
        )
    return out


def open_due(session: Session, config: AppConfig, now: datetime) -> list[SurveyRound]:
    """Open the scheduled rounds whose window has started and that do not exist yet."""
    opened = []
    year = now.astimezone(config.tz).year
    for definition in config.surveys.definitions:
        for planned in planned_rounds(definition, config, year - 1) + planned_rounds(
            definition, config, year
        ):
            if not planned.opens_at <= now < planned.closes_at:
                continue
            if surveys.round_with_label(session, definition.id, planned.label) is not None:
                continue
            key = f"survey-round:{definition.id}:{planned.label}"
            if not claim(session, key, person_id=None, step="round", now=now):
                continue
            units = {
                u.id: u for u in session.exec(select(Unit).where(col(Unit.active).is_(True))).all()
            }
            opened.append(
                surveys.create_round(
                    session,
                    survey_id=definition.id,
                    unit_ids=asked_units(definition, units),
                    label=planned.label,
                    opens_at=planned.opens_at,
                    closes_at=planned.closes_at,
                    now=now,
                )
            )
    return opened


def survey_tick(
    session: Session,
    config: AppConfig,
    now: datetime,
    secret: bytes,
    transports: Collection[str] | None = None,
    *,
    claim: bool = True,
) -> list[Outgoing]:
    """The scheduler's survey job: close, open, invite (newcomers too), remind; run it often.

    Args:
        session: An open session; the claims are committed with it.
        config: The configuration.
        now: The current moment (aware).
        secret: The receipt key, to tell who has answered.
        transports: The transports the caller can deliver through (default: all).
        claim: Claim the messages (the default); ``False`` leaves them to be claimed a batch
            at a time with :func:`~collectors.survey_messages.claim_messages`, so that a
            stop or crash during a round of thousands holds no claim on messages it never
            sent.

    Returns:
        The messages to deliver now; report each outcome with
        :func:`~collectors.survey_messages.record_outcome`.
    """
    close_due(session, now)
    out = closing_notices(session, config, now, transports, claim=claim)
    open_due(session, config, now)
    for row in surveys.open_rounds(session, now):
        out.extend(invitations(session, config, row, now, transports, secret, claim=claim))
        out.extend(reminders(session, config, row, now, secret, transports, claim=claim))
    return out


__all__ = [
    "asked_units",
    "close_due",
    "closing_notices",
    "invitations",
    "open_due",
    "open_round",
    "reminders",
    "survey_tick",
]
