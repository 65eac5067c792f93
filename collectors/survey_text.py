"""What the survey says: invitations, reminders and result summaries in the person's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from collectors.config import AppConfig
from collectors.date_text import day_text
from collectors.i18n import Translator, translator
from collectors.messages import Option, TextReply
from collectors.number_format import format_number
from collectors.numbers import NumberKind
from collectors.survey_config import IndexKind, QuestionKind, SurveyDefinition, SurveyQuestion
from collectors.survey_results import GroupResult, QuestionResult
from collectors.survey_suppression import Hidden
from storage.models import Unit
from storage.survey_models import SurveyRound
from storage.surveys import aware

START_PREFIX = "survey"
INDEX_NAMES = {IndexKind.NPS: "NPS", IndexKind.NSS: "NSS"}


def last_answer_day(config: AppConfig, row: SurveyRound) -> date:
    """The last day a round takes answers, in the organisation's time (it closes at the
    midnight after it)."""
    return (aware(row.closes_at).astimezone(config.tz) - timedelta(microseconds=1)).date()


def last_open_day(config: AppConfig, row: SurveyRound, language: str) -> str:
    """The last day a round takes answers, as the reader reads a date ("ti 23.9.2025")."""
    return day_text(last_answer_day(config, row), language)


def start_button(_: Translator, round_id: str) -> Option:
    """The global button that starts (or continues) a round's survey."""
    return Option(_("Answer now"), f"{START_PREFIX}:start:{round_id}")


def invitation(
    config: AppConfig, definition: SurveyDefinition, row: SurveyRound, language: str | None
) -> TextReply:
    """The round-opening message to a staff member, with a button to start."""
    _ = translator(language)
    count = len(definition.questions)
    survey = definition.name.get(_.language)  # outside the call, so Babel sees the plural
    last_day = last_open_day(config, row, _.language)
    text = _.plural(
        "{survey} is open: {n} short question about your workplace, answered with buttons. "
        "It is anonymous: nobody, not even your manager, can see your own answers. "
        "Open until {date}.",
        "{survey} is open: {n} short questions about your workplace, answered with buttons. "
        "It is anonymous: nobody, not even your manager, can see your own answers. "
        "Open until {date}.",
        count,
        survey=survey,
        date=last_day,
    )
    return TextReply(text, (start_button(_, row.id),))


def reminder(
    config: AppConfig, definition: SurveyDefinition, row: SurveyRound, language: str | None
) -> TextReply:
    """The reminder before a round closes, to those who have not answered."""
    _ = translator(language)
    text = _(
        "A reminder: {survey} closes on {date}. It takes about a minute, and your answers "
        "are anonymous.",
        survey=definition.name.get(_.language),
        date=last_open_day(config, row, _.language),
    )
    return TextReply(text, (start_button(_, row.id),))


def closed_notice(definition: SurveyDefinition, language: str | None) -> TextReply:
    """The message at a round's close: results are available."""
    _ = translator(language)
    return TextReply(
        _(
            "{survey} has closed. Thank you to everyone who answered! "
            "See the results with /results.",
            survey=definition.name.get(_.language),
        )
    )


def _whole(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def show_index(value: float, language: str) -> str:
    """An index rounded to a whole number, with its sign (``+26``, ``-42``)."""
    whole = _whole(value)
    text = format_number(float(whole), NumberKind.INDEX, language)
    return f"+{text}" if whole > 0 else text


def show_percent(value: float, language: str) -> str:
    """A share rounded to a whole percent."""
    return format_number(float(_whole(value)), NumberKind.PERCENT, language)


def _counted(texts: Sequence[str]) -> list[tuple[str, int]]:
    """Alphabetical texts with the same ones told once, with how many gave them."""
    return [(text, len(list(same))) for text, same in groupby(texts)]


def _question_lines(question: SurveyQuestion, result: QuestionResult, _: Translator) -> list[str]:
    language = _.language
    name = question.label(language)
    if not result.shown:
        return [_("{question}: too few answers to show.", question=name)]
    if result.kind is QuestionKind.TEXT:
        lines = [_("{question} ({count} answers):", question=name, count=result.answers)]
        return lines + [
            f"  • {text}" if times == 1 else f"  • {text} (×{times})"
            for text, times in _counted(result.texts)
        ]
    if result.index_kind is not None and result.index is not None:
        figures = {
            "question": name,
            "index_name": INDEX_NAMES[result.index_kind],
            "index": show_index(result.index, language),
            "high": show_percent(result.promoters_pct or 0.0, language),
            "middle": show_percent(result.passives_pct or 0.0, language),
            "low": show_percent(result.detractors_pct or 0.0, language),
            "count": result.answers,
        }
        if result.index_kind is IndexKind.NSS:  # agreeing with a statement, not recommending
            return [
                _(
                    "{question}: {index_name} {index} (agree {high}, neutral {middle}, "
                    "disagree {low}; {count} answers)",
                    **figures,
                )
            ]
        return [
            _(
                "{question}: {index_name} {index} (promoters {high}, passives {middle}, "
                "detractors {low}; {count} answers)",
                **figures,
            )
        ]
    if question.kind is QuestionKind.CHOICE:
        parts = [
            f"{question.choices[value].label.get(language)} {count}"
            for value, count in result.distribution
            if 0 <= value < len(question.choices)
        ]
        return [f"{name}: " + ", ".join(parts)]
    mean = format_number(round(result.mean or 0.0, 1), NumberKind.NUMBER, language)
    return [
        _(
            "{question}: mean {mean} on {low}-{high} ({count} answers)",
            question=name,
            mean=mean,
            low=question.min,
            high=question.max,
            count=result.answers,
        )
    ]


def group_lines(
    result: GroupResult,
    questions: list[SurveyQuestion],
    units: dict[str, Unit],
    minimum: int,
    _: Translator,
    with_texts: bool = True,
) -> list[str]:
    """A group's block of the results summary (free texts only when ``with_texts``)."""
    language = _.language
    unit = units[result.unit_id].name(language) if result.unit_id in units else result.unit_id
    if not result.shown:
        if result.hidden is Hidden.TOO_FEW:
            return [
                _(
                    "{unit}: fewer than {minimum} answers, so no figures are shown; "
                    "the answers count in the larger group's figures.",
                    unit=unit,
                    minimum=minimum,
                )
            ]
        return [
            _(
                "{unit}: not shown, because together with the other figures it would reveal "
                "a group of fewer than {minimum} people.",
                unit=unit,
                minimum=minimum,
            )
        ]
    if result.response_rate is not None:
        head = _(
            "{unit}: {count} answers ({rate} of {staff} staff)",
            unit=unit,
            count=result.respondents,
            rate=show_percent(result.response_rate, language),
            staff=result.staff,
        )
    else:
        head = _("{unit}: {count} answers", unit=unit, count=result.respondents)
    lines = [head]
    by_id = {q.id: q for q in questions}
    for question_result in result.questions:
        question = by_id.get(question_result.question_id)
        if question is not None and (with_texts or question.kind is not QuestionKind.TEXT):
            lines.extend("  " + line for line in _question_lines(question, question_result, _))
    return lines


def results_text(
    config: AppConfig,
    definition: SurveyDefinition,
    questions: list[SurveyQuestion],
    row: SurveyRound,
    results: list[GroupResult],
    units: dict[str, Unit],
    language: str | None,
    own: set[str] | None = None,
) -> str:
    """The text summary of a round for one viewer's groups.

    Free texts are listed once, under the top-most shown group among ``own`` (the viewer's
    own units; ``None`` for all), not again under each unit below it, nor for the units above
    that are shown only for comparison.
    """
    _ = translator(language)
    closed_at = aware(row.closed_at or row.closes_at).astimezone(config.tz)
    closed = day_text(closed_at.date(), _.language)
    lines = [
        _(
            "{survey} {label}, closed on {date}",
            survey=definition.name.get(_.language),
            label=row.label,
            date=closed,
        )
    ]
    listing = text_groups(results, own)
    for result in results:
        lines.append("")
        minimum = config.surveys.min_responses
        texts = result.unit_id in listing
        lines.extend(group_lines(result, questions, units, minimum, _, with_texts=texts))
    return "\n".join(lines)


def text_groups(results: list[GroupResult], own: set[str] | None) -> set[str]:
    """The top-most shown groups among ``own`` (all when ``None``): where texts are listed."""
    parents = {g.unit_id: g.parent_id for g in results}
    chosen: set[str] = set()
    for group in results:  # parents come before their children
        if not group.shown or (own is not None and group.unit_id not in own):
            continue
        node, covered = group.parent_id, False
        while node is not None and not covered:
            covered = node in chosen
            node = parents.get(node)
        if not covered:
            chosen.add(group.unit_id)
    return chosen


def round_when(config: AppConfig, moment: datetime) -> str:
    """A moment as ``yyyy-mm-dd hh:mm`` in the organisation's time (for the command line)."""
    return aware(moment).astimezone(config.tz).strftime("%Y-%m-%d %H:%M")


__all__ = [
    "START_PREFIX",
    "closed_notice",
    "group_lines",
    "invitation",
    "last_answer_day",
    "last_open_day",
    "reminder",
    "results_text",
    "round_when",
    "show_index",
    "show_percent",
    "start_button",
    "text_groups",
]
