"""What the figure commands share: their arguments, the scope refusal, releasing the lock.

Arguments come in any order (``/summary 2025-T1 kotihoito-a``): a unit id, a period id, a
number of periods or a language code, each recognised by its form.
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.chart_scope import MAX_SPAN, parse_period
from collectors.config import LANGUAGES
from collectors.engine import Ctx, UserError
from collectors.periods import Period


def refusal(ctx: Ctx) -> UserError:
    """The one answer to anything outside the person's scope (forged data included)."""
    return UserError(ctx._("You can see figures only of your own units."))


def release(ctx: Ctx) -> None:
    """Commit the step's reads before drawing, so that no lock is held while charts render.

    Only once the step has written everything it writes (a command that writes nothing but
    the update's de-duplication key, or a report just sent): what follows is a new
    transaction.
    """
    ctx.session.commit()


@dataclass(frozen=True)
class Arguments:
    """A command's optional arguments."""

    unit: str | None = None
    period: Period | None = None
    span: int | None = None
    language: str | None = None


def read_arguments(
    ctx: Ctx, args: tuple[str, ...], *, spans: bool = False, languages: bool = False
) -> Arguments:
    """Read ``[unit] [period] [span] [language]`` in any order.

    Args:
        ctx: The step.
        args: The command's arguments.
        spans: Whether a number of periods is accepted.
        languages: Whether a language code is accepted.

    Returns:
        What was given.

    Raises:
        UserError: For a word that is none of these.
    """
    units = {u.id for u in ctx.config.organisation.units}
    unit = period = span = language = None
    for arg in args:
        word = arg.strip().lower()
        if word in units:
            unit = word
        elif spans and word.isdecimal() and 1 <= int(word) <= MAX_SPAN:
            span = int(word)
        elif languages and word in LANGUAGES:
            language = word
        elif (found := parse_period(ctx.session, ctx.config, arg)) is not None:
            period = found
        else:
            raise UserError(ctx._("I did not understand “{word}”.", word=arg[:40]))
    return Arguments(unit, period, span, language)


__all__ = ["Arguments", "read_arguments", "refusal", "release"]
