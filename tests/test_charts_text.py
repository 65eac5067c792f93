"""The charts' own words and their number and date formatting per locale."""

from __future__ import annotations

import datetime

import pytest

from charts.data import LOCALES, STATUSES
from charts.fmt import NBSP, format_date, format_number, format_signed, format_value
from charts.words import WORDS, word


def test_every_word_exists_in_every_locale() -> None:
    for key, translations in WORDS.items():
        assert set(translations) == set(LOCALES), key
        for locale in LOCALES:
            assert translations[locale].strip(), (key, locale)


def test_status_words_exist_for_every_status() -> None:
    for status in STATUSES:
        assert {word(status, locale) for locale in LOCALES} == {
            WORDS[status]["fi"],
            WORDS[status]["sv"],
            WORDS[status]["en"],
        }


def test_fixed_words_as_specified() -> None:
    assert [word("target", loc) for loc in LOCALES] == ["tavoite", "mål", "target"]
    assert [word("too_few_answers", loc) for loc in LOCALES] == [
        "liian vähän vastauksia",
        "för få svar",
        "too few answers",
    ]
    assert word("detractors", "sv") == "kritiker"
    assert word("missing", "fi") == "puuttuu"


def test_unknown_locale_falls_back_to_english_and_unknown_key_raises() -> None:
    assert word("baseline", "de") == "baseline"
    with pytest.raises(KeyError):
        word("no such word", "fi")


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        (2.5, "fi", "2,5"),
        (2.5, "sv", "2,5"),
        (2.5, "en", "2.5"),
        (1050, "fi", f"1{NBSP}050"),
        (1050, "sv", f"1{NBSP}050"),
        (1050, "en", "1,050"),
        (2.95, "fi", "2,95"),
        (4.0, "fi", "4"),
        (-42, "fi", "−42"),
        (-42, "en", "-42"),
        (-0.001, "fi", "0"),
    ],
)
def test_format_number(value: float, locale: str, expected: str) -> None:
    assert format_number(value, locale) == expected


def test_format_number_fixed_decimals() -> None:
    assert format_number(4.6, "fi", decimals=2) == "4,60"
    assert format_number(79.4, "en", decimals=0) == "79"


@pytest.mark.parametrize(
    ("value", "locale", "unit", "expected"),
    [
        (4.6, "fi", "%", f"4,6{NBSP}%"),
        (4.6, "sv", "%", f"4,6{NBSP}%"),
        (4.6, "en", "%", "4.6%"),
        (1050, "fi", "kpl", f"1{NBSP}050{NBSP}kpl"),
        (2.55, "sv", " mån ", f"2,55{NBSP}mån"),
        (7, "en", "", "7"),
        (None, "fi", "%", "puuttuu"),
        (None, "sv", "", "saknas"),
        (float("nan"), "en", "kpl", "missing"),
    ],
)
def test_format_value(value: float | None, locale: str, unit: str, expected: str) -> None:
    assert format_value(value, locale, unit) == expected


def test_format_signed_index() -> None:
    assert format_signed(26, "fi") == "+26"
    assert format_signed(-42, "fi") == "−42"
    assert format_signed(0, "en") == "0"
    assert format_signed(0.3, "en") == "0"
    assert format_signed(-0.4, "fi") == "0"


def test_format_date_per_locale() -> None:
    day = datetime.date(2025, 9, 30)
    assert format_date(day, "fi") == "30. syyskuuta 2025"
    assert format_date(day, "sv") == "30 september 2025"
    assert format_date(day, "en") == "September 30, 2025"
