"""Numbers and dates as the charts draw them, per locale (Babel / CLDR).

Finnish and Swedish get a decimal comma, a no-break space between thousands ("1 050") and
before the percent sign ("4,6 %"), and the minus sign U+2212; English gets "1,050", "4.6%".
"""

from __future__ import annotations

import datetime
import math
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.numbers import format_decimal

from charts.words import word

NBSP = "\u00a0"


@lru_cache(maxsize=8)
def _symbols(locale: str) -> tuple[str, str]:
    """(minus sign, text between a number and "%") for a locale."""
    parsed = Locale.parse(locale)
    minus = str(parsed.number_symbols["latn"]["minusSign"])
    pattern = str(parsed.percent_formats[None].pattern)
    before_percent = NBSP if f"{NBSP}%" in pattern or " %" in pattern else ""
    return minus, before_percent


def format_number(value: float, locale: str, *, decimals: int | None = None) -> str:
    """A number in a locale.

    Args:
        value: The number.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
        decimals: Exactly this many decimals; ``None`` for up to two, trailing zeros dropped.

    Returns:
        E.g. ``"1 050"`` and ``"2,5"`` in fi, ``"1,050"`` and ``"2.5"`` in en.
    """
    if math.isnan(value):
        return word("missing", locale)
    pattern = (
        "#,##0.##" if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    )
    text = format_decimal(value, format=pattern, locale=locale)
    if text.startswith("-"):
        stripped = text.lstrip("-")
        # "-0" after rounding is plain zero.
        if stripped.strip("0.,") == "":
            return stripped
        minus, _ = _symbols(locale)
        text = minus + stripped
    return text


def format_value(
    value: float | None, locale: str, unit: str = "", *, decimals: int | None = None
) -> str:
    """A number with its unit, or the word "missing".

    Args:
        value: The number, or ``None`` for not available.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.
        unit: ``"%"`` (spaced per locale), another unit word (after a no-break space), or ``""``.
        decimals: As in :func:`format_number`.

    Returns:
        E.g. ``"4,6 %"`` (fi), ``"4.6%"`` (en), ``"1 050 kpl"``, ``"puuttuu"``.
    """
    if value is None or math.isnan(value):
        return word("missing", locale)
    number = format_number(value, locale, decimals=decimals)
    unit = unit.strip()
    if not unit:
        return number
    if unit == "%":
        _, before_percent = _symbols(locale)
        return f"{number}{before_percent}%"
    return f"{number}{NBSP}{unit}"


def format_signed(value: float, locale: str) -> str:
    """An index value with its sign: ``"+26"``, ``"−42"``, ``"0"`` (whole numbers).

    Args:
        value: The index, −100..100.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.

    Returns:
        The signed, rounded index.
    """
    text = format_number(value, locale, decimals=0)
    if text != "0" and round(value) > 0:
        return "+" + text
    return text


def format_date(value: datetime.date, locale: str) -> str:
    """A date written out in a locale: "30. syyskuuta 2025", "30 september 2025"...

    Args:
        value: The date.
        locale: ``"fi"``, ``"sv"`` or ``"en"``.

    Returns:
        The long form of the date.
    """
    return str(_babel_format_date(value, format="long", locale=locale))
