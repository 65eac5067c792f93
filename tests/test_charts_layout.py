"""Layout: measured text, key figure columns, trend legends and point labels that never overlap.

The overlap tests draw with the Agg renderer and compare the texts' bounding boxes
(``Text.get_window_extent``): every text inside the image, no two texts intersecting.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from charts import (
    Chart,
    IndexChart,
    IndexRound,
    KeyFigure,
    Scorecard,
    ScoreRow,
    SummaryPage,
    TargetBars,
    TrendChart,
    TrendSeries,
)
from charts.data import GoalCount, GoalStatusChart
from charts.draw_tables import KEY_FIGURE_GID
from charts.goal_layout import GOAL_NAMED_LINES, goal_bar_segments, goal_status_layout
from charts.layout import chart_height_in, trend_height_in
from charts.render import build_figure, drawing, render_png
from charts.summary_layout import key_figure_table, share_width
from charts.textwidth import text_width_in, value_lines, wrap_to_width
from charts.trend_layout import point_label_sides, trend_legend

PHONE = 1080
NBSP = "\u00a0"
LOCALES = ("fi", "sv", "en")

LONG_VALUES = {
    "fi": (
        ("Koulutuspäivät henkilöä kohden", f"43,95{NBSP}pv/hlö", f"44,84{NBSP}pv/hlö", ""),
        ("Puhelut", f"107{NBSP}260{NBSP}kpl", f"98{NBSP}120{NBSP}kpl", f"100{NBSP}000{NBSP}kpl"),
        ("Henkilöstön määrä", f"53{NBSP}henkilöä", f"60{NBSP}henkilöä", ""),
        ("Ilmoitusten käsittelyaika", f"13,45{NBSP}vrk", f"12,94{NBSP}vrk", f"14{NBSP}vrk"),
        ("Influenssarokotuskattavuus", f"97,82{NBSP}%", f"97,42{NBSP}%", f"100{NBSP}%"),
    ),
    "sv": (
        ("Utbildningsdagar per person", f"43,95{NBSP}dagar/person", f"44,84{NBSP}dagar/person", ""),
        ("Samtal", f"107{NBSP}260{NBSP}st", f"98{NBSP}120{NBSP}st", f"100{NBSP}000{NBSP}st"),
        ("Antal anställda", f"53{NBSP}personer", f"60{NBSP}personer", ""),
        ("Handläggningstid", f"13,45{NBSP}dygn", f"12,94{NBSP}dygn", f"14{NBSP}dygn"),
        ("Vaccinationstäckning mot influensa", f"97,82{NBSP}%", f"97,42{NBSP}%", f"100{NBSP}%"),
    ),
    "en": (
        ("Training days per person", f"43.95{NBSP}days/person", f"44.84{NBSP}days/person", ""),
        ("Calls", f"107,260{NBSP}pcs", f"98,120{NBSP}pcs", f"100,000{NBSP}pcs"),
        ("Staff headcount", f"53{NBSP}persons", f"60{NBSP}persons", ""),
        ("Mean handling time", f"13.45{NBSP}days", f"12.94{NBSP}days", f"14{NBSP}days"),
        ("Influenza vaccination coverage", "97.82%", "97.42%", "100%"),
    ),
}

LONG_UNITS = {
    "fi": (
        "Ympärivuorokautinen palveluasuminen, Hoivakoti Koivula",
        "Ympärivuorokautinen palveluasuminen, Hoivakoti Mäntylä",
        "Kotihoito Kajaani",
        "Kotihoito Sotkamo",
    ),
    "sv": (
        "Serviceboende med heldygnsomsorg, Vårdhemmet Koivula",
        "Serviceboende med heldygnsomsorg, Vårdhemmet Mäntylä",
        "Hemvården Kajana",
        "Hemvården Sotkamo",
    ),
    "en": (
        "24-hour Assisted Living, Koivula Care Home",
        "24-hour Assisted Living, Mäntylä Care Home",
        "Home Care Kajaani",
        "Home Care Sotkamo",
    ),
}
PERIODS = ("T1/2024", "T2/2024", "T3/2024", "T1/2025", "T2/2025")


def key_figure_page(locale: str, rows: int = 5) -> SummaryPage:
    figures = tuple(
        KeyFigure(label, value, previous, target, "on_schedule" if target else None)
        for label, value, previous, target in LONG_VALUES[locale][:rows]
    )
    bars = TargetBars(
        "Ajallaan",
        (("Ajantasaiset hoito- ja palvelusuunnitelmat ympärivuorokautisessa hoidossa", 99.9, 100),),
        locale,
    )
    return SummaryPage(
        "Koti- ja asumispalvelut",
        "T2/2025 (1.5.–31.8.2025) · 4/5 raporttia lähetetty",
        figures,
        (bars,),
        ("Palveluasuminen Kuusikko",),
        locale,
        {"on_schedule": "Tavoite saavutettu"},
    )


def unit_trend(locale: str, count: int = 4) -> TrendChart:
    series = tuple(
        TrendSeries(
            name, tuple((p, 4.0 + (i * 0.7 + j * 0.4) % 2.5) for j, p in enumerate(PERIODS))
        )
        for i, name in enumerate(LONG_UNITS[locale][:count])
    )
    return TrendChart("Sairauspoissaolot", "%", series, 4.8, 5.0, "%", locale)


@pytest.fixture
def drawn() -> Iterator[None]:
    with drawing():
        yield


def figure_of(chart: SummaryPage | Chart) -> Figure:
    """The chart drawn at phone width with its layout done (call inside ``drawn``)."""
    fig = build_figure(chart, width_px=PHONE)
    fig.draw_without_rendering()
    return fig


def text_boxes(fig: Figure, texts: Iterable[Text] | None = None) -> list[tuple[str, Bbox]]:
    """The visible, non-empty texts (all of the figure's by default) with their pixel boxes."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    chosen = fig.findobj(Text) if texts is None else texts
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in chosen
        if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
    ]


def problems(fig: Figure, boxes: list[tuple[str, Bbox]], slack: float = 0.5) -> list[str]:
    """Texts sticking out of the figure, and pairs of texts whose boxes intersect."""
    found = [
        f"outside: {text!r}"
        for text, box in boxes
        if box.x0 < -slack
        or box.y0 < -slack
        or box.x1 > fig.bbox.width + slack
        or box.y1 > fig.bbox.height + slack
    ]
    for (text_a, a), (text_b, b) in itertools.combinations(boxes, 2):
        width = min(a.x1, b.x1) - max(a.x0, b.x0)
        height = min(a.y1, b.y1) - max(a.y0, b.y0)
        if width > slack and height > slack:
            found.append(f"overlap: {text_a!r} and {text_b!r}")
    return found


def test_problems_finds_overlaps_and_texts_outside(drawn: None) -> None:
    fig = figure_of(TargetBars("T", (("a", 50, None),), "en"))
    fig.text(0.5, 0.5, "here")
    fig.text(0.5, 0.5, "again")
    fig.text(0.99, 0.5, "far out of the picture")
    found = problems(fig, text_boxes(fig))
    assert "overlap: 'here' and 'again'" in found
    assert "outside: 'far out of the picture'" in found


SAMPLES = (
    f"43.95{NBSP}days/person",
    f"107{NBSP}260{NBSP}kpl",
    "Ympärivuorokautinen palveluasuminen, Hoivakoti Koivula",
    "Serviceboende med heldygnsomsorg, Vårdhemmet Mäntylä",
    "NPS \u221238 (n = 8)",
    "Työturvallisuusilmoitukset – Föregående",
)


@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("size", [9.45, 10.5, 12.0, 15.0])
def test_measured_widths_match_what_agg_draws(drawn: None, size: float, bold: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(dpi=PHONE / 5)
    renderer = FigureCanvasAgg(fig).get_renderer()
    for sample in SAMPLES:
        text = fig.text(0, 0, sample, fontsize=size, fontweight="bold" if bold else "normal")
        drawn_in = text.get_window_extent(renderer).width / fig.dpi
        estimate = text_width_in(sample, size, bold=bold)
        assert drawn_in <= estimate + 1 / fig.dpi, sample
        assert estimate <= drawn_in * 1.05, sample


def test_wrap_to_width_keeps_lines_inside_and_no_break_spaces_whole() -> None:
    text = f"Koulutuspäivät henkilöä kohden 43,95{NBSP}pv/hlö ja muuta"
    lines = wrap_to_width(text, 1.2, 10.5)
    assert len(lines) > 1
    assert all(text_width_in(line, 10.5) <= 1.2 for line in lines)
    assert " ".join(lines) == text
    assert any(f"43,95{NBSP}pv/hlö" in line for line in lines)
    compound = wrap_to_width("Työturvallisuusilmoitukset", 0.8, 10.5, bold=True)
    assert len(compound) > 1 and compound[0].endswith("-")
    assert "".join(c.rstrip("-") for c in compound) == "Työturvallisuusilmoitukset"
    assert wrap_to_width("", 1.0, 10.5) == [""]


def test_value_lines_put_the_unit_under_the_number() -> None:
    value = f"43.95{NBSP}days/person"
    assert value_lines(value, 3.0, 10.5) == [value]
    assert value_lines(value, 1.1, 10.5, bold=True) == ["43.95", "days/person"]
    assert value_lines(value, 0.6, 10.5) == ["43.95", "days/", "person"]
    assert value_lines(value, 1.0, 10.5, bold=True) == ["43.95 days/", "person"]
    # thousands separators and the percent sign stay with their number
    assert value_lines(f"107{NBSP}260{NBSP}kpl", 0.7, 10.5) == [f"107{NBSP}260", "kpl"]
    squeezed = value_lines(f"97,82{NBSP}%", 0.3, 10.5)  # last resort: cut inside the number
    assert len(squeezed) > 1 and all(text_width_in(line, 10.5) <= 0.3 for line in squeezed)
    assert value_lines(f"97,82{NBSP}%", 0.7, 10.5) == [f"97,82{NBSP}%"]


def test_share_width() -> None:
    # room for all: the narrow columns widen evenly, the wide one keeps its width
    assert share_width([0.5, 0.5, 0.5], [0.1] * 3, 2.4) == pytest.approx([0.8] * 3)
    assert share_width([1.0, 0.5, 0.5], [0.1] * 3, 2.4) == pytest.approx([1.0, 0.7, 0.7])
    # too wide: the narrow column keeps its width, the wide ones share the rest
    assert share_width([1.5, 1.4, 0.6], [0.9, 0.9, 0.6], 2.4) == pytest.approx([0.9, 0.9, 0.6])
    assert share_width([2.0, 1.8, 0.4], [0.5, 0.5, 0.4], 2.4) == pytest.approx([1.0, 1.0, 0.4])
    # but never under the minimum, even over the budget
    assert share_width([3.0, 3.0, 3.0], [1.0, 1.0, 1.5], 2.4) == pytest.approx([1.0, 1.0, 1.5])


@pytest.mark.parametrize("locale", LOCALES)
def test_key_figure_columns_hold_their_values(locale: str) -> None:
    page = key_figure_page(locale)
    table = key_figure_table(page, 5.0)
    right = 5.0 - 0.12
    ends = [x + w for x, w in zip(table.column_xs, table.column_widths, strict=True)]
    assert ends[-1] == pytest.approx(right)
    for row in table.rows:
        for k, lines in enumerate(row.value_lines):
            for line in lines:
                assert text_width_in(line, 10.5, bold=k == 0) <= table.column_widths[k] + 1e-9
    long_value = table.rows[0].value_lines[0]
    assert len(long_value) == 2  # "43.95" over "days/person"
    assert long_value[0].startswith("43")


def test_short_values_keep_the_label_column_wide() -> None:
    page = SummaryPage(
        "K", "", (KeyFigure("Sairauspoissaolot", "4,6 %", "5,2 %", "4,8 %", None),), (), (), "fi"
    )
    table = key_figure_table(page, 5.0)
    assert table.column_xs[0] - 0.12 == pytest.approx(0.42 * 4.76 + 0.14, abs=0.1)
    assert all(len(lines) == 1 for lines in table.rows[0].value_lines)


@pytest.mark.parametrize("locale", LOCALES)
def test_key_figure_texts_never_overlap(drawn: None, locale: str) -> None:
    fig = figure_of(key_figure_page(locale))
    cells = [t for t in fig.findobj(Text) if isinstance(t, Text) and t.get_gid() == KEY_FIGURE_GID]
    boxes = text_boxes(fig, cells)
    assert len(boxes) > 5 * 4
    assert problems(fig, boxes) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_whole_summary_page_has_no_overlapping_texts(drawn: None, locale: str) -> None:
    fig = figure_of(key_figure_page(locale))
    assert problems(fig, text_boxes(fig)) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_trend_legend_with_long_unit_names_stays_inside(drawn: None, locale: str) -> None:
    chart = unit_trend(locale)
    assert trend_legend(chart, 5.0).ncols == 1
    fig = figure_of(chart)
    legends = [legend for sub in [fig, *fig.subfigs] for legend in sub.legends]
    assert len(legends) == 1
    legend_texts = text_boxes(fig, legends[0].get_texts())
    assert len(legend_texts) == 6  # four units, target, baseline
    assert problems(fig, legend_texts) == []
    assert problems(fig, text_boxes(fig)) == []  # nor do they meet the tick labels


def test_short_legends_take_two_columns_and_long_ones_make_the_chart_taller() -> None:
    short = unit_trend("fi", 4)
    short = TrendChart(
        short.title,
        short.unit_label,
        tuple(TrendSeries(f"Yksikkö {i}", s.points) for i, s in enumerate(short.series)),
        4.8,
        5.0,
        "%",
        "fi",
    )
    assert trend_legend(short, 5.0).ncols == 2
    assert trend_height_in(unit_trend("fi", 4), 5.0) > trend_height_in(short, 5.0)
    labels = trend_legend(unit_trend("fi", 4), 3.0).labels
    assert "\n" in labels[0]  # wrapped when even one column is too narrow


def test_point_labels_move_below_when_above_would_cross_a_level_line() -> None:
    values = [5.8, 4.1, 4.5, math.nan, 2.0]
    sides = point_label_sides(values, [0.3] * 5, [4.8, 5.0], (0.0, 10.0), (4.0, 2.75))
    assert sides == ["above", "below", "below", "above", "above"]
    # below would leave the plot: stays above
    assert point_label_sides([0.2], [0.3], [0.5], (0.0, 10.0), (4.0, 2.75)) == ["above"]


def test_point_labels_avoid_the_previous_label() -> None:
    sides = point_label_sides([50.0, 50.5], [1.5, 1.5], [], (0.0, 100.0), (2.0, 2.75))
    assert sides == ["above", "below"]


@pytest.mark.parametrize("locale", LOCALES)
def test_drawn_point_labels_do_not_cross_target_or_baseline(drawn: None, locale: str) -> None:
    from matplotlib.text import Annotation

    points = tuple(zip(PERIODS, (5.8, 5.4, 4.1, 4.5, 4.3), strict=True))
    chart = TrendChart("T", "%", (TrendSeries("a", points),), 4.8, 5.0, "%", locale)
    fig = figure_of(chart)
    ax = next(a for a in fig.axes if a.get_subplotspec() is not None)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = [t for t in fig.findobj(Annotation) if isinstance(t, Annotation)]
    assert len(labels) == 5
    level_ys = [ax.transData.transform((0, level))[1] for level in (4.8, 5.0)]
    for label in labels:
        patch = label.get_bbox_patch()
        box = patch.get_window_extent(renderer) if patch else label.get_window_extent(renderer)
        assert not any(box.y0 <= y <= box.y1 for y in level_ys), label.get_text()


@pytest.mark.parametrize("locale", LOCALES)
def test_long_labels_and_values_keep_clear_of_each_other(drawn: None, locale: str) -> None:
    long = "Serviceboende med heldygnsomsorg Vårdhemmet Koivula ja Mäntylä yhteensä"
    unit = {"fi": "pv/hlö", "sv": "dagar/person", "en": "days/person"}[locale]
    charts: list[TargetBars | IndexChart | Scorecard] = [
        TargetBars("T", ((long, 99.9, 100), ("Kotihoito", 80, 50)), locale),
        IndexChart("I", "NPS", (IndexRound(long, -38, 10, 42, 48, 12345, False),), locale),
        Scorecard(
            "S",
            (ScoreRow(long, long, 44.84, 40.5, 43.95, "challenges", unit),),
            {"challenges": "Haasteita aikataulussa pysymisessä"},
            locale,
        ),
    ]
    for chart in charts:
        fig = figure_of(chart)
        assert problems(fig, text_boxes(fig)) == [], type(chart).__name__


@pytest.mark.parametrize("locale", LOCALES)
def test_an_nss_legend_names_agreement_not_promoters(drawn: None, locale: str) -> None:
    rounds = (IndexRound("Kevät 2025", 54, 58, 38, 4, 52, False),)
    expected = {
        "NSS": {
            "fi": ["eri mieltä", "neutraalit", "samaa mieltä"],
            "sv": ["instämmer inte", "neutrala", "instämmer"],
            "en": ["disagree", "neutral", "agree"],
        }[locale],
        "NPS": {
            "fi": ["arvostelijat", "passiiviset", "suosittelijat"],
            "sv": ["kritiker", "passiva", "förespråkare"],
            "en": ["detractors", "passives", "promoters"],
        }[locale],
    }
    for index_name, words in expected.items():
        fig = figure_of(IndexChart("I", index_name, rounds, locale))
        legends = [legend for sub in [fig, *fig.subfigs] for legend in sub.legends]
        legends += [own for ax in fig.findobj(Axes) if (own := ax.get_legend()) is not None]
        assert [t.get_text() for legend in legends for t in legend.get_texts()] == words
        assert problems(fig, text_boxes(fig)) == [], index_name


def _goals(challenged: int, units: int = 20) -> GoalStatusChart:
    names = tuple(f"Kotihoidon tiimi {n}" for n in range(1, challenged + 1))
    row = GoalCount(
        goal="Sairauspoissaolot vähenevät",
        counts=(("on_schedule", units - challenged - 2), ("challenges", challenged)),
        unreported=2,
        challenged=names,
    )
    return GoalStatusChart("Tavoitteet", (row, row, row), {}, "fi")


def test_goal_status_names_the_units_with_challenges_on_two_lines_at_most() -> None:
    chart = _goals(challenged=12)
    layout = goal_status_layout(chart, 5.0)
    lines = layout.rows[0].named_lines
    assert 1 <= len(lines) <= GOAL_NAMED_LINES
    shown = " ".join(lines)
    assert shown.startswith("Haasteita: Kotihoidon tiimi 1, ")
    counted = 12 - shown.count("Kotihoidon tiimi")
    assert counted > 0 and shown.endswith(f"ja {counted} muuta")
    few = goal_status_layout(_goals(challenged=1), 5.0).rows[0]
    assert few.named_lines == ["Haasteita: Kotihoidon tiimi 1"]
    assert goal_status_layout(_goals(challenged=0), 5.0).rows[0].named_lines == []
    texts = [chip.text for chip in layout.rows[0].chips]
    assert texts == ["6 Aikataulussa", "12 Haasteita", "2 Tila puuttuu"]


def test_goal_status_bar_shares_and_height_do_not_grow_with_the_units() -> None:
    row = _goals(challenged=12).rows[0]
    segments = goal_bar_segments(row)
    assert [s for s, _start, _width in segments] == ["on_schedule", "challenges", None]
    assert math.isclose(sum(w for _s, _start, w in segments), 1.0)
    assert math.isclose(segments[-1][1] + segments[-1][2], 1.0)
    twenty = chart_height_in(_goals(challenged=12), 5.0)
    two_hundred = chart_height_in(_goals(challenged=120, units=200), 5.0)
    assert math.isclose(twenty, two_hundred)  # names beyond two lines are counted, not listed
    assert render_png(_goals(challenged=12))[:8] == b"\x89PNG\r\n\x1a\n"
