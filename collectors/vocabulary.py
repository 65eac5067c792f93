"""Fixed names of the domain, marked for translation."""

from __future__ import annotations

from collections.abc import Collection, Sequence

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


YES_WORDS = frozenset(
    {"kyllä", "joo", "juu", "k", "ja", "jo", "jepp", "yes", "y", "yep", "ok", "okei", "okej"}
    | {"oikein", "pitää paikkansa", "stämmer", "rätt", "right", "correct", "👍", "✅", "✔", "✔️"}
)
NO_WORDS = frozenset({"ei", "e", "nej", "no", "n", "nope", "väärin", "fel", "wrong", "👎", "❌"})


def yes_or_no(typed: str) -> bool | None:
    """``True`` for a typed yes (``kyllä``, ``ja``, ``OK``), ``False`` for a no, else ``None``."""
    token = folded(typed).rstrip(".!")
    if token in YES_WORDS:
        return True
    return False if token in NO_WORDS else None


MIN_PREFIX = 3
"""Fewest letters a name is found by when it is not typed out whole."""


def named(options: Sequence[Collection[str]], typed: str) -> int | None:
    """The position of the option ``typed`` names: one of its names whole (case and spacing
    aside), else the start of names of one option only, :data:`MIN_PREFIX` letters or more."""
    token = folded(typed)
    known = [{folded(name) for name in names} for names in options]
    whole = [n for n, names in enumerate(known) if token in names]
    if whole:
        return whole[0]
    if len(token) < MIN_PREFIX:
        return None
    begun = [n for n, names in enumerate(known) if any(name.startswith(token) for name in names)]
    return begun[0] if len(begun) == 1 else None
