"""Pure preparation and layout: gaps, honest axes, suppressed groups, label placement, pages."""

from __future__ import annotations

import math

import pytest

from charts.data import (
    DistributionChart,
    IndexChart,
    IndexRound,
    PairedBarsChart,
    ReportDocument,
    ReportSection,
    Scorecard,
    ScoreRow,
    SummaryPage,
    TargetBars,
    TrendChart,
    TrendSeries,
)
from charts.layout import chart_height_in, fit_heights, paginate
from charts.pages import LAYOUT_HEIGHT_IN, plan_pages, section_blocks
from charts.prepare import (
    bar_slots,
    common_gaps,
    distribution_rows,
    gap_indexes,
    index_rows,
    nice_ceiling,
    series_values,
    text_colour_on,
    trend_matrix,
    value_axis_limits,
    value_label_place,
    wrap,
)
from charts.summary_layout import summary_parts_in


def trend(*series: TrendSeries, locale: str = "fi") -> TrendChart:
    return TrendChart("Trendi", "%", series, 4.8, 5.0, "%", locale)


def test_missing_values_become_nan_never_zero() -> None:
    values = series_values([("1-4/2024", 4.6), ("5-8/2024", None), ("9-12/2024", 0.0)])
    assert values[0] == 4.6
    assert math.isnan(values[1])
    assert values[2] == 0.0
    assert gap_indexes(values) == [1]


def test_trend_matrix_aligns_series_on_all_periods() -> None:
    chart = trend(
        TrendSeries("A", (("1-4", 1.0), ("5-8", None), ("9-12", 3.0))),
        TrendSeries("B", (("5-8", 2.0), ("1-4/25", 4.0))),
    )
    periods, rows = trend_matrix(chart)
    assert periods == ["1-4", "5-8", "9-12", "1-4/25"]
    assert rows[0][0] == 1.0 and math.isnan(rows[0][1]) and math.isnan(rows[0][3])
    assert math.isnan(rows[1][0]) and rows[1][1] == 2.0 and rows[1][3] == 4.0
    assert common_gaps(rows) == []
    assert common_gaps([[1.0, math.nan], [math.nan, math.nan]]) == [1]


def test_nice_ceiling() -> None:
    assert [nice_ceiling(v) for v in (0.7, 1, 1.1, 2.2, 3, 7, 13, 1050)] == [
        1,
        1,
        2,
        2.5,
        5,
        10,
        20,
        2000,
    ]


def test_value_axis_always_includes_zero() -> None:
    low, high = value_axis_limits([1040.0, 1100.0, None])
    assert low == 0.0 and high >= 1100
    low, high = value_axis_limits([-42.0, 26.0])
    assert low <= -42 and high >= 26
    assert value_axis_limits([]) == (0.0, 1.0)
    assert value_axis_limits([math.nan]) == (0.0, 1.0)


def test_percent_axis_is_0_to_100_unless_values_exceed_or_are_all_small() -> None:
    assert value_axis_limits([79.0, 50.0], percent=True) == (0.0, 100.0)
    assert value_axis_limits([30.0], percent=True) == (0.0, 100.0)
    assert value_axis_limits([], percent=True) == (0.0, 100.0)
    low, high = value_axis_limits([104.0], percent=True)
    assert low == 0.0 and high > 104
    low, high = value_axis_limits([4.6, 5.0, 4.8], percent=True)
    assert low == 0.0 and 5.0 < high < 25


def test_suppressed_round_yields_no_numbers_even_when_given() -> None:
    chart = IndexChart(
        "NPS",
        "NPS",
        (
            IndexRound("Kevät", 26, 45, 36, 19, 42, False),
            IndexRound("Tiimi X", 77, 88, 11, 1, 3, True),
        ),
        "fi",
    )
    shown, hidden = index_rows(chart)
    assert shown.value_text == "NPS +26"
    assert shown.n_text == "n = 42"
    assert [s.key for s in shown.segments] == ["detractors", "passives", "promoters"]
    assert [s.text for s in shown.segments] == ["19\u00a0%", "36\u00a0%", "45\u00a0%"]
    assert hidden.segments == ()
    assert hidden.value_text is None and hidden.n_text is None
    assert hidden.gap_text == "liian vähän vastauksia"


def test_round_without_split_is_missing_and_narrow_segments_carry_no_text() -> None:
    chart = IndexChart(
        "NSS",
        "NSS",
        (
            IndexRound("A", None, None, None, None, None, False),
            IndexRound("B", -90, 2, 6, 92, 50, False),
        ),
        "en",
    )
    missing, narrow = index_rows(chart)
    assert missing.segments == () and missing.gap_text == "missing"
    assert narrow.value_text == "NSS -90"
    assert [s.text for s in narrow.segments] == ["92%", None, None]
    assert [s.start for s in narrow.segments] == [0, 92, 98]


def test_distribution_shares_skip_missing_counts() -> None:
    chart = DistributionChart("T", ("a", "b", "c"), "2025", (3, 1, None), "2024", (0, 0, 0), "fi")
    rows = distribution_rows(chart)
    assert [r.this_share for r in rows[:2]] == [75.0, 25.0]
    assert math.isnan(rows[2].this_count) and math.isnan(rows[2].this_share)
    assert [r.last_share for r in rows] == [0.0, 0.0, 0.0]


def test_value_label_place() -> None:
    # Short bar: beside its end.
    place = value_label_place(20, 100, 1, 8)
    assert (place.inside, place.x, place.ha) == (False, 21, "left")
    # Long bar: inside its end.
    assert value_label_place(90, 100, 1, 8).inside
    # Beside the end would cross the target mark: inside instead.
    place = value_label_place(42, 100, 1, 9, target=50)
    assert place.inside and place.ha == "right"
    # A bar too short to hold it: past the mark.
    place = value_label_place(5, 100, 1, 9, target=8)
    assert not place.inside and place.x > 8
    # Inside its end would hide the mark at 90: at the bar's start instead.
    place = value_label_place(100, 100, 1, 10, target=90)
    assert place.inside and place.ha == "left" and place.x < 10


def test_bar_slots_leave_room_for_wrapped_labels() -> None:
    slots, total = bar_slots([1, 2], 2)
    assert slots[0].label_y < slots[0].bar_ys[0] < slots[0].bar_ys[1] < slots[1].label_y
    assert slots[1].bar_ys[0] - slots[1].label_y > slots[0].bar_ys[0] - slots[0].label_y
    assert total > slots[1].bar_ys[1]


def test_wrap_splits_long_compounds_with_a_hyphen() -> None:
    assert wrap("Haittatapahtumailmoitukset ja muut", 19) == [
        "Haittatapahtumailm-",
        "oitukset ja muut",
    ]
    assert wrap("", 10) == [""]


def test_text_colour_contrasts_with_fill() -> None:
    assert text_colour_on("#0072B2") == "#ffffff"
    assert text_colour_on("#DDDDDD") == "#000000"
    assert text_colour_on("#56B4E9") == "#000000"


def test_paginate_and_fit_heights() -> None:
    assert paginate([3, 3, 3, 9, 1], 7) == [[0, 1], [2], [3], [4]]
    assert paginate([], 7) == []
    assert fit_heights([1, 2, 3], [False, True, True], 10) == [1, 2, 3]
    fitted = fit_heights([1, 4, 4], [False, True, True], 7)
    assert fitted == pytest.approx([1, 3, 3])
    assert fit_heights([1, 4], [False, True], 2) == [1, 2]  # at most halved


def test_chart_heights_grow_with_rows() -> None:
    few = PairedBarsChart("T", "kpl", "now", "before", (("a", 1, 2),), None, "fi")
    many = PairedBarsChart("T", "kpl", "now", "before", (("a", 1, 2),) * 8, None, "fi")
    assert chart_height_in(many, 5) > chart_height_in(few, 5) + 2
    card = Scorecard("S", (ScoreRow("g", "m", 1, 2, 3, "done"),) * 3, {}, "sv")
    assert chart_height_in(card, 5) > chart_height_in(
        Scorecard("S", (ScoreRow("g", "m", 1, 2, 3, "done"),), {}, "sv"), 5
    )
    with pytest.raises(TypeError):
        chart_height_in("not a chart", 5)  # type: ignore[arg-type]


def test_summary_parts_are_zero_when_empty() -> None:
    page = SummaryPage("Unit", "1-4/2025", (), (), (), "en")
    header, key_figures, missing = summary_parts_in(page, 5)
    assert header > 0 and key_figures == 0 and missing == 0


def test_report_pages_cover_sections_units() -> None:
    bars = TargetBars("T", (("a", 79, 50),), "fi")
    page = SummaryPage("Unit", "1-4/2025", (), (bars,), ("B",), "fi")
    doc = ReportDocument(
        "Katsaus",
        "Alue",
        "fi",
        (),
        (ReportSection("A", ("teksti",), (bars,)), ReportSection("B", (), ())),
        (page, page, page),
    )
    plans = plan_pages(doc)
    assert [p.kind for p in plans] == ["cover", "section", "section", "unit", "unit", "unit"]
    assert [p.unit for p in plans[3:]] == [0, 1, 2]


def test_long_section_flows_over_pages_in_page_sized_blocks() -> None:
    section = ReportSection("Pitkä", ("sana " * 3000,), ())
    blocks = section_blocks(section)
    assert len(blocks) > 2
    assert all(b.height_in <= LAYOUT_HEIGHT_IN for b in blocks)
    doc = ReportDocument("K", "A", "fi", (), (section,), ())
    assert len(plan_pages(doc)) >= 3


def test_dataclasses_validate_input() -> None:
    with pytest.raises(ValueError, match="locale"):
        TargetBars("T", (), "de")
    with pytest.raises(ValueError, match="series"):
        TrendChart("T", "", (), None, None, "", "fi")
    with pytest.raises(ValueError, match="count"):
        DistributionChart("T", ("a", "b"), "2025", (1,), "2024", (1, 2), "fi")
    with pytest.raises(ValueError, match="locale"):
        ReportDocument("T", "S", "xx", (), (), ())
