"""Shared fixtures: no network but loopback, databases, clock and engine."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from collectors.app import build_engine
from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.organisation import sync_units
from storage.db import Database
from tests.fakebotapi import FakeBotApi
from tests.support import Clock, small_config

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if isinstance(address, tuple) and address and address[0] not in _LOOPBACK:
        raise RuntimeError(f"tests may only connect to loopback, not {address[0]}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def config() -> AppConfig:
    return small_config()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _prepare(url: str, config: AppConfig) -> Database:
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        sync_units(session, config)
    return db


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'omabot.db'}"


def postgres_url() -> str | None:
    """The test PostgreSQL URL, or ``None`` (with the reason logged by the fixture)."""
    return os.environ.get("OMABOT_TEST_DATABASE_URL") or None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, private schema on the PostgreSQL server named by OMABOT_TEST_DATABASE_URL."""
    url = postgres_url()
    if url is None:
        pytest.skip("OMABOT_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"t_{secrets.token_hex(6)}"
    admin = Database(url)
    try:
        with admin.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the server is gone
        admin.dispose()
        pytest.skip(
            f"PostgreSQL at OMABOT_TEST_DATABASE_URL is not reachable: {exc.__class__.__name__}"
        )
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with admin.engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite, and again on PostgreSQL when one is configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'omabot.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(sqlite_url: str, config: AppConfig) -> Iterator[Database]:
    database = _prepare(sqlite_url, config)
    yield database
    database.dispose()


@pytest.fixture
def any_db(any_db_url: str, config: AppConfig) -> Iterator[Database]:
    database = _prepare(any_db_url, config)
    yield database
    database.dispose()


@pytest.fixture
def engine(db: Database, config: AppConfig, clock: Clock) -> Engine:
    return build_engine(db, config, clock=clock, secret=b"test-secret")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API serving on 127.0.0.1 (see tests/fakebotapi.py)."""
    async with FakeBotApi(token="123:ABC") as api:
        yield api
