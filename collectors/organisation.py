"""Mirror the configured organisation tree into the database."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from collectors.config import AppConfig
from storage.models import Unit


def sync_units(session: Session, config: AppConfig) -> tuple[int, int]:
    """Insert or update every configured unit; units no longer configured become inactive.

    Returns:
        ``(added, updated)`` counts.
    """
    existing = {u.id: u for u in session.exec(select(Unit)).all()}
    added = updated = 0
    # Parents before children, so foreign keys hold at every flush.
    pending = list(config.organisation.units)
    ordered = []
    placed: set[str] = set()
    while pending:
        ready = [u for u in pending if u.parent is None or u.parent in placed]
        if not ready:  # a cycle; the config check reports it
            ready = pending[:1]
        for unit in ready:
            ordered.append(unit)
            placed.add(unit.id)
            pending.remove(unit)
    for unit in ordered:
        row = existing.get(unit.id)
        values: dict[str, Any] = {
            "parent_id": unit.parent,
            "kind": str(unit.kind),
            "name_fi": unit.name.fi,
            "name_sv": unit.name.sv,
            "name_en": unit.name.en,
            "staff_count": unit.staff_count,
            "active": True,
        }
        if row is None:
            session.add(Unit(id=unit.id, **values))
            added += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
            updated += 1
        session.flush()
    configured = {u.id for u in config.organisation.units}
    for unit_id, row in existing.items():
        if unit_id not in configured and row.active:
            row.active = False
            session.add(row)
            updated += 1
    session.flush()
    return added, updated
