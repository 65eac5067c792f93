"""What the scheduler has sent and will send: the plan of recent and coming periods, per person.

Recipients of future steps are those known *now* (managers and deputies not away now, units
not yet reported now); the table ``notification`` tells what became of past ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from collectors.config import AppConfig
from collectors.periods import Period
from collectors.reminder_plan import (
    candidate_periods,
    history,
    load_facts,
    step_messages,
)
from collectors.reporting import find_period
from collectors.schedule import decide_late, plan_for_period
from storage import notifications
from storage.notify_models import Notification


@dataclass(frozen=True)
class PlanRow:
    """One message of the plan and what became of it.

    Attributes:
        due: When it is (or was) due, aware UTC.
        period_id: The period.
        kind: open, reminder, escalation or snooze.
        step: The step key ("open", "reminder-7"...).
        person_id: The recipient.
        units: The unit asked about, or the escalation's missing units.
        state: sent, blocked, failed, skipped or claimed (from the records); due (would be
            sent by the next round), late (would be recorded as skipped) or planned.
    """

    due: datetime
    period_id: str
    kind: str
    step: str
    person_id: int
    units: tuple[str, ...]
    state: str


def _state(rows: list[Notification] | None, decision: str) -> str:
    if rows:
        return rows[-1].status
    return {"send": "due", "skip": "late"}.get(decision, "planned")


def preview(
    session: Session,
    config: AppConfig,
    now: datetime,
    *,
    period_ids: Iterable[str] | None = None,
    ahead_days: int = 120,
) -> list[PlanRow]:
    """The plan of the given periods (default: recent and the next ``ahead_days`` days).

    Raises:
        ValueError: for a period id that is neither stored nor valid in the scheme.
    """
    if period_ids is None:
        periods = candidate_periods(session, config, now, ahead_days=ahead_days)
    else:
        periods = [find_period(session, config, pid) for pid in period_ids]
    facts = load_facts(session, config, now)
    rows = history(session, [p.id for p in periods])
    out: list[PlanRow] = []
    for period in periods:
        facts.submitted[period.id] = notifications.submitted_units(session, period.id)
        for step in plan_for_period(period, config.schedule, config.tz):
            decision = decide_late(step, now, config.schedule)
            for item in step_messages(period, step, facts, "send"):
                claim = item.claim
                out.append(
                    PlanRow(
                        step.due,
                        period.id,
                        claim.kind,
                        claim.step,
                        item.person_id,
                        item.units,
                        _state(rows.get(claim.key), decision),
                    )
                )
        out.extend(_snoozes(session, period, rows, now))
    return sorted(out, key=lambda r: (r.due, r.period_id, r.step, r.units, r.person_id))


def _snoozes(
    session: Session,
    period: Period,
    rows: dict[str, list[Notification]],
    now: datetime,
) -> list[PlanRow]:
    out = []
    for row in notifications.pending_snoozes(session):
        if row.period_id != period.id or row.id is None:
            continue
        due = notifications.as_utc(row.due_at)
        state = _state(rows.get(f"snooze:{row.id}"), "send" if due <= now else "wait")
        out.append(
            PlanRow(due, period.id, "snooze", "snooze", row.person_id, (row.unit_id,), state)
        )
    return out


__all__ = ["PlanRow", "preview"]
