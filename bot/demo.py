"""``omabot demo``: a fresh SQLite database with the demo county, people and last period's data.

:func:`prepare_demo` recreates the file, migrates it, mirrors the organisation and calls
:func:`seed_demo`, which adds people in every role with terminal identities, opens a period
and fills in the earlier periods' reports with realistic values, so that the report shows
"Last period: ..." and offers "Same as last period". The CLI then starts the terminal chat.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.demo_surveys import closed_rounds, open_demo_round
from collectors.config import AppConfig, MetricConfig, MetricKind, UnitKind
from collectors.i18n import translator
from collectors.number_format import format_number
from collectors.numbers import NumberKind
from collectors.organisation import sync_units
from collectors.period_sequence import period_containing, period_to_report, previous_period
from collectors.periods import Period, manual_period
from collectors.report_answers import bounds
from collectors.report_text import choice_ids, choice_label
from collectors.reporting import local_today, store_period
from storage import reports
from storage.db import Database
from storage.people import Role, create_person, grant
from storage.reports import AnswerValue

TERMINAL = "terminal"
DEFAULT_DB = Path("var/demo.db")
HISTORY = 3  # earlier periods filled in, for "last period" and for trend charts
MANUAL_DEADLINE_DAYS = 14

_TEXTS = {
    "fi": "Lääkehoidon kaksoistarkistus otettu käyttöön; perehdytys päivitetty.",
    "sv": "Dubbelkontroll av läkemedel har införts; introduktionen har uppdaterats.",
    "en": "Double-checking of medication introduced; induction material updated.",
}


@dataclass(frozen=True)
class DemoPerson:
    """A seeded person: their terminal handle, name, person id, role and units."""

    handle: str
    name: str
    person_id: int
    role: Role
    units: tuple[str, ...] = ()


@dataclass
class DemoSeed:
    """What :func:`seed_demo` created."""

    period: Period
    previous: Period | None
    opened_by_hand: bool = False
    people: dict[str, DemoPerson] = field(default_factory=dict)
    reported: list[str] = field(default_factory=list)
    survey_rounds: tuple[int, bool] = (0, False)  # closed rounds, and whether one is open


def reporting_units(config: AppConfig) -> list[str]:
    """Units that report at least one metric, in configuration order."""
    return [u.id for u in config.organisation.units if config.metrics_for(u.id)]


def _division_of(config: AppConfig, unit_id: str) -> str:
    """The nearest division above a unit, else its parent, else the root."""
    parents = {u.id: u.parent for u in config.organisation.units}
    node = parents.get(unit_id)
    first = node
    while node is not None:
        if config.unit(node).kind is UnitKind.DIVISION:
            return node
        node = parents.get(node)
    return first or unit_id


def _clamp(metric: MetricConfig, value: float) -> float:
    low, high = bounds(metric)
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def _number_for(metric: MetricConfig, unit_id: str, rng: random.Random) -> float:
    target = metric.target_for(unit_id)
    aim = None
    if target is not None:
        aim = target.baseline if target.baseline is not None else target.target
    kind, key = metric.kind, metric.id
    if kind is MetricKind.COUNT:
        if "call" in key:
            return float(rng.randint(85_000, 98_000))
        if "decision" in key:
            return float(rng.randint(900, 1_200))
        if "feedback" in key:
            return float(rng.randint(12, 60))
        if "headcount" in key or "staff" in key:
            return float(rng.randint(6, 9))
        return float(rng.randint(0, 9))
    if kind is MetricKind.DURATION:
        return float(rng.randint(9 * 60, 16 * 60))
    if kind is MetricKind.PERCENT:
        if aim is not None:
            return round(aim * rng.uniform(0.85, 1.05), 1)
        if metric.better == "lower":
            return round(rng.uniform(2.0, 7.0), 1)
        return round(rng.uniform(72.0, 99.0), 1)
    if kind is MetricKind.INDEX:
        low, high = bounds(metric)
        if low is not None and low < 0:
            return float(rng.randint(-10, 40))
        return float(rng.randint(55, 80))
    if aim is not None:
        return round(aim * rng.uniform(0.85, 1.1), 2 if aim < 10 else 1)
    low, high = bounds(metric)
    if low is not None and high is not None and high - low <= 10:  # a scale such as 1-5
        return round(rng.uniform(low + (high - low) * 0.55, low + (high - low) * 0.85), 1)
    return round(rng.uniform(1.5, 4.0), 1)  # months of waiting, days of training...


def demo_value(metric: MetricConfig, unit_id: str, back: int, language: str) -> AnswerValue:
    """A realistic answer for ``metric`` in the report ``back`` periods ago (deterministic).

    Args:
        metric: The metric.
        unit_id: The reporting unit.
        back: 1 for last period, 2 for the one before...
        language: The language of free text answers.

    Returns:
        The value as the manager would have typed it.
    """
    rng = random.Random(f"{unit_id}:{metric.id}:{back}")
    kind = metric.kind
    if kind is MetricKind.TEXT:
        text = _TEXTS.get(language, _TEXTS["fi"])
        return AnswerValue("answered", text=text, raw=text)
    _ = translator(language)
    if kind is MetricKind.GOAL_STATUS:
        status = "on_schedule" if back == 1 else rng.choice(["on_schedule", "challenges"])
        return AnswerValue("answered", choices=(status,), raw=choice_label(metric, status, _))
    if kind is MetricKind.CHOICE:
        first = choice_ids(metric)[0]
        return AnswerValue("answered", choices=(first,), raw=choice_label(metric, first, _))
    if kind is MetricKind.MULTI_CHOICE:
        ids = choice_ids(metric)
        count = min(metric.max_choices or len(ids), len(ids), 3)
        picked = tuple(sorted(rng.sample(ids, count), key=ids.index))
        raw = ", ".join(choice_label(metric, choice, _) for choice in picked)
        return AnswerValue("answered", choices=picked, raw=raw)
    value = _clamp(metric, _number_for(metric, unit_id, rng))
    number_kind = NumberKind(kind.value)
    if kind is MetricKind.COUNT and ("headcount" in metric.id) and value > 1:
        return AnswerValue("answered", value=value, raw=f"{int(value) - 1}+1")
    unit = metric.unit.get("fi") if metric.unit is not None else None
    raw = format_number(value, number_kind, "fi", unit=unit).replace("\u00a0", " ")
    return AnswerValue("answered", value=value, raw=raw)


def _person(
    session: Session,
    handle: str,
    name: str,
    role: Role,
    units: tuple[str, ...],
    language: str,
    now: datetime,
) -> DemoPerson:
    person = create_person(
        session,
        now=now,
        display_name=name,
        language=language,
        transport=TERMINAL,
        external_id=handle,
        chat_id=handle,
    )
    assert person.id is not None
    for unit in units or (None,):
        grant(session, person.id, role, unit, now=now)
    return DemoPerson(handle, name, person.id, role, units)


def _open_period(session: Session, config: AppConfig, now: datetime) -> tuple[Period, bool]:
    """The scheme's period to report today, else the last ended one, opened by hand."""
    today = local_today(config, now)
    period = period_to_report(today, config.periods)
    if period is not None:
        return store_period(session, period, now, manual=False), False
    ended = previous_period(period_containing(today, config.periods), config.periods)
    if ended is None:
        raise ValueError("the demo needs a period that has ended; check periods.first_year")
    reopened = manual_period(
        ended.id,
        ended.start,
        ended.end,
        today + timedelta(days=MANUAL_DEADLINE_DAYS),
        opens_on=min(ended.opens_on, today),
    )
    return store_period(session, reopened, now, manual=True), True


def _fill_history(
    session: Session,
    config: AppConfig,
    period: Period,
    units: list[str],
    reporter: dict[str, int],
    language: str,
    now: datetime,
) -> list[Period]:
    """Submitted reports for ``units`` in the ``HISTORY`` periods before ``period``, newest first."""
    filled: list[Period] = []
    current = previous_period(period, config.periods)
    for back in range(1, HISTORY + 1):
        if current is None:
            break
        filled.append(current)
        store_period(session, current, now, manual=False)
        sent_day = max(current.opens_on, current.deadline - timedelta(days=3))
        sent = datetime.combine(sent_day, time(10, 15), tzinfo=config.tz)
        for unit_id in units:
            person_id = reporter[unit_id]
            submission = reports.get_or_create_submission(
                session, current.id, unit_id, person_id, sent
            )
            submission_id = submission.id
            assert submission_id is not None
            for metric in config.metrics_for(unit_id):
                value = demo_value(metric, unit_id, back, language)
                reports.put_answer(
                    session, submission_id, metric.id, value, person_id=person_id, now=sent
                )
            reports.mark_submitted(
                session, submission, person_id=person_id, role=Role.MANAGER, now=sent
            )
        current = previous_period(current, config.periods)
    return filled


def _surveys(
    session: Session, config: AppConfig, history: list[Period], unit_id: str, now: datetime
) -> tuple[int, bool]:
    """A closed survey round in each period of ``history``, and one open for ``unit_id``."""
    openings = [
        (p.short_label(), datetime.combine(p.end - timedelta(days=30), time(8), tzinfo=config.tz))
        for p in reversed(history)
    ]
    closed = closed_rounds(session, config, reporting_units(config), openings)
    return closed, open_demo_round(session, config, unit_id, now) is not None


def seed_demo(db: Database, config: AppConfig, now: datetime, language: str) -> DemoSeed:
    """People in every role, an open period, the earlier periods' reports and survey rounds.

    People (terminal handles): ``admin``; ``leader`` of the manager's division; ``manager``
    of the first reporting unit; ``manager2`` of the next two; ``staff1``... of the
    manager's unit (one more than a survey needs to show results). A closed round of the
    staff survey in each earlier period, over every reporting unit, and a round open for the
    manager's unit.

    Raises:
        ValueError: When the configuration has no unit that reports metrics.
    """
    units = reporting_units(config)
    if not units:
        raise ValueError("the configuration has no unit that reports metrics")
    first, others = units[0], units[1:3] or units[:1]
    division = _division_of(config, first)
    staff = config.surveys.min_responses + 1
    with db.session() as session:
        sync_units(session, config)
        people = [
            _person(session, "admin", "Aino Ylläpitäjä", Role.ADMIN, (), language, now),
            _person(session, "leader", "Leena Laine", Role.LEADER, (division,), language, now),
            _person(session, "manager", "Matti Mäkinen", Role.MANAGER, (first,), language, now),
            _person(
                session, "manager2", "Maria Nieminen", Role.MANAGER, tuple(others), language, now
            ),
        ]
        people += [
            _person(session, f"staff{n}", f"Hoitaja {n}", Role.STAFF, (first,), language, now)
            for n in range(1, staff + 1)
        ]
        period, by_hand = _open_period(session, config, now)
        seed = DemoSeed(period=period, previous=None, opened_by_hand=by_hand)
        seed.people = {p.handle: p for p in people}
        reporter = {first: seed.people["manager"].person_id}
        for unit_id in others:
            reporter.setdefault(unit_id, seed.people["manager2"].person_id)
        seed.reported = list(reporter)
        history = _fill_history(
            session, config, seed.period, seed.reported, reporter, language, now
        )
        seed.previous = history[0] if history else None
        seed.survey_rounds = _surveys(session, config, history, first, now)
    return seed


def prepare_demo(
    config: AppConfig, path: Path, now: datetime, language: str
) -> tuple[Database, DemoSeed]:
    """Recreate the SQLite file at ``path``, migrate it and seed the demo."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    return db, seed_demo(db, config, now, language)


__all__ = [
    "DEFAULT_DB",
    "DemoPerson",
    "DemoSeed",
    "demo_value",
    "prepare_demo",
    "reporting_units",
    "seed_demo",
]
