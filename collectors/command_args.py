"""What the figure commands share: their arguments, the scope refusal, releasing the lock.

Arguments come in any order (``/summary 2025-T1 kotihoito-a``): a unit by its id or name
(``/summary Kotihoito A``), a period, a number of periods or a language code, each
recognised by its form. A period is its id or its dates as written in reports, spaces around
the dash allowed (``/summary 1.5. - 31.8.2025``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from collectors.chart_periods import MAX_SPAN, default_period, parse_period
from collectors.config import LANGUAGES, AppConfig
from collectors.engine import Ctx, UserError
from collectors.period_text import parse_period_text
from collectors.periods import Period, canonical_period_id, dates_label
from collectors.vocabulary import folded

LONGEST_PERIOD_TEXT = 3
"""The most words a period text takes: ``1.1.2025``, ``-``, ``30.6.2025``."""
MAX_NAME_WORDS = 8
"""The most words of a unit's name looked for in a command."""


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
    units = unit_words(ctx.config)
    unit = period = span = language = None
    words = joined_period_texts(args)
    position = 0
    while position < len(words):
        named, size = unit_named(units, words[position:])
        if named is not None:
            unit = named
            position += size
            continue
        arg = words[position]
        position += 1
        word = arg.strip().lower()
        if spans and word.isdecimal() and 1 <= int(word) <= MAX_SPAN:
            span = int(word)
        elif languages and word in LANGUAGES:
            language = word
        elif (found := parse_period(ctx.session, ctx.config, arg)) is not None:
            period = found
        else:
            raise _not_understood(ctx, arg, spans=spans, languages=languages)
    return Arguments(unit, period, span, language)


def unit_words(config: AppConfig) -> dict[str, str]:
    """Unit by what may name it in a command: its id, or its name in any language (case and
    spacing aside). A name that two units share names neither."""
    named: dict[str, str | None] = {}
    for unit in config.organisation.units:
        for name in {folded(unit.name.get(language)) for language in LANGUAGES}:
            named[name] = unit.id if named.get(name, unit.id) == unit.id else None
    ids = {unit.id: unit.id for unit in config.organisation.units}
    return {**{n: u for n, u in named.items() if u is not None}, **ids}


def unit_named(units: dict[str, str], words: Sequence[str]) -> tuple[str | None, int]:
    """The unit the first words name, the most words first, and how many they are."""
    for size in range(min(len(words), MAX_NAME_WORDS), 0, -1):
        unit = units.get(folded(" ".join(words[:size])))
        if unit is not None:
            return unit, size
    return None, 0


def _is_period_text(text: str) -> bool:
    if canonical_period_id(text) != " ".join(text.split()):  # "T1 2025" as the bot shows it
        return True
    try:
        parse_period_text(text)
    except ValueError:
        return False
    return True


def joined_period_texts(args: tuple[str, ...]) -> list[str]:
    """The arguments, with a period text split at its spaces joined into one again.

    ``("1.5.2025", "-", "31.8.2025", "fi")`` gives ``["1.5.2025 - 31.8.2025", "fi"]``; any other
    word stays as it is.
    """
    words: list[str] = []
    position = 0
    while position < len(args):
        for size in range(min(LONGEST_PERIOD_TEXT, len(args) - position), 1, -1):
            text = " ".join(args[position : position + size])
            if _is_period_text(text):
                words.append(text)
                position += size
                break
        else:
            words.append(args[position])
            position += 1
    return words


def _not_understood(ctx: Ctx, word: str, *, spans: bool, languages: bool) -> UserError:
    """The answer to a word that is no argument, with what the command takes instead; dates
    that are no period are told so."""
    _ = ctx._
    example = default_period(ctx.session, ctx.config, ctx.now)
    try:
        start, end = parse_period_text(word)
    except ValueError:
        word, period = word[:40], example.short_label()
        if spans:
            text = _(
                "I did not understand “{word}”. Name a unit or division, a period such as "
                "{period}, or a number of periods from 1 to {most}.",
                word=word,
                period=period,
                most=MAX_SPAN,
            )
        elif languages:
            text = _(
                "I did not understand “{word}”. Name a unit or division, a period such as "
                "{period}, or a language: fi, sv or en.",
                word=word,
                period=period,
            )
        else:
            text = _(
                "I did not understand “{word}”. Name a unit or division, or a period such as "
                "{period}.",
                word=word,
                period=period,
            )
        return UserError(text)
    return UserError(
        ctx._(
            "No reporting period runs exactly {dates}. "
            "Name a period by its dates or its id, for example {example} or {id}.",
            dates=dates_label(start, end, ctx.language),
            example=example.label("fi"),
            id=example.id,
        )
    )


__all__ = [
    "Arguments",
    "joined_period_texts",
    "read_arguments",
    "refusal",
    "release",
    "unit_named",
    "unit_words",
]
