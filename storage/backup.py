"""Online backups of the SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupNotSupported(Exception):
    """The database is not a SQLite file; the message says what to do instead."""


def sqlite_path(url: str) -> Path:
    """The file behind a ``sqlite:///`` URL.

    Raises:
        BackupNotSupported: for other databases (with a ``pg_dump`` hint for PostgreSQL).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_backend_name() == "postgresql":
            database = parsed.database or "omabot"
            raise BackupNotSupported(
                "PostgreSQL is backed up with its own tools, e.g. "
                f"pg_dump --format=custom --file=omabot.dump {database}"
            )
        raise BackupNotSupported(f"backups of {parsed.get_backend_name()} are not supported")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupNotSupported("an in-memory database cannot be backed up")
    return Path(parsed.database)


def backup_sqlite(url: str, out: Path) -> int:
    """Copy a live SQLite database to ``out`` with SQLite's online backup API.

    Safe while the bot runs (WAL readers and writers keep going). Returns the pages copied.
    """
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupNotSupported(f"{source_path} does not exist")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(str(source_path))
    target = sqlite3.connect(str(out))
    try:
        with target:
            source.backup(target)
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupNotSupported(f"the backup failed its integrity check: {check}")
        return pages
    finally:
        target.close()
        source.close()
