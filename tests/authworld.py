"""The seeded county of the authorization tests: people in every role, marked figures.

Each unit's report figures are marked (``63031`` is only ever a figure of Asiakasohjaus), so
that a reply showing something outside a person's scope can be recognised. :func:`shown` is
everything a person could read from replies, including the plain data handed to the chart
and PDF renderers (which :func:`make_world` catches instead of drawing), and
:func:`snapshot` is every row of the database except those the person may change.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import select

from collectors import chart_commands, drawing
from collectors.engine import Engine
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
from storage.people import Role, create_person
from tests.support import Clock, join, store_tertile

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
ECHOED_ID_LENGTH = 16
"""Typed arguments this long (ids, not figures) may be echoed back in any reply."""


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


def assert_in_scope(
    world: World, role: str, replies: list[Outbound], what: str, typed: Iterable[str] = ()
) -> None:
    """No marker of another scope in the replies, and no crash.

    What the person ``typed`` may be echoed back ("I do not know the figure ..."): a long
    argument (a random round id, which may hold a marker's digits) is left out of the check.
    Short ones stay in: removing a typed "6" would hide every figure with a 6 in it.
    """
    assert replies, f"{role}: no answer to {what}"
    seen = shown(world, replies)
    assert APOLOGY not in seen, f"{role}: {what} crashed"
    for argument in typed:
        if len(argument) >= ECHOED_ID_LENGTH:
            seen = seen.replace(argument, "")
    digits = re.sub(r"(?<=\d)[\s,.\u00a0\u202f](?=\d)", "", seen)
    leaked = {m for m in FORBIDDEN[role] if m in seen or m in digits}
    assert not leaked, f"{role}: {what} showed {sorted(leaked)}:\n{seen[:1500]}"


# The seeded county -----------------------------------------------------------------------
def _seed_reports(engine: Engine, now: Any) -> None:
    with engine.db.session() as session:
        seeder = create_person(session, now=now, display_name="Seeder")
        assert seeder.id is not None
        store_tertile(session, now, "2025-T1")
        assert [p.id for p in open_periods(session, engine.config, now)] == ["2025-T2"]
        for unit, (decisions, incidents, earlier, note) in FIGURES.items():
            for period, values in (
                ("2025-T1", {"decisions": earlier}),
                ("2025-T2", {"decisions": decisions, "incidents": incidents}),
            ):
                sub = reports.get_or_create_submission(session, period, unit, seeder.id, now)
                assert sub.id is not None
                for metric, value in values.items():
                    answer = reports.AnswerValue("answered", value=float(value), raw=str(value))
                    reports.put_answer(
                        session, sub.id, metric, answer, person_id=seeder.id, now=now
                    )
                if period == "2025-T2":
                    answer = reports.AnswerValue("answered", text=note, raw=note)
                    reports.put_answer(
                        session, sub.id, "actions", answer, person_id=seeder.id, now=now
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


def make_world(engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> World:
    """Seed the county, join its people (one with an expired grant) and catch the drawing."""
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
