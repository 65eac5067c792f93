"""``omabot docs-images``: the README's example images, drawn from seeded demo data.

:func:`seed_history` fills a throwaway database with two years of submitted reports for the
configuration's reporting units (values drift towards their targets, deterministically), leaves
one unit unreported in the last period, and adds three closed staff survey rounds with one unit
under the anonymity minimum (:func:`bot.demo_surveys.closed_rounds`). :func:`write_images` then
draws one PNG per chart kind, a division's summary and the first pages of the interim report
into a folder.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.demo_surveys import closed_rounds
from charts import Chart, ReportDocument, SummaryPage, render_png
from charts.pdf import iter_pages
from charts.render import drawing
from charts.style import PDF_SCALE
from collectors.chart_data import distribution_chart, paired_bars_charts, target_bars, trend_chart
from collectors.chart_periods import period_span
from collectors.chart_scope import Tree, chart_metrics, full_scope
from collectors.chart_survey import index_charts
from collectors.config import NUMERIC_KINDS, AppConfig, MetricConfig, MetricKind, UnitKind
from collectors.goal_charts import scorecards
from collectors.i18n import Translator, translator
from collectors.interim_report import interim_report
from collectors.period_sequence import period_containing, previous_period
from collectors.periods import Period
from collectors.report_answers import bounds
from collectors.report_text import choice_ids
from collectors.reporting import store_period
from collectors.summary import fit_to_phone, summary_page
from storage import reports
from storage.people import Role, create_person, grant
from storage.reports import AnswerValue

PERIODS = 6
"""Two years of tertiles: enough for trends and for this year against last."""
MAX_PNG_BYTES = 300_000
DOCS_WIDTH_PX = 1080

_TEXTS = {
    "fi": [
        "Lääkehoidon kaksoistarkistus otettu käyttöön; perehdytys päivitetty.",
        "Kaatumisriskin arvio tehdään kaikille uusille asiakkaille.",
        "Tiedonkulkua vuoronvaihdoissa parannettu yhteisellä tarkistuslistalla.",
    ],
    "sv": [
        "Dubbelkontroll av läkemedel har införts; introduktionen har uppdaterats.",
        "Fallriskbedömning görs för alla nya klienter.",
        "Informationsflödet vid skiftbyten har förbättrats med en gemensam checklista.",
    ],
    "en": [
        "Double-checking of medication introduced; induction material updated.",
        "A fall risk assessment is made for every new client.",
        "Information flow at shift changes improved with a shared checklist.",
    ],
}


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed_history` wrote."""

    periods: list[Period]
    units: list[str]
    unreported: str | None
    division: str


def _base(metric: MetricConfig, rng: random.Random) -> float:
    target = metric.target_for("")
    low, high = bounds(metric)
    kind, key = metric.kind, metric.id
    if kind is MetricKind.COUNT:
        if "call" in key:
            return rng.uniform(85_000, 98_000)
        if "decision" in key:
            return rng.uniform(300, 1_200)
        return rng.uniform(2, 14)
    if kind is MetricKind.DURATION:
        return rng.uniform(8 * 60, 16 * 60)
    if target is not None and (target.baseline or target.target):
        aim = target.baseline if target.baseline is not None else target.target
        assert aim is not None
        return aim * rng.uniform(0.85, 1.08)
    if kind is MetricKind.PERCENT:
        return rng.uniform(2.0, 7.0) if metric.better == "lower" else rng.uniform(70.0, 97.0)
    if kind is MetricKind.INDEX:
        return rng.uniform(-10, 40) if low is not None and low < 0 else rng.uniform(55, 80)
    if low is not None and high is not None:
        return rng.uniform(low + (high - low) * 0.55, low + (high - low) * 0.85)
    return rng.uniform(1.5, 3.5)


def number_for(metric: MetricConfig, unit_id: str, step: int) -> float:
    """A realistic value of a numeric metric in the ``step``-th seeded period (deterministic)."""
    rng = random.Random(f"{unit_id}:{metric.id}")
    base = _base(metric, rng)
    drift = 0.03 * step * (-1 if metric.better == "lower" else 1)
    wave = 0.06 * math.sin(step * 1.7 + rng.uniform(0, 3))
    noise = random.Random(f"{unit_id}:{metric.id}:{step}").uniform(-0.1, 0.1)
    value = base * (1 + drift + wave + noise)
    low, high = bounds(metric)
    value = min(max(value, low if low is not None else value), high if high is not None else value)
    if metric.kind in (MetricKind.COUNT, MetricKind.DURATION, MetricKind.INDEX):
        return float(round(value))
    return round(value, 1)


def _goal_status(
    goal: MetricConfig, config: AppConfig, unit_id: str, step: int, rng: random.Random
) -> str:
    """On schedule (or done) when the followed metric meets its target, else challenges."""
    try:
        followed = config.metric(goal.goal_for or "")
    except KeyError:
        return rng.choice(["on_schedule", "challenges"])
    target = followed.target_for(unit_id)
    if target is None or target.target is None or followed.kind not in NUMERIC_KINDS:
        return rng.choice(["on_schedule", "challenges"])
    value = number_for(followed, unit_id, step)
    met = value <= target.target if followed.better == "lower" else value >= target.target
    if not met:
        return "challenges"
    return "done" if rng.random() < 0.3 else "on_schedule"


def answer_for(
    metric: MetricConfig, config: AppConfig, unit_id: str, step: int, language: str
) -> AnswerValue:
    """A realistic answer to ``metric`` as a manager would have given it."""
    rng = random.Random(f"{unit_id}:{metric.id}:{step}")
    if metric.kind is MetricKind.TEXT:
        text = rng.choice(_TEXTS.get(language, _TEXTS["fi"]))
        return AnswerValue("answered", text=text, raw=text)
    if metric.kind is MetricKind.GOAL_STATUS:
        status = _goal_status(metric, config, unit_id, step, rng)
        return AnswerValue("answered", choices=(status,), raw=status)
    if metric.kind in (MetricKind.CHOICE, MetricKind.MULTI_CHOICE):
        ids = choice_ids(metric)
        weights = [1.0 / (n + 1) for n in range(len(ids))]
        count = 1 if metric.kind is MetricKind.CHOICE else min(metric.max_choices or 3, len(ids))
        picked: list[str] = []
        while len(picked) < count:
            choice = rng.choices(ids, weights)[0]
            if choice not in picked:
                picked.append(choice)
        return AnswerValue("answered", choices=tuple(picked), raw=", ".join(picked))
    value = number_for(metric, unit_id, step)
    return AnswerValue("answered", value=value, raw=str(value).replace(".", ","))


def _periods(config: AppConfig, today: date) -> list[Period]:
    last = previous_period(period_containing(today, config.periods), config.periods)
    if last is None:
        raise ValueError("no period has ended yet; check periods.first_year")
    return period_span(config, last, PERIODS)


def _division(config: AppConfig) -> str:
    """The division with the most reporting units (the root when there is none)."""
    tree = Tree(config)
    divisions = [u.id for u in config.organisation.units if u.kind is UnitKind.DIVISION]
    if not divisions:
        return tree.order[0]
    return max(divisions, key=lambda d: len(tree.reporters(d)))


def seed_history(session: Session, config: AppConfig, today: date, language: str) -> Seeded:
    """Two years of submitted reports and three closed survey rounds, as of ``today``."""
    tree = Tree(config)
    units = tree.reporters(tree.order[0])
    if not units:
        raise ValueError("the configuration has no unit that reports metrics")
    periods = _periods(config, today)
    now = datetime.combine(today, time(9), tzinfo=UTC)
    person = create_person(session, now=now, display_name="Docs")
    assert person.id is not None
    for unit in units:
        grant(session, person.id, Role.MANAGER, unit, now=now)
    unreported = units[-1] if len(units) > 2 else None
    for step, period in enumerate(periods):
        store_period(session, period, now, manual=False)
        sent = datetime.combine(period.opens_on + timedelta(days=5), time(10), tzinfo=UTC)
        for unit in units:
            if unit == unreported and step == len(periods) - 1:
                continue
            submission = reports.get_or_create_submission(session, period.id, unit, person.id, sent)
            submission_id = submission.id
            assert submission_id is not None
            for metric in config.metrics_for(unit):
                value = answer_for(metric, config, unit, step, language)
                reports.put_answer(
                    session, submission_id, metric.id, value, person_id=person.id, now=sent
                )
            reports.mark_submitted(
                session, submission, person_id=person.id, role=Role.MANAGER, now=sent
            )
    openings = [
        (p.short_label(), datetime.combine(p.end - timedelta(days=30), time(8), tzinfo=UTC))
        for p in periods[-3:]
    ]
    closed_rounds(session, config, units, openings)
    return Seeded(periods, units, unreported, _division(config))


def small_png(content: bytes, limit: int = MAX_PNG_BYTES) -> bytes:
    """The PNG as is, or reduced to a 256-colour palette when larger than ``limit``."""
    if len(content) <= limit:
        return content
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        reduced = image.convert("RGB").quantize(colors=256)
        buffer = io.BytesIO()
        reduced.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_png(path: Path, content: bytes) -> Path:
    """Write a docs image, reduced to stay under :data:`MAX_PNG_BYTES` where it can."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(small_png(content))
    return path


def _most_reported(
    config: AppConfig, tree: Tree, group: str, wanted: Callable[[MetricConfig], bool]
) -> MetricConfig | None:
    """The wanted metric that most units of the group report (catalog order breaks ties)."""
    found = [m for m in config.metrics if wanted(m) and tree.reporters(group, m)]
    return max(found, key=lambda m: len(tree.reporters(group, m)), default=None)


def _levels(metric: MetricConfig) -> int:
    target = metric.target_for("")
    if target is None:
        return 0
    return (target.target is not None) + (target.baseline is not None)


def docs_charts(
    session: Session, config: AppConfig, seeded: Seeded, _: Translator
) -> dict[str, Chart | SummaryPage]:
    """The example charts by file stem: one of each kind, and a division's summary."""
    tree = Tree(config)
    division, root = seeded.division, tree.order[0]
    last, previous = seeded.periods[-1], seeded.periods[-2]
    out: dict[str, Chart | SummaryPage] = {}
    numeric = [m for m in config.metrics if m.kind in NUMERIC_KINDS and tree.reporters(division, m)]
    if numeric:
        metric = max(numeric, key=_levels)
        unit = tree.reporters(division, metric)[0]
        out["chart-trend"] = trend_chart(session, config, metric, unit, seeded.periods, _)
    counted = _most_reported(config, tree, root, lambda m: m.kind is MetricKind.COUNT)
    if counted is not None:
        bars = paired_bars_charts(session, config, counted, root, last, previous, _)
        if bars:
            out["chart-bars"] = bars[0]
    chosen = _most_reported(config, tree, division, lambda m: m.kind is MetricKind.MULTI_CHOICE)
    if chosen is not None:
        out["chart-distribution"] = distribution_chart(session, config, chosen, division, last, _)[
            0
        ]
    cards = scorecards(session, config, division, last, _)
    if cards:
        out["chart-scorecard"] = cards[0]
    bars_against = target_bars(session, config, division, last, _)
    if bars_against is not None:
        out["chart-target-bars"] = bars_against
    survey = next((f for f in chart_metrics(config) if f.is_survey), None)
    if survey is not None:
        group = tree.parent.get(seeded.units[-1]) or root
        indexes = index_charts(session, config, survey, group, 3, _)
        for stem, chart in zip(("chart-nps", "chart-nps-units"), indexes, strict=False):
            out[stem] = chart
    out["summary"] = fit_to_phone(
        summary_page(session, config, full_scope(config), division, last, _)
    )
    return out


def report_page_pngs(document: ReportDocument, pages: int, dpi: float = 110) -> list[bytes]:
    """The first pages of the interim report as PNG images, drawn by matplotlib itself."""
    out: list[bytes] = []
    with drawing(PDF_SCALE):
        for figure in iter_pages(document):
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
            out.append(buffer.getvalue())
            if len(out) >= pages:
                break
    return out


def write_images(
    session: Session, config: AppConfig, seeded: Seeded, folder: Path, language: str
) -> list[Path]:
    """Draw every example image into ``folder``; returns the files written."""
    _ = translator(language)
    written = []
    for stem, chart in docs_charts(session, config, seeded, _).items():
        written.append(write_png(folder / f"{stem}.png", render_png(chart, width_px=DOCS_WIDTH_PX)))
    document = interim_report(
        session,
        config,
        full_scope(config),
        [seeded.division],
        seeded.periods[-1],
        _,
        today=seeded.periods[-1].deadline,
    )
    for number, content in enumerate(report_page_pngs(document, 2), start=1):
        written.append(write_png(folder / f"report-page-{number}.png", content))
    return written


__all__ = [
    "DOCS_WIDTH_PX",
    "MAX_PNG_BYTES",
    "PERIODS",
    "Seeded",
    "answer_for",
    "docs_charts",
    "number_for",
    "report_page_pngs",
    "seed_history",
    "small_png",
    "write_images",
    "write_png",
]
