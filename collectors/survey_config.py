"""Survey definitions in the configuration: questions, which units are asked, and rounds.

Three questions are built in and always available by id:

* ``nps``: the employee NPS question on 0-10 (promoters 9-10, detractors 0-6);
* ``nss``: the Net Safety Score statement on 1-5 (agree 4-5, disagree 1-2);
* ``improve``: an optional free text, "one thing we could do better".

A configuration without a ``[surveys]`` section still has the staff survey ``staff`` asking
these three every four months. Custom questions go to ``[[surveys.questions]]`` and are named
by id from a definition's ``questions``. Example::

    [[surveys.questions]]
    id = "workload"
    kind = "scale"
    min = 1
    max = 5
    text = { fi = "Työmääräni on kohtuullinen.", sv = "...", en = "My workload is reasonable." }
    low_label = { fi = "Täysin eri mieltä", sv = "...", en = "Strongly disagree" }
    high_label = { fi = "Täysin samaa mieltä", sv = "...", en = "Strongly agree" }

    [[surveys.definitions]]
    id = "staff"
    name = { fi = "Henkilöstökysely", sv = "Personalenkät", en = "Staff survey" }
    questions = ["nps", "nss", "workload", "improve"]
    units = ["koti"]                      # subtrees asked; empty = the whole organisation
    rounds = { every_months = 4, first_month = 2, open_days = 14 }

This module imports nothing of ours: :mod:`collectors.config` imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from collectors.config_types import Identifier, Section, Text

MAX_SCALE_BUTTONS = 11
MAX_TEXT_LENGTH = 1000


class QuestionKind(StrEnum):
    """How a question is answered."""

    SCALE = "scale"  # a button per number, min..max
    CHOICE = "choice"  # one of a few options
    TEXT = "text"  # free text


class IndexKind(StrEnum):
    """Which index a scale question feeds: NPS (0-10) or NSS (1-5)."""

    NPS = "nps"
    NSS = "nss"


# The (low, high) answer bands of each index: % high - % low.
INDEX_BANDS: dict[IndexKind, tuple[tuple[int, int], tuple[int, int]]] = {
    IndexKind.NPS: ((0, 6), (9, 10)),
    IndexKind.NSS: ((1, 2), (4, 5)),
}
INDEX_RANGES: dict[IndexKind, tuple[int, int]] = {IndexKind.NPS: (0, 10), IndexKind.NSS: (1, 5)}


class SurveyChoice(Section):
    """One option of a single-choice question."""

    id: Identifier
    label: Text


class SurveyQuestion(Section):
    """One question of a survey."""

    id: Identifier
    kind: QuestionKind
    text: Text
    short: Text | None = Field(
        default=None, description="a short name for result summaries (default: the text)"
    )
    min: int = Field(default=1, ge=-10, le=100, description="scale: the lowest answer")
    max: int = Field(default=5, ge=-10, le=100, description="scale: the highest answer")
    low_label: Text | None = Field(default=None, description="scale: what min means")
    high_label: Text | None = Field(default=None, description="scale: what max means")
    choices: list[SurveyChoice] = Field(default_factory=list)
    required: bool | None = Field(
        default=None, description="must be answered (default: yes, except free text)"
    )
    index: IndexKind | None = Field(default=None, description="scale: compute NPS or NSS")
    max_length: int = Field(default=500, ge=10, le=MAX_TEXT_LENGTH, description="text: limit")

    @model_validator(mode="after")
    def _consistent(self) -> SurveyQuestion:
        if self.kind is QuestionKind.SCALE:
            if self.min >= self.max:
                raise ValueError(f"scale min {self.min} must be below max {self.max}")
            if self.max - self.min + 1 > MAX_SCALE_BUTTONS:
                raise ValueError(f"a scale has at most {MAX_SCALE_BUTTONS} steps")
            if self.index is not None and (self.min, self.max) != INDEX_RANGES[self.index]:
                low, high = INDEX_RANGES[self.index]
                raise ValueError(f"an {self.index} question is asked on {low}-{high}")
        elif self.index is not None:
            raise ValueError("only scale questions compute an index")
        if self.kind is QuestionKind.CHOICE:
            if len(self.choices) < 2:
                raise ValueError("a choice question needs at least two choices")
            ids = [c.id for c in self.choices]
            if len(set(ids)) != len(ids):
                raise ValueError("choice ids must be unique")
        elif self.choices:
            raise ValueError(f"only choice questions take choices, this one is {self.kind}")
        return self

    @property
    def is_required(self) -> bool:
        """Whether the question must be answered before sending."""
        if self.required is None:
            return self.kind is not QuestionKind.TEXT
        return self.required

    def label(self, language: str) -> str:
        """The short name, else the full text, in ``language``."""
        return (self.short or self.text).get(language)

    def values(self) -> list[int]:
        """The stored values a person may give: scale steps, or choice positions."""
        if self.kind is QuestionKind.SCALE:
            return list(range(self.min, self.max + 1))
        if self.kind is QuestionKind.CHOICE:
            return list(range(len(self.choices)))
        return []


class RoundSchedule(Section):
    """When a survey's rounds open on their own, and for how long.

    Rounds open on ``open_day`` of every ``every_months``-th month counted from
    ``first_month`` (every four months from February: February, June, October), at the
    schedule's ``send_time``, and stay open ``open_days`` days. A reminder goes to those who
    have not answered ``remind_days_before_close`` days before the close.
    """

    every_months: Literal[1, 2, 3, 4, 6, 12] = 4
    first_month: int = Field(default=2, ge=1, le=12)
    open_day: int = Field(default=1, ge=1, le=28)
    open_days: int = Field(default=14, ge=1, le=90)
    remind_days_before_close: list[int] = Field(default_factory=lambda: [3])

    @model_validator(mode="after")
    def _fits(self) -> RoundSchedule:
        if self.first_month > self.every_months:
            raise ValueError(
                f"first_month {self.first_month} must be at most every_months "
                f"{self.every_months} (it is the first round's month of each year)"
            )
        bad = [n for n in self.remind_days_before_close if not 0 < n < self.open_days]
        if bad:
            raise ValueError(f"remind_days_before_close must be within the open days, got {bad}")
        return self

    def months(self) -> list[int]:
        """The months in which a round opens."""
        return list(range(self.first_month, 13, self.every_months))


class SurveyDefinition(Section):
    """A survey: its questions, the units asked, and its rounds."""

    id: Identifier
    name: Text
    questions: list[str] = Field(
        default_factory=lambda: ["nps", "nss", "improve"], min_length=1, max_length=20
    )
    units: list[str] = Field(
        default_factory=list, description="ids of the subtrees asked; empty = the whole tree"
    )
    rounds: RoundSchedule | None = Field(
        default_factory=RoundSchedule, description="none: rounds are opened by hand only"
    )

    @field_validator("questions")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"a question is listed twice: {value}")
        return value


def _t(fi: str, sv: str, en: str) -> Text:
    return Text(fi=fi, sv=sv, en=en)


BUILTIN_QUESTIONS: dict[str, SurveyQuestion] = {
    "nps": SurveyQuestion(
        id="nps",
        kind=QuestionKind.SCALE,
        min=0,
        max=10,
        index=IndexKind.NPS,
        text=_t(
            "Kuinka todennäköisesti suosittelisit työpaikkaasi ystävillesi tai kollegoillesi?",
            "Hur troligt är det att du skulle rekommendera din arbetsplats till en vän eller "
            "kollega?",
            "How likely is it that you would recommend your workplace to a friend or colleague?",
        ),
        short=_t("Suositteluindeksi (NPS)", "Rekommendationsindex (NPS)", "Employee NPS"),
        low_label=_t("En lainkaan todennäköisesti", "Inte alls troligt", "Not at all likely"),
        high_label=_t("Erittäin todennäköisesti", "Mycket troligt", "Extremely likely"),
    ),
    "nss": SurveyQuestion(
        id="nss",
        kind=QuestionKind.SCALE,
        min=1,
        max=5,
        index=IndexKind.NSS,
        text=_t(
            "Minulla olisi turvallinen olo, jos olisin yksikössäni asiakkaana tai potilaana.",
            "Jag skulle känna mig trygg, om jag var klient eller patient vid min egen enhet.",
            "I would feel safe if I were a client or patient in my own unit.",
        ),
        short=_t(
            "Henkilöstön turvallisuusindeksi (NSS)",
            "Personalens säkerhetsindex (NSS)",
            "Net Safety Score (NSS)",
        ),
        low_label=_t("Täysin eri mieltä", "Helt av annan åsikt", "Strongly disagree"),
        high_label=_t("Täysin samaa mieltä", "Helt av samma åsikt", "Strongly agree"),
    ),
    "improve": SurveyQuestion(
        id="improve",
        kind=QuestionKind.TEXT,
        text=_t(
            "Mikä on yksi asia, jonka voisimme tehdä yksikössämme paremmin?",
            "Vad är en sak som vi kunde göra bättre på vår enhet?",
            "What is one thing we could do better in our unit?",
        ),
        short=_t("Yksi asia paremmin", "En sak bättre", "One thing to do better"),
    ),
}

DEFAULT_DEFINITION = SurveyDefinition(
    id="staff",
    name=_t("Henkilöstökysely", "Personalenkät", "Staff survey"),
)


def default_definitions() -> list[SurveyDefinition]:
    """The surveys of a configuration that names none: NPS, NSS and one free text."""
    return [DEFAULT_DEFINITION]


def question_catalog(custom: Iterable[SurveyQuestion]) -> dict[str, SurveyQuestion]:
    """Built-in and custom questions by id (a custom id never replaces a built-in one)."""
    catalog = dict(BUILTIN_QUESTIONS)
    for question in custom:
        catalog.setdefault(question.id, question)
    return catalog


def survey_problems(
    questions: list[SurveyQuestion], definitions: list[SurveyDefinition], unit_ids: set[str]
) -> list[tuple[str, str]]:
    """Check the references of the ``[surveys]`` section.

    Args:
        questions: The custom questions.
        definitions: The survey definitions.
        unit_ids: The ids of the configured units.

    Returns:
        ``(key path, problem)`` pairs; empty when the section is consistent.
    """
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, question in enumerate(questions):
        path = f"surveys.questions[{index}].id"
        if question.id in BUILTIN_QUESTIONS:
            problems.append((path, f"{question.id!r} is a built-in question; choose another id"))
        elif question.id in seen:
            problems.append((path, f"duplicate question id {question.id!r}"))
        seen.add(question.id)
    known = question_catalog(questions)
    ids: set[str] = set()
    for index, definition in enumerate(definitions):
        base = f"surveys.definitions[{index}]"
        if definition.id in ids:
            problems.append((f"{base}.id", f"duplicate survey id {definition.id!r}"))
        ids.add(definition.id)
        for position, question_id in enumerate(definition.questions):
            if question_id not in known:
                problems.append(
                    (
                        f"{base}.questions[{position}]",
                        f"question {question_id!r} is not defined (built in: nps, nss, improve)",
                    )
                )
        if not any(known[q].is_required for q in definition.questions if q in known):
            problems.append((f"{base}.questions", "a survey needs at least one required question"))
        for position, unit_id in enumerate(definition.units):
            if unit_id not in unit_ids:
                problems.append((f"{base}.units[{position}]", f"unit {unit_id!r} is not defined"))
    return problems


__all__ = [
    "BUILTIN_QUESTIONS",
    "DEFAULT_DEFINITION",
    "INDEX_BANDS",
    "IndexKind",
    "QuestionKind",
    "RoundSchedule",
    "SurveyChoice",
    "SurveyDefinition",
    "SurveyQuestion",
    "Text",
    "default_definitions",
    "question_catalog",
    "survey_problems",
]
