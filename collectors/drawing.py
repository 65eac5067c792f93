"""Drawing charts for a person, counted: how many were drawn and how long it took.

The counters (``charts_drawn``, ``chart_render_ms``) reach ``/metrics`` through the engine.

A drawn figure leaves thousands of matplotlib objects in reference cycles. They are collected
here, at once, while the person waits for the picture anyway: left to the garbage collector,
the next full collection (30-50 ms) fell in the middle of someone's answer
(benchmarks/RESULTS.md, figure 1).
"""

from __future__ import annotations

import gc
import time

from charts import Chart, ReportDocument, SummaryPage, cached_render_png, render_pdf
from collectors.engine import Engine


def draw_png(engine: Engine, chart: Chart | SummaryPage) -> bytes:
    """A chart or summary page as PNG bytes, from the cache when the data is the same."""
    started = time.perf_counter()
    png = cached_render_png(chart)
    _after_drawing(engine, started)
    return png


def draw_pdf(engine: Engine, document: ReportDocument) -> bytes:
    """The interim report as PDF bytes."""
    started = time.perf_counter()
    pdf = render_pdf(document)
    _after_drawing(engine, started)
    return pdf


def _after_drawing(engine: Engine, started: float) -> None:
    engine.count("charts_drawn")
    engine.count("chart_render_ms", round((time.perf_counter() - started) * 1000))
    gc.collect()
    engine.chart_drawn()
