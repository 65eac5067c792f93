"""How the period report looks: questions, values, the review and the error messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from collectors.config import NUMERIC_KINDS, MetricConfig, MetricKind
from collectors.i18n import Translator
from collectors.number_format import example_for, format_number
from collectors.numbers import NumberKind, qualifier_of
from collectors.vocabulary import AREA_NAMES, GOAL_STATUS_NAMES
from storage.reports import AnswerValue


def unit_label(metric: MetricConfig, language: str) -> str:
    """The metric's unit label ("kpl", "%"...) or an empty string."""
    return metric.unit.get(language) if metric.unit is not None else ""


def choice_label(metric: MetricConfig, choice_id: str, _: Translator) -> str:
    """The label of one choice of a choice or goal status metric."""
    if metric.kind is MetricKind.GOAL_STATUS:
        name = GOAL_STATUS_NAMES.get(choice_id)
        return _(name) if name is not None else choice_id
    for choice in metric.choices:
        if choice.id == choice_id:
            return choice.label.get(_.language)
    return choice_id


def choice_ids(metric: MetricConfig) -> list[str]:
    """The ids of a choice metric's options, in order."""
    if metric.kind is MetricKind.GOAL_STATUS:
        return list(GOAL_STATUS_NAMES)
    return [c.id for c in metric.choices]


def show_number(metric: MetricConfig, value: float, language: str) -> str:
    """A stored number as the person's locale writes it, with the unit label."""
    kind = NumberKind(metric.kind.value)
    label = unit_label(metric, language) if metric.kind is not MetricKind.PERCENT else None
    return format_number(value, kind, language, unit=label or None)


def show_answer(metric: MetricConfig, answer: AnswerValue | None, _: Translator) -> str:
    """A stored answer for display ("1 050 kpl", "not available", "skipped")."""
    if answer is None:
        return _("not answered")
    if answer.status == "not_available":
        return _("not available")
    if answer.status == "skipped":
        return _("skipped")
    if metric.kind in NUMERIC_KINDS and answer.value is not None:
        # "<3" is kept as 3 with its raw text: show it as typed, "<3 %", not as "3 %".
        shown = (qualifier_of(answer.raw) or "") + show_number(metric, answer.value, _.language)
        if answer.second is not None:
            second = format_number(answer.second, NumberKind(metric.kind.value), _.language)
            shown = f"{shown} / {second}"
        return shown
    if answer.choices:
        return ", ".join(choice_label(metric, c, _) for c in answer.choices)
    if answer.text:
        text = answer.text.strip()
        return text if len(text) <= 80 else text[:77] + "…"
    return answer.raw or "—"


def question_text(
    metric: MetricConfig,
    *,
    position: int,
    total: int,
    previous: AnswerValue | None,
    current: AnswerValue | None = None,
    selected: Sequence[str],
    _: Translator,
) -> str:
    """The text of one question: area, counter, name, unit, help, last period's answer and,
    when it is asked again, the answer already given (``current``)."""
    language = _.language
    lines = [f"{_(AREA_NAMES[metric.area])} · {position}/{total}", ""]
    name = metric.name.get(language)
    label = unit_label(metric, language)
    lines.append(f"{name} ({label})" if label else name)
    if metric.help is not None:
        lines.append(metric.help.get(language))
    if not metric.required:
        lines.append(_("(optional)"))
    if previous is not None and previous.status != "skipped":
        lines.append(_("Last period: {value}", value=show_answer(metric, previous, _)))
    if current is not None:
        lines.append(_("Your answer: {value}", value=show_answer(metric, current, _)))
    if metric.kind is MetricKind.MULTI_CHOICE:
        limit = metric.max_choices or len(metric.choices)
        lines.append(
            _(
                "Choose up to {limit}, then press Done. Chosen: {count}.",
                limit=limit,
                count=len(selected),
            )
        )
    elif metric.kind in (MetricKind.CHOICE, MetricKind.GOAL_STATUS):
        lines.append(_("Choose one."))
    elif metric.kind is MetricKind.TEXT:
        lines.append(_("Type your answer."))
    else:
        example = example_for(NumberKind(metric.kind.value), language)
        lines.append(_("Type a number, for example {example}.", example=example))
    return "\n".join(lines)


def read_error_text(code: str, metric: MetricConfig, _: Translator) -> str:
    """A localized reason for a number that could not be read, with an accepted example."""
    example = example_for(NumberKind(metric.kind.value), _.language)
    reasons = {
        "empty": _("I did not get a number."),
        "too_long": _("That is too long to be a number."),
        "not_integer": _("This one must be a whole number."),
        "negative": _("This one cannot be negative."),
        "bad_duration": _("I could not read that as a duration."),
        "percent_sign_on_count": _("This one is a count, not a percent."),
        "unexpected_percent": _("This one is not a percent: please leave out the percent sign."),
        "unit_on_percent": _("This one is a percent, and takes no other unit."),
        "abbreviated": _("Please write the number out in full, without “k” or “milj.”."),
        "unexpected_duration": _("This one is a number, not a time."),
        "unknown_unit": _("I did not recognise the unit after the number."),
        "sum_not_allowed": _("Please type a single number here, not a sum."),
        "pair_not_allowed": _("Please type a single number here, not a pair."),
        "bad_previous": _("I could not read the number in brackets."),
    }
    reason = reasons.get(code, _("I could not read that as a number."))
    return _(
        "{reason} Please type it like this: {example} (or x if it is not available).",
        reason=reason,
        example=example,
    )


def bounds_text(metric: MetricConfig, low: float | None, high: float | None, _: Translator) -> str:
    """A localized reason for a number outside the metric's bounds."""
    kind = NumberKind(metric.kind.value)
    language = _.language
    if low is not None and high is not None:
        return _(
            "The value must be between {low} and {high}. Please check it and type it again.",
            low=format_number(low, kind, language),
            high=format_number(high, kind, language),
        )
    if low is not None:
        return _(
            "The value must be at least {low}. Please check it and type it again.",
            low=format_number(low, kind, language),
        )
    assert high is not None
    return _(
        "The value must be at most {high}. Please check it and type it again.",
        high=format_number(high, kind, language),
    )


def review_lines(
    title: str, metrics: Sequence[MetricConfig], answers: Mapping[str, AnswerValue], _: Translator
) -> list[str]:
    """The review before sending: every answer numbered, by area, with what is still missing."""
    lines = [title]
    area = None
    missing = []
    for n, metric in enumerate(metrics):
        if metric.area != area:
            area = metric.area
            lines.extend(("", _(AREA_NAMES[metric.area])))
        answer = answers.get(metric.id)
        lines.append(f"{n + 1}. {metric.name.get(_.language)}: {show_answer(metric, answer, _)}")
        if metric.required and (answer is None or answer.status == "skipped"):
            missing.append(str(n + 1))
    lines.append("")
    if missing:
        lines.append(_("Still missing: {numbers}.", numbers=", ".join(missing)))
    lines.append(_("Tap a number to change that answer."))
    return lines
