"""Figure 2: NPS and NSS per unit, division and county from 100 000 survey answers.

Twelve closed rounds of the built-in staff survey (NPS, NSS, an optional free text) over the
600-unit county with about 10 000 staff, each of whom answers a round with a probability of
0.42: about 4 200 responses a round, 50 000 responses, 100 000 NPS and NSS answers (and 160 000
rows with the response markers and free texts). They are written with bulk inserts, the way
the survey stores them (a response marker, one row per answer, units too small to ever be
shown stored under their division), and each round is then closed the way the bot closes it
(:func:`storage.surveys.close_round`: answers rewritten, their sums per group kept), so the
history reads the kept sums as in production.

Measured: :func:`collectors.survey_results.survey_results` (the sums kept at the close, then
the anonymity filter in Python) for one round, and
:func:`collectors.survey_results.survey_history` for all twelve (a trend chart's data: the kept
sums of every round in one query). The floor
is the bare SQL a hand-written report would run: one ``GROUP BY unit, question`` over a round's
answers with the NPS/NSS bands summed, no tree and no anonymity filter.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, insert, select

from benchmarks.common import Row, median, ms, ratio, timed
from benchmarks.world import (
    county_config,
    division_id,
    postgres_database,
    postgres_url,
    sqlite_database,
)
from bot.runtime import freeze_heap
from collectors.config import AppConfig
from collectors.survey_results import survey_history, survey_results
from storage.db import Database
from storage.models import random_id
from storage.survey_models import SurveyAnswer, SurveyRound
from storage.surveys import RESPONSE_MARKER, close_round

ROUNDS = 12
RESPONSE_RATE = 0.42
FIRST_ROUND = datetime(2022, 2, 1, 6, 0, tzinfo=UTC)
LIMIT_SECONDS = 0.200


def _answers(rng: random.Random, round_id: str, unit: str, nps_mean: float) -> list[dict[str, Any]]:
    nps = min(10, max(0, round(rng.gauss(nps_mean, 2.2))))
    nss = min(5, max(1, round(rng.gauss(3.8, 0.9))))
    rows: list[dict[str, Any]] = [
        {"question_id": RESPONSE_MARKER, "value": None, "text": None},
        {"question_id": "nps", "value": nps, "text": None},
        {"question_id": "nss", "value": nss, "text": None},
    ]
    if rng.random() < 0.1:
        rows.append({"question_id": "improve", "value": None, "text": f"Idea {rng.randrange(50)}"})
    return [row | {"id": random_id(), "round_id": round_id, "unit_id": unit} for row in rows]


def fill(db: Database, config: AppConfig, seed: int = 6) -> tuple[list[str], int]:
    """Write the twelve closed rounds; return their ids (oldest first) and the responses."""
    rng = random.Random(seed)
    minimum = config.surveys.min_responses
    units = [u for u in config.organisation.units if u.kind == "unit"]
    unit_ids = [u.id for u in units]
    round_ids: list[str] = []
    responses = 0
    table = SurveyAnswer.__table__  # type: ignore[attr-defined]
    with db.session() as session:
        for number in range(ROUNDS):
            opens = FIRST_ROUND + timedelta(days=122 * number)
            row = SurveyRound(
                survey_id="staff",
                unit_ids=unit_ids,
                label=f"{opens.year}-{number % 3 + 1}",
                opens_at=opens,
                closes_at=opens + timedelta(days=14),
                created_at=opens,
            )
            session.add(row)
            session.flush()
            round_ids.append(row.id)
            batch: list[dict[str, Any]] = []
            for unit in units:
                stored = unit.id if (unit.staff_count or 0) >= minimum else unit.parent or unit.id
                nps_mean = 6.5 + (zlib.crc32(unit.id.encode()) % 5) * 0.4
                for _person in range(unit.staff_count or 0):
                    if rng.random() < RESPONSE_RATE:
                        responses += 1
                        batch += _answers(rng, row.id, stored, nps_mean)
            for first in range(0, len(batch), 20_000):
                session.execute(insert(table), batch[first : first + 20_000])
            closed = close_round(session, row.id, row.closes_at, conversation_kind="survey")
            assert closed
    return round_ids, responses


def bare_sql(db: Database, round_id: str) -> list[Any]:
    """The floor: one grouped query over a round's answers, per unit and question."""
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    value, question = answer.c.value, answer.c.question_id
    low = func.sum(
        case(
            ((question == "nps") & (value <= 6), 1),
            ((question == "nss") & (value <= 2), 1),
            else_=0,
        )
    )
    high = func.sum(
        case(
            ((question == "nps") & (value >= 9), 1),
            ((question == "nss") & (value >= 4), 1),
            else_=0,
        )
    )
    statement = (
        select(answer.c.unit_id, question, func.count(value), low, high, func.avg(value))
        .where(answer.c.round_id == round_id, question.in_(["nps", "nss"]))
        .group_by(answer.c.unit_id, question)
    )
    with db.session() as session:
        return list(session.execute(statement).all())


def _measure_one(db: Database, config: AppConfig, runs: int) -> dict[str, Any]:
    round_ids, responses = fill(db, config)
    latest = round_ids[-1]
    # The bot computes these with its long-lived heap frozen
    # (bot.runtime.keep_long_lived_out_of_collections); the same here for what filling left.
    freeze_heap()

    def one() -> None:
        with db.session() as session:
            results = survey_results(session, config, latest)
        assert any(g.unit_id == division_id(1) and g.shown for g in results)

    def history() -> None:
        with db.session() as session:
            rounds = survey_history(session, config, "staff")
        assert len(rounds) == ROUNDS

    def floor() -> None:
        assert bare_sql(db, latest)

    with db.session() as session:
        results = survey_results(session, config, latest)
    hidden = sum(1 for g in results if not g.shown)
    one()
    history()
    return {
        "responses": responses,
        "groups": len(results),
        "hidden": hidden,
        "one": median(timed(one, runs)),
        "history": median(timed(history, max(3, runs // 2))),
        "floor": median(timed(floor, runs)),
    }


def measure(runs: int = 9, *, postgres: bool = True) -> list[Row]:
    """Run figure 2 on SQLite (and PostgreSQL when reachable); return the table rows."""
    config = county_config()
    databases: list[tuple[str, Callable[[], Any]]] = [("SQLite", lambda: sqlite_database(config))]
    url = postgres_url() if postgres else None
    if url is not None:
        databases.append(("PostgreSQL", lambda: postgres_database(url, config)))
    rows: list[Row] = []
    for name, opener in databases:
        with opener() as db:
            found = _measure_one(db, config, runs)
        sqlite = name == "SQLite"
        rows += [
            Row(
                f"2 survey results, all {ROUNDS} rounds ({2 * found['responses']} answers), {name}",
                ms(found["history"]),
                f"bare SQL ×{ROUNDS} {ms(found['floor'] * ROUNDS)}",
                ratio(found["history"], found["floor"] * ROUNDS),
                "< 200 ms" if sqlite else "",
                found["history"] < LIMIT_SECONDS if sqlite else None,
            ),
            Row(
                f"2 survey results, one round ({found['groups']} groups, "
                f"{found['hidden']} hidden), {name}",
                ms(found["one"]),
                f"bare SQL {ms(found['floor'])}",
                ratio(found["one"], found["floor"]),
                "< 200 ms" if sqlite else "",
                found["one"] < LIMIT_SECONDS if sqlite else None,
            ),
        ]
    return rows


__all__ = ["bare_sql", "fill", "measure"]


if __name__ == "__main__":
    from benchmarks.common import table

    print(table(measure(runs=5, postgres=False)))
