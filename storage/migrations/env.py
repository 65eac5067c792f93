"""Alembic environment: runs against the engine handed in by ``storage.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import storage.models
import storage.notify_models
import storage.survey_models  # noqa: F401

target_metadata = SQLModel.metadata


def _ours(name: str | None, type_: str, _parent: object) -> bool:
    # APScheduler keeps its own job table in the same database.
    return not (type_ == "table" and name == "apscheduler_jobs")


def run_migrations_online() -> None:
    """Run migrations on the engine passed by ``storage.db.alembic_config``."""
    engine: Engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=_ours,
        )
        context.run_migrations()


run_migrations_online()
