"""Invitation codes, and the authorization checks that need Telegram itself.

Codes are long, random, stored only as hashes, expire, run out and cannot be guessed (per
account, a few wrong codes an hour); the Telegram layer adds signed button data
(:mod:`bot.signing`), so that data signed for one chat is refused in another. The Telegram
tests go through python-telegram-bot and the fake Bot API.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.telegram import TelegramTransport
from collectors.config import AppConfig, ConfigError, TelegramConfig, parse_config
from collectors.engine import Engine
from storage.people import Role, create_invitation
from tests.authworld import World, assert_unchanged, make_world, snapshot
from tests.fakebotapi import FakeBotApi
from tests.fakechat import Inbox, TgUser
from tests.support import SMALL_CONFIG, Chat, Clock, invite

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
def world(engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> World:
    return make_world(engine, clock, monkeypatch)


# Invitations -------------------------------------------------------------------------------
def test_invitation_codes_are_long_random_and_stored_only_as_hashes(
    engine: Engine, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    codes = [invite(engine, Role.STAFF, "kotihoito-a") for _ in range(200)]
    assert len(set(codes)) == len(codes)
    for code in codes[:20]:
        assert len(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))) * 8 >= 96
    Chat(engine, "newcomer", "en").send(f"/start {codes[0]}").expect("Welcome!")
    guesser = Chat(engine, "guesser", "en")
    for wrong in ("A" * 16, codes[1][:-1] + ("B" if codes[1][-1] != "B" else "C")):
        guesser.send(f"/start {wrong}").expect("do not recognise")
    with engine.db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        dump = "\n".join(raw.iterdump())  # type: ignore[union-attr]
    for code in codes:
        assert code not in dump
        assert code not in caplog.text


def test_invitation_codes_cannot_be_configured_shorter_than_96_bits() -> None:
    for short in (9, 11):
        with pytest.raises(ConfigError, match="invite_code_bytes"):
            parse_config({**SMALL_CONFIG, "security": {"invite_code_bytes": short}})
    config = parse_config({**SMALL_CONFIG, "security": {"invite_code_bytes": 12}})
    assert config.security.invite_code_bytes * 8 >= 96


def test_invitations_expire_run_out_and_guessing_is_rate_limited(
    engine: Engine, clock: Clock
) -> None:
    with engine.db.session() as session:
        limit = engine.config.security.invite_attempts_per_hour
        short = create_invitation(
            session, role=Role.STAFF, unit_id="kotihoito-a", now=clock.now, expires_in=timedelta(1)
        ).code
    once = invite(engine, Role.STAFF, "kotihoito-a")
    Chat(engine, "first", "en").send(f"/start {once}").expect("Welcome!")
    Chat(engine, "second", "en").send(f"/start {once}").expect("already been used")
    clock.advance(days=2)
    late = Chat(engine, "late", "en")
    late.send(f"/start {short}").expect("expired")
    good = invite(engine, Role.MANAGER, "ohjaus")
    guesser = Chat(engine, "guesser", "en")
    for n in range(limit):
        guesser.send(f"/start guess{n:04d}guess{n:04d}").expect("do not recognise")
    guesser.send(f"/start {good}").expect("Too many attempts")
    guesser.send("/report").expect("invited staff only")
    clock.advance(hours=1, minutes=1)
    guesser.send(f"/start {good}").expect("Welcome!", "Asiakasohjaus")


# Through Telegram: signed data and guessing ----------------------------------------------
@pytest.fixture
async def telegram(
    fake_api: FakeBotApi, world: World, config: AppConfig
) -> AsyncIterator[tuple[TelegramTransport, Inbox]]:
    settings = config.model_copy(
        update={
            "telegram": TelegramConfig(
                api_base_url=fake_api.base_url, api_file_url=fake_api.base_file_url
            )
        }
    )
    transport = TelegramTransport(world.engine, settings, fake_api.token)
    await transport.start(poll_timeout=1)
    inbox = Inbox(fake_api)
    try:
        yield transport, inbox
    finally:
        inbox.close()
        await transport.stop()


async def tg_join(inbox: Inbox, engine: Engine, user_id: int, role: Role, unit: str) -> TgUser:
    person = TgUser(inbox, user_id, "en")
    await person.send(f"/start {invite(engine, role, unit)}", "Welcome!")
    return person


async def test_signed_buttons_are_refused_in_another_chat(
    telegram: tuple[TelegramTransport, Inbox], world: World
) -> None:
    transport, inbox = telegram
    leader = await tg_join(inbox, world.engine, 801, Role.LEADER, "asiakas")
    manager = await tg_join(inbox, world.engine, 802, Role.MANAGER, "kotihoito-a")
    await leader.send("/chart", "Which figure")
    chart_message, chart_data = leader.button("Client decisions")
    await leader.press_data(chart_data, chart_message, "Which unit")
    await manager.send("/report", "2/11")
    own_message, _own = manager.button("Not available")
    victim = await tg_join(inbox, world.engine, 803, Role.MANAGER, "ohjaus")
    await victim.send("/report", "You can correct it")
    _victim_message, correct = victim.button("Correct it")
    before = snapshot(world, "stranger")
    for data in (chart_data, leader.button("Asiakasohjaus")[1]):
        await manager.press_data(data, own_message, "no longer in use")
        assert "Asiakasohjaus" not in manager.text
    await manager.press_data(correct, own_message, "no longer in use")
    await leader.press_data(correct, chart_message, "no longer in use")
    assert_unchanged(before, snapshot(world, "stranger"), "the step")
    assert transport.counters["invalid_buttons"] == 4
    _sent, stale = manager.button("Not available")
    await manager.send("4,5", "3/11")
    await manager.press_data(stale, own_message, "earlier question")


async def test_guessing_invitation_codes_over_telegram_is_rate_limited(
    telegram: tuple[TelegramTransport, Inbox],
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _transport, inbox = telegram
    caplog.set_level(logging.DEBUG)
    for noisy, level in (("telegram", logging.INFO), ("httpx", logging.WARNING)):
        caplog.set_level(level, logger=noisy)  # as run_bot sets them: PTB logs whole updates
    good = invite(world.engine, Role.MANAGER, "kotihoito-b")
    guesser = TgUser(inbox, 901, "en")
    for n in range(world.engine.config.security.invite_attempts_per_hour):
        await guesser.send(f"/start {good[:-3]}{n:03d}", "do not recognise")
    await guesser.send(f"/start {good}", "Too many attempts")
    await guesser.send("/status", "invited staff only")
    other = TgUser(inbox, 902, "en")
    await other.send(f"/start {good}", "Welcome!")
    assert good not in caplog.text
    with world.engine.db.session() as session:
        guessed = session.connection().execute(
            text("SELECT count(*) FROM chatidentity WHERE external_id = '901'")
        )
        assert guessed.scalar_one() == 0
