"""The forgiving number reader: what a unit manager types -> a value.

Reading rules (the same in every locale; the chat locale only settles one ambiguity):

* Input is NFKC-normalized; every kind of space (space, U+00A0, U+202F, U+2009...) is one
  space; zero-width characters are dropped; leading/trailing whitespace is ignored. Input
  longer than ``MAX_LENGTH`` characters is refused (``too_long``).
* Spaces inside a number always group thousands ("1 050", "96 624"). A decimal comma is
  read in every locale, because people in Finland type it whatever the chat language.
  When both "," and "." occur, the last one is the decimal separator ("1.234,5",
  "1,234.5"); one of them repeated is grouping ("1.000.000"). Grouping is checked by
  Babel (`parse_decimal(strict=True)`) after rewriting into the locale's own symbols.
* Ambiguous "1,050" / "1.050" (one separator, 1-3 digits before it, exactly 3 after,
  no spaces): for COUNT it is grouping (1050), as a count cannot have a fraction;
  otherwise it is grouping only when that separator is the locale's group symbol
  (en "1,050" = 1050) and a decimal separator elsewhere (fi/sv "1,050" = 1.05,
  en "1.050" = 1.05).
* A minus sign ("-", U+2212, en dash) or "+" directly before a single number.
  Negatives are allowed for NUMBER and INDEX only.
* Suffixes: "%" (or "prosenttia", "procent", "percent"...) only for PERCENT, which takes
  no other unit ("13 min" is refused); for the other kinds a unit word of letters, "/" and
  "." ("kpl", "2,6 pv/tt", "mån", "vrk", "14 days", "5st") is kept in ``unit_word``.
  Thousands or millions as a word ("1,5k", "2 milj.", "3 tusen") are refused.
  A bracketed previous figure at the end, "7 (6)", is read with the same kind into
  ``previous``. A qualifier in front ("<3", "alle 3", "yli 5", "noin 50", "ca 50") is kept
  as "<", ">", "≤", "≥" or "~".
* PERCENT values are percent points: "4,6 %" and "4,6" both give 4.6.
* Sums "6+1" (value 7, ``parts`` kept) and pairs "192/469" (value 192, ``second`` 469)
  of unsigned numbers, for COUNT and NUMBER only.
* DURATION: "h:mm:ss" or "m:ss" (also "h.mm.ss"), or "h:mm" when an hour word follows
  ("1:20 h"); a plain number is minutes ("13" -> 780 s, "2,5" -> 150 s) unless a time unit
  follows ("30 s", "2 h", "3 vrk", "1 day"); units may be combined, largest first ("1 h 20
  min", "1h20min", "1 tunti ja 20 minuuttia", "2 vrk 4 h"). The value is in seconds.
* Not available: "x", "-", "–", "—", "ei tiedossa", "ei saatavilla", "en tiedä", "okänt",
  "uppgift saknas", "vet inte", "n/a", "na", "unknown", "not available", "don't know" (see
  ``collectors.number_words.NOT_AVAILABLE_WORDS``).

Range limits (NPS -100..100, percent 0..100) belong to the metric definition, not here.
Showing a value again, so that it reads back, is `collectors.number_format`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from babel import numbers

from collectors.number_words import (
    MAGNITUDE_WORDS,
    NOT_AVAILABLE_WORDS,
    PERCENT_WORDS,
    QUALIFIERS,
    seconds_in,
)

MAX_LENGTH = 64
"""Longest accepted input, in characters after stripping and normalizing."""


class NumberKind(StrEnum):
    """What kind of figure a metric asks for."""

    COUNT = "count"
    NUMBER = "number"
    PERCENT = "percent"
    DURATION = "duration"
    INDEX = "index"


class ReadErrorCode(StrEnum):
    """Every reason `read_number` can give; the engine localizes the message from it."""

    EMPTY = "empty"  # nothing but whitespace
    TOO_LONG = "too_long"  # longer than MAX_LENGTH
    UNREADABLE = "unreadable"  # not a number in any accepted shape
    NOT_INTEGER = "not_integer"  # a count with a fraction
    NEGATIVE = "negative"  # below zero for COUNT, PERCENT or DURATION
    PERCENT_SIGN_ON_COUNT = "percent_sign_on_count"  # "%" given for a COUNT
    UNEXPECTED_PERCENT = "unexpected_percent"  # "%" for NUMBER, INDEX or DURATION
    UNIT_ON_PERCENT = "unit_on_percent"  # another unit word for a PERCENT: "13 min", "5 kpl"
    ABBREVIATED = "abbreviated"  # thousands or millions as a word: "1,5k", "2 milj."
    UNEXPECTED_DURATION = "unexpected_duration"  # "0:13:25" for a kind other than DURATION
    BAD_DURATION = "bad_duration"  # malformed time: "1:5", "0:75:00", "1:2:3:4"
    UNKNOWN_UNIT = "unknown_unit"  # a plain-number DURATION with a non-time unit word
    SUM_NOT_ALLOWED = "sum_not_allowed"  # "6+1" for PERCENT, INDEX or DURATION
    PAIR_NOT_ALLOWED = "pair_not_allowed"  # "192/469" for PERCENT, INDEX or DURATION
    BAD_PREVIOUS = "bad_previous"  # the bracketed previous figure in "7 (x6)" is unreadable


class ReadError(ValueError):
    """Expected, user-facing failure to read a number; never carries the user's text.

    Attributes:
        code: the machine-readable reason, one of `ReadErrorCode`.
    """

    def __init__(self, code: ReadErrorCode) -> None:
        super().__init__(f"cannot read the number: {code.value}")
        self.code: ReadErrorCode = code


@dataclass(frozen=True)
class NumberReading:
    """The result of reading one answer; ``raw`` is exactly what the person typed."""

    raw: str
    value: float | None
    not_available: bool = False
    parts: tuple[float, ...] = ()
    second: float | None = None
    previous: float | None = None
    qualifier: str | None = None
    unit_word: str | None = None


_QUALIFIER_RE = re.compile(
    "^(?P<q>"
    + "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True))
    + r")(?:\s+|(?<=[^\w])|(?=[0-9]))",
    re.IGNORECASE,
)
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES_RE = re.compile(r"\s+")
_WORD = r"[^\W\d_]+(?:[./-][^\W\d_]+)*\.?"
_SUFFIX_RE = re.compile(rf"^(?P<body>.*?[0-9])\s*(?P<unit>%|€|{_WORD}(?: {_WORD}){{0,2}})$")
_PREVIOUS_RE = re.compile(r"^(?P<main>[^()]*?)\s*\((?P<prev>[^()]*)\)$")
_SIGN_RE = re.compile(r"^(?P<sign>[-−–‐‒+])(?=[0-9])")
_PLAIN_RE = re.compile(r"^[0-9](?:[0-9 ,.]*[0-9])?$")
_COLON_DURATION_RE = re.compile(r"^([0-9]+):([0-9]{2})(?::([0-9]{2}))?$")
_DOTTED_DURATION_RE = re.compile(r"^([0-9]+)\.([0-9]{2})\.([0-9]{2})$")
_DURATION_PART = r"[0-9]+(?:[.,][0-9]+)? ?[^\W\d_]+\.?"
_COMPOUND_DURATION_RE = re.compile(rf"^{_DURATION_PART}(?: ?{_DURATION_PART}){{1,3}}$")
_DURATION_PART_RE = re.compile(r"([0-9]+(?:[.,][0-9]+)?) ?([^\W\d_]+)\.?")
_AND_RE = re.compile(r" (?:ja|och|and) |(?<![0-9]), ?", re.IGNORECASE)
_SIGNED_KINDS = frozenset({NumberKind.NUMBER, NumberKind.INDEX})
_COMPOUND_KINDS = frozenset({NumberKind.COUNT, NumberKind.NUMBER})


def qualifier_of(raw: str) -> str | None:
    """The qualifier ("<", ">", "≤", "≥", "~") that a figure typed as ``raw`` began with."""
    match = _QUALIFIER_RE.match(_normalize(raw.strip()))
    return QUALIFIERS[match["q"].casefold()] if match else None


def read_number(text: str, kind: NumberKind, locale: str = "fi") -> NumberReading:
    """Read what a person typed as a figure of the given kind.

    Args:
        text: the answer exactly as typed.
        kind: the kind of figure the metric asks for (a `NumberKind` or its value).
        locale: the chat locale ("fi", "sv", "en"); it only settles "1,050"-like input.

    Returns:
        The reading, with ``raw`` set to ``text`` unchanged.

    Raises:
        ReadError: whenever the text cannot be read as this kind; see `ReadErrorCode`.
    """
    kind = NumberKind(kind)
    stripped = text.strip()
    if len(stripped) > MAX_LENGTH:
        raise ReadError(ReadErrorCode.TOO_LONG)
    normal = _normalize(stripped)
    if not normal:
        raise ReadError(ReadErrorCode.EMPTY)
    if len(normal) > MAX_LENGTH:
        raise ReadError(ReadErrorCode.TOO_LONG)
    if _is_not_available(normal):
        return NumberReading(raw=text, value=None, not_available=True)
    previous: float | None = None
    match = _PREVIOUS_RE.match(normal)
    if match:
        normal = match["main"]
        previous = _read_previous(match["prev"], kind, locale)
        if _is_not_available(normal):
            return NumberReading(raw=text, value=None, not_available=True, previous=previous)
    if "(" in normal or ")" in normal:
        raise ReadError(ReadErrorCode.UNREADABLE)
    return replace(_read_main(normal, kind, locale), raw=text, previous=previous)


def _read_main(text: str, kind: NumberKind, locale: str) -> NumberReading:
    """Read one figure without a bracketed previous one: qualifier, body, suffix."""
    qualifier = None
    match = _QUALIFIER_RE.match(text)
    if match:
        qualifier = QUALIFIERS[match["q"].casefold()]
        text = text[match.end() :]
    if kind is NumberKind.DURATION:
        seconds = _read_compound_duration(text, locale)
        if seconds is not None:
            return NumberReading(raw=text, value=_f(seconds), qualifier=qualifier)
    unit_word = None
    body = text
    suffix = _SUFFIX_RE.match(text)
    if suffix:
        body = suffix["body"]
        unit = suffix["unit"]
        word = unit.casefold().rstrip(".")
        if word in MAGNITUDE_WORDS:
            raise ReadError(ReadErrorCode.ABBREVIATED)
        if word in PERCENT_WORDS:
            if kind is NumberKind.COUNT:
                raise ReadError(ReadErrorCode.PERCENT_SIGN_ON_COUNT)
            if kind is not NumberKind.PERCENT:
                raise ReadError(ReadErrorCode.UNEXPECTED_PERCENT)
        elif kind is NumberKind.PERCENT:
            raise ReadError(ReadErrorCode.UNIT_ON_PERCENT)
        else:
            unit_word = unit
    value, parts, second = _read_body(body, kind, locale, unit_word)
    if parts and kind not in _COMPOUND_KINDS:
        raise ReadError(ReadErrorCode.SUM_NOT_ALLOWED)
    if second is not None and kind not in _COMPOUND_KINDS:
        raise ReadError(ReadErrorCode.PAIR_NOT_ALLOWED)
    if value < 0 and kind not in _SIGNED_KINDS:
        raise ReadError(ReadErrorCode.NEGATIVE)
    figures = (value, *parts, *(() if second is None else (second,)))
    if kind is NumberKind.COUNT and any(n != n.to_integral_value() for n in figures):
        raise ReadError(ReadErrorCode.NOT_INTEGER)
    if not all(math.isfinite(float(n)) for n in figures):
        raise ReadError(ReadErrorCode.UNREADABLE)
    return NumberReading(
        raw=text,
        value=_f(value),
        parts=tuple(_f(p) for p in parts),
        second=None if second is None else _f(second),
        qualifier=qualifier,
        unit_word=unit_word,
    )


def _read_body(
    body: str, kind: NumberKind, locale: str, unit_word: str | None
) -> tuple[Decimal, tuple[Decimal, ...], Decimal | None]:
    """Read the numeric part: a duration, a sum, a pair or one signed number."""
    negative = False
    sign = _SIGN_RE.match(body)
    if sign:
        negative = sign["sign"] != "+"
        body = body[1:]
    is_dotted_duration = kind is NumberKind.DURATION and _DOTTED_DURATION_RE.match(body)
    if ":" in body or is_dotted_duration:
        if kind is not NumberKind.DURATION:
            raise ReadError(ReadErrorCode.UNEXPECTED_DURATION)
        hours = unit_word is not None and seconds_in(unit_word) == 3600
        seconds = _read_duration(body.replace(" ", ""), hours_first=hours)
        return (-seconds if negative else seconds), (), None
    if sign and ("+" in body or "/" in body):
        raise ReadError(ReadErrorCode.UNREADABLE)
    if "+" in body:
        parts = tuple(_read_plain(p.strip(), kind, locale) for p in body.split("+"))
        return sum(parts, Decimal(0)), parts, None
    if "/" in body:
        pieces = body.split("/")
        if len(pieces) != 2:
            raise ReadError(ReadErrorCode.UNREADABLE)
        first, second = (_read_plain(p.strip(), kind, locale) for p in pieces)
        return first, (), second
    number = _read_plain(body, kind, locale)
    if kind is NumberKind.DURATION:
        factor = 60 if unit_word is None else seconds_in(unit_word)
        if factor is None:
            raise ReadError(ReadErrorCode.UNKNOWN_UNIT)
        number *= factor
    return (-number if negative else number), (), None


def _read_plain(token: str, kind: NumberKind, locale: str) -> Decimal:
    """Read one unsigned number with any grouping and decimal separator, via Babel."""
    if not _PLAIN_RE.match(token):
        raise ReadError(ReadErrorCode.UNREADABLE)
    decimal_symbol, group_symbol = _symbols(locale)
    has_space = " " in token
    commas, points = token.count(","), token.count(".")
    decimal_char: str | None = None
    group_char: str | None = None
    if commas and points:
        decimal_char = "," if token.rfind(",") > token.rfind(".") else "."
        group_char = "." if decimal_char == "," else ","
        if token.count(decimal_char) != 1 or has_space:
            raise ReadError(ReadErrorCode.UNREADABLE)
    elif commas or points:
        char = "," if commas else "."
        whole, _, fraction = token.partition(char)
        if commas + points > 1:
            if has_space:
                raise ReadError(ReadErrorCode.UNREADABLE)
            group_char = char
        elif (
            not has_space
            and len(fraction) == 3
            and len(whole) <= 3
            and not whole.startswith("0")
            and (kind is NumberKind.COUNT or char == group_symbol)
        ):
            group_char = char
        else:
            decimal_char = char
    table = {ord(" "): group_symbol}
    if group_char:
        table[ord(group_char)] = group_symbol
    if decimal_char:
        table[ord(decimal_char)] = decimal_symbol
    localized = token.translate(table)
    try:
        parsed: Decimal = numbers.parse_decimal(localized, locale=locale, strict=True)
    except numbers.NumberFormatError:
        raise ReadError(ReadErrorCode.UNREADABLE) from None
    return parsed


def _read_duration(text: str, *, hours_first: bool = False) -> Decimal:
    """Read "h:mm:ss", "m:ss" or "h.mm.ss" as seconds; "h:mm" where an hour word followed."""
    match = _COLON_DURATION_RE.match(text) or _DOTTED_DURATION_RE.match(text)
    if not match:
        raise ReadError(ReadErrorCode.BAD_DURATION)
    fields = [int(f) for f in match.groups() if f is not None]
    if len(fields) == 2:
        fields = [*fields, 0] if hours_first else [0, *fields]
    hours, minutes, seconds = fields
    if seconds >= 60 or minutes >= 60:
        raise ReadError(ReadErrorCode.BAD_DURATION)
    return Decimal(hours * 3600 + minutes * 60 + seconds)


def _read_compound_duration(text: str, locale: str) -> Decimal | None:
    """Seconds of "1 h 20 min", "1h20min" or "1 tunti ja 20 minuuttia"; ``None`` for another shape.

    Raises:
        ReadError: a word that is not a time unit, or units out of order ("20 min 1 h").
    """
    text = _AND_RE.sub(" ", text)
    if not _COMPOUND_DURATION_RE.match(text):
        return None
    total, last_factor = Decimal(0), None
    for number, word in _DURATION_PART_RE.findall(text):
        factor = seconds_in(word)
        if factor is None:
            raise ReadError(ReadErrorCode.UNKNOWN_UNIT)
        if last_factor is not None and factor >= last_factor:
            raise ReadError(ReadErrorCode.BAD_DURATION)
        total += _read_plain(number, NumberKind.DURATION, locale) * factor
        last_factor = factor
    return total


def _read_previous(text: str, kind: NumberKind, locale: str) -> float | None:
    """Read the bracketed previous figure of "7 (6)"; ``None`` when it is not available."""
    text = text.strip()
    if _is_not_available(text):
        return None
    try:
        return _read_main(text, kind, locale).value  # never None: not-available is above
    except ReadError:
        raise ReadError(ReadErrorCode.BAD_PREVIOUS) from None


def _normalize(text: str) -> str:
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
    return _SPACES_RE.sub(" ", text).strip()


def _is_not_available(text: str) -> bool:
    return text.casefold().rstrip(".") in NOT_AVAILABLE_WORDS


def _f(number: Decimal) -> float:
    """Decimal -> float, with -0.0 turned into 0.0."""
    return float(number) + 0.0


@lru_cache(maxsize=32)
def _symbols(locale: str) -> tuple[str, str]:
    return str(numbers.get_decimal_symbol(locale)), str(numbers.get_group_symbol(locale))


__all__ = [
    "MAX_LENGTH",
    "NumberKind",
    "NumberReading",
    "ReadError",
    "ReadErrorCode",
    "qualifier_of",
    "read_number",
]
