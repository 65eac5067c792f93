"""Fixed names of the domain, marked for translation."""

from __future__ import annotations

from collectors.config import Area
from collectors.i18n import N_

AREA_NAMES: dict[Area, str] = {
    Area.AVAILABILITY: N_("Availability"),
    Area.SAFETY_QUALITY: N_("Safety and quality"),
    Area.EFFECTIVENESS: N_("Effectiveness"),
    Area.EQUALITY: N_("Equality"),
    Area.CLIENT_EXPERIENCE: N_("Client experience and participation"),
    Area.STAFF: N_("Staff"),
}

GOAL_STATUS_NAMES: dict[str, str] = {
    "on_schedule": N_("On schedule"),
    "challenges": N_("Challenges"),
    "not_started": N_("Not started"),
    "done": N_("Done"),
}

ROLE_NAMES: dict[str, str] = {
    "admin": N_("administrator"),
    "leader": N_("leader"),
    "manager": N_("unit manager"),
    "staff": N_("staff member"),
}


def folded(text: str) -> str:
    """A name as compared with what someone typed: case folded, one space between words."""
    return " ".join(text.casefold().split())
