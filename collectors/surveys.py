"""Anonymous staff surveys in the engine: ``/survey``, ``/results`` and the start buttons.

The pieces: definitions in the configuration (:mod:`collectors.survey_config`), rounds and
their messages (:mod:`collectors.survey_rounds`), answering (:mod:`collectors.survey_flow`,
its screens in :mod:`collectors.survey_screens`), figures with suppression
(:mod:`collectors.survey_results`, :mod:`storage.survey_figures`) and their text
(:mod:`collectors.survey_text`).

Who sees what with ``/results``: staff their own units, managers the units they manage,
leaders their subtrees, each together with the units above (the division, the county);
administrators everything; ``/results Kotihoito A`` narrows that to one unit with the units
below and above it. Results exist only for closed rounds, and small groups are suppressed for
the whole organisation before anyone's scope is cut out of them.
"""

from __future__ import annotations

from sqlmodel import select

from collectors.command_args import refusal, unit_named, unit_words
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.i18n import N_
from collectors.messages import Outbound, TextReply
from collectors.periods import canonical_period_id
from collectors.survey_flow import SurveyFlow
from collectors.survey_results import (
    GroupResult,
    closed_rounds,
    definition_of,
    questions_of,
    survey_results,
)
from collectors.survey_rounds import close_due
from collectors.survey_text import START_PREFIX, results_text
from storage import surveys
from storage.models import Unit
from storage.people import ancestors, subtree_ids
from storage.survey_models import SurveyRound

RESULT_ROLES = frozenset({"staff", "manager", "leader", "admin"})
MAX_GROUPS_LISTED = 30
"""The most groups one ``/results`` reply lists before it keeps to the top levels."""
KNOWN_ROUNDS_SHOWN = 5
"""The newest rounds with results named when a round asked for is not found."""


def own_units(ctx: Ctx) -> set[str] | None:
    """The units a person belongs to, manages or leads (with subtrees); ``None`` for admins."""
    access = ctx.access
    if access.is_admin:
        return None
    own = set(access.staff_units()) | set(access.managed_units())
    for root in access.led_roots():
        own |= subtree_ids(access.units, root)
    return own


def scope_of(ctx: Ctx) -> set[str] | None:
    """The groups whose survey results a person may see: own units and the units above."""
    own = own_units(ctx)
    if own is None:
        return None
    scope = set(own)
    for unit_id in own:
        scope.update(ancestors(ctx.access.units, unit_id))
    return scope


def _find_round(ctx: Ctx, reference: str) -> SurveyRound | None:
    """A round by its id, label or id prefix; or by its label as a period is written
    (``2026-T1``, ``t1/26`` for the label ``T1/2026``), case aside."""
    row = surveys.find_round(ctx.session, reference)
    if row is not None:
        return row
    wanted = canonical_period_id(reference).casefold()
    labelled = [
        r
        for r in surveys.list_rounds(ctx.session)
        if canonical_period_id(r.label).casefold() == wanted
    ]
    return labelled[0] if len(labelled) == 1 else None


def _unknown_round(ctx: Ctx, reference: str, wanted: set[str] | None) -> UserError:
    """The answer to a round not found: which closed rounds there are to ask for."""
    _ = ctx._
    labels = [
        r.label for r in closed_rounds(ctx.session) if wanted is None or wanted & set(r.unit_ids)
    ][:KNOWN_ROUNDS_SHOWN]
    if not labels:
        return UserError(_("I do not know the survey round “{round}”.", round=reference[:40]))
    return UserError(
        _(
            "I do not know the survey round “{round}”. Rounds with results: {labels}; for "
            "example /results {label}.",
            round=reference[:40],
            labels=", ".join(labels),
            label=labels[0],
        )
    )


def _pick_round(ctx: Ctx, reference: str | None, wanted: set[str] | None) -> SurveyRound:
    _ = ctx._
    if reference is not None:
        row = _find_round(ctx, reference)
        if row is None:
            raise _unknown_round(ctx, reference, wanted)
        if row.closed_at is None:
            raise UserError(_("The results are shown after the survey closes."))
        return row
    for row in closed_rounds(ctx.session):
        if wanted is None or wanted & set(row.unit_ids):
            return row
    raise UserError(_("No survey results yet: results are shown after a survey round closes."))


def _read_args(ctx: Ctx, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """``/results [round] [unit]`` in either order: the round reference and the unit."""
    units = unit_words(ctx.config)
    unit, rest, position = None, [], 0
    while position < len(args):
        named, size = unit_named(units, args[position:])
        if named is not None:
            unit, position = named, position + size
        else:
            rest.append(args[position])
            position += 1
    return (" ".join(rest) or None), unit


def _unit_scope(ctx: Ctx, unit: str, scope: set[str] | None) -> set[str]:
    """The groups of ``unit``'s results: the unit, what is below it and above it, in scope."""
    groups = subtree_ids(ctx.access.units, unit) | {*ancestors(ctx.access.units, unit)}
    if scope is not None:
        groups &= scope
    if unit not in groups:
        raise refusal(ctx)
    return groups


def show_results(ctx: Ctx, reference: str | None = None, unit: str | None = None) -> list[Outbound]:
    """The text summary of a closed round for the person's scope, or one unit of it."""
    _ = ctx._
    if not ctx.access.roles() & RESULT_ROLES:
        raise UserError(_("Survey results are for staff, managers and leaders."))
    close_due(ctx.session, ctx.now)
    scope = scope_of(ctx)
    if unit is not None:
        scope = _unit_scope(ctx, unit, scope)
    own = own_units(ctx)
    row = _pick_round(ctx, reference, own if unit is None else scope)
    results = survey_results(ctx.session, ctx.config, row.id, scope)
    if not results:
        raise UserError(_("That survey round did not ask your units."))
    listed = in_brief(results, _anchors(ctx) if unit is None else {unit})
    definition = definition_of(ctx.config, row.survey_id)
    if definition is None:
        raise UserError(_("This survey is no longer in use."))
    units = {u.id: u for u in ctx.session.exec(select(Unit)).all()}
    text = results_text(
        ctx.config,
        definition,
        questions_of(ctx.config, definition),
        row,
        listed,
        units,
        ctx.language,
        own,
    )
    left_out = len(results) - len(listed)
    if left_out:
        shown = {g.unit_id for g in listed}
        example = next(g.unit_id for g in results if g.unit_id not in shown)
        text += "\n\n" + _.plural(
            "{n} more unit is not listed here: /results {unit} shows it with the units below it.",
            "{n} more units are not listed here: /results UNIT shows one with the units below "
            "it, for example /results {unit}.",
            left_out,
            unit=example,
        )
    return [TextReply(text)]


def _anchors(ctx: Ctx) -> set[str]:
    """The viewer's own units, without what is below them: whom a brief reply keeps to."""
    access = ctx.access
    return {*access.staff_units(), *access.managed_units(), *access.led_roots()}


def in_brief(results: list[GroupResult], anchors: set[str]) -> list[GroupResult]:
    """The groups a reply lists: all of them when they are at most :data:`MAX_GROUPS_LISTED`,
    else the top one and those right below it, and each of ``anchors`` with the groups above
    and right below it (an administrator's reply lists the county and its divisions)."""
    if len(results) <= MAX_GROUPS_LISTED:
        return results
    parents = {g.unit_id: g.parent_id for g in results}
    tops = {g for g, parent in parents.items() if parent not in parents}
    opened = tops | (anchors & set(parents))  # listed with the groups right below them
    keep = opened | {g for g, parent in parents.items() if parent in opened}
    for anchor in opened:
        node = parents.get(anchor)
        while node is not None and node in parents:  # and with every group above
            keep.add(node)
            node = parents[node]
    return [g for g in results if g.unit_id in keep]


def register(engine: Engine) -> None:
    """Add the survey conversation, ``/survey``, ``/results`` and the survey buttons."""
    flow = SurveyFlow()
    engine.add_flow(flow)

    def survey_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
        return flow.start(ctx)

    def results_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
        return show_results(ctx, *_read_args(ctx, args))

    def survey_button(ctx: Ctx, data: str) -> list[Outbound]:
        action, _sep, round_id = data.partition(":")[2].partition(":")
        if action == "start" and round_id:
            return flow.start(ctx, round_id)
        if action == "results" and round_id:
            return show_results(ctx, round_id)
        return [TextReply(ctx._("That button is no longer in use."))]

    engine.add_command(
        Command("survey", N_("Answer the staff survey"), survey_command, frozenset({"staff"}))
    )
    engine.add_command(
        Command("results", N_("See the staff survey results"), results_command, RESULT_ROLES)
    )
    engine.add_choice(START_PREFIX, survey_button)


__all__ = ["MAX_GROUPS_LISTED", "in_brief", "own_units", "register", "scope_of", "show_results"]
