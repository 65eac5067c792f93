"""Drawing charts for a person, counted: how many were drawn and how long it took.

The counters (``charts_drawn``, ``chart_render_ms``) reach ``/metrics`` through the engine.
"""

from __future__ import annotations

import time

from charts import Chart, ReportDocument, SummaryPage, cached_render_png, render_pdf
from collectors.engine import Engine


def draw_png(engine: Engine, chart: Chart | SummaryPage) -> bytes:
    """A chart or summary page as PNG bytes, from the cache when the data is the same."""
    started = time.perf_counter()
    png = cached_render_png(chart)
    _count(engine, started)
    return png


def draw_pdf(engine: Engine, document: ReportDocument) -> bytes:
    """The interim report as PDF bytes."""
    started = time.perf_counter()
    pdf = render_pdf(document)
    _count(engine, started)
    return pdf


def _count(engine: Engine, started: float) -> None:
    engine.count("charts_drawn")
    engine.count("chart_render_ms", round((time.perf_counter() - started) * 1000))
