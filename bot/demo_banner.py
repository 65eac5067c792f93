"""What ``omabot demo`` says of itself: the banner before the chat and its people's labels."""

from __future__ import annotations

from pathlib import Path

from bot.demo import DemoPerson, DemoSeed
from collectors.config import AppConfig
from storage.people import Role


def _role_text(config: AppConfig, person: DemoPerson, language: str) -> str:
    units = ", ".join(config.unit(u).name.get(language) for u in person.units)
    return f"{person.name}, {person.role}" + (f" of {units}" if units else "")


def people_labels(
    config: AppConfig, seed: DemoSeed, language: str, *, first: str
) -> dict[str, str]:
    """Every demo person's handle and who they are, ``first`` first (the web chat's picker)."""
    order = sorted(seed.people.values(), key=lambda p: p.handle != first)
    return {p.handle: f"{p.handle}: {_role_text(config, p, language)}" for p in order}


def banner(
    config: AppConfig, seed: DemoSeed, handle: str, path: Path, language: str, *, web: bool = False
) -> str:
    """What the demo prints before the chat: who you are, what is open, what to type."""
    period = seed.period
    name = config.organisation.name.get(language)
    lines = [f"omavalvonta-bot demo: {name} (database {path}, recreated on every run)", ""]
    me = seed.people.get(handle)
    if me is not None:
        lines.append(f"You are '{me.handle}': {_role_text(config, me, language)}.")
    dates = f"{period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}"
    how = "has been reopened for the demo" if seed.opened_by_hand else "is open"
    lines.append(
        f"Period {period.id} ({dates}) {how}: reports are due by {period.deadline:%d.%m.%Y}."
    )
    if seed.previous is not None:
        lines.append(
            f"The reports of {seed.previous.id} and earlier are filled in, so each question "
            "shows last period's value and offers 'Same as last period'."
        )
    closed, survey_open = seed.survey_rounds
    staff = [p for p in seed.people.values() if p.role is Role.STAFF]
    if survey_open and staff:
        units = ", ".join(config.unit(u).name.get(language) for u in staff[0].units)
        lines.append(
            f"A staff survey round is open for {units}: {staff[0].handle}..{staff[-1].handle} "
            "answer it with /survey."
        )
    if closed:
        lines.append(
            f"{closed} earlier survey rounds are closed, so /results shows the staff indexes "
            "(the last unit has too few answers to be shown on its own)."
        )
    if web:
        lines += [
            "",
            "Type /report to fill in the period report, /help for the commands, "
            "/lang en (or sv, fi) to change the language; press the buttons to choose.",
            "Answer as you would on a phone (1 050, 4,6 %, 0:13:25, 6+1, x = not available).",
            "Every demo person is in the list at the top of the page.",
        ]
        return "\n".join(lines)
    lines += [
        "",
        "Type /report to fill in the period report, /help for the commands, "
        "/lang en (or sv, fi) to change the language, /quit to leave.",
        "Answer as you would on a phone (1 050, 4,6 %, 0:13:25, 6+1, x = not available), "
        "and press an option by typing # and its number: [3] -> #3.",
        "",
        f"Other demo people (omabot --database-url sqlite:///{path} chat --as HANDLE):",
    ]
    for person in seed.people.values():
        if person.handle != handle and person.role is not Role.STAFF:
            lines.append(f"  {person.handle:<9} {_role_text(config, person, language)}")
    if staff:
        units = ", ".join(config.unit(u).name.get(language) for u in staff[0].units)
        lines.append(f"  {staff[0].handle}..{staff[-1].handle}  staff members of {units}")
    return "\n".join(lines)


__all__ = ["banner", "people_labels"]
