"""Survey definitions in the configuration: defaults, custom questions and their mistakes."""

from __future__ import annotations

from typing import Any

import pytest

from collectors.config import ConfigError
from collectors.survey_config import BUILTIN_QUESTIONS, IndexKind, QuestionKind
from collectors.survey_results import definition_of, questions_of
from tests.support import small_config

WORKLOAD: dict[str, Any] = {
    "id": "workload",
    "kind": "scale",
    "min": 1,
    "max": 5,
    "text": {"fi": "Työmäärä on kohtuullinen.", "sv": "Arbetsmängden är rimlig.", "en": "Fair."},
    "low_label": {"fi": "Eri mieltä", "sv": "Av annan åsikt", "en": "Disagree"},
    "high_label": {"fi": "Samaa mieltä", "sv": "Av samma åsikt", "en": "Agree"},
}
SHIFT: dict[str, Any] = {
    "id": "shift",
    "kind": "choice",
    "text": {"fi": "Vuoro?", "sv": "Skift?", "en": "Shift?"},
    "choices": [
        {"id": "day", "label": {"fi": "Päivä", "sv": "Dag", "en": "Day"}},
        {"id": "night", "label": {"fi": "Yö", "sv": "Natt", "en": "Night"}},
    ],
}


def surveys(**section: Any) -> dict[str, Any]:
    return {"surveys": section}


def problems(**section: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        small_config(**surveys(**section))
    return caught.value.lines


def test_without_a_section_the_staff_survey_asks_nps_nss_and_one_text() -> None:
    config = small_config()
    assert config.surveys.min_responses == 5
    [definition] = config.surveys.definitions
    assert definition.id == "staff" and definition.rounds is not None
    questions = questions_of(config, definition)
    assert [(q.id, q.kind, q.index) for q in questions] == [
        ("nps", QuestionKind.SCALE, IndexKind.NPS),
        ("nss", QuestionKind.SCALE, IndexKind.NSS),
        ("improve", QuestionKind.TEXT, None),
    ]
    assert (questions[0].min, questions[0].max, questions[1].min, questions[1].max) == (0, 10, 1, 5)
    assert not questions[2].is_required and questions[0].is_required
    assert definition.rounds.months() == [2, 6, 10]


def test_built_in_wording_follows_the_domain() -> None:
    nps, nss = BUILTIN_QUESTIONS["nps"].text, BUILTIN_QUESTIONS["nss"].text
    assert nps.fi.startswith("Kuinka todennäköisesti suosittelisit työpaikkaasi")
    assert nps.sv.startswith("Hur troligt är det att du skulle rekommendera din arbetsplats")
    assert nss.fi.startswith("Minulla olisi turvallinen olo, jos olisin yksikössäni")
    assert nss.sv.startswith("Jag skulle känna mig trygg, om jag var klient eller patient")


def test_custom_questions_and_surveys() -> None:
    config = small_config(
        **surveys(
            min_responses=4,
            questions=[WORKLOAD, SHIFT],
            definitions=[
                {
                    "id": "home-care",
                    "name": {"fi": "Kotihoito", "sv": "Hemvård", "en": "Home care"},
                    "questions": ["nps", "workload", "shift", "improve"],
                    "units": ["koti"],
                    "rounds": {"every_months": 6, "first_month": 3, "open_days": 10},
                },
                {
                    "id": "pulse",
                    "name": {"fi": "Pulssi", "sv": "Puls", "en": "Pulse"},
                    "questions": ["nss"],
                    "rounds": None,
                },
            ],
        )
    )
    home = definition_of(config, "home-care")
    assert home is not None and home.rounds is not None and home.rounds.months() == [3, 9]
    assert [q.id for q in questions_of(config, home)] == ["nps", "workload", "shift", "improve"]
    assert questions_of(config, home)[2].values() == [0, 1]
    pulse = definition_of(config, "pulse")
    assert pulse is not None and pulse.rounds is None


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"min_responses": 2}, "surveys.min_responses: Input should be greater than or equal to 3"),
        (
            {"definitions": [{"id": "s", "name": WORKLOAD["text"], "questions": ["nope"]}]},
            "surveys.definitions[0].questions[0]: question 'nope' is not defined",
        ),
        (
            {"definitions": [{"id": "s", "name": WORKLOAD["text"], "units": ["mars"]}]},
            "surveys.definitions[0].units[0]: unit 'mars' is not defined",
        ),
        (
            {"definitions": [{"id": "s", "name": WORKLOAD["text"], "questions": ["improve"]}]},
            "surveys.definitions[0].questions: a survey needs at least one required question",
        ),
        (
            {"questions": [WORKLOAD | {"id": "nps"}]},
            "surveys.questions[0].id: 'nps' is a built-in question",
        ),
        ({"questions": [WORKLOAD, WORKLOAD]}, "surveys.questions[1].id: duplicate question id"),
        ({"questions": [WORKLOAD | {"min": 5, "max": 1}]}, "scale min 5 must be below max 1"),
        ({"questions": [WORKLOAD | {"min": 0, "max": 20}]}, "a scale has at most 11 steps"),
        ({"questions": [WORKLOAD | {"index": "nps"}]}, "an nps question is asked on 0-10"),
        ({"questions": [SHIFT | {"choices": SHIFT["choices"][:1]}]}, "at least two choices"),
        (
            {
                "definitions": [
                    {
                        "id": "s",
                        "name": WORKLOAD["text"],
                        "rounds": {"every_months": 4, "first_month": 5},
                    }
                ]
            },
            "first_month 5 must be at most every_months 4",
        ),
        (
            {
                "definitions": [
                    {
                        "id": "s",
                        "name": WORKLOAD["text"],
                        "rounds": {"remind_days_before_close": [20]},
                    }
                ]
            },
            "remind_days_before_close must be within the open days",
        ),
    ],
)
def test_mistakes_are_reported_with_their_key_path(section: dict[str, Any], expected: str) -> None:
    lines = problems(**section)
    assert any(expected in line for line in lines), lines
