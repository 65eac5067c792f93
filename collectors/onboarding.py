"""Joining with an invitation, choosing a language, help and cancel."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from collectors.date_text import day_text
from collectors.engine import Command, Ctx, Engine
from collectors.i18n import LANGUAGE_NAMES, N_, pick_language, translator
from collectors.messages import Inbound, Option, Outbound, TextReply
from collectors.reporting import open_periods
from collectors.survey_text import last_answer_day
from collectors.vocabulary import ROLE_NAMES
from storage import surveys
from storage.audit import record
from storage.models import Invitation, Person
from storage.people import (
    InvitationProblem,
    Role,
    check_invitation,
    create_person,
    find_person,
    grant,
    recent_failures,
    record_failure,
    set_language,
    use_invitation,
)

log = logging.getLogger(__name__)


def _problem_text(problem: InvitationProblem, language: str) -> str:
    _ = translator(language)
    texts = {
        InvitationProblem.UNKNOWN: _(
            "I do not recognise that invitation code. Please check the link, or ask for a new one."
        ),
        InvitationProblem.EXPIRED: _("That invitation has expired. Please ask for a new one."),
        InvitationProblem.USED: _(
            "That invitation has already been used. Please ask for a new one."
        ),
        InvitationProblem.REVOKED: _(
            "That invitation has been cancelled. Please ask for a new one."
        ),
        InvitationProblem.TOO_MANY_ATTEMPTS: _(
            "Too many attempts with wrong codes. Please wait an hour and try again."
        ),
    }
    return texts[problem]


def redeem(engine: Engine, session: Session, message: Inbound, now: datetime) -> list[Outbound]:
    """``/start CODE``: join with an invitation (or add its role to an existing account)."""
    sender = message.sender
    language = pick_language(sender.language_hint, engine.config.default_language)
    person = find_person(session, sender.transport, sender.external_id)
    if person is not None and person.language:
        language = person.language
    _ = translator(language)
    if not message.args:
        if person is None:
            return [
                TextReply(
                    _(
                        "Hello! This bot collects self-monitoring reports for invited staff only. "
                        "Please open the invitation link you were given, or ask your manager for one."
                    )
                )
            ]
        return [TextReply(_("Welcome back! /help lists what I can do."))]
    limit = engine.config.security.invite_attempts_per_hour
    if recent_failures(session, sender.transport, sender.external_id, now) >= limit:
        return [TextReply(_problem_text(InvitationProblem.TOO_MANY_ATTEMPTS, language))]
    found = check_invitation(session, message.args[0], now)
    if isinstance(found, InvitationProblem) or not use_invitation(session, found):
        problem = found if isinstance(found, InvitationProblem) else InvitationProblem.USED
        record_failure(session, sender.transport, sender.external_id, now)
        log.info("invitation refused (%s) for %s:%s", problem, sender.transport, sender.external_id)
        return [TextReply(_problem_text(problem, language))]
    return _welcome(engine, session, message, found, person, language, now)


def _welcome(
    engine: Engine,
    session: Session,
    message: Inbound,
    invitation: Invitation,
    person: Person | None,
    language: str,
    now: datetime,
) -> list[Outbound]:
    sender = message.sender
    first_time = person is None
    if person is None:
        person = create_person(
            session,
            now=now,
            display_name=sender.display_name,
            language=language,
            transport=sender.transport,
            external_id=sender.external_id,
            chat_id=sender.chat_id,
        )
    assert person.id is not None
    grant(session, person.id, Role(invitation.role), invitation.unit_id, now=now)
    record(
        session,
        now=now,
        actor=f"person:{person.id}",
        action="invitation.redeemed",
        target=f"invitation:{invitation.id}",
        detail={"role": invitation.role, "unit": invitation.unit_id},
    )
    _ = translator(language)
    unit = engine.config.unit(invitation.unit_id).name.get(language) if invitation.unit_id else ""
    role = _(ROLE_NAMES.get(invitation.role, invitation.role))
    if unit:
        text = _("Welcome! You are now registered as {role} of {unit}.", role=role, unit=unit)
    else:
        text = _("Welcome! You are now registered as {role}.", role=role)
    replies: list[Outbound] = [TextReply(text)]
    if first_time:
        replies.append(language_question(language))
    replies.append(TextReply(next_steps(engine, session, invitation, language, now)))
    return replies


def next_steps(
    engine: Engine, session: Session, invitation: Invitation, language: str, now: datetime
) -> str:
    """What the person the invitation made can do next: a report or survey open now first."""
    _ = translator(language)
    role = invitation.role
    if role == Role.MANAGER:
        periods = open_periods(session, engine.config, now)
        if periods:
            return _(
                "The report of {period} is open until {date}: start it with /report.",
                period=periods[0].short_label(),
                date=day_text(periods[0].deadline, language),
            )
        return _("I will remind you when a report period opens. You can start now with /report.")
    if role == Role.STAFF:
        asked = [r for r in surveys.open_rounds(session, now) if invitation.unit_id in r.unit_ids]
        if asked:
            return _(
                "The staff survey is open until {date}: answer it with /survey. Nobody can see "
                "your own answers.",
                date=day_text(last_answer_day(engine.config, asked[0]), language),
            )
        return _(
            "A few times a year I will ask you a few short anonymous questions about your "
            "workplace. Nobody can see your own answers."
        )
    if role == Role.LEADER:
        return _("Use /status to see who has reported, and /summary for the figures.")
    return _("/help lists what I can do.")


def language_question(current: str) -> TextReply:
    """Buttons to choose a language, the current one first."""
    order = [current, *[code for code in LANGUAGE_NAMES if code != current]]
    options = tuple(Option(LANGUAGE_NAMES[code], f"lang:{code}") for code in order)
    return TextReply("Valitse kieli · Välj språk · Choose your language", options, columns=3)


def choose_language(ctx: Ctx, data: str) -> list[Outbound]:
    """Button ``lang:xx``: store the person's language."""
    code = data.partition(":")[2]
    if code not in LANGUAGE_NAMES:
        return [language_question(ctx.language)]
    set_language(ctx.session, ctx.person_id, code)
    ctx.person = replace(ctx.person, language=code)
    _ = translator(code)
    return [
        TextReply(_("I will speak {language} with you.", language=LANGUAGE_NAMES[code])),
        *ctx.engine.resume(ctx),
    ]


def lang_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/lang [fi|sv|en]``."""
    if args and args[0].lower() in LANGUAGE_NAMES:
        return choose_language(ctx, f"lang:{args[0].lower()}")
    return [language_question(ctx.language)]


def help_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/help``: the commands this person may use."""
    _ = ctx._
    roles = ctx.access.roles()
    lines = [_("What I can do for you:")]
    for name, description in ctx.engine.menu(ctx.language, roles):
        lines.append(f"/{name} – {description}")
    if not roles:
        lines.append(_("You have no role yet. Please ask for an invitation."))
    return [TextReply("\n".join(lines))]


def cancel_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/cancel``: stop the current conversation."""
    return ctx.engine.cancel(ctx)


def register(engine: Engine) -> None:
    """Add joining, language, help and cancel to the engine."""
    engine.add_stranger_command("start", redeem)
    engine.add_choice("lang", choose_language)
    engine.add_command(Command("start", N_("Start or join with an invitation"), _start_known))
    engine.add_command(Command("help", N_("What I can do"), help_command))
    engine.add_command(Command("lang", N_("Change the language"), lang_command))
    engine.add_command(Command("cancel", N_("Stop the current questions"), cancel_command))


def _start_known(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    _ = ctx._
    resumed = ctx.engine.resume(ctx)
    if resumed:
        return [TextReply(_("Welcome back! Let us continue where you left off.")), *resumed]
    return [TextReply(_("Welcome back! /help lists what I can do."))]
