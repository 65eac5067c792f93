"""Rendering: valid PNG and PDF output, honest drawing, locale, lazy matplotlib import."""

from __future__ import annotations

import datetime
import math
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from charts import (
    Chart,
    DistributionChart,
    IndexChart,
    IndexRound,
    KeyFigure,
    PairedBarsChart,
    ReportDocument,
    ReportSection,
    Scorecard,
    ScoreRow,
    SummaryPage,
    TargetBars,
    TrendChart,
    TrendSeries,
    render_pdf,
    render_png,
    render_summary_png,
)
from charts.pages import plan_pages
from charts.render import build_figure, drawing, png_height_px

SMALL = 320
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def pdf_pages(data: bytes) -> int:
    """Number of page objects in a PDF."""
    return len(re.findall(rb"/Type\s*/Page\b", data))


def trend_chart(locale: str = "fi") -> TrendChart:
    return TrendChart(
        "Sairauspoissaolot",
        "%",
        (
            TrendSeries(
                "Kotihoito",
                (("1-4/2024", 4.6), ("5-8/2024", None), ("9-12/2024", 2.5), ("1-4/2025", 3.9)),
            ),
        ),
        4.8,
        5.0,
        "%",
        locale,
    )


def index_chart(locale: str = "fi") -> IndexChart:
    return IndexChart(
        "Henkilöstön NPS",
        "NPS",
        (
            IndexRound("Kevät 2024", 26, 45, 36, 19, 42, False),
            IndexRound("Tiimi Etelä", 77, 88, 11, 1, 3, True),  # numbers must never show
            IndexRound("Syksy 2024", -42, 10, 38, 52, 21, False),
        ),
        locale,
    )


def all_charts(locale: str) -> list[Chart]:
    return [
        trend_chart(locale),
        PairedBarsChart(
            "Haittatapahtumat",
            "kpl",
            "1-4/2025",
            "9-12/2024",
            (("Ikäihmisten asiakaspäätösyksikkö", 7, 6), ("Palveluohjaus", None, 3), ("B", 0, 2)),
            10,
            locale,
        ),
        index_chart(locale),
        DistributionChart(
            "Tyypit", ("Lääkehoito", "Muu"), "2025", (14, None), "2024", (11, 3), locale
        ),
        Scorecard(
            "Tavoitteet",
            (
                ScoreRow("Poissaolot vähenevät", "Poissaolo-%", 5.0, 4.8, 4.6, "on_schedule", "%"),
                ScoreRow("Rokotukset", "Kattavuus", 62, 100, None, "not_started", "%"),
            ),
            {"on_schedule": "Aikataulussa!"},
            locale,
        ),
        TargetBars(
            "Arvioinnit ajallaan", (("Kotihoito", 79, 50), ("Omaishoito", None, 80)), locale
        ),
    ]


def summary_page(locale: str = "fi") -> SummaryPage:
    return SummaryPage(
        "Kotihoito",
        "1-4/2025",
        (KeyFigure("Sairauspoissaolot", "4,6 %", "5,2 %", "4,8 %", "on_schedule"),),
        (index_chart(locale),),
        ("Palveluohjaus",),
        locale,
    )


def texts_of(chart: Chart | SummaryPage) -> list[str]:
    """Every text drawn for a chart."""
    from matplotlib.text import Text

    with drawing():
        fig = build_figure(chart, width_px=SMALL)
        return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_every_chart_kind_renders_a_png_of_the_asked_width(locale: str) -> None:
    for chart in all_charts(locale):
        data = render_png(chart, width_px=SMALL)
        width, height = png_size(data)
        assert width == SMALL, type(chart).__name__
        assert height == png_height_px(chart, width_px=SMALL)
        assert data.endswith(b"IEND\xaeB`\x82")


def test_default_png_is_phone_sized() -> None:
    width, height = png_size(render_png(trend_chart()))
    assert width == 1080
    assert 700 < height < 2200


def test_explicit_dpi_and_odd_widths_keep_the_exact_width() -> None:
    assert png_size(render_png(trend_chart(), width_px=333))[0] == 333
    assert png_size(render_png(trend_chart(), width_px=600, dpi=100))[0] == 600


def test_out_of_range_size_is_refused() -> None:
    with pytest.raises(ValueError, match="width_px"):
        render_png(trend_chart(), width_px=5)
    with pytest.raises(ValueError, match="dpi"):
        render_png(trend_chart(), width_px=400, dpi=0)
    rows = tuple((f"Yksikkö {i}", float(i), float(i)) for i in range(400))
    huge = PairedBarsChart("T", "kpl", "now", "before", rows, None, "fi")
    with pytest.raises(ValueError, match="too tall"):
        render_png(huge, width_px=SMALL)


def test_missing_period_is_a_gap_in_the_drawn_line_not_zero() -> None:
    import numpy as np
    from matplotlib.lines import Line2D

    with drawing():
        fig = build_figure(trend_chart(), width_px=SMALL)
        lines = [ln for ln in fig.findobj(Line2D) if ln.get_label() == "Kotihoito"]
        ydata = np.asarray(lines[0].get_ydata(), dtype=float).tolist()
    assert ydata[0] == 4.6 and ydata[2] == 2.5
    assert math.isnan(ydata[1])
    assert "puuttuu" in texts_of(trend_chart())


def test_suppressed_group_is_drawn_as_too_few_answers_without_numbers() -> None:
    texts = texts_of(index_chart("fi"))
    assert "liian vähän vastauksia" in texts
    assert "Tiimi Etelä" in texts
    joined = "\n".join(texts)
    for secret in ("77", "88", "11", "n = 3"):
        assert secret not in joined
    assert "NPS +26 (n = 42)" in texts
    assert "NPS −42 (n = 21)" in texts


def test_numbers_follow_the_locale() -> None:
    fi, en = texts_of(trend_chart("fi")), texts_of(trend_chart("en"))
    assert "2,5\u00a0%" in fi and "2.5%" in en
    assert "tavoite 4,8\u00a0%" in fi and "target 4.8%" in en
    assert "lähtötaso 5\u00a0%" in fi
    assert any(t.endswith("\u00a0%") for t in fi)  # the axis ticks too


def test_bars_start_at_zero_and_missing_values_are_words_not_bars() -> None:
    from matplotlib.patches import Rectangle

    chart = all_charts("sv")[1]
    assert isinstance(chart, PairedBarsChart)
    with drawing():
        fig = build_figure(chart, width_px=SMALL)
        ax = next(a for a in fig.axes if a.get_subplotspec() is not None)
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert ax.get_xlim()[0] == 0
        assert [b.get_x() for b in bars] == [0.0] * 5  # six values, one missing
    texts = texts_of(chart)
    assert texts.count("saknas") == 1
    assert "0\u00a0kpl" in texts  # a zero is a value, drawn as such


def test_scorecard_uses_caller_status_words_with_fallback() -> None:
    texts = texts_of(all_charts("fi")[4])
    assert "Aikataulussa!" in texts  # the caller's word
    assert "Ei aloitettu" in texts  # the charts' own
    assert "puuttuu" in texts  # latest value missing


def test_labels_with_dollar_signs_are_text_not_math() -> None:
    chart = TargetBars("Kulut $ ja $x$", (("$a$", 50, 60),), "en")
    assert png_size(render_png(chart, width_px=SMALL))[0] == SMALL
    assert "$a$" in texts_of(chart)


def test_empty_charts_say_no_data() -> None:
    empty: list[Chart] = [
        TargetBars("T", (), "en"),
        IndexChart("I", "NSS", (), "en"),
        Scorecard("S", (), {}, "en"),
        TrendChart("T", "kpl", (TrendSeries("a", (("1", None),)),), None, None, "", "en"),
    ]
    for chart in empty:
        assert png_size(render_png(chart, width_px=SMALL))[0] == SMALL
        assert "no data" in texts_of(chart)


def test_summary_png() -> None:
    page = summary_page("sv")
    data = render_summary_png(page, width_px=SMALL)
    assert png_size(data) == (SMALL, png_height_px(page, width_px=SMALL))
    texts = texts_of(page)
    assert "Har inte rapporterat ännu: Palveluohjaus" in texts
    assert "Nyckeltal" in texts and "4,6 %" in texts
    assert render_png(page, width_px=SMALL) == data


def test_report_pdf_has_a_cover_section_pages_and_a_page_per_unit() -> None:
    bars = all_charts("fi")[5]
    doc = ReportDocument(
        "Omavalvonnan osavuosikatsaus 1-4/2025",
        "Koti- ja asumispalvelut",
        "fi",
        ("Hyvinvointialue X",),
        (ReportSection("Saatavuus", ("Arvioinnit on aloitettu ajallaan.",), (bars,)),),
        (summary_page("fi"), summary_page("fi")),
        datetime.date(2025, 5, 15),
    )
    data = render_pdf(doc)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_pages(data) == 4 == len(plan_pages(doc))
    assert b"/Count 4" in data
    assert b"Omavalvonnan osavuosikatsaus" in data  # the document title metadata


def test_cover_only_report_is_one_page() -> None:
    doc = ReportDocument("Tom rapport", "", "sv", (), (), ())
    assert pdf_pages(render_pdf(doc)) == 1


def test_concurrent_renders_from_threads_are_all_valid() -> None:
    charts = all_charts("en")

    def render(chart: Chart) -> tuple[int, int]:
        return png_size(render_png(chart, width_px=240))

    with ThreadPoolExecutor(max_workers=4) as pool:
        sizes = list(pool.map(render, charts))
    assert [w for w, _ in sizes] == [240] * len(charts)


def test_importing_charts_does_not_import_matplotlib(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        import charts, charts.data, charts.cache, charts.layout, charts.pages
        from charts.data import TrendChart, TrendSeries, IndexChart, IndexRound
        TrendChart("t", "%", (TrendSeries("a", (("1", 1.0), ("2", None))),), 1, None, "", "fi")
        IndexChart("i", "NPS", (IndexRound("r", None, None, None, None, None, True),), "sv")
        charts.layout.chart_height_in(
            TrendChart("t", "%", (TrendSeries("a", (("1", 1.0),)),), 1, None, "", "fi"), 5)
        assert "matplotlib" not in sys.modules, "matplotlib imported"
        """
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(autouse=True)
def _no_pyplot_state() -> Iterator[None]:
    """Charts never use pyplot: no figure may be left open in its global registry."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []
