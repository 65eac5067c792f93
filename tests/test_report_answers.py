"""Typed answers to a choice question: by number, by name in any language, or by its start."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.config import MetricConfig, load_config
from collectors.i18n import translator
from collectors.report_answers import Accepted, Rejected, interpret

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


@pytest.fixture(scope="module")
def incident_types() -> MetricConfig:
    config = load_config(EXAMPLE)
    return next(m for m in config.metrics if m.id == "incident_types")


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
