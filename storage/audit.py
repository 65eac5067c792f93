"""The audit log: administrator actions and report corrections (never survey answers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.models import AuditEntry


def record(
    session: Session,
    *,
    now: datetime,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an audit entry in the caller's transaction."""
    session.add(AuditEntry(at=now, actor=actor, action=action, target=target, detail=detail or {}))


def entries(session: Session, limit: int = 100) -> Sequence[AuditEntry]:
    """The newest audit entries."""
    statement = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    return session.exec(statement.limit(limit)).all()
