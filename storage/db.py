"""Engines, sessions and migrations.

SQLite files run in WAL mode with a busy timeout, so that the bot, the scheduler and the CLI
can share one file. PostgreSQL is used as is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event open transactions (see _sqlite_begin), not pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted survey drafts leave no readable pages
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock at the start: a transaction that reads and then writes cannot then
    # fail with "database is locked" when another thread (the scheduler) wrote in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_insert(session: Session) -> Callable[..., Any]:
    """The session's dialect's ``insert``, which has ``on_conflict_do_nothing``.

    SQLite and PostgreSQL both know ``INSERT .. ON CONFLICT``; SQLAlchemy offers it on each
    dialect's own ``insert`` construct.
    """
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def held(session: Session, model: type[Any], key: Any) -> Any | None:
    """The ``model`` row with primary key ``key`` if the session already holds it, else None.

    For code that writes with Core statements, which the session's objects do not see: such
    an object is then expired or brought up to date.
    """
    return session.identity_map.get(session.identity_key(model, key))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (``sqlite:///file.db`` or ``postgresql+psycopg://...``)."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 10}}
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, echo=echo, hide_parameters=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # hide_parameters: errors and logs never quote the values (answers) of a statement.
    return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)


# Alembic (100 ms to import) is imported only where the schema is looked at or changed.
def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic configuration pointing at our migrations and ``engine``."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the database schema to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest schema revision this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


class Database:
    """The engine plus a session factory; pass it to whatever needs storage."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)

    def upgrade(self) -> None:
        """Create or upgrade the schema."""
        upgrade(self.engine)

    def is_current(self) -> bool:
        """Whether the schema is at the newest revision."""
        return current_revision(self.engine) == head_revision()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
