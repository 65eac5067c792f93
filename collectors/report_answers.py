"""Reading an answer to one report question, typed or pressed: pure, no storage, no conversation.

Returns what to do with it: keep a value, read it back first (a typed number far from last
period's), or refuse it with a localized reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from collectors.config import CHOICE_KINDS, LANGUAGES, MetricConfig, MetricKind
from collectors.i18n import Translator, translator
from collectors.number_words import NOT_AVAILABLE_WORDS, Span, span_of
from collectors.numbers import NumberKind, ReadError, read_number
from collectors.report_text import (
    bounds_text,
    choice_ids,
    choice_label,
    read_error_text,
    unit_label,
)
from collectors.vocabulary import folded, named
from storage.reports import AnswerValue

SUSPICIOUS_RATIO = 10.0
_LABEL_WORDS_RE = re.compile(r"[\s/]+")


@dataclass(frozen=True)
class Accepted:
    """Store this value."""

    value: AnswerValue


@dataclass(frozen=True)
class NeedsConfirmation:
    """Read this value back to the person before storing it."""

    value: AnswerValue


@dataclass(frozen=True)
class Rejected:
    """Refuse the text with this localized reason; ask the question again."""

    reason: str


Interpretation = Accepted | NeedsConfirmation | Rejected


def is_not_available(typed: str) -> bool:
    """Whether the text says the figure is not available ("x", "-", "ei tiedossa"...)."""
    return typed.strip().lower() in NOT_AVAILABLE_WORDS


def interpret(
    metric: MetricConfig, typed: str, previous: AnswerValue | None, _: Translator
) -> Interpretation:
    """Decide what a typed answer to ``metric`` means."""
    text = typed.strip()
    if metric.kind is MetricKind.TEXT:
        if not text:
            return Rejected(_("Please type your answer."))
        if is_not_available(text):
            return Accepted(AnswerValue("not_available", raw=text))
        return Accepted(AnswerValue("answered", text=text, raw=text))
    if metric.kind in CHOICE_KINDS:
        return _choice(metric, text, _)
    return _number(metric, text, previous, _)


def chosen_choice(metric: MetricConfig, argument: str) -> str | None:
    """The id of ``metric``'s choice numbered ``argument`` on its buttons, if there is one."""
    ids = choice_ids(metric)
    return ids[int(argument)] if argument.isdecimal() and int(argument) < len(ids) else None


def pressed(
    metric: MetricConfig,
    action: str,
    argument: str,
    selected: Sequence[str],
    previous: AnswerValue | None,
    _: Translator,
) -> Accepted | Rejected | None:
    """The answer a button of ``metric``'s question gives; ``None`` for a button that gives none.

    ``action`` and ``argument`` are the button's data (``c:2`` a choice, ``done`` the end of a
    multiple choice whose ticks are ``selected``, ``na``, ``skip``, ``reuse`` last period's
    ``previous``). Ticking and moving between questions are the conversation's own business.
    """
    ids = choice_ids(metric)
    choice = chosen_choice(metric, argument)
    if (
        action == "c"
        and metric.kind in (MetricKind.CHOICE, MetricKind.GOAL_STATUS)
        and choice is not None
    ):
        return Accepted(
            AnswerValue("answered", choices=(choice,), raw=choice_label(metric, choice, _))
        )
    if action == "done" and metric.kind is MetricKind.MULTI_CHOICE:
        chosen = [c for c in selected if c in ids]
        if not chosen:
            return Rejected(_("Choose at least one, or press Not available."))
        raw = ", ".join(choice_label(metric, c, _) for c in chosen)
        return Accepted(AnswerValue("answered", choices=tuple(chosen), raw=raw))
    if action == "na":
        return Accepted(AnswerValue("not_available", raw="x"))
    if action == "skip" and not metric.required:
        return Accepted(AnswerValue("skipped"))
    if action == "reuse" and previous is not None and previous.status == "answered":
        return Accepted(previous)
    return None


def bounds(metric: MetricConfig) -> tuple[float | None, float | None]:
    """The metric's accepted range, with the natural limits of its kind filled in."""
    low, high = metric.min, metric.max
    if metric.kind is MetricKind.PERCENT:
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
    elif metric.kind in (MetricKind.COUNT, MetricKind.DURATION) and low is None:
        low = 0.0
    return low, high


def suspicious(value: float, previous: AnswerValue | None) -> bool:
    """A value ten times larger or smaller than last period's is read back first."""
    if previous is None or previous.status != "answered" or previous.value is None:
        return False
    old, new = abs(previous.value), abs(value)
    if old == 0 or new == 0:
        return False
    return new / old >= SUSPICIOUS_RATIO or old / new >= SUSPICIOUS_RATIO


def _number(
    metric: MetricConfig, text: str, previous: AnswerValue | None, _: Translator
) -> Interpretation:
    try:
        reading = read_number(text, NumberKind(metric.kind.value), _.language)
    except ReadError as problem:
        return Rejected(read_error_text(str(problem.code), metric, _))
    if reading.not_available:
        return Accepted(AnswerValue("not_available", raw=text))
    assert reading.value is not None
    if reading.unit_word is not None and (refusal := _other_time(metric, reading.unit_word, _)):
        return Rejected(refusal)
    low, high = bounds(metric)
    if (low is not None and reading.value < low) or (high is not None and reading.value > high):
        return Rejected(bounds_text(metric, low, high, _))
    value = AnswerValue("answered", value=reading.value, second=reading.second, raw=reading.raw)
    if suspicious(reading.value, previous):
        return NeedsConfirmation(value)
    return Accepted(value)


def _other_time(metric: MetricConfig, word: str, _: Translator) -> str | None:
    """Why a unit of time typed after a count or a number is not the question's, if it is not.

    Without it "36 h" for a handling time asked in days would be kept as 36 days. Any other
    word ("kpl", "st", "hlö") is left alone, as is a duration's unit (already in seconds).
    """
    typed = span_of(word)
    if typed is None or metric.kind is MetricKind.DURATION:
        return None
    asked = _spans_asked(metric)
    if typed in asked:
        return None
    if asked:
        return _(
            "This one is asked in {unit}, not in “{word}”: please convert it and type it again.",
            unit=unit_label(metric, _.language),
            word=word,
        )
    return _("This one is not a time: please type the number without “{word}”.", word=word)


def _spans_asked(metric: MetricConfig) -> set[Span]:
    """The units of time in the question's unit label, in any language ("pv/tt" -> days)."""
    if metric.unit is None:
        return set()
    labels = (metric.unit.get(language) for language in LANGUAGES)
    words = (word for label in labels for word in _LABEL_WORDS_RE.split(label))
    return {span for word in words if (span := span_of(word)) is not None}


def _named_choice(metric: MetricConfig, ids: Sequence[str], token: str) -> str | None:
    """The option ``token`` names: its number on the buttons, its id, its label in any
    language, or the start of one label only (``lääke`` for Lääkehoito)."""
    translators = [translator(language) for language in LANGUAGES]
    names = [
        {str(number), choice, *(choice_label(metric, choice, t) for t in translators)}
        for number, choice in enumerate(ids, start=1)
    ]
    found = named(names, token)
    return None if found is None else ids[found]


def _choice(metric: MetricConfig, text: str, _: Translator) -> Interpretation:
    ids = choice_ids(metric)
    if is_not_available(text):
        return Accepted(AnswerValue("not_available", raw=text))
    picked: list[str] = []
    for part in text.replace(";", ",").split(","):
        token = folded(part)
        if not token:
            continue
        match = _named_choice(metric, ids, token)
        if match is None:
            return Rejected(
                _(
                    "I did not find “{word}” among the options. Choose with the buttons, or "
                    "type an option's number or name.",
                    word=part.strip()[:40],
                )
            )
        if match not in picked:
            picked.append(match)
    if not picked:
        return Rejected(_("Please choose with the buttons (or type the option's number)."))
    if metric.kind is not MetricKind.MULTI_CHOICE:
        if len(picked) > 1:
            return Rejected(_("Please choose only one."))
        return Accepted(AnswerValue("answered", choices=(picked[0],), raw=text))
    limit = metric.max_choices or len(ids)
    if len(picked) > limit:
        return Rejected(_("Choose at most {limit}.", limit=limit))
    return Accepted(AnswerValue("answered", choices=tuple(picked), raw=text))
