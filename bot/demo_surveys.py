"""Staff survey rounds made up for the demo and the README's images.

:func:`closed_rounds` writes earlier rounds of the first configured survey with answers drawn
at random (the same on every run), the last unit kept under the anonymity minimum so that its
figures are seen to be hidden; :func:`open_demo_round` opens a round that the demo's staff can
answer with ``/survey``.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from collectors.config import AppConfig
from collectors.survey_config import (
    QuestionKind,
    SurveyDefinition,
    SurveyQuestion,
    question_catalog,
)
from collectors.survey_rounds import open_round
from storage import surveys
from storage.survey_models import SurveyRound

ANSWERING_DAYS = 14


def _first_survey(config: AppConfig) -> SurveyDefinition | None:
    return config.surveys.definitions[0] if config.surveys.definitions else None


_IDEAS = {
    "fi": (
        "Lisää aikaa perehdytykseen.",
        "Selkeämmät vuorolistat.",
        "Yhteiset taukotilat.",
        "Viikkopalaverit lyhyemmiksi.",
        "Kirjaamiseen oma rauhallinen hetki.",
        "Tieto muutoksista ajoissa.",
        "Työnohjausta useammin.",
        "Sijaisia nopeammin poissaolojen ajaksi.",
    ),
    "sv": (
        "Mer tid för introduktion.",
        "Tydligare arbetslistor.",
        "Gemensamma pausrum.",
        "Kortare veckomöten.",
        "En lugn stund för dokumentationen.",
        "Besked om förändringar i tid.",
        "Arbetshandledning oftare.",
        "Vikarier snabbare vid frånvaro.",
    ),
    "en": (
        "More time for induction.",
        "Clearer rotas.",
        "A shared break room.",
        "Shorter weekly meetings.",
        "A quiet moment for record keeping.",
        "Hearing of changes in good time.",
        "Work supervision more often.",
        "Cover found sooner for absences.",
    ),
}
"""Free-text answers to draw from, by language."""


def _other_answer(question: SurveyQuestion, language: str, rng: random.Random) -> int | str | None:
    """A made-up answer to a question other than NPS and NSS; ``None`` for one left blank."""
    if question.kind is QuestionKind.SCALE:
        middle = (question.min + question.max) / 2 + 0.5
        spread = (question.max - question.min) / 4
        return min(question.max, max(question.min, round(rng.gauss(middle, spread))))
    if question.kind is QuestionKind.CHOICE:
        return rng.randrange(len(question.choices))
    if rng.random() < 0.3:
        return rng.choice(_IDEAS.get(language, _IDEAS["en"]))
    return None


def closed_rounds(
    session: Session,
    config: AppConfig,
    units: Sequence[str],
    openings: Sequence[tuple[str, datetime]],
) -> int:
    """A closed round of the first survey over ``units`` for each ``(label, opening)``.

    Each unit gets a few more answers than the minimum (never more than its configured
    staff), the last one two fewer; the NPS drifts up a little from round to round. The
    survey's other questions are answered too (scales around their middle, any choice, a
    free text now and then), from a random stream of their own, so that the NPS and NSS drawn
    are the same whatever they are. Returns how many rounds were written (none without a
    survey).
    """
    definition = _first_survey(config)
    if definition is None:
        return 0
    minimum = config.surveys.min_responses
    rng = random.Random("surveys")
    others = random.Random("surveys: other questions")
    catalog = question_catalog(config.surveys.questions)
    asked = [catalog[q] for q in definition.questions if q in catalog]
    staff = {u.id: u.staff_count for u in config.organisation.units}  # no more answers than staff
    for n, (label, opens) in enumerate(openings):
        row = surveys.create_round(
            session,
            survey_id=definition.id,
            unit_ids=list(units),
            label=label,
            opens_at=opens,
            closes_at=opens + timedelta(days=ANSWERING_DAYS),
            now=opens,
        )
        for position, unit in enumerate(units):
            people = minimum - 2 if position == len(units) - 1 else minimum + 2 + position % 4
            people = min(people, staff.get(unit) or people)
            for _person in range(people):
                nps = min(10, max(0, round(rng.gauss(7.2 + 0.3 * n, 2.2))))
                nss = min(5, max(1, round(rng.gauss(3.9, 0.9))))
                drawn: dict[str, int | str] = {"nps": nps, "nss": nss}
                for question in (q for q in asked if q.id not in drawn):
                    answer = _other_answer(question, config.default_language, others)
                    if answer is not None:
                        drawn[question.id] = answer
                surveys.store_response(
                    session,
                    round_id=row.id,
                    unit_id=unit,
                    receipt=secrets.token_hex(32),
                    answers={q: v for q, v in drawn.items() if q in definition.questions},
                )
        closed_at = opens + timedelta(days=ANSWERING_DAYS + 1)
        surveys.close_round(session, row.id, closed_at, conversation_kind="survey")
    return len(openings)


def open_demo_round(
    session: Session, config: AppConfig, unit_id: str, now: datetime
) -> SurveyRound | None:
    """A round of the first survey open from ``now`` for ``ANSWERING_DAYS`` days for one unit."""
    definition = _first_survey(config)
    if definition is None:
        return None
    closes_on = now.astimezone(config.tz).date() + timedelta(days=ANSWERING_DAYS - 1)
    return open_round(
        session, config, definition.id, now=now, unit_ids=[unit_id], closes_on=closes_on
    )


__all__ = ["ANSWERING_DAYS", "closed_rounds", "open_demo_round"]
