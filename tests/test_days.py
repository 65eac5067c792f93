"""Typed ranges of days (``/away 1.7.-31.7.``, :func:`collectors.days.parse_range`), and a time
from today read as its last day (``2 viikkoa``, :func:`collectors.days.parse_day`)."""

from __future__ import annotations

from datetime import date

import pytest

from collectors.days import parse_day, parse_range

TODAY = date(2026, 12, 7)  # a Monday


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("1.7.-31.7.", date(2027, 7, 1), date(2027, 7, 31)),
        ("1.7 - 31.7", date(2027, 7, 1), date(2027, 7, 31)),
        ("1.–31.7.", date(2027, 7, 1), date(2027, 7, 31)),  # the day alone: the last's month
        ("1.-31.7.", date(2027, 7, 1), date(2027, 7, 31)),
        ("20.12. - 6.1.", date(2026, 12, 20), date(2027, 1, 6)),  # over the new year
        ("1.12.-31.12.", date(2026, 12, 1), date(2026, 12, 31)),  # begun already this year
        ("1.7.2027-31.7.2027", date(2027, 7, 1), date(2027, 7, 31)),
        ("2027-07-01–2027-07-31", date(2027, 7, 1), date(2027, 7, 31)),
        ("2027-07-01 - 2027-07-31", date(2027, 7, 1), date(2027, 7, 31)),
        ("2027-07-01..2027-07-31", date(2027, 7, 1), date(2027, 7, 31)),
        ("10.12 to 12.12", date(2026, 12, 10), date(2026, 12, 12)),
        ("huomenna–perjantai", date(2026, 12, 8), date(2026, 12, 11)),
        ("31.-1.7.", date(2027, 7, 31), date(2027, 7, 1)),  # read; the caller refuses it
        ("10.10.-1.10.", date(2027, 10, 10), date(2027, 10, 1)),  # the same
    ],
)
def test_a_range_reads_its_first_and_last_day(typed: str, first: date, last: date) -> None:
    assert parse_range(typed, TODAY) == (first, last)


def test_a_range_begun_this_year_is_this_years() -> None:
    assert parse_range("1.7.-31.7.", date(2026, 7, 15)) == (date(2026, 7, 1), date(2026, 7, 31))


@pytest.mark.parametrize(
    "typed", ["31.7.", "2027-07-31", "huomenna", "1.7.-", "x-y", "1.7.-kohta", "31.-31.9."]
)
def test_a_single_day_or_no_range_is_none(typed: str) -> None:
    assert parse_range(typed, TODAY) is None


@pytest.mark.parametrize(
    ("typed", "last"),
    [
        ("2 viikkoa", date(2026, 12, 20)),  # Monday 7.12.: back on Monday 21.12.
        ("1 week", date(2026, 12, 13)),
        ("3 veckor", date(2026, 12, 27)),
        ("3 päivää", date(2026, 12, 9)),  # today and the two days after
        ("1 d", date(2026, 12, 7)),
        ("10 days", date(2026, 12, 16)),
        ("1 kk", date(2027, 1, 6)),
        ("2 months", date(2027, 2, 6)),
        ("2 VIIKKOA", date(2026, 12, 20)),
    ],
)
def test_a_time_from_today_is_read_as_its_last_day(typed: str, last: date) -> None:
    assert parse_day(typed, TODAY) == last


def test_a_month_from_a_day_next_month_lacks_ends_on_that_months_last_day() -> None:
    assert parse_day("1 kk", date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_day("1 kk", date(2027, 12, 15)) == date(2028, 1, 14)


@pytest.mark.parametrize("typed", ["0 viikkoa", "2 h", "2 tuntia", "2 kpl", "viikko", "2"])
def test_no_time_from_today(typed: str) -> None:
    assert parse_day(typed, TODAY) is None
