"""Property tests of the number reader: Babel's own output reads back; nothing else escapes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal, format_percent
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.number_format import format_number
from collectors.numbers import (
    NumberKind,
    NumberReading,
    ReadError,
    ReadErrorCode,
    read_number,
)

LOCALES = st.sampled_from(["fi", "sv", "en"])
KINDS = st.sampled_from(list(NumberKind))
FAST = settings(max_examples=150, deadline=None)

# Characters that reach the deeper branches of the reader, not just the first check.
NUMBERISH = st.text(
    alphabet="0123456789 ,.:+-/%()<>~x\u00a0\u202f\u2212\u2013kplhminvrkalle",
    max_size=24,
)


def _decimals(places: int, bound: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=-bound, max_value=bound, places=places, allow_nan=False, allow_infinity=False
    )


@FAST
@given(text=st.text(max_size=80), kind=KINDS, locale=LOCALES)
def test_any_text_either_reads_or_raises_read_error(
    text: str, kind: NumberKind, locale: str
) -> None:
    outcome: NumberReading | ReadError
    try:
        outcome = read_number(text, kind, locale)
    except ReadError as error:
        outcome = error
    if isinstance(outcome, ReadError):
        assert outcome.code in set(ReadErrorCode)
    else:
        assert outcome.raw == text
        assert (outcome.value is None) == outcome.not_available


@FAST
@given(text=NUMBERISH, kind=KINDS, locale=LOCALES)
def test_numberish_text_either_reads_or_raises_read_error(
    text: str, kind: NumberKind, locale: str
) -> None:
    try:
        reading = read_number(text, kind, locale)
    except ReadError:
        return
    assert reading.raw == text
    if reading.value is not None and kind is NumberKind.COUNT:
        assert reading.value >= 0
        assert reading.value == int(reading.value)


@FAST
@given(data=st.data(), places=st.integers(0, 3), locale=LOCALES)
def test_babel_format_decimal_reads_back(data: st.DataObject, places: int, locale: str) -> None:
    number = data.draw(_decimals(places, 10**9))
    pattern = "#,##0" + ("." + "0" * places if places else "")
    text = format_decimal(number, format=pattern, locale=locale)
    assert read_number(text, NumberKind.NUMBER, locale).value == pytest.approx(float(number))


@FAST
@given(number=st.integers(0, 10**12), locale=LOCALES)
def test_babel_grouped_integers_read_back_as_counts(number: int, locale: str) -> None:
    text = format_decimal(number, locale=locale)
    assert read_number(text, NumberKind.COUNT, locale).value == float(number)


@FAST
@given(data=st.data(), places=st.integers(0, 2), locale=LOCALES)
def test_babel_format_percent_reads_back(data: st.DataObject, places: int, locale: str) -> None:
    number = abs(data.draw(_decimals(places, 10**5)))
    pattern = "#,##0" + ("." + "0" * places if places else "") + "%"
    text = format_percent(number / 100, format=pattern, locale=locale)
    assert read_number(text, NumberKind.PERCENT, locale).value == pytest.approx(float(number))


@FAST
@given(data=st.data(), kind=KINDS, locale=LOCALES)
def test_format_number_reads_back(data: st.DataObject, kind: NumberKind, locale: str) -> None:
    if kind is NumberKind.COUNT:
        value = float(data.draw(st.integers(0, 10**12)))
    elif kind is NumberKind.DURATION:
        value = float(data.draw(st.integers(0, 10**7)))
    elif kind is NumberKind.PERCENT:
        value = float(abs(data.draw(_decimals(2, 10**4))))
    else:
        value = float(data.draw(_decimals(3, 10**9)))
    text = format_number(value, kind, locale)
    assert read_number(text, kind, locale).value == pytest.approx(value, abs=1e-9)


@FAST
@given(
    parts=st.lists(st.integers(0, 10**6), min_size=2, max_size=4),
    previous=st.integers(0, 10**6),
    locale=LOCALES,
)
def test_formatted_sums_with_a_previous_figure_read_back(
    parts: list[int], previous: int, locale: str
) -> None:
    kind = NumberKind.COUNT
    typed = " + ".join(format_number(p, kind, locale) for p in parts)
    text = f"{typed} ({format_number(previous, kind, locale)})"
    reading = read_number(text, kind, locale)
    assert reading.parts == tuple(float(p) for p in parts)
    assert reading.value == float(sum(parts))
    assert reading.previous == float(previous)


@FAST
@given(first=st.integers(0, 10**6), second=st.integers(0, 10**6), locale=LOCALES)
def test_formatted_pairs_read_back(first: int, second: int, locale: str) -> None:
    kind = NumberKind.COUNT
    text = f"{format_number(first, kind, locale)}/{format_number(second, kind, locale)}"
    reading = read_number(text, kind, locale)
    assert (reading.value, reading.second) == (float(first), float(second))
