"""Tests for collectors.periods (ids, boundaries, windows, time zones), collectors.period_sequence
(the period of a day, its neighbours, the one to report) and collectors.period_text.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from collectors.period_sequence import (
    next_period,
    period_containing,
    period_to_report,
    periods_between,
    previous_period,
)
from collectors.period_text import parse_period_text
from collectors.periods import (
    Period,
    PeriodSettings,
    Scheme,
    canonical_period_id,
    manual_period,
    period_from_id,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
DEFAULT = PeriodSettings()


def settings(scheme: Scheme, **kwargs: int) -> PeriodSettings:
    return PeriodSettings(scheme=scheme, **kwargs)


# --- settings -------------------------------------------------------------------------


def test_settings_defaults() -> None:
    assert DEFAULT.scheme is Scheme.TERTILE
    assert DEFAULT.opens_days_after_end == 1
    assert DEFAULT.deadline_days_after_end == 21
    assert DEFAULT.first_year == 2024


def test_settings_deadline_before_opening_is_rejected() -> None:
    with pytest.raises(ValidationError, match="must not be smaller than opens_days_after_end"):
        PeriodSettings(opens_days_after_end=10, deadline_days_after_end=5)


def test_settings_reject_unknown_keys_and_manual_scheme() -> None:
    with pytest.raises(ValidationError, match="extra"):
        PeriodSettings.model_validate({"scheme": "tertile", "deadline": 3})
    with pytest.raises(ValidationError, match="cannot be configured"):
        PeriodSettings.model_validate({"scheme": "manual"})


def test_settings_from_config_strings() -> None:
    loaded = PeriodSettings.model_validate({"scheme": "half", "deadline_days_after_end": 30})
    assert loaded.scheme is Scheme.HALF
    assert loaded.deadline_days_after_end == 30


# --- ids --------------------------------------------------------------------------------

EXPECTED_IDS = {
    Scheme.TERTILE: ["2025-T1", "2025-T2", "2025-T3"],
    Scheme.HALF: ["2025-H1", "2025-H2"],
    Scheme.QUARTER: ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
    Scheme.MONTH: [f"2025-M{m:02d}" for m in range(1, 13)],
    Scheme.YEAR: ["2025"],
}


@pytest.mark.parametrize("scheme", list(EXPECTED_IDS))
def test_every_scheme_covers_the_year_and_round_trips(scheme: Scheme) -> None:
    cfg = settings(scheme)
    found = periods_between(date(2025, 1, 1), date(2025, 12, 31), cfg)
    assert [p.id for p in found] == EXPECTED_IDS[scheme]
    assert found[0].start == date(2025, 1, 1)
    assert found[-1].end == date(2025, 12, 31)
    for earlier, later in itertools.pairwise(found):
        assert later.start == earlier.end + timedelta(days=1)
    for period in found:
        assert period.scheme is scheme
        assert period_from_id(period.id, cfg) == period
        assert period_containing(period.start, cfg) == period
        assert period_containing(period.end, cfg) == period


def test_tertile_bounds_and_window() -> None:
    t2 = period_from_id("2025-T2", DEFAULT)
    assert (t2.start, t2.end) == (date(2025, 5, 1), date(2025, 8, 31))
    assert t2.opens_on == date(2025, 9, 1)
    assert t2.deadline == date(2025, 9, 21)


def test_ids_of_other_schemes_are_accepted_whatever_the_configured_scheme() -> None:
    q4 = period_from_id("2025-Q4", DEFAULT)
    assert q4.scheme is Scheme.QUARTER
    assert (q4.start, q4.end) == (date(2025, 10, 1), date(2025, 12, 31))
    year = period_from_id("2025", DEFAULT)
    assert (year.scheme, year.start, year.end) == (
        Scheme.YEAR,
        date(2025, 1, 1),
        date(2025, 12, 31),
    )


def test_ids_are_normalized() -> None:
    assert period_from_id(" 2025-t1 ", DEFAULT).id == "2025-T1"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2025-T4", "T1..T3"),
        ("2025-T0", "T1..T3"),
        ("2025-H3", "H1..H2"),
        ("2025-Q5", "Q1..Q4"),
        ("2025-M13", "M01..M12"),
        ("2025-M1", "M01..M12"),
        ("2025-T01", "T1..T3"),
        ("abc", "not a period id"),
        ("", "not a period id"),
        ("25-T1", "not a period id"),
        ("2025-X1", "not a period id"),
        ("2025T1", "not a period id"),
        ("2023-T1", "before 2024"),
    ],
)
def test_bad_ids(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        period_from_id(bad, DEFAULT)


# --- boundaries ---------------------------------------------------------------------------


def test_last_day_of_a_period_and_first_of_the_next() -> None:
    assert period_containing(date(2025, 4, 30), DEFAULT).id == "2025-T1"
    assert period_containing(date(2025, 5, 1), DEFAULT).id == "2025-T2"
    assert period_containing(date(2025, 8, 31), DEFAULT).id == "2025-T2"
    assert period_containing(date(2025, 9, 1), DEFAULT).id == "2025-T3"


def test_year_change() -> None:
    t3 = period_containing(date(2025, 12, 31), DEFAULT)
    nxt = next_period(t3, DEFAULT)
    assert t3.id == "2025-T3"
    assert nxt.id == "2026-T1"
    assert period_containing(date(2026, 1, 1), DEFAULT) == nxt
    assert previous_period(nxt, DEFAULT) == t3
    december = period_from_id("2025-M12", settings(Scheme.MONTH))
    assert next_period(december, settings(Scheme.MONTH)).id == "2026-M01"
    assert next_period(period_from_id("2025", DEFAULT), DEFAULT).id == "2026"


def test_previous_of_the_first_known_period_is_none() -> None:
    first = period_from_id("2024-T1", DEFAULT)
    assert previous_period(first, DEFAULT) is None
    assert previous_period(period_from_id("2024-T2", DEFAULT), DEFAULT) == first


def test_day_before_first_year_is_rejected() -> None:
    with pytest.raises(ValueError, match="before 2024"):
        period_containing(date(2023, 12, 31), DEFAULT)


def test_contains() -> None:
    t1 = period_from_id("2025-T1", DEFAULT)
    assert t1.contains(date(2025, 1, 1))
    assert t1.contains(date(2025, 4, 30))
    assert not t1.contains(date(2025, 5, 1))
    assert not t1.contains(date(2024, 12, 31))


# --- leap years ---------------------------------------------------------------------------


def test_leap_day_belongs_to_t1_q1_and_february() -> None:
    leap = date(2024, 2, 29)
    assert period_containing(leap, DEFAULT).id == "2024-T1"
    assert period_containing(leap, settings(Scheme.QUARTER)).id == "2024-Q1"
    feb = period_containing(leap, settings(Scheme.MONTH))
    assert (feb.id, feb.start, feb.end) == ("2024-M02", date(2024, 2, 1), date(2024, 2, 29))
    assert period_from_id("2025-M02", DEFAULT).end == date(2025, 2, 28)


def test_deadlines_crossing_february() -> None:
    cfg = settings(Scheme.MONTH)
    jan_2024 = period_from_id("2024-M01", cfg)
    jan_2025 = period_from_id("2025-M01", cfg)
    # 31 Jan + 21 days: 21 Feb either way; +35 days lands in March one day apart.
    assert jan_2024.deadline == date(2024, 2, 21)
    long = settings(Scheme.MONTH, deadline_days_after_end=35)
    assert period_from_id("2024-M01", long).deadline == date(2024, 3, 6)
    assert period_from_id("2025-M01", long).deadline == date(2025, 3, 7)
    feb_2024 = period_from_id("2024-M02", cfg)
    assert (feb_2024.opens_on, feb_2024.deadline) == (date(2024, 3, 1), date(2024, 3, 21))
    assert jan_2025.opens_on == date(2025, 2, 1)


# --- reporting window --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 4, 30), None),
        (date(2025, 5, 1), "2025-T1"),
        (date(2025, 5, 21), "2025-T1"),
        (date(2025, 5, 22), None),
        (date(2025, 1, 1), "2024-T3"),
        (date(2025, 1, 21), "2024-T3"),
        (date(2025, 1, 22), None),
    ],
)
def test_period_to_report(today: date, expected: str | None) -> None:
    found = period_to_report(today, DEFAULT)
    assert (found.id if found else None) == expected


def test_period_to_report_with_overlapping_windows_picks_the_most_recent() -> None:
    cfg = settings(Scheme.MONTH, deadline_days_after_end=40)
    # 5 March: February (opened 1 March) and January (deadline 12 March) are both open.
    found = period_to_report(date(2025, 3, 5), cfg)
    assert found is not None
    assert found.id == "2025-M02"
    assert period_to_report(date(2025, 3, 1), cfg) == period_from_id("2025-M02", cfg)
    assert period_to_report(date(2025, 2, 28), cfg) == period_from_id("2025-M01", cfg)


def test_period_to_report_opening_on_the_last_day() -> None:
    cfg = PeriodSettings(opens_days_after_end=0, deadline_days_after_end=0)
    found = period_to_report(date(2025, 4, 30), cfg)
    assert found is not None
    assert found.id == "2025-T1"
    assert period_to_report(date(2025, 4, 29), cfg) is None
    assert period_to_report(date(2025, 5, 1), cfg) is None


def test_period_to_report_before_first_year() -> None:
    assert period_to_report(date(2024, 1, 1), DEFAULT) is None
    assert period_to_report(date(2020, 6, 1), DEFAULT) is None


# --- time zone ----------------------------------------------------------------------------


def test_deadline_end_is_midnight_in_helsinki() -> None:
    t1 = period_from_id("2025-T1", DEFAULT)  # deadline 21 May 2025, summer time (UTC+3)
    end = t1.deadline_end(HELSINKI)
    assert end.utcoffset() is not None
    assert end.astimezone(UTC) == datetime(2025, 5, 21, 21, 0, tzinfo=UTC)
    just_before_utc_midnight = datetime(2025, 5, 21, 23, 59, tzinfo=UTC)
    assert just_before_utc_midnight >= end
    assert not t1.is_open(just_before_utc_midnight, HELSINKI)
    assert t1.is_open(datetime(2025, 5, 21, 20, 59, 59, tzinfo=UTC), HELSINKI)
    assert not t1.is_open(datetime(2025, 4, 30, 20, 59, 59, tzinfo=UTC), HELSINKI)
    assert t1.is_open(datetime(2025, 4, 30, 21, 0, tzinfo=UTC), HELSINKI)  # 1 May 00:00


@pytest.mark.parametrize(
    ("deadline", "end_utc"),
    [
        # Summer time starts Sun 30 Mar 2025 03:00 -> 04:00: the deadline day has 23 hours.
        (date(2025, 3, 29), datetime(2025, 3, 29, 22, 0, tzinfo=UTC)),
        (date(2025, 3, 30), datetime(2025, 3, 30, 21, 0, tzinfo=UTC)),
        # Summer time ends Sun 26 Oct 2025 04:00 -> 03:00: the deadline day has 25 hours.
        (date(2025, 10, 25), datetime(2025, 10, 25, 21, 0, tzinfo=UTC)),
        (date(2025, 10, 26), datetime(2025, 10, 26, 22, 0, tzinfo=UTC)),
    ],
)
def test_deadline_end_on_dst_change_days(deadline: date, end_utc: datetime) -> None:
    period = manual_period("dst", date(2025, 1, 1), date(2025, 1, 31), deadline)
    end = period.deadline_end(HELSINKI)
    assert end.astimezone(UTC) == end_utc
    expected_hours = {29: 24, 30: 23, 25: 24, 26: 25}[deadline.day]
    opened = manual_period("d", date(2025, 1, 1), date(2025, 1, 2), deadline, opens_on=deadline)
    # Same-zone subtraction is wall-clock arithmetic in Python; compare real instants.
    length = end.astimezone(UTC) - opened.opens_at(HELSINKI).astimezone(UTC)
    assert length == timedelta(hours=expected_hours)


def test_opens_at_is_local_midnight() -> None:
    t3 = period_from_id("2024-T3", DEFAULT)  # opens 1 Jan 2025, winter time (UTC+2)
    assert t3.opens_at(HELSINKI).astimezone(UTC) == datetime(2024, 12, 31, 22, 0, tzinfo=UTC)
    assert t3.opens_at(HELSINKI).tzinfo is HELSINKI


def test_is_open_requires_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        period_from_id("2025-T1", DEFAULT).is_open(datetime(2025, 5, 5, 12, 0), HELSINKI)


# --- labels -------------------------------------------------------------------------------


def test_labels() -> None:
    t1 = period_from_id("2025-T1", DEFAULT)
    assert t1.label("fi") == "1.1.–30.4.2025"
    assert t1.label("fi_FI") == "1.1.–30.4.2025"
    assert "jan" in t1.label("sv")
    assert "apr" in t1.label("sv")
    assert "2025" in t1.label("sv")
    assert "Jan 1" in t1.label("en")
    assert "Apr 30" in t1.label("en")
    assert t1.short_label() == "T1/2025"
    assert period_from_id("2025-M03", DEFAULT).short_label() == "M03/2025"
    assert period_from_id("2025", DEFAULT).short_label() == "2025"
    cross = manual_period("winter", date(2025, 12, 1), date(2026, 1, 31), date(2026, 2, 20))
    assert cross.label("fi") == "1.12.2025–31.1.2026"
    assert cross.short_label() == "winter"


def test_finnish_label_parses_back() -> None:
    for period in periods_between(date(2024, 1, 1), date(2025, 12, 31), DEFAULT):
        assert parse_period_text(period.label("fi")) == (period.start, period.end)


# --- manual periods -----------------------------------------------------------------------


def test_manual_period() -> None:
    extra = manual_period("2025-extra", date(2025, 6, 1), date(2025, 6, 15), date(2025, 7, 1))
    assert extra.scheme is Scheme.MANUAL
    assert extra.opens_on == date(2025, 6, 16)
    assert extra.deadline == date(2025, 7, 1)
    assert previous_period(extra, DEFAULT) == period_from_id("2025-T2", DEFAULT)
    assert next_period(extra, DEFAULT) == period_from_id("2025-T2", DEFAULT)
    opened_today = manual_period(
        "pilot", date(2025, 1, 1), date(2025, 6, 30), date(2025, 6, 20), opens_on=date(2025, 6, 10)
    )
    assert opened_today.opens_on == date(2025, 6, 10)


def test_manual_period_with_a_standard_id_overrides_only_the_deadline() -> None:
    t1 = manual_period("2025-t1", date(2025, 1, 1), date(2025, 4, 30), date(2025, 6, 15))
    assert (t1.id, t1.scheme, t1.deadline) == ("2025-T1", Scheme.TERTILE, date(2025, 6, 15))
    assert next_period(t1, DEFAULT).id == "2025-T2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", date(2025, 2, 1), date(2025, 1, 1), date(2025, 3, 1)), "after end"),
        (("x", date(2025, 1, 1), date(2025, 1, 31), date(2025, 1, 31)), "before reporting opens"),
        (("2025-T1", date(2025, 1, 1), date(2025, 3, 31), date(2025, 5, 1)), "another id"),
        (("2025-T4", date(2025, 1, 1), date(2025, 3, 31), date(2025, 5, 1)), "T1..T3"),
        (("bad id!", date(2025, 1, 1), date(2025, 3, 31), date(2025, 5, 1)), "usable"),
        (("", date(2025, 1, 1), date(2025, 3, 31), date(2025, 5, 1)), "usable"),
    ],
)
def test_manual_period_errors(args: tuple[str, date, date, date], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        manual_period(*args)


def test_periods_between() -> None:
    found = periods_between(date(2024, 6, 15), date(2025, 1, 1), DEFAULT)
    assert [p.id for p in found] == ["2024-T2", "2024-T3", "2025-T1"]
    assert [p.id for p in periods_between(date(2020, 1, 1), date(2024, 2, 1), DEFAULT)] == [
        "2024-T1"
    ]
    assert periods_between(date(2020, 1, 1), date(2023, 12, 31), DEFAULT) == []
    with pytest.raises(ValueError, match="after end"):
        periods_between(date(2025, 2, 1), date(2025, 1, 1), DEFAULT)


# --- period text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1.1.2025 - 30.6.2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("1.1.2025–30.6.2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("1.1.2025 — 30.6.2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("01.07.2024-31.12.2024", date(2024, 7, 1), date(2024, 12, 31)),
        (" 1.1.–30.4.2025 ", date(2025, 1, 1), date(2025, 4, 30)),
        ("1.12.–31.1.2026", date(2025, 12, 1), date(2026, 1, 31)),
        ("1.1.25 - 30.6.25", date(2025, 1, 1), date(2025, 6, 30)),
        ("9-12.2023", date(2023, 9, 1), date(2023, 12, 31)),
        ("5-8/2024", date(2024, 5, 1), date(2024, 8, 31)),
        ("1-6/24", date(2024, 1, 1), date(2024, 6, 30)),
        ("1–4/2024", date(2024, 1, 1), date(2024, 4, 30)),
        ("1-2/2024", date(2024, 1, 1), date(2024, 2, 29)),
        ("1\u00a0-\u00a06/2025", date(2025, 1, 1), date(2025, 6, 30)),
    ],
)
def test_parse_period_text(text: str, start: date, end: date) -> None:
    assert parse_period_text(text) == (start, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a period"),
        ("kevät 2025", "not a period"),
        ("2025-T1", "not a period"),
        ("1.1.2025", "not a period"),
        ("1.1.2025 - 31.6.2025", "impossible date"),
        ("0-6/2025", "impossible date"),
        ("1-13/2025", "impossible date"),
        ("30.6.2025 - 1.1.2025", "starts after it ends"),
        ("12-1/2025", "starts after it ends"),
        ("1-6/202", "not a period"),
    ],
)
def test_parse_period_text_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_period_text(text)


def test_period_is_hashable_and_frozen() -> None:
    t1 = period_from_id("2025-T1", DEFAULT)
    assert {t1, period_from_id("2025-T1", DEFAULT)} == {t1}
    with pytest.raises(AttributeError):
        t1.id = "x"  # type: ignore[misc]
    assert isinstance(t1, Period)


@pytest.mark.parametrize(
    ("written", "period_id"),
    [
        ("T1/2025", "2025-T1"),
        ("t1/25", "2025-T1"),
        (" T1 2025 ", "2025-T1"),
        ("2025 T1", "2025-T1"),
        ("2025T1", "2025-T1"),
        ("H2 / 2025", "2025-H2"),
        ("Q4/25", "2025-Q4"),
        ("M3/2025", "2025-M03"),
        ("2025-T1", "2025-T1"),
        ("1-4/2025", "1-4/2025"),  # dates, read elsewhere
        ("kevät-2025", "kevät-2025"),  # a manual period's id stays as it is
    ],
)
def test_a_period_as_the_bot_shows_it_is_read_as_its_id(written: str, period_id: str) -> None:
    assert canonical_period_id(written) == period_id
