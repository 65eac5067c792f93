"""Typed ranges of days (``/away 1.7.-31.7.``): :func:`collectors.days.parse_range`."""

from __future__ import annotations

from datetime import date

import pytest

from collectors.days import parse_range

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
