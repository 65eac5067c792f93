"""A county to measure with: 600 units, the test metric catalog, and databases to put it in.

The organisation is a county with six divisions of 99 units each (600 nodes in all below
the county); every unit has a staff count between 2 and 32, about 10 000 people in all, so
some units are too small for their survey figures to be shown. The metrics are those of the
test configuration (``tests/support.py``): every metric kind once.

Databases are a temporary SQLite file, or a private schema on the PostgreSQL server at
``OMABOT_TEST_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
when it answers; the schema is dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from collectors.config import AppConfig
from collectors.organisation import sync_units
from storage.db import Database
from storage.models import ChatIdentity, Person, RoleGrant
from tests.support import small_config

DIVISIONS = 6
UNITS_PER_DIVISION = 99
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SETUP_TIME = datetime(2025, 1, 2, 8, 0, tzinfo=UTC)


def _text(name: str) -> dict[str, str]:
    return {"fi": name, "sv": f"{name} (sv)", "en": f"{name} (en)"}


def division_id(number: int) -> str:
    """The id of division ``number`` (1-based)."""
    return f"d{number}"


def unit_id(division: int, number: int) -> str:
    """The id of unit ``number`` (1-based) of division ``division``."""
    return f"d{division}-u{number:03d}"


def staff_count(division: int, number: int) -> int:
    """A unit's headcount: 2..32, the same every run (about 17 on average)."""
    return 2 + (division * 131 + number * 37) % 31


def organisation(
    divisions: int = DIVISIONS, per_division: int = UNITS_PER_DIVISION
) -> dict[str, Any]:
    """The ``organisation`` configuration section of the benchmark county."""
    units: list[dict[str, Any]] = [{"id": "county", "kind": "county", "name": _text("Maakunta")}]
    for d in range(1, divisions + 1):
        units.append(
            {
                "id": division_id(d),
                "kind": "division",
                "parent": "county",
                "name": _text(f"Toimiala {d}"),
            }
        )
        for u in range(1, per_division + 1):
            units.append(
                {
                    "id": unit_id(d, u),
                    "parent": division_id(d),
                    "name": _text(f"Yksikkö {d}.{u}"),
                    "staff_count": staff_count(d, u),
                }
            )
    return {"id": "bench", "name": _text("Benchmark county"), "units": units}


def county_config(
    divisions: int = DIVISIONS, per_division: int = UNITS_PER_DIVISION, **overrides: Any
) -> AppConfig:
    """The test metric catalog over the benchmark county, with top-level ``overrides``."""
    return small_config(organisation=organisation(divisions, per_division), **overrides)


def reporting_units(config: AppConfig) -> list[str]:
    """The ids of the units that report (the leaves), in configuration order."""
    return [u.id for u in config.organisation.units if u.kind == "unit"]


def prepare(db: Database, config: AppConfig) -> Database:
    """Migrate the database and mirror the organisation into it."""
    db.upgrade()
    with db.session() as session:
        sync_units(session, config)
    return db


@contextlib.contextmanager
def sqlite_database(config: AppConfig, directory: Path | None = None) -> Iterator[Database]:
    """A migrated SQLite database file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="omabot-bench-", dir=directory) as folder:
        db = prepare(Database(f"sqlite:///{Path(folder) / 'bench.db'}"), config)
        try:
            yield db
        finally:
            db.dispose()


def postgres_url() -> str | None:
    """The PostgreSQL URL to measure with, or ``None`` when nothing answers on its port."""
    url = os.environ.get("OMABOT_TEST_DATABASE_URL") or DEFAULT_PG_URL
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1.0):
            pass
    except OSError:
        return None
    return url


@contextlib.contextmanager
def postgres_database(url: str, config: AppConfig) -> Iterator[Database]:
    """A migrated database in a fresh private schema of ``url``, dropped afterwards."""
    schema = f"bench_{secrets.token_hex(5)}"
    admin = Database(url)
    try:
        with admin.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in url else "?"
        db = prepare(Database(f"{url}{separator}options=-csearch_path%3D{schema}"), config)
        try:
            yield db
        finally:
            db.dispose()
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@dataclass(frozen=True)
class Member:
    """A person to create: their Telegram user id, role and unit."""

    user_id: int
    role: str
    unit_id: str | None
    language: str = "en"


def add_people(db: Database, members: Sequence[Member], transport: str = "telegram") -> list[int]:
    """Insert people with a chat identity and one grant each, in bulk; return their ids."""
    with db.session() as session:
        start = int(session.execute(text("SELECT COALESCE(MAX(id), 0) FROM person")).scalar_one())
        ids = [start + i + 1 for i in range(len(members))]
        people = [
            {
                "id": pid,
                "display_name": f"Person {m.user_id}",
                "language": m.language,
                "created_at": SETUP_TIME,
            }
            for pid, m in zip(ids, members, strict=True)
        ]
        chats = [
            {
                "person_id": pid,
                "transport": transport,
                "external_id": str(m.user_id),
                "chat_id": str(m.user_id),
            }
            for pid, m in zip(ids, members, strict=True)
        ]
        grants = [
            {"person_id": pid, "role": m.role, "unit_id": m.unit_id, "created_at": SETUP_TIME}
            for pid, m in zip(ids, members, strict=True)
        ]
        for table, rows in ((Person, people), (ChatIdentity, chats), (RoleGrant, grants)):
            for first in range(0, len(rows), 5000):
                session.execute(insert(table), rows[first : first + 5000])
        if not db.url.startswith("sqlite"):  # explicit ids: move the sequence past them
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('person', 'id'), :n)"),
                {"n": max(ids, default=start) or 1},
            )
    return ids


__all__ = [
    "DIVISIONS",
    "SETUP_TIME",
    "UNITS_PER_DIVISION",
    "Member",
    "add_people",
    "county_config",
    "division_id",
    "organisation",
    "postgres_database",
    "postgres_url",
    "prepare",
    "reporting_units",
    "sqlite_database",
    "staff_count",
    "unit_id",
]
