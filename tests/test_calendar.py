"""Tests for collectors.calendar: Finnish working days from the holidays package."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from collectors import calendar as cal
from collectors.calendar import (
    adjust_to_working_day,
    is_supported_country,
    is_working_day,
    next_working_day,
    previous_working_day,
)


def test_the_package_counts_midsummer_eve_and_christmas_eve_as_holidays() -> None:
    # Checked against holidays 0.109: juhannusaatto and jouluaatto are in the FI calendar.
    finland = holidays.country_holidays("FI", years=2025)
    assert date(2025, 6, 20) in finland  # Midsummer Eve, Friday
    assert date(2025, 6, 21) in finland  # Midsummer Day, Saturday
    assert date(2025, 12, 24) in finland


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 6, 2), True),  # Monday
        (date(2025, 6, 19), True),  # Thursday before Midsummer
        (date(2025, 6, 20), False),  # Midsummer Eve (Fri)
        (date(2025, 6, 21), False),  # Midsummer Day (Sat)
        (date(2025, 6, 7), False),  # Saturday
        (date(2025, 6, 8), False),  # Sunday (Pentecost)
        (date(2024, 12, 6), False),  # Independence Day on a Friday
        (date(2024, 12, 5), True),
        (date(2025, 12, 24), False),  # Christmas Eve (Wed)
        (date(2025, 12, 25), False),
        (date(2025, 12, 26), False),
        (date(2025, 12, 31), True),
        (date(2026, 1, 1), False),
        (date(2026, 1, 6), False),  # Epiphany (Tue)
        (date(2025, 4, 18), False),  # Good Friday
        (date(2025, 4, 21), False),  # Easter Monday
        (date(2025, 5, 29), False),  # Ascension Day (Thu)
        (date(2025, 5, 1), False),  # May Day
    ],
)
def test_is_working_day_in_finland(day: date, working: bool) -> None:
    assert is_working_day(day) is working
    assert is_working_day(day, "FI") is working


def test_other_country() -> None:
    sweden_national_day = date(2025, 6, 6)
    assert not is_working_day(sweden_national_day, "SE")
    assert is_working_day(sweden_national_day, "FI")
    assert is_supported_country("SE")
    assert not is_supported_country("XX")


def test_unknown_country_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown holiday country code 'XX'"):
        is_working_day(date(2025, 6, 2), "XX")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 6, 2), date(2025, 6, 2)),  # working: same day
        (date(2025, 6, 7), date(2025, 6, 9)),  # Saturday -> Monday
        (date(2025, 6, 20), date(2025, 6, 23)),  # Midsummer Eve -> Monday
        (date(2025, 12, 24), date(2025, 12, 29)),  # Christmas -> Monday
        (date(2025, 4, 18), date(2025, 4, 22)),  # Good Friday -> Tuesday after Easter
        (date(2025, 12, 6), date(2025, 12, 8)),  # Independence Day (Sat) -> Monday
        (date(2026, 1, 1), date(2026, 1, 2)),  # across the year
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 6, 2), date(2025, 6, 2)),
        (date(2025, 6, 8), date(2025, 6, 6)),  # Sunday -> Friday
        (date(2025, 6, 21), date(2025, 6, 19)),  # Midsummer Day -> Thursday
        (date(2025, 12, 26), date(2025, 12, 23)),
        (date(2026, 1, 1), date(2025, 12, 31)),  # back across the year
        (date(2024, 12, 6), date(2024, 12, 5)),
    ],
)
def test_previous_working_day(day: date, expected: date) -> None:
    assert previous_working_day(day) == expected


def test_adjust_moves_forward_when_the_limit_allows() -> None:
    assert adjust_to_working_day(date(2025, 6, 21)) == date(2025, 6, 23)
    assert adjust_to_working_day(date(2025, 6, 21), not_after=date(2025, 6, 23)) == date(
        2025, 6, 23
    )
    assert adjust_to_working_day(date(2025, 6, 18), not_after=date(2025, 6, 18)) == date(
        2025, 6, 18
    )


def test_adjust_moves_back_rather_than_past_the_limit() -> None:
    # Deadline Sunday 22 June 2025: a reminder due on Midsummer Eve goes to Thursday.
    assert adjust_to_working_day(date(2025, 6, 20), not_after=date(2025, 6, 22)) == date(
        2025, 6, 19
    )
    # Deadline on Christmas Eve itself: Tuesday 23 December.
    assert adjust_to_working_day(date(2025, 12, 24), not_after=date(2025, 12, 24)) == date(
        2025, 12, 23
    )
    # A day already past the limit never ends up after it.
    assert adjust_to_working_day(date(2025, 6, 25), not_after=date(2025, 6, 22)) == date(
        2025, 6, 19
    )


def test_holidays_are_cached_per_country_and_year() -> None:
    cal._holidays_for.cache_clear()
    is_working_day(date(2025, 6, 2))
    is_working_day(date(2025, 6, 3))
    is_working_day(date(2026, 6, 3))
    info = cal._holidays_for.cache_info()
    assert (info.misses, info.hits) == (2, 1)
    assert cal._holidays_for("FI", 2025) is cal._holidays_for("FI", 2025)
