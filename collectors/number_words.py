"""The words people type around a figure, in Finnish, Swedish and English.

Not available ("x", "ei tiedossa"), percent, thousands or millions, a survey scale's points
("9 pistettä"), qualifiers ("alle 3"), and spans of time with which span each one names.
The number reader (:mod:`collectors.numbers`) turns "30 s", "2 h" or "1 tunti" into seconds
with :func:`seconds_in`; a report question checks with :func:`span_of` that a unit of time
typed after a count or a number ("36 h") is the one the question is asked in ("vrk"). Words
are compared case-insensitively, without a trailing dot ("min.", "Pv").
"""

from __future__ import annotations

from enum import StrEnum

NOT_AVAILABLE_WORDS = frozenset(
    {"x", "-", "–", "—", "−", "n/a", "na", "n.a", "unknown", "not available", "ei tiedossa"}
    | {"ei saatavilla", "ei tietoa", "okänt", "uppgift saknas", "saknas", "ej tillgänglig"}
    | {"en tiedä", "ei tiedetä", "vet ej", "vet inte", "don't know", "don’t know", "not known"}
)
"""Answers meaning *not available*, compared case-insensitively without trailing dots."""
PERCENT_WORDS = frozenset(
    {"%", "prosenttia", "prosentti", "pros", "procent", "prosent", "percent", "pct"}
)
MAGNITUDE_WORDS = frozenset(
    {"k", "tuh", "tuhat", "tuhatta", "thousand", "thousands", "tusen", "milj", "miljoona"}
    | {"miljoonaa", "mn", "million", "millions", "miljon", "miljoner"}
)
"""Words for thousands or millions after a figure: refused, not guessed (is "1,5 k" 1 500?)."""
POINT_WORDS = frozenset(
    {"p", "pt", "pts", "piste", "pistettä", "pisteet", "poäng", "point", "points"}
)
"""Words for the points of a survey scale, after the number ("9 pistettä")."""
QUALIFIERS = {
    **{"<=": "≤", ">=": "≥", "≤": "≤", "≥": "≥", "<": "<", ">": ">", "~": "~", "≈": "~"},
    **dict.fromkeys(("alle", "under", "mindre än", "less than", "fewer than", "below"), "<"),
    **dict.fromkeys(("yli", "över", "mer än", "fler än", "more than", "over", "above"), ">"),
    **dict.fromkeys(("noin", "n.", "ca", "ca.", "cirka", "about", "approx.", "around"), "~"),
}


class Span(StrEnum):
    """A unit of time: the ones a duration is read in, and the longer ones questions use."""

    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


_WORDS = {
    Span.SECOND: "s sec secs second seconds sek sekunti sekuntia sekund sekunder",
    Span.MINUTE: "min mins minute minutes minuutti minuuttia minut minuter",
    Span.HOUR: "h hr hrs hour hours t tunti tuntia tim timme timmar",
    Span.DAY: "d day days pv päivä päivää vrk vuorokausi vuorokautta dag dagar dygn",
    Span.WEEK: "vk vko viikko viikkoa vecka veckor wk wks week weeks",
    Span.MONTH: "kk kuukausi kuukautta mån månad månader mnd mo month months",
    Span.YEAR: "vuosi vuotta år yr yrs year years",
}
_SPANS = {word: span for span, words in _WORDS.items() for word in words.split()}
_SECONDS = {Span.SECOND: 1, Span.MINUTE: 60, Span.HOUR: 3600, Span.DAY: 86400}


def span_of(word: str) -> Span | None:
    """The span of time ``word`` names ("vrk" -> DAY), or ``None`` for any other word."""
    return _SPANS.get(word.casefold().rstrip("."))


def seconds_in(word: str) -> int | None:
    """Seconds in the span ``word`` names, for the spans a duration is read in (up to a day).

    Weeks, months and years are ``None``: a duration is not typed in them, and a month has no
    one length.
    """
    span = span_of(word)
    return None if span is None else _SECONDS.get(span)


__all__ = [
    "MAGNITUDE_WORDS",
    "NOT_AVAILABLE_WORDS",
    "PERCENT_WORDS",
    "POINT_WORDS",
    "QUALIFIERS",
    "Span",
    "seconds_in",
    "span_of",
]
