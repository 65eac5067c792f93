"""Typed answers: a choice question's options by number, by name in any language or by its
start; and a unit typed after a figure, which must be the question's."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.config import MetricConfig, load_config
from collectors.i18n import translator
from collectors.report_answers import Accepted, Rejected, interpret

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


@pytest.fixture(scope="module")
def metrics() -> dict[str, MetricConfig]:
    return {m.id: m for m in load_config(EXAMPLE).metrics}


@pytest.fixture(scope="module")
def incident_types(metrics: dict[str, MetricConfig]) -> MetricConfig:
    return metrics["incident_types"]


@pytest.mark.parametrize(
    ("typed", "chosen"),
    [
        ("1", ("medication",)),
        ("other", ("other",)),  # a whole name wins over the start of "Other care"
        ("Annan vård eller service", ("other_care",)),  # Swedish in an English chat
        ("lääke, väkivalta", ("medication", "violence_threat")),  # starts of Finnish names
        ("MEDICATION; medication", ("medication",)),  # twice is once
    ],
)
def test_options_by_number_name_or_start(
    incident_types: MetricConfig, typed: str, chosen: tuple[str, ...]
) -> None:
    outcome = interpret(incident_types, typed, None, translator("en"))
    assert isinstance(outcome, Accepted), outcome
    assert tuple(outcome.value.choices or ()) == chosen


@pytest.mark.parametrize("typed", ["oth", "mu", "99", "potilas"])
def test_a_start_of_several_names_too_short_a_start_or_no_option_is_refused(
    incident_types: MetricConfig, typed: str
) -> None:
    outcome = interpret(incident_types, typed, None, translator("en"))
    assert isinstance(outcome, Rejected)
    assert f"I did not find “{typed}” among the options." in outcome.reason


@pytest.mark.parametrize(
    ("metric", "typed", "value"),
    [
        ("incident_handling_days", "12 vrk", 12.0),  # asked in vrk / dygn / days
        ("incident_handling_days", "12 days", 12.0),  # the unit in another language
        ("incident_handling_days", "12 pv", 12.0),  # another word for a day
        ("housing_wait_months", "2,55 mån", 2.55),
        ("training_days", "2,6 pv", 2.6),  # days per person: a day is the question's unit
        ("training_days", "2,6 pv/tt", 2.6),
        ("calls_answered", "1 050 kpl", 1050.0),
        ("staff_headcount", "6 persons", 6.0),  # not a time: left alone
        ("staffing_ratio", "0,67", 0.67),
    ],
)
def test_a_unit_the_question_is_asked_in_or_one_not_of_time_is_kept(
    metrics: dict[str, MetricConfig], metric: str, typed: str, value: float
) -> None:
    outcome = interpret(metrics[metric], typed, None, translator("fi"))
    assert isinstance(outcome, Accepted), outcome
    assert outcome.value.value == value
    assert outcome.value.raw == typed


@pytest.mark.parametrize(
    ("metric", "typed", "language", "reason"),
    [
        (
            "incident_handling_days",
            "36 h",
            "fi",
            "Tähän tulee arvo yksikössä vrk, ei “h”: muunna se ja kirjoita uudelleen.",
        ),
        (
            "housing_wait_months",
            "10 veckor",
            "sv",
            "Här ska värdet vara i mån, inte i “veckor”: räkna om det och skriv det igen.",
        ),
        (
            "training_days",
            "20 h",
            "en",
            "This one is asked in days/person, not in “h”: please convert it and type it again.",
        ),
        (
            "calls_answered",
            "13 min",
            "en",
            "This one is not a time: please type the number without “min”.",
        ),
        (
            "staffing_ratio",
            "0,67 d",
            "fi",
            "Tähän ei tule aikaa: kirjoita luku ilman sanaa “d”.",
        ),
        (
            "assessments_7d",
            "13 min",
            "en",
            "This one is a percent, and takes no other unit.",
        ),
        (
            "calls_answered",
            "1,5k",
            "fi",
            "Kirjoita luku kokonaan, ilman lyhenteitä kuten “k” tai “milj.”.",
        ),
        (
            "sick_leave",
            "5 kpl",
            "sv",
            "Här ska det vara en procentsats utan annan enhet.",
        ),
    ],
)
def test_a_unit_of_time_the_question_is_not_asked_in_is_refused_in_the_chats_language(
    metrics: dict[str, MetricConfig], metric: str, typed: str, language: str, reason: str
) -> None:
    """ "36 h" for a handling time asked in days would otherwise be kept as 36 days."""
    outcome = interpret(metrics[metric], typed, None, translator(language))
    assert isinstance(outcome, Rejected), outcome
    assert reason in outcome.reason
