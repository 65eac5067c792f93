"""One tick of the scheduler: the reminder round, the survey tick and the daily purge.

:class:`Ticker` does the work of a tick; :mod:`bot.scheduler` runs it every
:data:`TICK_SECONDS` through APScheduler. Each tick plans everything due *now* and claims each
message in the database before sending it (see :mod:`collectors.reminders`), so a late, a
doubled or a concurrent tick still sends each message once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from collectors.config import AppConfig
from collectors.messages import Deliverer, Delivery, DeliveryOutcome
from collectors.reminders import Reminders, RoundReport, deliverer_map
from collectors.survey_messages import Outgoing, claim_messages, record_outcomes
from collectors.survey_rounds import survey_tick
from storage import notifications
from storage.audit import record
from storage.db import Database, utcnow
from storage.privacy import purge_expired

log = logging.getLogger(__name__)

TICK_SECONDS = 60
"""How often the scheduler ticks; a ticker is unhealthy after five ticks without success."""
HOUSEKEEPING_EVERY = timedelta(days=1)
SURVEY_BATCH = 100
"""Survey messages handed over at once: about 3.5 s of Telegram's pace, the longest a stop
waits for a round in progress."""


@dataclass
class TickReport:
    """What one tick did."""

    reminders: RoundReport = field(default_factory=RoundReport)
    survey_messages: int = 0
    survey_failures: int = 0
    drafts_purged: int = 0


class Ticker:
    """Everything a tick needs: the reminder round, the survey tick and the daily purge.

    Args:
        db: The database.
        config: The configuration.
        deliverers: Deliverers by transport name.
        clock: The current time, aware.
        secret: The installation secret (the survey tick tells who has answered with it).
        counter: Called with a counter name and an amount (e.g. ``engine.count``).
        survey_batch: Survey messages sent before their outcomes are recorded and a stop is
            looked for.
    """

    def __init__(
        self,
        db: Database,
        config: AppConfig,
        deliverers: Mapping[str, Deliverer] | Sequence[Deliverer],
        *,
        clock: Callable[[], datetime] = utcnow,
        secret: bytes = b"",
        counter: Callable[[str, int], None] | None = None,
        survey_batch: int = SURVEY_BATCH,
    ) -> None:
        self.db = db
        self.config = config
        self.deliverers = deliverer_map(deliverers)
        self.clock = clock
        self.secret = secret
        self.counter = counter
        self.reminders = Reminders(db, config, self.deliverers, clock=clock, counter=counter)
        self.last_success: datetime | None = None
        self.last_housekeeping: datetime | None = None
        self.started_at = clock()
        self._busy = asyncio.Lock()
        self._in_flight: set[asyncio.Future[TickReport]] = set()
        self.survey_batch = max(1, survey_batch)
        self._stopping = False

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Run the reminder round and the survey tick for ``now`` (default: the clock).

        A failure of one part is logged and does not stop the other.
        """
        async with self._busy:
            moment = now or self.clock()
            report = TickReport()
            ok = True
            try:
                report.reminders = await self.reminders.run_due(moment)
            except Exception:
                ok = False
                log.exception("the reminder round failed")
            try:
                sent, failed = await self._surveys(moment)
                report.survey_messages, report.survey_failures = sent, failed
            except Exception:
                ok = False
                log.exception("the survey tick failed")
            try:
                report.drafts_purged = await self._housekeeping(moment)
            except Exception:
                ok = False
                log.exception("the daily purge of stale drafts failed")
            if ok:
                self.last_success = self.clock()
            return report

    async def tick_shielded(self) -> TickReport:
        """Run :meth:`tick`, shielded from the caller's cancellation; return its report.

        A scheduler shutting down cancels its job; the tick still finishes, so a message
        claimed is also sent and recorded (a round in progress stops early: :meth:`finish`).
        """
        task = asyncio.ensure_future(self.tick())
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        return await asyncio.shield(task)

    async def finish(self) -> None:
        """Return once the ticks in progress have finished, asking them to stop early.

        A survey round in progress stops after the batch in hand (at most
        :data:`SURVEY_BATCH` messages); the messages not yet claimed are sent by the next
        tick, in this process or the next.
        """
        self._stopping = True
        try:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)
        finally:
            self._stopping = False

    async def _surveys(self, now: datetime) -> tuple[int, int]:
        """Close, open and send what the survey rounds need now; the messages in batches.

        Returns:
            The messages handed to the deliverers and how many of those failed.
        """

        def plan() -> list[Outgoing]:
            with self.db.session() as session:
                # Only what this process can deliver is planned; the rest waits for a process
                # that has that transport.
                return survey_tick(
                    session,
                    self.config,
                    now,
                    self.secret,
                    transports=set(self.deliverers),
                    claim=False,
                )

        def claim(batch: Sequence[Outgoing]) -> list[Outgoing]:
            with self.db.session() as session:
                return claim_messages(session, batch, now)

        def record(batch: Sequence[Outgoing], outcomes: list[DeliveryOutcome]) -> None:
            moment = self.clock()
            with self.db.session() as session:
                keys = [o.key for o in batch]
                record_outcomes(session, list(zip(keys, outcomes, strict=True)), moment)
                for o, outcome in zip(batch, outcomes, strict=True):
                    if outcome is DeliveryOutcome.BLOCKED:
                        notifications.mark_blocked(
                            session, o.delivery.transport, o.delivery.chat_id, moment
                        )

        planned = await asyncio.to_thread(plan)
        handed = failed = 0
        # A batch is claimed, sent and recorded before the next: a round of 10 000 takes six
        # minutes at Telegram's pace, and neither a stop nor a crash holds a claim on more
        # than the batch in hand; what is left is planned again by the next tick.
        for start in range(0, len(planned), self.survey_batch):
            if self._stopping:
                log.info(
                    "stopping: %d survey messages left for the next tick", len(planned) - start
                )
                break
            batch = await asyncio.to_thread(claim, planned[start : start + self.survey_batch])
            outcomes = list(await asyncio.gather(*(self._deliver(o.delivery) for o in batch)))
            await asyncio.to_thread(record, batch, outcomes)
            handed += len(batch)
            failed += sum(1 for o in outcomes if o is not DeliveryOutcome.SENT)
        if self.counter is not None:
            for name, value in (
                ("survey_messages_sent", handed - failed),
                ("survey_messages_failed", failed),
            ):
                if value:
                    self.counter(name, value)
        return handed, failed

    async def _housekeeping(self, now: datetime) -> int:
        """Once a day: purge stale drafts (audited) and update keys past redelivery.

        The first tick of a process runs it; the purge is idempotent, so two processes or a
        restart only repeat a cheap delete. Returns the number of drafts removed.
        """
        last = self.last_housekeeping
        if last is not None and now - last < HOUSEKEEPING_EVERY:
            return 0
        age = timedelta(days=self.config.security.draft_max_age_days)

        def purge() -> int:
            with self.db.session() as session:
                removed = purge_expired(session, age, now)
                if removed:
                    detail = {"drafts": removed, "older_than_days": age.days}
                    record(
                        session, now=now, actor="scheduler", action="drafts.purged", detail=detail
                    )
                return removed

        removed = await asyncio.to_thread(purge)
        self.last_housekeeping = now
        return removed

    async def _deliver(self, delivery: Delivery) -> DeliveryOutcome:
        deliverer = self.deliverers.get(delivery.transport)
        if deliverer is None:
            return DeliveryOutcome.FAILED
        try:
            return await deliverer.deliver(delivery)
        except Exception:
            log.exception("delivery to person %s failed", delivery.person_id)
            return DeliveryOutcome.FAILED

    def healthy(self, now: datetime | None = None) -> bool:
        """Whether a tick has succeeded lately (or the ticker has only just started)."""
        moment = now or self.clock()
        limit = timedelta(seconds=5 * TICK_SECONDS)
        last = self.last_success or self.started_at
        return moment - last <= limit


__all__ = ["HOUSEKEEPING_EVERY", "SURVEY_BATCH", "TICK_SECONDS", "TickReport", "Ticker"]
