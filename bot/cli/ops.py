"""Operations: backups, forgetting people, purging drafts, the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from bot.cli import CliState, pass_state
from storage.audit import entries, record
from storage.backup import BackupNotSupported, backup_sqlite
from storage.db import utcnow
from storage.privacy import forget_person, purge_expired


@click.command("backup")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), required=True)
@pass_state
def backup(state: CliState, out: Path) -> None:
    """Copy the live SQLite database to FILE (online; the bot may keep running)."""
    url = state.database_url or state.config.database_url
    try:
        pages = backup_sqlite(url, out)
    except BackupNotSupported as problem:
        click.echo(str(problem), err=True)
        raise SystemExit(2) from None
    click.echo(f"backup written to {out} ({pages} pages, integrity ok)")


@click.group("person")
def person() -> None:
    """People and their personal data."""


@person.command("forget")
@click.argument("person_id", type=int)
@pass_state
def forget(state: CliState, person_id: int) -> None:
    """Erase a person's identity and chat links; keep submitted reports and survey figures."""
    now = utcnow()
    with state.db.session() as session:
        result = forget_person(session, person_id, now)
        if result is None:
            click.echo(f"no person with id {person_id}", err=True)
            raise SystemExit(2)
        record(
            session,
            now=now,
            actor=state.actor,
            action="person.forgotten",
            target=f"person:{person_id}",
        )
    click.echo(
        f"person {person_id} forgotten: {result.identities} chat links removed, "
        f"{result.grants} roles revoked; submitted reports kept"
    )


@click.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=None,
    help="Age in days (default: security.draft_max_age_days).",
)
@pass_state
def purge(state: CliState, days: int | None) -> None:
    """Delete never-sent drafts and stale conversations older than the configured age.

    Update keys kept against Telegram's redeliveries go after 7 days, as in the daily purge.
    """
    age = timedelta(days=days or state.config.security.draft_max_age_days)
    now = utcnow()
    with state.db.session() as session:
        removed = purge_expired(session, age, now)
        record(
            session, now=now, actor=state.actor, action="drafts.purged", detail={"drafts": removed}
        )
    click.echo(f"{removed} stale drafts removed")


@click.command("audit")
@click.option("--limit", type=click.IntRange(min=1, max=10000), default=50)
@pass_state
def audit(state: CliState, limit: int) -> None:
    """Show the newest audit entries (administrator actions and report corrections)."""
    with state.db.session() as session:
        for entry in entries(session, limit):
            detail = json.dumps(entry.detail, ensure_ascii=False) if entry.detail else ""
            click.echo(
                f"{entry.at:%Y-%m-%d %H:%M} {entry.actor} {entry.action} {entry.target} {detail}"
            )


def register(group: click.Group) -> None:
    """Add the operations commands."""
    for command in (backup, person, purge, audit):
        group.add_command(command)
