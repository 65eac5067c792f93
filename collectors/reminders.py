"""Sending the reminder plan: opening messages, reminders, escalations and snoozes, once each.

A round (:meth:`Reminders.run_due`) works in three moves per batch of messages:

1. **claim**: insert one :class:`~storage.notify_models.Notification` per message with its
   unique key and commit, *before* anything is sent (a message whose moment passed more
   than ``late_grace_hours`` ago is recorded as skipped instead). A key another process
   already holds is left to that process;
2. **send** the batch concurrently through the :class:`~collectors.messages.Deliverer` of
   each recipient's transport; the transport's rate limiter sets the pace;
3. **record** each outcome: sent, blocked (the chat is marked and never tried again) or
   failed (tried again later, at most three times, while the step is within its grace).

So neither a restart, nor a late start after downtime, nor two processes on the same
database repeat or lose a message. A message that crashed between claim and send stays
"claimed" and is not repeated: at most once is the promise.

The messages' buttons (``rem:start:...``, ``rem:snooze:...``) are answered by
:mod:`collectors.reminder_buttons`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from collectors.config import AppConfig
from collectors.i18n import translator
from collectors.messages import Deliverer, Delivery, DeliveryOutcome, Outbound
from collectors.reminder_plan import Facts, Outgoing, due_now, load_facts, manual_messages
from collectors.reminder_texts import MissingUnit, ReportAsk, escalation, report_ask
from collectors.reporting import find_period
from collectors.schedule import remind_tomorrow_at
from storage import notifications
from storage.db import Database, utcnow
from storage.models import ChatIdentity, Person

log = logging.getLogger(__name__)

BATCH_SIZE = 25


def deliverer_map(
    deliverers: Mapping[str, Deliverer] | Sequence[Deliverer],
) -> dict[str, Deliverer]:
    """Deliverers by transport name, from a mapping or a sequence of deliverers."""
    if isinstance(deliverers, Mapping):
        return dict(deliverers)
    return {d.transport: d for d in deliverers}


@dataclass
class RoundReport:
    """What a round did.

    ``lost`` counts messages another process claimed first; ``unreachable`` those skipped
    because every chat of the person blocked the bot; ``waiting`` those left for a process
    with a deliverer for the person's transport.
    """

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0
    lost: int = 0
    unreachable: int = 0
    waiting: int = 0
    deliveries: list[Delivery] = field(default_factory=list)

    def add(self, other: RoundReport) -> None:
        """Add another report's counts to this one."""
        self.sent += other.sent
        self.blocked += other.blocked
        self.failed += other.failed
        self.skipped += other.skipped
        self.lost += other.lost
        self.unreachable += other.unreachable
        self.waiting += other.waiting
        self.deliveries.extend(other.deliveries)


@dataclass(frozen=True)
class Prepared:
    """A message ready to claim: the delivery, or why it is skipped."""

    item: Outgoing
    delivery: Delivery | None
    skip: str = ""


class Reminders:
    """Plans and sends what is due; safe to run from several processes at once.

    Args:
        db: The database.
        config: The configuration (schedule, periods, organisation).
        deliverers: Deliverers by transport name ("telegram", "terminal"...).
        clock: The current time, aware.
        counter: Called with a counter name and an amount (e.g. ``engine.count``).
        batch_size: Messages sent concurrently at most.
    """

    def __init__(
        self,
        db: Database,
        config: AppConfig,
        deliverers: Mapping[str, Deliverer] | Sequence[Deliverer],
        *,
        clock: Callable[[], datetime] = utcnow,
        counter: Callable[[str, int], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.db = db
        self.config = config
        self.deliverers = deliverer_map(deliverers)
        self.clock = clock
        self.counter = counter
        self.batch_size = max(1, batch_size)

    # rounds -------------------------------------------------------------------------------
    async def run_due(self, now: datetime | None = None) -> RoundReport:
        """Send every planned message and snooze due at ``now`` that nobody has handled.

        Args:
            now: The moment to plan for (default: the clock).

        Returns:
            What the round did.
        """
        moment = now or self.clock()
        prepared = await asyncio.to_thread(self._prepare_due, moment)
        return await self._send_all(prepared, moment)

    async def remind_now(self, period_id: str, unit_id: str | None = None) -> RoundReport:
        """Send a reminder now to the managers of every unit (or one) not yet reported.

        Raises:
            ValueError: for an unknown period or unit, or a period not open for reporting.
        """
        moment = self.clock()
        prepared = await asyncio.to_thread(self._prepare_manual, period_id, unit_id, moment)
        return await self._send_all(prepared, moment)

    def _prepare_due(self, now: datetime) -> list[Prepared]:
        with self.db.session() as session:
            items, facts = due_now(session, self.config, now)
            return self._compose(session, items, facts, now)

    def _prepare_manual(self, period_id: str, unit_id: str | None, now: datetime) -> list[Prepared]:
        with self.db.session() as session:
            period = find_period(session, self.config, period_id)
            if not period.is_open(now, self.config.tz):
                raise ValueError(f"period {period.id} is not open for reporting")
            facts = load_facts(session, self.config, now)
            if unit_id is not None and unit_id not in facts.reporting:
                raise ValueError(f"{unit_id!r} is not a unit that reports")
            items = manual_messages(session, self.config, now, facts, period, unit_id)
            return self._compose(session, items, facts, now)

    # composing ----------------------------------------------------------------------------
    def _compose(
        self, session: Session, items: Sequence[Outgoing], facts: Facts, now: datetime
    ) -> list[Prepared]:
        ids = {item.person_id for item in items}
        persons = notifications.people(session, ids)
        identities = notifications.chat_identities(session, ids)
        progress = {
            pid: notifications.progress(session, pid) for pid in {i.period.id for i in items}
        }
        names: dict[int, str] = {}
        out: list[Prepared] = []
        for item in items:
            person = persons.get(item.person_id)
            if item.decision == "skip" or person is None:
                out.append(Prepared(item, None, item.detail or "forgotten"))
                continue
            identity, reason = self._identity(identities.get(item.person_id, []))
            if identity is None:
                # Blocked everywhere: skipped for good. No deliverer here: left unclaimed,
                # for a process that has one.
                out.append(Prepared(item, None, reason))
                continue
            reply = self._reply(session, item, person, facts, progress, names, now)
            delivery = Delivery(item.person_id, identity.transport, identity.chat_id, reply)
            out.append(Prepared(item, delivery))
        return out

    def _identity(self, rows: Sequence[ChatIdentity]) -> tuple[ChatIdentity | None, str]:
        usable = [r for r in rows if r.transport in self.deliverers]
        open_rows = [r for r in usable if r.blocked_at is None]
        if open_rows:
            return open_rows[0], ""
        if usable:
            return None, "blocked"
        return None, ""

    def _reply(
        self,
        session: Session,
        item: Outgoing,
        person: Person,
        facts: Facts,
        progress: dict[str, dict[str, notifications.Progress]],
        names: dict[int, str],
        now: datetime,
    ) -> Outbound:
        _ = translator(person.language or self.config.default_language)
        period = item.period
        if item.claim.kind == "escalation":
            missing = []
            for unit_id in item.units:
                managers = facts.managers.get(unit_id, [])
                unknown = [p for p in managers if p not in names]
                for pid, row in notifications.people(session, unknown).items():
                    names[pid] = row.display_name or f"#{pid}"
                unit = facts.units[unit_id]
                shown = tuple(names[p] for p in managers if p in names)
                missing.append(MissingUnit(unit.name(_.language), shown))
            named = self.config.schedule.escalate_named_managers
            return escalation(period, missing, named, _)
        unit_id = item.units[0]
        metrics = {m.id for m in self.config.metrics_for(unit_id)}
        state = progress.get(period.id, {}).get(unit_id)
        answered = len(state.answered & metrics) if state is not None else 0
        tomorrow = remind_tomorrow_at(now, self.config.schedule, self.config.tz, period)
        ask = ReportAsk(
            kind=item.claim.kind,
            unit_name=facts.units[unit_id].name(_.language),
            unit_id=unit_id,
            period=period,
            today=facts.today,
            answered=answered,
            total=len(metrics),
            can_snooze=tomorrow is not None,
        )
        return report_ask(ask, _)

    # sending ------------------------------------------------------------------------------
    async def _send_all(self, prepared: Sequence[Prepared], now: datetime) -> RoundReport:
        report = RoundReport()
        ordered = sorted(prepared, key=lambda p: p.item.claim.key)
        for start in range(0, len(ordered), self.batch_size):
            chunk = ordered[start : start + self.batch_size]
            claimed = await asyncio.to_thread(self._claim, chunk, now, report)
            outcomes = await asyncio.gather(*(self._deliver(d) for _, d in claimed))
            await asyncio.to_thread(self._record, claimed, list(outcomes), now, report)
        counted = (
            ("reminders_sent", report.sent),
            ("reminders_failed", report.failed),
            ("reminders_blocked", report.blocked),
        )
        for name, value in counted:
            if value and self.counter is not None:
                self.counter(name, value)
        return report

    def _claim(
        self, chunk: Sequence[Prepared], now: datetime, report: RoundReport
    ) -> list[tuple[str, Delivery]]:
        claimed: list[tuple[str, Delivery]] = []
        with self.db.session() as session:
            # The messages to send are claimed in one statement; a key already taken is lost.
            sendable = [e for e in chunk if e.delivery is not None]
            taken = notifications.claim_many(session, [e.item.claim for e in sendable], now)
            for entry in chunk:
                if entry.delivery is None and not entry.skip:
                    report.waiting += 1
                    continue
                if entry.delivery is None:
                    row = notifications.claim(
                        session, entry.item.claim, now, status="skipped", detail=entry.skip
                    )
                    if row is not None:
                        report.skipped += 1
                        if entry.skip == "blocked":
                            report.unreachable += 1
                else:
                    key = entry.item.claim.key[: notifications.KEY_LENGTH]
                    if key in taken:
                        claimed.append((key, entry.delivery))
                    else:
                        report.lost += 1
                if entry.item.snooze_id is not None:
                    notifications.close_snooze(session, entry.item.snooze_id, now)
        return claimed

    async def _deliver(self, delivery: Delivery) -> DeliveryOutcome:
        deliverer = self.deliverers[delivery.transport]
        try:
            return await deliverer.deliver(delivery)
        except Exception:
            # Never log the message itself.
            log.exception(
                "delivery to person %s over %s failed", delivery.person_id, delivery.transport
            )
            return DeliveryOutcome.FAILED

    def _record(
        self,
        claimed: Sequence[tuple[str, Delivery]],
        outcomes: Sequence[DeliveryOutcome],
        started: datetime,
        report: RoundReport,
    ) -> None:
        now = max(started, self.clock())
        with self.db.session() as session:
            keys = [key for key, _delivery in claimed]
            statuses = [str(outcome) for outcome in outcomes]
            notifications.finish_many(session, list(zip(keys, statuses, strict=True)), now)
            for (_key, delivery), outcome in zip(claimed, outcomes, strict=True):
                if outcome is DeliveryOutcome.SENT:
                    report.sent += 1
                    report.deliveries.append(delivery)
                elif outcome is DeliveryOutcome.BLOCKED:
                    report.blocked += 1
                    notifications.mark_blocked(session, delivery.transport, delivery.chat_id, now)
                else:
                    report.failed += 1


__all__ = [
    "Prepared",
    "Reminders",
    "RoundReport",
    "deliverer_map",
]
