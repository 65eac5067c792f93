"""Helpers for the reminder tests (no tests here): people with roles, a recording deliverer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import select

from collectors.config import AppConfig
from collectors.messages import Delivery, DeliveryOutcome, TextReply
from collectors.reminders import Reminders
from storage import reports
from storage.db import Database
from storage.notify_models import Notification
from storage.people import Role, create_person, grant
from tests.support import store_tertile

TRANSPORT = "test"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# 2025-T2 (May-August 2025) in Helsinki (UTC+3): opens Mon 1.9. 09:00 = 06:00 UTC; the
# deadline is Sun 21.9.; reminder-7 falls on Sun 14.9. and moves to Mon 15.9.; reminder-3
# Thu 18.9.; reminder-1 falls on Sat 20.9. and moves back to Fri 19.9.; escalation Mon 22.9.
OPEN = utc(2025, 9, 1, 6)
REMINDER_7 = utc(2025, 9, 15, 6)
REMINDER_3 = utc(2025, 9, 18, 6)
REMINDER_1 = utc(2025, 9, 19, 6)
ESCALATION = utc(2025, 9, 22, 6)
BEFORE = utc(2025, 8, 25, 9)


@dataclass
class Recorder:
    """A deliverer that records what it sends; chats can be made to block or fail."""

    transport: str = TRANSPORT
    sent: list[Delivery] = field(default_factory=list)
    outcomes: dict[str, DeliveryOutcome] = field(default_factory=dict)
    raising: set[str] = field(default_factory=set)
    attempts: int = 0

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        self.attempts += 1
        if delivery.chat_id in self.raising:
            raise RuntimeError("transport exploded")
        outcome = self.outcomes.get(delivery.chat_id, DeliveryOutcome.SENT)
        if outcome is DeliveryOutcome.SENT:
            self.sent.append(delivery)
        return outcome

    def to(self, chat_id: str) -> list[str]:
        return [text_of(d) for d in self.sent if d.chat_id == chat_id]

    def chats(self) -> list[str]:
        return sorted(d.chat_id for d in self.sent)

    def take(self) -> list[Delivery]:
        out, self.sent = self.sent, []
        return out


def text_of(delivery: Delivery) -> str:
    reply = delivery.reply
    assert isinstance(reply, TextReply)
    return reply.text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")


def labels(delivery: Delivery) -> list[str]:
    reply = delivery.reply
    assert isinstance(reply, TextReply)
    return [o.label for o in reply.options]


def add_person(
    db: Database,
    handle: str,
    role: Role,
    unit_id: str | None,
    *,
    name: str = "",
    language: str = "en",
    now: datetime = BEFORE,
) -> int:
    """A person with a chat identity (transport ``test``, chat id = handle) and a grant."""
    with db.session() as session:
        person = create_person(
            session,
            now=now,
            display_name=name or handle,
            language=language,
            transport=TRANSPORT,
            external_id=handle,
            chat_id=handle,
        )
        assert person.id is not None
        grant(session, person.id, role, unit_id, now=now)
        return person.id


def submit(db: Database, unit_id: str, person_id: int, now: datetime) -> None:
    """Mark a unit's 2025-T2 report as sent."""
    with db.session() as session:
        store_tertile(session, now)
        submission = reports.get_or_create_submission(session, "2025-T2", unit_id, person_id, now)
        reports.mark_submitted(session, submission, person_id=person_id, role="manager", now=now)


def rows(db: Database) -> list[Notification]:
    with db.session() as session:
        return list(session.exec(select(Notification).order_by(Notification.key)).all())


def statuses(db: Database) -> dict[str, str]:
    return {row.key: row.status for row in rows(db)}


@dataclass
class World:
    """Three unit managers, three leaders, a staff member and a reminder round runner."""

    db: Database
    config: AppConfig
    clock: Callable[[], datetime]
    recorder: Recorder
    reminders: Reminders
    ids: dict[str, int]


def make_world(db: Database, config: AppConfig, clock: Callable[[], datetime]) -> World:
    ids = {
        "ma": add_person(db, "ma", Role.MANAGER, "kotihoito-a", name="Maija Aalto"),
        "mb": add_person(db, "mb", Role.MANAGER, "kotihoito-b", name="Mikko Berg", language="fi"),
        "mo": add_person(db, "mo", Role.MANAGER, "ohjaus", name="Olli Ohjaaja"),
        "lk": add_person(db, "lk", Role.LEADER, "koti", name="Kaisa Koti"),
        "la": add_person(db, "la", Role.LEADER, "asiakas", name="Aino Asiakas"),
        "lc": add_person(db, "lc", Role.LEADER, "county", name="Kalle Kunta"),
        "sa": add_person(db, "sa", Role.STAFF, "kotihoito-a", name="Sanna Sijainen"),
    }
    recorder = Recorder()
    reminders = Reminders(db, config, [recorder], clock=clock)
    return World(db, config, clock, recorder, reminders, ids)
