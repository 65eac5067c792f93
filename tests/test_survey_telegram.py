"""A whole survey round through the real python-telegram-bot client and the fake Bot API.

Staff join with one multi-use invitation code (the QR code on the break-room wall), get the
round's invitation, answer with buttons, and see the results after the close.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.messages import DeliveryOutcome
from collectors.survey_messages import Outgoing
from collectors.survey_rounds import invitations, open_round, survey_tick
from storage import surveys
from storage.people import Role
from tests.fakebotapi import FakeBotApi, Sent
from tests.support import Clock, invite
from tests.test_telegram_e2e import Harness, Person

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

ANSWERS = [("10", "5"), ("9", "4"), ("9", "5"), ("8", "4"), ("7", "3"), ("2", "1")]


@pytest.fixture
async def bot(fake_api: FakeBotApi, engine: Engine, config: AppConfig) -> AsyncIterator[Harness]:
    async with Harness(fake_api, engine, config) as harness:
        yield harness


async def deliver_all(bot: Harness, messages: list[Outgoing]) -> None:
    for message in messages:
        assert await bot.transport.deliver(message.delivery) is DeliveryOutcome.SENT


def last_to(api: FakeBotApi, user_id: int) -> Sent:
    shown = [s for s in api.sent_to(user_id) if s.method == "sendMessage"]
    return shown[-1]


async def press_in(person: Person, sent: Sent, label: str) -> Person:
    data = next(d for text, d in person.api.buttons(sent) if text == label and d is not None)
    return await person.press_data(data, sent)


async def test_whole_round_over_telegram(bot: Harness, engine: Engine, clock: Clock) -> None:
    code = invite(engine, Role.STAFF, "kotihoito-a", uses=10)
    team = [Person(bot, 601 + n) for n in range(len(ANSWERS))]
    for person in team:
        (await person.send(f"/start {code}")).expect(
            "Welcome! You are now registered as", "anonymous questions"
        )
        (await person.press("English")).expect("I will speak English with you.")
    leader = Person(bot, 700)
    await leader.send(f"/start {invite(engine, Role.LEADER, 'koti')}")
    await leader.press("English")

    with engine.db.session() as session:
        row = open_round(
            session, engine.config, "staff", now=clock.now, closes_on=date(2025, 9, 23)
        )
        round_id = row.id
        opening = invitations(session, engine.config, row, clock.now, {"telegram"})
    assert sorted(m.delivery.chat_id for m in opening) == [str(p.user_id) for p in team]
    await deliver_all(bot, opening)

    for person, (nps, nss) in zip(team, ANSWERS, strict=True):
        invitation = last_to(bot.api, person.user_id)
        assert "Staff survey is open" in (invitation.text or "")
        (await press_in(person, invitation, "Answer now")).expect("1/3", "recommend")
        (await person.press(nps)).expect("2/3", "feel safe")
        (await person.press(nss)).expect("3/3", "do better")
        if person is team[0]:
            (await person.send("Shorter handovers")).expect("Ready to send?")
        else:
            (await person.press("Skip")).expect("Ready to send?")
        (await person.press("Send my answers")).expect("Thank you! Your answers are in.")

    (await team[1].send("/survey")).expect("Your answers are already in. Thank you!")
    (await leader.send("/results")).expect("No survey results yet")

    clock.advance(days=14)
    with engine.db.session() as session:
        closing = survey_tick(session, engine.config, clock.now, engine.secret, {"telegram"})
        assert surveys.get_round(session, round_id).closed_at is not None  # type: ignore[union-attr]
    assert len(closing) == len(team)
    await deliver_all(bot, closing)
    assert "/results" in (last_to(bot.api, team[0].user_id).text or "")

    # 3 promoters and 1 detractor of 6: 50 % - 17 % = 33; NSS 4 agree, 1 disagree: 50.
    (await team[0].send("/results")).expect(
        "Kotihoito A (en): 6 answers (86% of 7 staff)",
        "NPS +33 (promoters 50%, passives 33%, detractors 17%; 6 answers)",
        "NSS +50",
    )
    assert "Shorter handovers" not in team[0].text  # one text only: under the minimum
    (await leader.send("/results")).expect(
        "Koti- ja asumispalvelut (en): 6 answers", "Kotihoito A (en): 6 answers"
    )
