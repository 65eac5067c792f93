"""Checks across sections of the configuration: ids, the tree, bounds, choices, targets.

Pydantic checks each section on its own; what needs the whole file is checked here, and each
problem comes back as a key path and a sentence (``collectors.config.parse_config`` adds the
file name).
"""

from __future__ import annotations

from collections import Counter

from collectors.config import AppConfig, MetricConfig, MetricKind
from collectors.survey_config import survey_problems


def _duplicates(ids: list[str]) -> set[str]:
    return {i for i, n in Counter(ids).items() if n > 1}


def check_references(config: AppConfig) -> list[tuple[str, str]]:
    """Check what a single section cannot: ids, parents, bounds, choices and targets.

    Returns:
        ``(key path, problem)`` pairs; empty when the configuration is consistent.
    """
    problems: list[tuple[str, str]] = []
    units = config.organisation.units
    unit_ids = [u.id for u in units]
    for dup in sorted(_duplicates(unit_ids)):
        index = [i for i, u in enumerate(units) if u.id == dup][-1]
        problems.append((f"organisation.units[{index}].id", f"duplicate unit id {dup!r}"))
    known = set(unit_ids)
    roots = [u for u in units if u.parent is None]
    for index, unit in enumerate(units):
        if unit.parent is not None and unit.parent not in known:
            problems.append(
                (
                    f"organisation.units[{index}].parent",
                    f"unit {unit.parent!r} is not defined (expected the id of another unit)",
                )
            )
        if unit.parent == unit.id:
            problems.append(
                (f"organisation.units[{index}].parent", "a unit cannot be its own parent")
            )
    if len(roots) != 1:
        problems.append(
            (
                "organisation.units",
                f"expected exactly one root unit (no parent), found {len(roots)}",
            )
        )
    parents = {u.id: u.parent for u in units}
    index_of = {u.id: i for i, u in enumerate(units)}
    reported: set[str] = set()
    for unit in units:
        # Follow the parents from each unit; a cycle is reported once, at its first member.
        path: list[str] = []
        node: str | None = unit.id
        while node is not None and node in parents and node not in path:
            path.append(node)
            node = parents[node]
        if node is None or node not in path:
            continue
        cycle = path[path.index(node) :]
        if len(cycle) == 1 or reported & set(cycle):
            continue  # "its own parent" is reported above
        reported.update(cycle)
        first = min(cycle, key=index_of.__getitem__)
        problems.append(
            (
                f"organisation.units[{index_of[first]}].parent",
                "the parents form a cycle: " + " -> ".join([*cycle, cycle[0]]),
            )
        )

    metric_ids = [m.id for m in config.metrics]
    for dup in sorted(_duplicates(metric_ids)):
        index = [i for i, m in enumerate(config.metrics) if m.id == dup][-1]
        problems.append((f"metrics[{index}].id", f"duplicate metric id {dup!r}"))
    for index, metric in enumerate(config.metrics):
        problems.extend(
            (f"metrics[{index}].{key}", text)
            for key, text in _metric_problems(metric, known, config)
        )
    problems.extend(survey_problems(config.surveys.questions, config.surveys.definitions, known))
    return problems


def _metric_problems(
    metric: MetricConfig, unit_ids: set[str], config: AppConfig
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if metric.min is not None and metric.max is not None and metric.min > metric.max:
        out.append(("min", f"min {metric.min:g} is above max {metric.max:g}"))
    for position, unit_id in enumerate(metric.units):
        if unit_id not in unit_ids:
            out.append((f"units[{position}]", f"unit {unit_id!r} is not defined"))
    for position, target in enumerate(metric.targets):
        if target.unit is not None and target.unit not in unit_ids:
            out.append((f"targets[{position}].unit", f"unit {target.unit!r} is not defined"))
    if metric.kind in (MetricKind.CHOICE, MetricKind.MULTI_CHOICE):
        if len(metric.choices) < 2:
            out.append(("choices", f"a {metric.kind} metric needs at least two choices"))
        for dup in sorted(_duplicates([c.id for c in metric.choices])):
            out.append(("choices", f"duplicate choice id {dup!r}"))
    elif metric.choices:
        out.append(("choices", f"only choice metrics take choices, this one is {metric.kind}"))
    if metric.kind is MetricKind.MULTI_CHOICE:
        if metric.max_choices is None:
            out.append(("max_choices", "a multi_choice metric needs max_choices"))
        elif metric.max_choices > len(metric.choices):
            out.append(("max_choices", f"max_choices {metric.max_choices} exceeds the choices"))
    elif metric.max_choices is not None:
        out.append(("max_choices", "only multi_choice metrics take max_choices"))
    if metric.kind is MetricKind.GOAL_STATUS:
        known = {m.id for m in config.metrics}
        if metric.goal_for is not None and metric.goal_for not in known:
            out.append(("goal_for", f"metric {metric.goal_for!r} is not defined"))
    elif metric.goal_for is not None:
        out.append(("goal_for", "only goal_status metrics take goal_for"))
    if metric.kind is MetricKind.PERCENT and metric.min is not None and metric.min < 0:
        out.append(("min", "a percent cannot be negative"))
    return out
