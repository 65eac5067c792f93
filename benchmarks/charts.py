"""Figure 3: chart rendering at phone size, the cache, the summary page and the PDF report.

Chart kinds are drawn from plain data shaped like a division's year: 20 units and three
tertiles (a trend line per unit, bars of this tertile against the last one per unit, the
units' NPS split, incident types this year against last, 20 goals, 20 percent targets). Each
is rendered to a 1080 px wide PNG with :func:`charts.render_png`; the floor is a bare
matplotlib figure of the same pixel size with 20 three-point lines and nothing else (no
layout engine, labels or legend), saved as PNG in the same process.

The summary page and the interim report come from the database as a leader gets them: a
20-unit division with two years of submitted tertile reports and three closed survey rounds
(seeded like ``omabot docs-images``), :func:`collectors.summary.summary_page` then
:func:`charts.render_summary_png`, :func:`collectors.interim_report.interim_report` then
:func:`charts.render_pdf`. Their times include the queries.
"""

from __future__ import annotations

import io
import random
from datetime import date
from functools import partial
from typing import Any

from benchmarks.common import Row, median, ms, percentile, ratio, timed
from benchmarks.world import county_config, division_id, sqlite_database
from bot.cli.docs_images import seed_history
from charts import (
    DistributionChart,
    IndexChart,
    IndexRound,
    PairedBarsChart,
    Scorecard,
    ScoreRow,
    TargetBars,
    TrendChart,
    TrendSeries,
    cached_render_png,
    render_pdf,
    render_png,
    render_summary_png,
)
from charts.cache import ChartCache
from charts.data import Chart
from charts.render import png_height_px
from collectors.chart_scope import full_scope
from collectors.i18n import translator
from collectors.interim_report import interim_report
from collectors.reporting import find_period
from collectors.summary import fit_to_phone, summary_page

UNITS = 20
WIDTH = 1080
TODAY = date(2025, 9, 10)
TERTILES = ("1-4/2025", "5-8/2025", "9-12/2025")
STATUSES = ("on_schedule", "challenges", "not_started", "done")


def sample_charts(seed: int = 3) -> dict[str, Chart]:
    """One chart of each kind for 20 units and a year of tertiles."""
    rng = random.Random(seed)
    names = [f"Kotihoito {n + 1}" for n in range(UNITS)]
    trend = TrendChart(
        title="Sairauspoissaolot, Koti- ja asumispalvelut",
        unit_label="%",
        series=tuple(
            TrendSeries(name, tuple((t, round(rng.uniform(2, 9), 1)) for t in TERTILES))
            for name in names
        ),
        target=4.8,
        baseline=5.0,
        y_label="%",
        locale="fi",
    )
    bars = PairedBarsChart(
        title="HaiPro-ilmoitukset",
        unit_label="kpl",
        current_label=TERTILES[-1],
        previous_label=TERTILES[-2],
        rows=tuple((n, float(rng.randrange(30)), float(rng.randrange(30))) for n in names),
        target=None,
        locale="fi",
    )
    index_rounds = []
    for name in names:
        promoters = rng.uniform(20, 50)
        detractors = rng.uniform(10, 40)
        index_rounds.append(
            IndexRound(
                name,
                round(promoters - detractors),
                promoters,
                100 - promoters - detractors,
                detractors,
                rng.randrange(5, 30),
                False,
            )
        )
    index_rounds[-1] = IndexRound(names[-1], None, None, None, None, None, True)
    index = IndexChart("Henkilöstön NPS", "NPS", tuple(index_rounds), "fi")
    categories: tuple[str, ...] = (
        "Lääkehoito",
        "Tiedonkulku",
        "Tapaturma/kaatuminen",
        "Väkivalta tai uhka",
        "Potilaan tunnistus",
        "Diagnoosi",
        "Muu hoito",
        "Muu",
    )
    distribution = DistributionChart(
        title="Yleisimmät tapahtumatyypit",
        categories=categories,
        this_label="2025",
        this_counts=tuple(rng.randrange(1, 60) for _ in categories),
        last_label="2024",
        last_counts=tuple(rng.randrange(1, 60) for _ in categories),
        locale="fi",
    )
    scorecard = Scorecard(
        title="Tavoitteet",
        rows=tuple(
            ScoreRow(
                f"Poissaolot vähenevät ({name})",
                "Sairauspoissaolo-%",
                5.0,
                4.8,
                round(rng.uniform(3.5, 6.5), 1),
                STATUSES[n % 4],  # type: ignore[arg-type]
                "%",
            )
            for n, name in enumerate(names)
        ),
        status_labels={"on_schedule": "Aikataulussa", "challenges": "Haasteita"},
        locale="fi",
    )
    targets = TargetBars(
        title="Palvelutarpeen arviot 7 arkipäivässä",
        rows=tuple((n, round(rng.uniform(40, 100)), 50.0) for n in names),
        locale="fi",
    )
    return {
        "trend": trend,
        "paired bars": bars,
        "index (NPS)": index,
        "distribution": distribution,
        "scorecard": scorecard,
        "target bars": targets,
    }


def bare_line_plot(width_px: int, height_px: int) -> bytes:
    """The floor: a bare matplotlib figure of 20 three-point lines, saved as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 216.0
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for n in range(UNITS):
        ax.plot([0, 1, 2], [n, n + 1, n + 0.5])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _chart_rows(runs: int) -> list[Row]:
    rows: list[Row] = []
    worst_cached = 0.0
    for name, chart in sample_charts().items():
        height = png_height_px(chart, width_px=WIDTH)
        render_png(chart, width_px=WIDTH)  # warm: fonts, caches
        bare_line_plot(WIDTH, height)
        times = timed(partial(render_png, chart, width_px=WIDTH), runs)
        floor = median(timed(partial(bare_line_plot, WIDTH, height), runs))
        rows.append(
            Row(
                f"3 chart {name} {WIDTH}×{height} p50 (p95)",
                f"{ms(median(times))} ({ms(percentile(times, 95))})",
                f"bare plot {ms(floor)}",
                ratio(median(times), floor),
            )
        )
        cached = partial(cached_render_png, chart, width_px=WIDTH, cache=ChartCache())
        cached()
        hits = timed(cached, 50)
        worst_cached = max(worst_cached, percentile(hits, 95))
    rows.append(
        Row(
            "3 cached chart, worst kind p95",
            ms(worst_cached),
            required="< 5 ms",
            ok=worst_cached < 0.005,
        )
    )
    return rows


def _document_rows(runs: int) -> list[Row]:
    config = county_config(divisions=1, per_division=UNITS)
    _ = translator("fi")
    rows: list[Row] = []
    with sqlite_database(config) as db:
        with db.session() as session:
            seeded = seed_history(session, config, TODAY, "fi")
        last = seeded.periods[-1]
        division = division_id(1)

        def summary() -> bytes:
            with db.session() as session:
                period = find_period(session, config, last.id)
                page = summary_page(session, config, full_scope(config), division, period, _)
            return render_summary_png(fit_to_phone(page), width_px=WIDTH)

        def report() -> bytes:
            with db.session() as session:
                period = find_period(session, config, last.id)
                document = interim_report(
                    session, config, full_scope(config), [division], period, _, today=TODAY
                )
            return render_pdf(document)

        pages: dict[str, Any] = {}
        pages["summary"] = len(summary())
        pages["pdf"] = len(report())
        summary_times = timed(summary, runs)
        pdf_times = timed(report, 3)
    p95 = percentile(summary_times, 95)
    rows.append(
        Row(
            f"3 summary page of a {UNITS}-unit division p50 (p95)",
            f"{ms(median(summary_times))} ({ms(p95)})",
            required="p95 < 1 s",
            ok=p95 < 1.0,
        )
    )
    typical = median(pdf_times)
    rows.append(
        Row(
            f"3 PDF interim report of a {UNITS}-unit division p50 (max)",
            f"{typical:.2f} s ({max(pdf_times):.2f} s, {pages['pdf'] // 1024} KiB)",
            required="< 10 s",
            ok=typical < 10.0,
        )
    )
    return rows


def measure(runs: int = 12) -> list[Row]:
    """Run figure 3; return the table rows."""
    return _chart_rows(runs) + _document_rows(max(5, runs))


__all__ = ["bare_line_plot", "measure", "sample_charts"]


if __name__ == "__main__":
    from benchmarks.common import table

    print(table(measure(runs=8)))
