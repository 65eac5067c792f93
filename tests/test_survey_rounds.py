"""Survey rounds on a schedule: opening, invitations, reminders and the close, tick by tick."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from bot.ticker import Ticker
from collectors.engine import Engine
from collectors.messages import Delivery, DeliveryOutcome, TextReply
from collectors.survey_messages import Outgoing, record_outcome
from collectors.survey_rounds import open_round, survey_tick
from collectors.survey_schedule import planned_rounds, reminder_times
from storage import surveys
from storage.models import Conversation
from storage.notify_models import Notification
from storage.people import Role
from tests.support import Chat, Clock, join

OPENS = datetime(2025, 2, 3, 7, 0, tzinfo=UTC)  # Mon 3.2.2025 09:00 in Helsinki (1.2. is a Sat)
REMINDER = datetime(2025, 2, 12, 7, 0, tzinfo=UTC)  # three days before the close, 09:00
CLOSES = datetime(2025, 2, 14, 22, 0, tzinfo=UTC)  # midnight after 14.2. in Helsinki


def test_planned_rounds_every_four_months(engine: Engine) -> None:
    definition = engine.config.surveys.definitions[0]
    rounds = planned_rounds(definition, engine.config, 2025)
    assert [r.label for r in rounds] == ["2025-1", "2025-2", "2025-3"]
    assert rounds[0].opens_at == OPENS
    assert rounds[0].closes_at == CLOSES
    assert rounds[1].opens_at == datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # 1.6. is a Sunday
    assert rounds[2].opens_at == datetime(2025, 10, 1, 6, 0, tzinfo=UTC)


def tick(engine: Engine, now: datetime, transports: set[str] | None = None) -> list[Outgoing]:
    with engine.db.session() as session:
        return survey_tick(session, engine.config, now, engine.secret, transports)


def people(messages: list[Outgoing]) -> list[str]:
    return sorted(m.delivery.chat_id for m in messages)


@pytest.fixture
def team(engine: Engine, clock: Clock) -> list[Chat]:
    clock.now = OPENS.replace(hour=6)
    chats = [join(engine, f"s{n}", Role.STAFF, "kotihoito-a", "en") for n in range(3)]
    chats.append(join(engine, "o1", Role.STAFF, "ohjaus", "sv"))
    join(engine, "m1", Role.MANAGER, "kotihoito-a", "en")  # managers are not asked
    return chats


def test_round_opens_invites_reminds_and_closes(
    engine: Engine, clock: Clock, team: list[Chat]
) -> None:
    assert tick(engine, OPENS.replace(hour=6)) == []  # not yet
    opened = tick(engine, OPENS)
    assert people(opened) == ["o1", "s0", "s1", "s2"]
    first = opened[0].delivery.reply
    assert isinstance(first, TextReply)
    with engine.db.session() as session:
        [row] = surveys.list_rounds(session)
    assert row.label == "2025-1" and "kotihoito-a" in row.unit_ids
    assert first.options[0].data == f"survey:start:{row.id}"
    swedish = next(m for m in opened if m.delivery.chat_id == "o1").delivery.reply
    assert isinstance(swedish, TextReply) and swedish.options[0].label != first.options[0].label
    assert tick(engine, OPENS) == []  # claimed once

    # s0 answers from the invitation; s1 leaves an unfinished survey.
    clock.now = OPENS
    team[0].press_data(f"survey:start:{row.id}").press("9").press("4").press("Skip")
    team[0].press("Send my answers").expect("Thank you!")
    team[1].send("/survey").press("5")

    assert tick(engine, REMINDER.replace(hour=6)) == []
    reminded = tick(engine, REMINDER)
    assert people(reminded) == ["o1", "s1", "s2"]  # not s0, who has answered
    assert tick(engine, REMINDER) == []

    closing = tick(engine, CLOSES)
    assert people(closing) == ["o1", "s0", "s1", "s2"]
    notice = closing[0].delivery.reply
    assert isinstance(notice, TextReply) and "/results" in notice.text
    with engine.db.session() as session:
        assert surveys.get_round(session, row.id).closed_at is not None  # type: ignore[union-attr]
        assert session.exec(select(Conversation)).all() == []  # s1's draft is gone
    assert tick(engine, CLOSES) == []


def test_late_reminders_are_skipped_and_outcomes_recorded(engine: Engine, team: list[Chat]) -> None:
    opened = tick(engine, OPENS)
    with engine.db.session() as session:
        record_outcome(session, opened[0].key, DeliveryOutcome.SENT, OPENS)
        record_outcome(session, opened[1].key, DeliveryOutcome.BLOCKED, OPENS)
        statuses = {n.key: n.status for n in session.exec(select(Notification)).all()}
    assert statuses[opened[0].key] == "sent" and statuses[opened[1].key] == "blocked"
    late = REMINDER.replace(day=13)  # a day late: more than the 12 hours of grace
    assert tick(engine, late) == []


def test_people_who_answered_already_are_not_invited(
    engine: Engine, clock: Clock, team: list[Chat]
) -> None:
    early = OPENS.replace(hour=6, minute=30)  # before the scheduled round opens
    with engine.db.session() as session:
        open_round(session, engine.config, "staff", now=early, unit_ids=["koti"])
    clock.now = early
    team[0].send("/survey").press("9").press("4").press("Skip").press("Send my answers")
    assert people(tick(engine, early)) == ["s1", "s2"]


def test_only_deliverable_transports_are_claimed(engine: Engine, team: list[Chat]) -> None:
    assert tick(engine, OPENS, transports={"telegram"}) == []
    assert people(tick(engine, OPENS, transports={"test"})) == ["o1", "s0", "s1", "s2"]


def test_reminder_days_move_off_weekends(engine: Engine) -> None:
    with engine.db.session() as session:
        # Last day Tuesday 18.2.: three days before the close (19.2.) is Sunday 16.2.,
        # so the reminder goes on Monday 17.2.
        row = open_round(session, engine.config, "staff", now=OPENS, closes_on=date(2025, 2, 18))
        times = reminder_times(engine.config, row)
    assert times == [(3, datetime(2025, 2, 17, 7, 0, tzinfo=UTC))]


def test_opening_by_hand_checks_its_arguments(engine: Engine) -> None:
    with engine.db.session() as session:
        with pytest.raises(ValueError, match="survey 'nope' is not defined"):
            open_round(session, engine.config, "nope", now=OPENS)
        with pytest.raises(ValueError, match="unit 'x' is not defined"):
            open_round(session, engine.config, "staff", now=OPENS, unit_ids=["x"])
        with pytest.raises(ValueError, match="in the past"):
            open_round(session, engine.config, "staff", now=OPENS, closes_on=date(2025, 1, 1))
        row = open_round(session, engine.config, "staff", now=OPENS, unit_ids=["koti"])
    assert row.unit_ids == ["koti", "kotihoito-a", "kotihoito-b"]
    assert row.label == "2025-02-03"
    assert surveys.aware(row.closes_at) == datetime(2025, 2, 16, 22, 0, tzinfo=UTC)


def survey_message_statuses(session: Session) -> list[str]:
    """The statuses of the survey messages' claims (not of the rounds' own markers)."""
    rows = session.exec(select(Notification).where(col(Notification.key).startswith("survey:")))
    return sorted(n.status for n in rows)


class StopsTheTicker:
    """A deliverer that asks the ticker to stop while the second message goes out."""

    transport = "test"

    def __init__(self) -> None:
        self.ticker: Ticker | None = None
        self.sent: list[str] = []
        self.stopping: asyncio.Future[None] | None = None

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        self.sent.append(delivery.chat_id)
        if len(self.sent) == 2 and self.ticker is not None:
            self.stopping = asyncio.ensure_future(self.ticker.finish())
        return DeliveryOutcome.SENT


async def test_a_stop_during_a_round_leaves_the_unsent_invitations_to_the_next_tick(
    engine: Engine, team: list[Chat]
) -> None:
    deliverer = StopsTheTicker()

    def ticker() -> Ticker:
        return Ticker(
            engine.db,
            engine.config,
            [deliverer],
            clock=lambda: OPENS,
            secret=engine.secret,
            survey_batch=2,
        )

    first = ticker()
    deliverer.ticker = first
    report = await first.tick_shielded()  # as the scheduler runs it, so that finish() waits
    assert deliverer.stopping is not None
    await asyncio.wait_for(deliverer.stopping, 5)
    # The batch in hand went out and was recorded; the other two were never claimed.
    assert report.survey_messages == 2 and len(deliverer.sent) == 2
    with engine.db.session() as session:
        statuses = survey_message_statuses(session)
    assert statuses == ["sent", "sent"]

    # The next tick (here a new process) sends the other two, and nobody gets one twice.
    again = ticker()
    assert (await again.tick()).survey_messages == 2
    assert sorted(deliverer.sent) == ["o1", "s0", "s1", "s2"]
    assert (await again.tick()).survey_messages == 0
    with engine.db.session() as session:
        assert survey_message_statuses(session) == ["sent"] * 4
