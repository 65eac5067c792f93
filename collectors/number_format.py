"""Showing a stored figure the way `collectors.numbers` reads it back.

`format_number` is the inverse of `collectors.numbers.read_number`: whatever it writes, in
any chat locale, reads back as the same value of the same kind. `example_for` gives the
example shown when an answer cannot be read.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache

from babel import Locale, numbers

from collectors.numbers import NumberKind

_EXAMPLES = {"count": 1050.0, "number": 2.95, "percent": 4.6, "duration": 805.0, "index": 26.0}


def format_number(value: float, kind: NumberKind, locale: str, unit: str | None = None) -> str:
    """Format a stored value for display, the inverse of `collectors.numbers.read_number`.

    COUNT is rounded to a whole number ("1 050"), NUMBER and INDEX keep up to three
    decimals ("2,95"), PERCENT up to two with the locale's percent pattern ("4,6 %",
    en "4.6%"), DURATION is seconds shown as h:mm:ss ("0:13:25"). Babel's grouping uses
    a no-break space in fi/sv, so the result never wraps inside a number.

    Args:
        value: the value as stored (percent points for PERCENT, seconds for DURATION).
        kind: the kind of figure.
        locale: the display locale.
        unit: an optional unit word appended after a no-break space ("kpl"); ignored for
            PERCENT, whose unit is the percent sign.

    Returns:
        The formatted text.

    Raises:
        ValueError: if ``value`` is NaN or infinite.
    """
    if not math.isfinite(value):
        raise ValueError("only finite values can be formatted")
    kind = NumberKind(kind)
    number = Decimal(repr(float(value)))
    if kind is NumberKind.DURATION:
        text = _format_duration(number)
    elif kind is NumberKind.PERCENT:
        text = numbers.format_percent(number / 100, format=_percent_pattern(locale), locale=locale)
    elif kind is NumberKind.COUNT:
        text = numbers.format_decimal(number, format="#,##0", locale=locale)
    else:
        text = numbers.format_decimal(number, format="#,##0.###", locale=locale)
    if not any(c in "123456789" for c in text):  # rounded to zero: no "-0"
        text = text.lstrip("-−")
    if unit and kind is not NumberKind.PERCENT:
        text = f"{text}\u00a0{unit}"
    return str(text)


@lru_cache(maxsize=64)
def example_for(kind: NumberKind, locale: str) -> str:
    """An example of accepted input for error messages ("1 050", "4,6 %", "0:13:25").

    Every question shows one, so each kind's example is formatted once per locale.

    Args:
        kind: the kind of figure asked for.
        locale: the display locale.

    Returns:
        The example, formatted with `format_number` so that it reads back.
    """
    kind = NumberKind(kind)
    return format_number(_EXAMPLES[kind], kind, locale)


def _format_duration(seconds: Decimal) -> str:
    total = int(abs(seconds).to_integral_value())
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    sign = "-" if seconds < 0 and total else ""
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


@lru_cache(maxsize=32)
def _percent_pattern(locale: str) -> str:
    pattern = str(Locale.parse(locale).percent_formats[None].pattern)
    return pattern.replace("#,##0", "#,##0.##", 1)


__all__ = ["example_for", "format_number"]
