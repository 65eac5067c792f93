"""Survey free texts, per group of the organisation (a division's covering all its units).

Texts are only ever read per group and in alphabetical order, never per unit or in the order
they came: which unit a text came from is used to find its groups and then dropped.
:mod:`collectors.survey_results` decides whose texts may be shown (the suppression of small groups).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlmodel import Session

from storage.figures import unit_groups
from storage.survey_models import SurveyAnswer

__all__ = ["group_texts", "rounds_texts", "texts"]


def texts(
    session: Session, round_id: str, question_id: str, group_ids: Iterable[str]
) -> dict[str, list[str]]:
    """The free texts of each group's whole subtree, in alphabetical order (never by unit)."""
    groups = list(group_ids)
    if not groups:
        return {}
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    tree = unit_groups()
    statement = (
        select(tree.c.group_id, answer.c.text)
        .select_from(answer.join(tree, tree.c.unit_id == answer.c.unit_id))
        .where(answer.c.round_id == round_id, answer.c.question_id == question_id)
        .where(answer.c.text.is_not(None), tree.c.group_id.in_(groups))
        .order_by(tree.c.group_id, answer.c.text)
    )
    out: dict[str, list[str]] = {}
    for group_id, text in session.execute(statement).all():
        out.setdefault(str(group_id), []).append(str(text))
    return out


def rounds_texts(
    session: Session, round_ids: Iterable[str], question_ids: Iterable[str]
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """``(round, question) -> [(unit, text), ...]``: the free texts of several rounds at once.

    Each list is in the database's order of the texts (as :func:`texts` sorts them), so every
    group's share of it (see :func:`group_texts`) is in that order too.
    """
    rounds, questions = list(round_ids), list(question_ids)
    if not rounds or not questions:
        return {}
    answer = SurveyAnswer.__table__  # type: ignore[attr-defined]
    statement = (
        select(answer.c.round_id, answer.c.question_id, answer.c.unit_id, answer.c.text)
        .where(answer.c.round_id.in_(rounds), answer.c.question_id.in_(questions))
        .where(answer.c.text.is_not(None))
        .order_by(answer.c.text)
    )
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for round_id, qid, unit_id, text in session.execute(statement).all():
        out.setdefault((str(round_id), str(qid)), []).append((str(unit_id), str(text)))
    return out


def group_texts(
    found: Iterable[tuple[str, str]],
    chains: Mapping[str, tuple[str, ...]],
    group_ids: Iterable[str],
) -> dict[str, list[str]]:
    """What :func:`texts` gives, from one round's and question's :func:`rounds_texts`."""
    wanted = set(group_ids)
    out: dict[str, list[str]] = {}
    for unit_id, text in found:
        for group_id in chains.get(unit_id, ()):
            if group_id in wanted:
                out.setdefault(group_id, []).append(text)
    return out
