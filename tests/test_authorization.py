"""Authorization everywhere: every command and button, as every role, with forged data.

A small county is seeded with reports whose figures are marked (``63031`` is only ever a
figure of Asiakasohjaus) and with survey rounds. Then each role walks every registered
command with arguments naming other units, periods, people and garbage, every global button
prefix with forged data, and the buttons of its own conversations with forged and replayed
data. After every step the replies (texts, button labels, captions, exported files and the
plain data handed to the chart renderer) must show nothing outside the role's scope, and
after each walk the database must be unchanged outside what the role may change itself.

The Telegram layer adds signed button data (:mod:`bot.signing`); a few tests at the end go
through python-telegram-bot and the fake Bot API to show that data signed for one chat is
refused in another, and that invitation codes cannot be guessed over Telegram either.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.telegram import TelegramTransport
from collectors import chart_commands, drawing
from collectors.chart_scope import chart_metrics
from collectors.config import AppConfig, ConfigError, TelegramConfig, parse_config
from collectors.engine import STEP_SEPARATOR, Engine
from collectors.messages import (
    DocumentReply,
    ImageReply,
    Inbound,
    InboundKind,
    Outbound,
    Sender,
    TextReply,
)
from collectors.reporting import open_periods
from collectors.survey_rounds import open_round
from storage import reports, surveys
from storage.models import Conversation, RoleGrant
from storage.people import Role, create_invitation, create_person
from tests.fakebotapi import FakeBotApi
from tests.fakechat import Inbox, TgUser
from tests.support import SMALL_CONFIG, Chat, Clock, invite, join

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (800).to_bytes(4, "big") + (600).to_bytes(4, "big")
APOLOGY = "Sorry, something went wrong"

# Figures that belong to one unit only (this period, last period) and its free text.
FIGURES = {
    "kotihoito-a": (41017, 17041, 41117, "MARK-A-TEXT"),
    "kotihoito-b": (52029, 29052, 52129, "MARK-B-TEXT"),
    "ohjaus": (63031, 31063, 63131, "MARK-O-TEXT"),
}
OTHER_DIVISION = {"Asiakasohjaus", "Asiakaskeskus"}


def marks(*units: str) -> set[str]:
    """The markers of the units' report figures."""
    return {str(mark) for unit in units for mark in FIGURES[unit]}


ALL_NAMES = OTHER_DIVISION | {"Kotihoito A", "Kotihoito B", "Koti- ja asumispalvelut"}
FORBIDDEN: dict[str, set[str]] = {
    "admin": set(),
    "leader": OTHER_DIVISION | marks("ohjaus"),
    "manager": OTHER_DIVISION | {"Kotihoito B"} | marks("ohjaus", "kotihoito-b"),
    "staff": OTHER_DIVISION | {"Kotihoito B"} | marks("ohjaus", "kotihoito-b", "kotihoito-a"),
    "expired": ALL_NAMES | marks("ohjaus", "kotihoito-b", "kotihoito-a"),
    "stranger": ALL_NAMES | marks("ohjaus", "kotihoito-b", "kotihoito-a"),
}
ROLES = tuple(FORBIDDEN)


@dataclass
class World:
    """The seeded county, its people and what the chart renderer was handed."""

    engine: Engine
    clock: Clock
    ids: dict[str, int]
    closed_round: str
    open_round: str
    rendered: list[str] = field(default_factory=list)
    drawn: int = 0
    updates: int = 0

    def handle(self, who: str, message: Inbound) -> list[Outbound]:
        self.rendered.clear()
        return self.engine.handle(message)

    def sender(self, who: str) -> Sender:
        return Sender("test", who, who, who, "en")

    def command(self, who: str, name: str, *args: str) -> list[Outbound]:
        self.updates += 1
        text = " ".join(["/" + name, *args])
        message = Inbound(
            self.sender(who),
            InboundKind.COMMAND,
            text=text,
            command=name,
            args=tuple(args),
            update_key=f"auth:{self.updates}",
        )
        return self.handle(who, message)

    def press(self, who: str, data: str) -> list[Outbound]:
        self.updates += 1
        message = Inbound(
            self.sender(who), InboundKind.CHOICE, choice=data, update_key=f"auth:{self.updates}"
        )
        return self.handle(who, message)

    def type(self, who: str, typed: str) -> list[Outbound]:
        self.updates += 1
        message = Inbound(
            self.sender(who), InboundKind.TEXT, text=typed, update_key=f"auth:{self.updates}"
        )
        return self.handle(who, message)

    def step(self, who: str) -> int | None:
        with self.engine.db.session() as session:
            row = session.get(Conversation, self.ids[who]) if who in self.ids else None
            return None if row is None else row.step


def _document_text(reply: DocumentReply) -> str:
    if reply.filename.endswith(".csv"):
        return reply.content.decode("utf-8-sig")
    if reply.filename.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(reply.content), read_only=True)
        cells = [
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        return "\n".join([*book.sheetnames, *cells])
    return ""  # PDFs: what they show was handed to the renderer and is in World.rendered


def shown(world: World, replies: Iterable[Outbound]) -> str:
    """Everything a person could read from the replies."""
    parts: list[str] = list(world.rendered)
    for reply in replies:
        if isinstance(reply, TextReply):
            parts.append(reply.text)
            parts.extend(option.label for option in reply.options)
        elif isinstance(reply, ImageReply):
            parts.append(reply.caption)
        elif isinstance(reply, DocumentReply):
            parts += [reply.caption, reply.filename, _document_text(reply)]
    return "\n".join(parts)


def assert_in_scope(world: World, role: str, replies: list[Outbound], what: str) -> None:
    """No marker of another scope in the replies, and no crash."""
    assert replies, f"{role}: no answer to {what}"
    seen = shown(world, replies)
    assert APOLOGY not in seen, f"{role}: {what} crashed"
    digits = re.sub(r"(?<=\d)[\s,.\u00a0\u202f](?=\d)", "", seen)
    leaked = {m for m in FORBIDDEN[role] if m in seen or m in digits}
    assert not leaked, f"{role}: {what} showed {sorted(leaked)}:\n{seen[:1500]}"


# The seeded county -----------------------------------------------------------------------
def _seed_reports(engine: Engine, now: Any) -> None:
    with engine.db.session() as session:
        seeder = create_person(session, now=now, display_name="Seeder")
        assert seeder.id is not None
        reports.save_period(
            session,
            period_id="2025-T1",
            scheme="tertile",
            start=date(2025, 1, 1),
            end=date(2025, 4, 30),
            opens_on=date(2025, 5, 1),
            deadline=date(2025, 5, 21),
            manual=False,
            now=now,
        )
        assert [p.id for p in open_periods(session, engine.config, now)] == ["2025-T2"]
        for unit, (decisions, incidents, earlier, note) in FIGURES.items():
            for period, values in (
                ("2025-T1", {"decisions": earlier}),
                ("2025-T2", {"decisions": decisions, "incidents": incidents}),
            ):
                sub = reports.get_or_create_submission(session, period, unit, seeder.id, now)
                for metric, value in values.items():
                    answer = reports.AnswerValue("answered", value=float(value), raw=str(value))
                    reports.put_answer(session, sub, metric, answer, person_id=seeder.id, now=now)
                if period == "2025-T2":
                    answer = reports.AnswerValue("answered", text=note, raw=note)
                    reports.put_answer(
                        session, sub, "actions", answer, person_id=seeder.id, now=now
                    )
                if period == "2025-T1" or unit != "kotihoito-a":  # A's own report is a draft
                    reports.mark_submitted(
                        session, sub, person_id=seeder.id, role="manager", now=now
                    )


def _seed_surveys(world_engine: Engine, clock: Clock) -> tuple[str, str]:
    config = world_engine.config
    with world_engine.db.session() as session:
        closed = open_round(session, config, "staff", now=clock.now, label="closed")
        for unit in FIGURES:
            for n in range(6):
                surveys.store_response(
                    session,
                    round_id=closed.id,
                    unit_id=unit,
                    receipt=f"{unit}-{n}",
                    answers={"nps": 9 - n % 3, "nss": 4, "improve": f"SURVEY {unit} {n}"},
                )
        surveys.close_round(session, closed.id, clock.now, conversation_kind="survey")
        still_open = open_round(session, config, "staff", now=clock.now, label="open")
        return closed.id, still_open.id


@pytest.fixture
def world(engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> World:
    _seed_reports(engine, clock.now)
    closed, still_open = _seed_surveys(engine, clock)
    people = {
        "admin": (Role.ADMIN, None),
        "leader": (Role.LEADER, "koti"),
        "manager": (Role.MANAGER, "kotihoito-a"),
        "staff": (Role.STAFF, "kotihoito-a"),
        "expired": (Role.MANAGER, "kotihoito-a"),
        "victim": (Role.MANAGER, "ohjaus"),
    }
    for who, (role, unit) in people.items():
        join(engine, who, role, unit, "en")
    with engine.db.session() as session:
        ids = {}
        for who in people:
            row = session.connection().execute(
                text("SELECT person_id FROM chatidentity WHERE external_id = :who"), {"who": who}
            )
            ids[who] = int(row.scalar_one())
        for grant in session.exec(select(RoleGrant).where(RoleGrant.person_id == ids["expired"])):
            grant.valid_until = clock.now - timedelta(days=1)
            session.add(grant)
    world = World(engine, clock, ids, closed, still_open)

    def render_png(chart: Any, **_: Any) -> bytes:
        world.rendered.append(repr(chart))
        world.drawn += 1
        return PNG

    def render_pdf(document: Any) -> bytes:
        world.rendered.append(repr(document))
        world.drawn += 1
        return b"%PDF-1.4 test"

    monkeypatch.setattr(drawing, "cached_render_png", render_png)
    monkeypatch.setattr(drawing, "render_pdf", render_pdf)
    monkeypatch.setattr(chart_commands, "fit_to_phone", lambda page: page)
    return world


# What the database may not show changed ----------------------------------------------------
OWN_TABLES = {"processed_update", "invitationattempt", "conversation", "audit_entry"}


def snapshot(world: World, who: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row, except those the person may change: their own report, person, absences."""
    person = world.ids.get(who, -1)
    own_units = ["kotihoito-a"] if who == "manager" else []
    units = ", ".join(f"'{u}'" for u in own_units) or "''"
    others = f"submission_id IN (SELECT id FROM submission WHERE unit_id NOT IN ({units}))"
    where = {
        "submission": f"unit_id NOT IN ({units})",
        "answer": others,
        "answer_revision": f"answer_id IN (SELECT id FROM answer WHERE {others})",
        "person": f"id != {person}",
        "absence": f"person_id != {person}",
        "snooze": f"NOT (person_id = {person} AND unit_id IN ({units}))",
        "notification": f"NOT (COALESCE(person_id, -1) = {person} AND unit_id IN ({units}))",
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    with world.engine.db.engine.connect() as connection:
        tables = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).scalars()
        for table in sorted(set(tables) - OWN_TABLES - {"alembic_version"}):
            condition = where.get(table, "1 = 1")
            rows = connection.exec_driver_sql(f"SELECT * FROM {table} WHERE {condition}")
            out[table] = sorted(map(tuple, rows.fetchall()), key=repr)
    return out


def assert_unchanged(before: dict[str, list[Any]], after: dict[str, list[Any]], what: str) -> None:
    """Name the tables whose rows changed, with a few of the rows that differ."""
    changed = {
        table: sorted(set(rows) ^ set(after.get(table, [])), key=repr)[:4]
        for table, rows in before.items()
        if rows != after.get(table)
    }
    assert not changed, f"{what} changed rows outside its scope: {changed}"


# The walks -----------------------------------------------------------------------------------
def command_arguments(world: World) -> list[tuple[str, ...]]:
    return [
        (),
        ("kotihoito-a",),
        ("kotihoito-b",),
        ("ohjaus",),
        ("asiakas",),
        ("county",),
        ("2025-T1",),
        ("2024-T1",),
        ("ohjaus", "2025-T1"),
        ("ohjaus", "csv"),
        ("kotihoito-b", "csv"),
        ("decisions", "ohjaus", "6"),
        ("decisions", "kotihoito-b"),
        ("nps", "ohjaus"),
        (str(world.ids["victim"]),),
        (world.closed_round,),
        ("'; DROP TABLE answer; --",),
        ("²",),
        ("decisions", "²"),
        ("x" * 300,),
    ]


def global_buttons(world: World) -> list[str]:
    keys = [f.key for f in chart_metrics(world.engine.config)]
    figures = [keys[0], keys[-1], next(k for k in keys if k.startswith("m5")), "zz"]
    positions = [*map(str, range(len(world.engine.config.organisation.units))), "99", "x"]
    out = [f"ch:{action}:{key}:{pos}" for key in figures for pos in positions for action in "su"]
    out += [f"ch:n:{key}:{pos}:6" for key in figures[:2] for pos in positions]
    out += [f"ch:y:{pos}" for pos in positions] + [f"ch:y:{p}:2025-T1" for p in positions]
    out += [f"ch:m:{key}" for key in figures] + ["ch:", "ch:n:m0:5:99999", "ch:y:5:garbage"]
    out += [
        f"rem:{action}:{period}:{unit}"
        for action in ("start", "snooze")
        for period in ("2025-T2", "2025-T1", "")
        for unit in ("ohjaus", "kotihoito-b", "county", "x")
    ]
    out += ["rem:", "rem:explode:2025-T2:ohjaus"]
    out += [f"survey:{action}:{world.closed_round}" for action in ("start", "results")]
    out += [f"survey:{action}:{world.open_round}" for action in ("start", "results")]
    out += ["survey:start:nonexistent", "survey:results:", "survey:"]
    out += ["lang:xx", "lang:", "zz:1", "", "|", "||", "0|na", "999999|na", "1|u:ohjaus"]
    return out


STEP_FORGERIES = (
    "u:ohjaus",
    "u:kotihoito-b",
    "u:county",
    "p:2024-T1",
    "p:2099-T3",
    "c:99",
    "c:-1",
    "t:99",
    "e:99",
    "e:-1",
    "v:11",
    "v:-1",
    "c:²",
    "e:²",
    "send",
    "submit",
    "x:y:z",
    "",
)
FLOWS = {"manager": ("report", "deputy"), "staff": ("survey",), "admin": ("deputy",)}


@pytest.mark.parametrize("role", ROLES)
def test_every_command_and_button_stays_in_scope(world: World, role: str) -> None:
    before = snapshot(world, role)
    for name in [*sorted(world.engine.commands), "nosuchcommand"]:
        for args in command_arguments(world):
            replies = world.command(role, name, *args)
            assert_in_scope(world, role, replies, f"/{name} {' '.join(args)[:40]}")
    for data in global_buttons(world):
        assert_in_scope(world, role, world.press(role, data), f"button {data!r}")
    forgeries = [*STEP_FORGERIES, f"p:{world.ids['victim']}", f"p:{world.ids['leader']}"]
    for flow in FLOWS.get(role, ()):
        for forged in forgeries:
            world.command(role, "cancel")
            assert_in_scope(world, role, world.command(role, flow), f"/{flow}")
            step = world.step(role)
            assert step is not None, f"{role}: /{flow} started no conversation"
            replies = world.press(role, f"{step}{STEP_SEPARATOR}{forged}")
            assert_in_scope(world, role, replies, f"/{flow} button {forged!r}")
            if forged != f"p:{world.ids['leader']}":  # the leader may stand in for A
                replies = world.type(role, "31.12.")  # whatever the forged press led to
                assert_in_scope(world, role, replies, f"a date after {forged!r}")
    assert_unchanged(before, snapshot(world, role), role)
    if role in ("admin", "leader", "manager"):
        assert world.drawn > 10, "the charts drawn were not checked"


def test_buttons_of_another_persons_conversation_change_nothing_of_theirs(world: World) -> None:
    world.command("victim", "report")  # Asiakasohjaus: sent, so "correct it / keep it"
    victim_step = world.step("victim")
    assert victim_step is not None
    before = snapshot(world, "manager")
    for who in ("manager", "leader", "staff", "expired", "stranger"):
        for action in ("correct", "keep", "submit", "e:0", "na"):
            replies = world.press(who, f"{victim_step}{STEP_SEPARATOR}{action}")
            assert_in_scope(world, who, replies, f"the victim's button {action}")
    assert_unchanged(before, snapshot(world, "manager"), "the step")
    assert world.step("victim") == victim_step  # their conversation did not move


def test_a_button_pressed_again_after_the_step_moved_on_is_refused(world: World) -> None:
    replies = world.command("manager", "report")
    first = next(o.data for r in replies if isinstance(r, TextReply) for o in r.options)
    assert "3/11" in shown(world, world.type("manager", "x"))  # "not available": moves on
    before = snapshot(world, "stranger")  # every row, the manager's own report included
    again = world.press("manager", first)
    assert "That button belongs to an earlier question." in shown(world, again)
    assert_unchanged(before, snapshot(world, "stranger"), "the step")


def test_an_old_button_is_refused_after_the_report_was_stopped_and_restarted(
    world: World,
) -> None:
    replies = world.command("manager", "report")
    options = [o for r in replies if isinstance(r, TextReply) for o in r.options]
    stale = next(o.data for o in options if o.label == "Not available")
    world.type("manager", "4,5")  # the first open question is answered
    world.command("manager", "cancel")
    world.command("manager", "report")  # a new conversation
    before = snapshot(world, "stranger")
    again = world.press("manager", stale)
    assert "That button belongs to an earlier question." in shown(world, again)
    assert_unchanged(before, snapshot(world, "stranger"), "the step")


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
