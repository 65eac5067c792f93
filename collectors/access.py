"""Who may see and do what: roles and scopes resolved from a person's grants.

Every command and every button asks this module on the server side; nothing a client sends
widens a scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from storage.models import Unit
from storage.people import HeldGrant, Role, held_grants, subtree_ids, units_by_id


@dataclass(frozen=True)
class Access:
    """A person's effective rights at one moment."""

    person_id: int
    grants: tuple[HeldGrant, ...]
    units: dict[str, Unit]

    @property
    def is_admin(self) -> bool:
        """Administrators see everything and use the admin commands."""
        return any(g.role == Role.ADMIN for g in self.grants)

    def roles(self) -> set[str]:
        """The role names the person holds."""
        return {g.role for g in self.grants}

    def managed_units(self) -> list[str]:
        """Units the person reports for (as manager or deputy), in tree order."""
        ids = {g.unit_id for g in self.grants if g.role == Role.MANAGER and g.unit_id in self.units}
        return [u for u in self.units if u in ids]

    def staff_units(self) -> list[str]:
        """Units the person belongs to as staff."""
        ids = {g.unit_id for g in self.grants if g.role == Role.STAFF and g.unit_id in self.units}
        return [u for u in self.units if u in ids]

    def led_roots(self) -> list[str]:
        """Roots of the subtrees the person leads."""
        return [g.unit_id for g in self.grants if g.role == Role.LEADER and g.unit_id in self.units]

    def visible_units(self) -> set[str]:
        """Units whose reports the person may see: led subtrees, managed units, or all."""
        if self.is_admin:
            return set(self.units)
        out: set[str] = set(self.managed_units())
        for root in self.led_roots():
            out |= subtree_ids(self.units, root)
        return out

    def can_report(self, unit_id: str) -> bool:
        """Whether the person may fill in the unit's period report (asked on every press of a
        report's button, so it looks at the grants, not at every unit)."""
        return unit_id in self.units and any(
            g.role == Role.MANAGER and g.unit_id == unit_id for g in self.grants
        )

    def can_see(self, unit_id: str) -> bool:
        """Whether the person may see the unit's reports and figures."""
        return unit_id in self.visible_units()


def access_for(
    session: Session, person_id: int, now: datetime, units: dict[str, Unit] | None = None
) -> Access:
    """Resolve a person's rights now.

    Args:
        session: The session.
        person_id: The person.
        now: The moment.
        units: Every active unit by id, when the caller has them (the engine keeps them);
            read from the database otherwise.
    """
    return Access(
        person_id=person_id,
        grants=tuple(held_grants(session, person_id, now)),
        units=units if units is not None else units_by_id(session),
    )
