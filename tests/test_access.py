"""Who may report for, and see, which units: :class:`collectors.access.Access` on its own."""

from __future__ import annotations

from datetime import UTC, datetime

from collectors.access import Access
from storage.models import Unit
from storage.people import HeldGrant, Role


def _tree() -> dict[str, Unit]:
    def unit(unit_id: str, parent: str | None, kind: str) -> Unit:
        return Unit(
            id=unit_id, parent_id=parent, kind=kind, name_fi=unit_id, name_sv="", name_en=""
        )

    return {
        u.id: u
        for u in (
            unit("county", None, "county"),
            unit("care", "county", "division"),
            unit("home-a", "care", "unit"),
            unit("home-b", "care", "unit"),
            unit("clinic", "county", "unit"),
        )
    }


def test_a_manager_or_deputy_reports_for_their_own_active_units_only() -> None:
    until = datetime(2025, 9, 30, 21, tzinfo=UTC)
    access = Access(
        1,
        (
            HeldGrant(Role.MANAGER, "home-b", None),
            HeldGrant(Role.MANAGER, "clinic", until),  # a deputy: still held when read
            HeldGrant(Role.STAFF, "home-a", None),
            HeldGrant(Role.MANAGER, "closed-unit", None),  # no longer an active unit
        ),
        _tree(),
    )
    assert [u for u in _tree() if access.can_report(u)] == ["home-b", "clinic"]
    assert access.managed_units() == ["home-b", "clinic"]  # in tree order
    assert not access.can_report("closed-unit")
    assert not access.can_report("home-a")  # staff there, not its manager
    assert access.can_see("clinic") and not access.can_see("home-a")


def test_a_leader_sees_their_subtree_but_reports_for_nothing() -> None:
    access = Access(2, (HeldGrant(Role.LEADER, "care", None),), _tree())
    assert access.visible_units() == {"care", "home-a", "home-b"}
    assert not [u for u in _tree() if access.can_report(u)]
    admin = Access(3, (HeldGrant(Role.ADMIN, None, None),), _tree())
    assert admin.visible_units() == set(_tree()) and not admin.can_report("home-a")
