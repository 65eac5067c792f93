"""Table-driven tests of the forgiving number reader, in every chat locale."""

from __future__ import annotations

import math
from typing import Any

import pytest

from collectors.number_format import example_for, format_number
from collectors.number_words import NOT_AVAILABLE_WORDS
from collectors.numbers import (
    MAX_LENGTH,
    NumberKind,
    NumberReading,
    ReadError,
    ReadErrorCode,
    qualifier_of,
    read_number,
)

LOCALES = ("fi", "sv", "en")
C, N, P, D, IX = (
    NumberKind.COUNT,
    NumberKind.NUMBER,
    NumberKind.PERCENT,
    NumberKind.DURATION,
    NumberKind.INDEX,
)
NBSP, NNBSP = "\u00a0", "\u202f"

# (typed text, kind, expected fields of the reading) - the same in fi, sv and en.
READS: list[tuple[str, NumberKind, dict[str, Any]]] = [
    ("0", C, {"value": 0.0}),
    ("1 050", C, {"value": 1050.0}),
    (f"1{NBSP}050", C, {"value": 1050.0}),
    (f"1{NNBSP}050", C, {"value": 1050.0}),
    ("96 624", C, {"value": 96624.0}),
    ("1 234 567", C, {"value": 1234567.0}),
    ("1025", C, {"value": 1025.0}),
    ("1,050", C, {"value": 1050.0}),
    ("1.050", C, {"value": 1050.0}),
    ("1.000.000", C, {"value": 1000000.0}),
    ("3,0", C, {"value": 3.0}),
    ("2,95", N, {"value": 2.95}),
    ("4.6", N, {"value": 4.6}),
    ("0,67", N, {"value": 0.67}),
    ("1 050,5", N, {"value": 1050.5}),
    ("1.234,5", N, {"value": 1234.5}),
    ("1,234.5", N, {"value": 1234.5}),
    ("0,050", N, {"value": 0.05}),
    ("12,3456", N, {"value": 12.3456}),
    ("4,6 %", P, {"value": 4.6}),
    (f"4,6{NBSP}%", P, {"value": 4.6}),
    ("4,6%", P, {"value": 4.6}),
    ("4.6 %", P, {"value": 4.6}),
    ("100 %", P, {"value": 100.0}),
    ("4,6", P, {"value": 4.6}),
    ("79", P, {"value": 79.0}),
    ("4,6 prosenttia", P, {"value": 4.6}),
    ("4,6 procent", P, {"value": 4.6}),
    ("0:13:25", D, {"value": 805.0}),
    ("5:51:11", D, {"value": 21071.0}),
    ("13:25", D, {"value": 805.0}),
    ("0.13.25", D, {"value": 805.0}),
    ("0:13:25 min", D, {"value": 805.0, "unit_word": "min"}),
    ("13", D, {"value": 780.0}),
    ("2,5", D, {"value": 150.0}),
    ("30 s", D, {"value": 30.0, "unit_word": "s"}),
    ("2 h", D, {"value": 7200.0, "unit_word": "h"}),
    ("5 min.", D, {"value": 300.0, "unit_word": "min."}),  # an abbreviation's dot
    ("2 Pv", D, {"value": 172800.0, "unit_word": "Pv"}),
    ("3 vrk", D, {"value": 259200.0, "unit_word": "vrk"}),
    ("14 days", D, {"value": 1209600.0, "unit_word": "days"}),
    ("1:20 h", D, {"value": 4800.0, "unit_word": "h"}),  # an hour word: h:mm, not m:ss
    ("1:20 tuntia", D, {"value": 4800.0, "unit_word": "tuntia"}),
    ("13:25 min", D, {"value": 805.0, "unit_word": "min"}),
    ("1 h 20 min", D, {"value": 4800.0}),
    ("1 h 20 min.", D, {"value": 4800.0}),
    ("1h20min", D, {"value": 4800.0}),
    ("1 t 20 min", D, {"value": 4800.0}),
    ("1 tunti ja 20 minuuttia", D, {"value": 4800.0}),
    ("1 tim och 20 min", D, {"value": 4800.0}),
    ("1 hour, 20 minutes", D, {"value": 4800.0}),
    ("2 min 30 s", D, {"value": 150.0}),
    ("2 vrk 4 h", D, {"value": 187200.0}),
    ("1,5 h 10 min", D, {"value": 6000.0}),
    ("noin 1 h 20 min", D, {"value": 4800.0, "qualifier": "~"}),
    ("1 h 20 min (1 h)", D, {"value": 4800.0, "previous": 3600.0}),
    ("1 050 kpl", C, {"value": 1050.0, "unit_word": "kpl"}),
    ("5 st", C, {"value": 5.0, "unit_word": "st"}),
    ("5st", C, {"value": 5.0, "unit_word": "st"}),
    ("2,55 mån", N, {"value": 2.55, "unit_word": "mån"}),
    ("2,6 pv/tt", N, {"value": 2.6, "unit_word": "pv/tt"}),
    ("3 vrk", N, {"value": 3.0, "unit_word": "vrk"}),
    ("14 days", N, {"value": 14.0, "unit_word": "days"}),
    ("6+1", C, {"value": 7.0, "parts": (6.0, 1.0)}),
    ("1025 + 83", C, {"value": 1108.0, "parts": (1025.0, 83.0)}),
    ("1 025 + 83 kpl", C, {"value": 1108.0, "parts": (1025.0, 83.0), "unit_word": "kpl"}),
    ("2+2+1", C, {"value": 5.0, "parts": (2.0, 2.0, 1.0)}),
    ("2,5+1", N, {"value": 3.5, "parts": (2.5, 1.0)}),
    ("192/469", C, {"value": 192.0, "second": 469.0}),
    ("192 / 469", C, {"value": 192.0, "second": 469.0}),
    ("7 (6)", C, {"value": 7.0, "previous": 6.0}),
    ("7(6)", C, {"value": 7.0, "previous": 6.0}),
    ("7 kpl (6 kpl)", C, {"value": 7.0, "previous": 6.0, "unit_word": "kpl"}),
    ("6+1 (5)", C, {"value": 7.0, "parts": (6.0, 1.0), "previous": 5.0}),
    ("4,6 % (5,1 %)", P, {"value": 4.6, "previous": 5.1}),
    ("0:13:25 (0:12:00)", D, {"value": 805.0, "previous": 720.0}),
    ("7 (-)", C, {"value": 7.0, "previous": None}),
    ("<3", C, {"value": 3.0, "qualifier": "<"}),
    ("< 3", C, {"value": 3.0, "qualifier": "<"}),
    ("alle 3", C, {"value": 3.0, "qualifier": "<"}),
    ("Alle 3 kpl", C, {"value": 3.0, "qualifier": "<", "unit_word": "kpl"}),
    ("under 3", C, {"value": 3.0, "qualifier": "<"}),
    ("less than 3", C, {"value": 3.0, "qualifier": "<"}),
    (">100", C, {"value": 100.0, "qualifier": ">"}),
    ("yli 100", C, {"value": 100.0, "qualifier": ">"}),
    ("<= 5", C, {"value": 5.0, "qualifier": "≤"}),
    ("noin 50", C, {"value": 50.0, "qualifier": "~"}),
    ("n. 50", C, {"value": 50.0, "qualifier": "~"}),
    ("ca 50", C, {"value": 50.0, "qualifier": "~"}),
    ("<1 %", P, {"value": 1.0, "qualifier": "<"}),
    ("-42", IX, {"value": -42.0}),
    ("−42", IX, {"value": -42.0}),
    ("–42", IX, {"value": -42.0}),
    ("+26", IX, {"value": 26.0}),
    ("26,5", IX, {"value": 26.5}),
    ("-0", IX, {"value": 0.0}),
    ("−1,5", N, {"value": -1.5}),
    ("  5  ", C, {"value": 5.0}),
    ("\t1 050\n", C, {"value": 1050.0}),
    ("\u200b5", C, {"value": 5.0}),
    ("５", C, {"value": 5.0}),
]

NOT_AVAILABLE = [
    "x",
    "X",
    "-",
    "–",
    "—",
    "ei tiedossa",
    "Ei tiedossa.",
    "ei saatavilla",
    "en tiedä",
    "En tiedä.",
    "vet inte",
    "don't know",
    "okänt",
    "Uppgift saknas",
    "n/a",
    "N/A",
    "na",
    "NA",
    "unknown",
    "Not available",
    "  x  ",
]

# (typed text, kind, expected error code) - the same in fi, sv and en.
ERRORS: list[tuple[str, NumberKind, ReadErrorCode]] = [
    ("", C, ReadErrorCode.EMPTY),
    ("   ", C, ReadErrorCode.EMPTY),
    ("\u200b", C, ReadErrorCode.EMPTY),
    ("1" * (MAX_LENGTH + 1), C, ReadErrorCode.TOO_LONG),
    ("abc", C, ReadErrorCode.UNREADABLE),
    ("kpl", C, ReadErrorCode.UNREADABLE),
    ("nan", N, ReadErrorCode.UNREADABLE),
    ("inf", N, ReadErrorCode.UNREADABLE),
    ("1e5", N, ReadErrorCode.UNREADABLE),
    ("1_000", N, ReadErrorCode.UNREADABLE),
    ("١٢", N, ReadErrorCode.UNREADABLE),
    ("1 05", C, ReadErrorCode.UNREADABLE),
    ("12 3456", C, ReadErrorCode.UNREADABLE),
    ("1.2.3", C, ReadErrorCode.UNREADABLE),
    ("1.1.2025", N, ReadErrorCode.UNREADABLE),
    ("1,2.3,4", N, ReadErrorCode.UNREADABLE),
    ("1 234.567,8", N, ReadErrorCode.UNREADABLE),
    ("5,", N, ReadErrorCode.UNREADABLE),
    (",5", N, ReadErrorCode.UNREADABLE),
    ("- 42", IX, ReadErrorCode.UNREADABLE),
    ("6-1", C, ReadErrorCode.UNREADABLE),
    ("6+", C, ReadErrorCode.UNREADABLE),
    ("-6+1", N, ReadErrorCode.UNREADABLE),
    ("1/2/3", C, ReadErrorCode.UNREADABLE),
    ("(6)", C, ReadErrorCode.UNREADABLE),
    ("7 ((6))", C, ReadErrorCode.UNREADABLE),
    ("7 (6) 5", C, ReadErrorCode.UNREADABLE),
    ("5 kpl 6", C, ReadErrorCode.UNREADABLE),
    ("1,5", C, ReadErrorCode.NOT_INTEGER),
    ("1 050,5", C, ReadErrorCode.NOT_INTEGER),
    ("6+0,5", C, ReadErrorCode.NOT_INTEGER),
    ("192/469,5", C, ReadErrorCode.NOT_INTEGER),
    ("-3", C, ReadErrorCode.NEGATIVE),
    ("−3", C, ReadErrorCode.NEGATIVE),
    ("-4,6 %", P, ReadErrorCode.NEGATIVE),
    ("-0:13:25", D, ReadErrorCode.NEGATIVE),
    ("-5", D, ReadErrorCode.NEGATIVE),
    ("4,6 %", C, ReadErrorCode.PERCENT_SIGN_ON_COUNT),
    ("100%", C, ReadErrorCode.PERCENT_SIGN_ON_COUNT),
    ("2,95 %", N, ReadErrorCode.UNEXPECTED_PERCENT),
    ("26 %", IX, ReadErrorCode.UNEXPECTED_PERCENT),
    ("13 %", D, ReadErrorCode.UNEXPECTED_PERCENT),
    ("13 min", P, ReadErrorCode.UNIT_ON_PERCENT),
    ("1k", C, ReadErrorCode.ABBREVIATED),  # not 1 with a unit word "k"
    ("1,5 k", N, ReadErrorCode.ABBREVIATED),
    ("2 milj.", C, ReadErrorCode.ABBREVIATED),
    ("3 tusen", C, ReadErrorCode.ABBREVIATED),
    ("1,2 tuhatta", C, ReadErrorCode.ABBREVIATED),
    ("5k", P, ReadErrorCode.ABBREVIATED),
    ("5 kpl", P, ReadErrorCode.UNIT_ON_PERCENT),
    ("5 €", P, ReadErrorCode.UNIT_ON_PERCENT),
    ("0:13:25", C, ReadErrorCode.UNEXPECTED_DURATION),
    ("13:25", N, ReadErrorCode.UNEXPECTED_DURATION),
    ("1:5", D, ReadErrorCode.BAD_DURATION),
    ("0:75:00", D, ReadErrorCode.BAD_DURATION),
    ("0:13:75", D, ReadErrorCode.BAD_DURATION),
    ("13:60", D, ReadErrorCode.BAD_DURATION),
    ("1:00:00:00", D, ReadErrorCode.BAD_DURATION),
    ("0:13:25,5", D, ReadErrorCode.BAD_DURATION),
    ("a:bc", D, ReadErrorCode.BAD_DURATION),
    ("5 apples", D, ReadErrorCode.UNKNOWN_UNIT),
    ("1 h 20 kpl", D, ReadErrorCode.UNKNOWN_UNIT),
    ("20 min 1 h", D, ReadErrorCode.BAD_DURATION),  # largest unit first
    ("1 h 1 h", D, ReadErrorCode.BAD_DURATION),
    ("1:75 h", D, ReadErrorCode.BAD_DURATION),
    ("1 h 20 min", C, ReadErrorCode.UNREADABLE),
    ("5 kpl", D, ReadErrorCode.UNKNOWN_UNIT),
    ("4+1", P, ReadErrorCode.SUM_NOT_ALLOWED),
    ("4+1", IX, ReadErrorCode.SUM_NOT_ALLOWED),
    ("4+1", D, ReadErrorCode.SUM_NOT_ALLOWED),
    ("192/469", P, ReadErrorCode.PAIR_NOT_ALLOWED),
    ("1/2", IX, ReadErrorCode.PAIR_NOT_ALLOWED),
    ("7 (6,5)", C, ReadErrorCode.BAD_PREVIOUS),
    ("7 (abc)", C, ReadErrorCode.BAD_PREVIOUS),
    ("7 ()", C, ReadErrorCode.BAD_PREVIOUS),
]


def _check(reading: NumberReading, text: str, expected: dict[str, Any]) -> None:
    assert reading.raw == text
    assert reading.not_available is False
    defaults: dict[str, Any] = {
        "parts": (),
        "second": None,
        "previous": None,
        "qualifier": None,
        "unit_word": None,
    }
    for field, want in {**defaults, **expected}.items():
        got = getattr(reading, field)
        if isinstance(want, float):
            assert got == pytest.approx(want), field
        else:
            assert got == want, field


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("text", "kind", "expected"), READS)
def test_reads_every_format_in_every_locale(
    text: str, kind: NumberKind, expected: dict[str, Any], locale: str
) -> None:
    _check(read_number(text, kind, locale), text, expected)


@pytest.mark.parametrize(("text", "kind", "expected"), READS)
def test_qualifier_of_finds_the_qualifier_the_reading_keeps(
    text: str, kind: NumberKind, expected: dict[str, object]
) -> None:
    assert qualifier_of(text) == expected.get("qualifier")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(NumberKind))
@pytest.mark.parametrize("text", NOT_AVAILABLE)
def test_not_available_words(text: str, kind: NumberKind, locale: str) -> None:
    reading = read_number(text, kind, locale)
    assert reading == NumberReading(raw=text, value=None, not_available=True)


def test_not_available_keeps_the_previous_figure() -> None:
    reading = read_number("x (6)", NumberKind.COUNT, "fi")
    assert reading.not_available
    assert reading.value is None
    assert reading.previous == 6.0


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("text", "kind", "code"), ERRORS)
def test_errors_carry_a_code(text: str, kind: NumberKind, code: ReadErrorCode, locale: str) -> None:
    with pytest.raises(ReadError) as caught:
        read_number(text, kind, locale)
    assert caught.value.code == code
    assert caught.value.code == code.value  # the code compares equal to its plain string


# The one place the chat locale matters: one separator followed by exactly three digits.
@pytest.mark.parametrize(
    ("text", "kind", "locale", "value"),
    [
        ("1,050", N, "fi", 1.05),
        ("1,050", N, "sv", 1.05),
        ("1,050", N, "en", 1050.0),
        ("1.050", N, "fi", 1.05),
        ("1.050", N, "sv", 1.05),
        ("1.050", N, "en", 1.05),
        ("1,050", P, "en", 1050.0),
        ("1,050", P, "fi", 1.05),
        ("1,050", C, "fi", 1050.0),
        ("1.050", C, "en", 1050.0),
        ("2,950", IX, "fi", 2.95),
        ("2,950", IX, "en", 2950.0),
        ("0,050", N, "en", 0.05),
        ("1 050,500", N, "en", 1050.5),
        ("1,0500", N, "en", 1.05),
    ],
)
def test_ambiguous_single_separator(text: str, kind: NumberKind, locale: str, value: float) -> None:
    assert read_number(text, kind, locale).value == pytest.approx(value)


def test_kind_may_be_given_as_its_string_value() -> None:
    assert read_number("1 050", "count", "fi").value == 1050.0  # type: ignore[arg-type]
    assert format_number(4.6, "percent", "en") == "4.6%"  # type: ignore[arg-type]


def test_error_message_never_contains_the_typed_text() -> None:
    secret = "Virtanen sanoi 12x"
    with pytest.raises(ReadError) as caught:
        read_number(secret, NumberKind.COUNT, "fi")
    assert "Virtanen" not in str(caught.value)
    assert "12x" not in repr(caught.value)


def test_not_available_words_cover_the_domain_list() -> None:
    domain = {"x", "-", "–", "—", "ei tiedossa", "ei saatavilla", "okänt", "uppgift saknas"}
    assert domain | {"n/a", "na", "unknown", "not available"} <= NOT_AVAILABLE_WORDS


def test_max_length_counts_after_stripping() -> None:
    padded = "  " + "1" * MAX_LENGTH + "  "
    assert read_number(padded, NumberKind.COUNT, "fi").value == float("1" * MAX_LENGTH)


@pytest.mark.parametrize(
    ("value", "kind", "locale", "unit", "expected"),
    [
        (1050, C, "fi", None, f"1{NBSP}050"),
        (1050, C, "sv", None, f"1{NBSP}050"),
        (1050, C, "en", None, "1,050"),
        (1050, C, "fi", "kpl", f"1{NBSP}050{NBSP}kpl"),
        (96624, C, "en", "calls", f"96,624{NBSP}calls"),
        (6.6, C, "fi", None, "7"),
        (2.95, N, "fi", None, "2,95"),
        (2.95, N, "sv", None, "2,95"),
        (2.95, N, "en", None, "2.95"),
        (3.10, N, "fi", None, "3,1"),
        (2.55, N, "sv", "mån", f"2,55{NBSP}mån"),
        (0.6667, N, "fi", None, "0,667"),
        (1234.5, N, "fi", None, f"1{NBSP}234,5"),
        (-1.5, N, "en", None, "-1.5"),
        (4.6, P, "fi", None, f"4,6{NBSP}%"),
        (4.6, P, "sv", None, f"4,6{NBSP}%"),
        (4.6, P, "en", None, "4.6%"),
        (100, P, "fi", None, f"100{NBSP}%"),
        (33.3333, P, "en", None, "33.33%"),
        (4.6, P, "fi", "%", f"4,6{NBSP}%"),
        (805, D, "fi", None, "0:13:25"),
        (21071, D, "en", None, "5:51:11"),
        (0, D, "sv", None, "0:00:00"),
        (360000, D, "fi", None, "100:00:00"),
        (-805, D, "fi", None, "-0:13:25"),
        (-42, IX, "fi", None, "-42"),
        (26, IX, "en", None, "26"),
    ],
)
def test_format_number(
    value: float, kind: NumberKind, locale: str, unit: str | None, expected: str
) -> None:
    assert format_number(value, kind, locale, unit) == expected


@pytest.mark.parametrize("kind", list(NumberKind))
def test_zero_has_no_sign(kind: NumberKind) -> None:
    reading = read_number("-0", NumberKind.INDEX, "fi")
    assert reading.value is not None
    assert math.copysign(1.0, reading.value) == 1.0
    assert format_number(reading.value, kind, "fi") in ("0", "0:00:00", f"0{NBSP}%")
    assert format_number(-0.0001, kind, "en") in ("0", "0:00:00", "0%")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_format_number_refuses_non_finite(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        format_number(bad, NumberKind.NUMBER, "fi")


@pytest.mark.parametrize(
    ("kind", "fi", "en"),
    [
        (C, f"1{NBSP}050", "1,050"),
        (N, "2,95", "2.95"),
        (P, f"4,6{NBSP}%", "4.6%"),
        (D, "0:13:25", "0:13:25"),
        (IX, "26", "26"),
    ],
)
def test_example_for(kind: NumberKind, fi: str, en: str) -> None:
    assert example_for(kind, "fi") == fi
    assert example_for(kind, "sv") == fi
    assert example_for(kind, "en") == en


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(NumberKind))
def test_every_example_is_accepted(kind: NumberKind, locale: str) -> None:
    example = example_for(kind, locale)
    reading = read_number(example, kind, locale)
    assert reading.value is not None
    assert format_number(reading.value, kind, locale) == example
