"""Who gets which message when: the period plan applied to the people in the database.

:func:`collectors.schedule.plan_for_period` says *when* (open, reminder-N, escalation);
this module says *to whom*, and which of those messages are still to be handled at a
moment:

* opening message and reminders: the managers of each unit that reports metrics and has
  not yet sent its report, plus the unit's deputies, minus whoever is away that day;
* escalation: for each unit still missing, the leaders of the unit's ancestors (one
  message per leader, listing all their missing units), minus whoever is away;
* "remind me tomorrow": each due :class:`~storage.notify_models.Snooze`, once.

Each message has a claim key (``period:step:unit:person``) that
:mod:`collectors.reminders` inserts before sending. A failed delivery is tried again at
most :data:`MAX_ATTEMPTS` times, :data:`RETRY_AFTER` apart, while the step is within its
grace (keys ``...#2``, ``...#3``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

from sqlmodel import Session

from collectors.config import AppConfig
from collectors.period_sequence import periods_between
from collectors.periods import Period
from collectors.reporting import find_period, local_today, to_period
from collectors.schedule import PlannedStep, StepKind, decide_late, plan_for_period
from storage import absences, notifications, reports
from storage.models import Unit
from storage.notifications import Claim
from storage.notify_models import Notification
from storage.people import Role, ancestors, units_by_id

RETRY_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3
DONE_STATUSES = frozenset({"claimed", "sent", "blocked", "skipped"})

Decision = Literal["send", "skip"]


@dataclass(frozen=True)
class Outgoing:
    """One message to handle now: send it, or record that it is skipped.

    Attributes:
        claim: The claim row's contents (key, kind, step, person, period, unit).
        period: The period the message is about.
        due: When it was due.
        decision: Send it, or record it as skipped.
        units: The unit the message is about, or the escalation's missing units.
        detail: Why it is skipped.
        snooze_id: The "remind me tomorrow" row behind it, if any.
    """

    claim: Claim
    period: Period
    due: datetime
    decision: Decision
    units: tuple[str, ...]
    detail: str = ""
    snooze_id: int | None = None

    @property
    def person_id(self) -> int:
        """The recipient's id."""
        assert self.claim.person_id is not None
        return self.claim.person_id


@dataclass
class Facts:
    """Who holds which role, who is away and who stands in, loaded once per round."""

    today: date
    units: dict[str, Unit]
    reporting: list[str]
    managers: dict[str, list[int]]
    leaders: dict[str, list[int]]
    deputies: dict[str, list[int]]
    away: set[int]
    submitted: dict[str, set[str]] = field(default_factory=dict)

    def recipients(self, unit_id: str) -> list[int]:
        """The people to ask about a unit's report today: managers and deputies not away."""
        out: list[int] = []
        for person_id in [*self.managers.get(unit_id, ()), *self.deputies.get(unit_id, ())]:
            if person_id not in self.away and person_id not in out:
                out.append(person_id)
        return out

    def can_report(self, person_id: int, unit_id: str) -> bool:
        """Whether the person is among the unit's managers or deputies today."""
        managers = self.managers.get(unit_id, ())
        return person_id in managers or person_id in self.deputies.get(unit_id, ())

    def leaders_above(self, unit_id: str) -> list[int]:
        """Leaders of the unit and every unit above it, nearest first, those away left out."""
        out: list[int] = []
        for node in [unit_id, *ancestors(self.units, unit_id)]:
            for person_id in self.leaders.get(node, ()):
                if person_id not in self.away and person_id not in out:
                    out.append(person_id)
        return out


def reporting_units(config: AppConfig, known: Iterable[str]) -> list[str]:
    """Units that report at least one metric and exist in the database, in config order."""
    present = set(known)
    return [u.id for u in config.organisation.units if u.id in present and config.metrics_for(u.id)]


def load_facts(session: Session, config: AppConfig, now: datetime) -> Facts:
    """Read the roles, absences and deputies that decide the recipients at ``now``."""
    today = local_today(config, now)
    units = units_by_id(session)
    return Facts(
        today=today,
        units=units,
        reporting=reporting_units(config, units),
        managers=notifications.holders(session, Role.MANAGER, now),
        leaders=notifications.holders(session, Role.LEADER, now),
        deputies=absences.deputies_on(session, today),
        away=absences.away_on(session, today),
    )


def candidate_periods(
    session: Session, config: AppConfig, now: datetime, *, ahead_days: int = 0
) -> list[Period]:
    """Periods whose plan may have a step between recently and ``ahead_days`` from now.

    The configured scheme's periods plus stored ones (a manual period, or a standard one
    whose deadline an administrator moved: the stored dates win), oldest first.
    """
    today = local_today(config, now)
    slack = config.periods.deadline_days_after_end + config.schedule.escalation_days_after + 14
    start = today - timedelta(days=slack)
    end = today + timedelta(days=ahead_days)
    found: dict[str, Period] = {}
    for period in periods_between(start, end, config.periods):
        found[period.id] = period
    for row in reports.list_periods(session):
        if row.deadline >= start and row.opens_on <= end + timedelta(days=1):
            found[row.id] = to_period(row)
    horizon = end + timedelta(days=1)
    return sorted(
        (p for p in found.values() if p.opens_on <= horizon), key=lambda p: (p.opens_on, p.id)
    )


def step_key(period_id: str, step: str, unit_id: str | None, person_id: int) -> str:
    """The claim key of one message of a step."""
    return f"{period_id}:{step}:{unit_id or '*'}:{person_id}"


def step_messages(
    period: Period, step: PlannedStep, facts: Facts, decision: Decision
) -> list[Outgoing]:
    """The messages of one planned step, given who holds which role now."""
    submitted = facts.submitted.get(period.id, set())
    missing = [u for u in facts.reporting if u not in submitted]
    out: list[Outgoing] = []
    detail = "" if decision == "send" else "late"
    if step.kind is StepKind.ESCALATION:
        per_leader: dict[int, list[str]] = {}
        for unit_id in missing:
            for leader in facts.leaders_above(unit_id):
                per_leader.setdefault(leader, []).append(unit_id)
        for leader, units in per_leader.items():
            item = Claim(
                step_key(period.id, step.key, None, leader),
                str(step.kind),
                step.key,
                leader,
                period.id,
                None,
            )
            out.append(Outgoing(item, period, step.due, decision, tuple(units), detail))
        return out
    for unit_id in missing:
        for person_id in facts.recipients(unit_id):
            item = Claim(
                step_key(period.id, step.key, unit_id, person_id),
                str(step.kind),
                step.key,
                person_id,
                period.id,
                unit_id,
            )
            out.append(Outgoing(item, period, step.due, decision, (unit_id,), detail))
    return out


def planned_messages(
    session: Session, config: AppConfig, now: datetime, facts: Facts
) -> list[Outgoing]:
    """Every message of the candidate periods' steps that is due at ``now`` (send or skip)."""
    out: list[Outgoing] = []
    for period in candidate_periods(session, config, now):
        steps = []
        for step in plan_for_period(period, config.schedule, config.tz):
            decision = decide_late(step, now, config.schedule)
            if decision != "wait":
                steps.append((step, decision))
        if not steps:
            continue
        facts.submitted[period.id] = notifications.submitted_units(session, period.id)
        for step, decision in steps:
            out.extend(step_messages(period, step, facts, decision))
    return out


def _find_period(session: Session, config: AppConfig, period_id: str) -> Period | None:
    try:
        return find_period(session, config, period_id)
    except ValueError:
        return None


def snooze_messages(
    session: Session, config: AppConfig, now: datetime, facts: Facts
) -> list[Outgoing]:
    """The "remind me tomorrow" asks due at ``now``; those no longer needed are skipped."""
    out: list[Outgoing] = []
    grace = timedelta(hours=config.schedule.late_grace_hours)
    for row in notifications.due_snoozes(session, now):
        assert row.id is not None
        period = _find_period(session, config, row.period_id)
        if period is None:
            notifications.close_snooze(session, row.id, now)
            continue
        due = notifications.as_utc(row.due_at)
        if period.id not in facts.submitted:
            facts.submitted[period.id] = notifications.submitted_units(session, period.id)
        detail = ""
        if row.unit_id in facts.submitted[period.id]:
            detail = "submitted"
        elif not period.is_open(now, config.tz):
            detail = "closed"
        elif not facts.can_report(row.person_id, row.unit_id):
            detail = "no longer manager"
        elif row.person_id in facts.away:
            detail = "away"
        elif now - due > grace:
            detail = "late"
        item = Claim(f"snooze:{row.id}", "snooze", "snooze", row.person_id, period.id, row.unit_id)
        decision: Decision = "skip" if detail else "send"
        out.append(Outgoing(item, period, due, decision, (row.unit_id,), detail, row.id))
    return out


def manual_messages(
    session: Session,
    config: AppConfig,
    now: datetime,
    facts: Facts,
    period: Period,
    unit_id: str | None = None,
) -> list[Outgoing]:
    """An administrator's reminder round now, for every missing unit or one unit."""
    stamp = now.astimezone(config.tz).strftime("%Y%m%d%H%M")
    step = PlannedStep(StepKind.REMINDER, f"manual-{stamp}", now, facts.today)
    facts.submitted[period.id] = notifications.submitted_units(session, period.id)
    out = step_messages(period, step, facts, "send")
    if unit_id is not None:
        out = [o for o in out if o.claim.unit_id == unit_id]
    return out


def _base_key(key: str) -> str:
    return key.partition("#")[0]


def history(session: Session, period_ids: Iterable[str]) -> dict[str, list[Notification]]:
    """Claim rows of the periods by base key (attempts ``#2``, ``#3`` with the first)."""
    out: dict[str, list[Notification]] = {}
    for row in notifications.notifications(session, period_ids):
        out.setdefault(_base_key(row.key), []).append(row)
    return out


def still_to_handle(
    items: Sequence[Outgoing], rows: dict[str, list[Notification]], now: datetime
) -> list[Outgoing]:
    """Leave out what is handled; a failed send becomes its next attempt when one is due.

    Args:
        items: Messages due now.
        rows: Claim rows by base key (see :func:`history`).
        now: The current instant.

    Returns:
        The messages to claim now, sorted by key (so concurrent claimers lock in one order).
    """
    out: list[Outgoing] = []
    for item in items:
        earlier = rows.get(item.claim.key, [])
        if not earlier:
            out.append(item)
            continue
        if any(row.status in DONE_STATUSES for row in earlier):
            continue
        if len(earlier) >= MAX_ATTEMPTS:
            continue
        last = max(notifications.as_utc(r.sent_at or r.created_at) for r in earlier)
        if now - last < RETRY_AFTER:
            continue
        attempt = len(earlier) + 1
        claim = Claim(
            f"{item.claim.key}#{attempt}",
            item.claim.kind,
            item.claim.step,
            item.claim.person_id,
            item.claim.period_id,
            item.claim.unit_id,
        )
        out.append(
            Outgoing(
                claim,
                item.period,
                item.due,
                item.decision,
                item.units,
                item.detail,
                item.snooze_id,
            )
        )
    return sorted(out, key=lambda o: o.claim.key)


def due_now(session: Session, config: AppConfig, now: datetime) -> tuple[list[Outgoing], Facts]:
    """Every message to claim at ``now``: planned steps and snoozes, minus those handled.

    A snooze is skipped ("covered") when the same person gets a planned message about the
    same unit's report in this round.
    """
    facts = load_facts(session, config, now)
    planned = planned_messages(session, config, now, facts)
    asked = snooze_messages(session, config, now, facts)
    rows = history(session, {o.period.id for o in [*planned, *asked]})
    planned = still_to_handle(planned, rows, now)
    sending = {(o.person_id, o.claim.unit_id, o.period.id) for o in planned if o.decision == "send"}
    snoozes = []
    for item in asked:
        if (
            item.decision == "send"
            and (item.person_id, item.claim.unit_id, item.period.id) in sending
        ):
            item = replace(item, decision="skip", detail="covered")
        snoozes.append(item)
    out = [*planned, *still_to_handle(snoozes, rows, now)]
    return sorted(out, key=lambda o: o.claim.key), facts


__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_AFTER",
    "Facts",
    "Outgoing",
    "candidate_periods",
    "due_now",
    "history",
    "load_facts",
    "manual_messages",
    "planned_messages",
    "reporting_units",
    "snooze_messages",
    "step_key",
    "step_messages",
    "still_to_handle",
]
