"""Charts: plain data in, PNG / PDF bytes out. Never touches the database.

Chart kinds (input dataclasses in :mod:`charts.data`):

- :class:`TrendChart` - a metric over reporting periods, one line per unit or division,
  with target and baseline lines; missing periods are gaps, never zeros.
- :class:`PairedBarsChart` - this period against the previous one per unit, bars side by side.
- :class:`IndexChart` - staff or client NPS / NSS with the promoter / passive / detractor
  split per round; groups under the anonymity minimum show "too few answers", no numbers.
- :class:`DistributionChart` - counts per category this year against last (incident types),
  grouped bars with each count's share.
- :class:`Scorecard` - goals with baseline, target, latest value and a traffic-light status
  (marker shape and word as well as colour).
- :class:`TargetBars` - percent reached against a target per category.
- :class:`GoalStatusChart` - a division's goals in brief: units counted by status, those with
  challenges named.
- :class:`SummaryPage` - one unit's or division's page: key figures, charts, units that have
  not reported.
- :class:`ReportDocument` - the interim report (osavuosikatsaus) as a multi-page A4 PDF.

Rendering: :func:`render_png` (phone size, 1080 px wide by default), :func:`render_summary_png`,
:func:`render_pdf`, and :func:`cached_render_png` (LRU cache keyed by the chart's data).
Numbers, dates and the charts' own few words follow each chart's ``locale`` (fi, sv, en).

Importing this package does not import matplotlib; the first render does.
"""

from charts.cache import cached_render_png
from charts.data import (
    Chart,
    DistributionChart,
    GoalCount,
    GoalStatusChart,
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
)
from charts.render import render_pdf, render_png, render_summary_png

__all__ = [
    "Chart",
    "DistributionChart",
    "GoalCount",
    "GoalStatusChart",
    "IndexChart",
    "IndexRound",
    "KeyFigure",
    "PairedBarsChart",
    "ReportDocument",
    "ReportSection",
    "ScoreRow",
    "Scorecard",
    "SummaryPage",
    "TargetBars",
    "TrendChart",
    "TrendSeries",
    "cached_render_png",
    "render_pdf",
    "render_png",
    "render_summary_png",
]
