"""No combination of shown survey figures reveals a group under the minimum.

The adversary sees every shown group's figures (sums over its subtree) and may add and
subtract them at will. Over random trees with random numbers of respondents we check by brute
force that every set of people such a combination isolates is empty or at least the minimum.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.survey_suppression import (
    Hidden,
    Tree,
    hidden_groups,
    is_safe,
    shown_groups,
    subtree_totals,
)


@st.composite
def trees(draw: st.DrawFn, max_nodes: int = 10) -> tuple[Tree, dict[str, int], int]:
    """A random tree (node i's parent is an earlier node), respondents per node, a minimum."""
    size = draw(st.integers(min_value=1, max_value=max_nodes))
    parents: dict[str, str | None] = {"n0": None}
    for i in range(1, size):
        parents[f"n{i}"] = f"n{draw(st.integers(min_value=0, max_value=i - 1))}"
    # Mostly leaves answer, but any node may hold answers of its own (a manager's own team).
    own = {node: draw(st.integers(min_value=0, max_value=14)) for node in parents}
    minimum = draw(st.integers(min_value=3, max_value=6))
    return Tree(parents), own, minimum


def _members(tree: Tree, node: str) -> set[str]:
    """The nodes of ``node``'s subtree."""
    out = {node}
    changed = True
    while changed:
        changed = False
        for child, parent in tree.parents.items():
            if parent in out and child not in out:
                out.add(child)
                changed = True
    return out


def _isolated_groups(tree: Tree, own: dict[str, int], shown: set[str]) -> list[int]:
    """The sizes of every set of people some {-1, 0, 1} combination of shown figures isolates.

    A combination gives each node a coefficient (how often its people are counted); when
    every coefficient is 0 or 1 the result is exactly the figure of the nodes counted once.
    """
    ordered = sorted(shown)
    members = {node: _members(tree, node) for node in ordered}
    sizes = []
    for signs in itertools.product((-1, 0, 1), repeat=len(ordered)):
        if not any(signs):
            continue
        weight = dict.fromkeys(tree.parents, 0)
        for sign, node in zip(signs, ordered, strict=True):
            for member in members[node]:
                weight[member] += sign
        if all(w in (0, 1) for w in weight.values()):
            sizes.append(sum(own[n] for n, w in weight.items() if w == 1))
    return sizes


@settings(max_examples=300, deadline=None)
@given(trees())
def test_no_combination_of_shown_figures_isolates_a_small_group(
    case: tuple[Tree, dict[str, int], int],
) -> None:
    tree, own, minimum = case
    totals = subtree_totals(tree, own)
    shown = shown_groups(tree, totals, minimum)
    assert all(totals[node] >= minimum for node in shown)
    if len(shown) <= 7:
        for size in _isolated_groups(tree, own, shown):
            assert size == 0 or size >= minimum, (tree.parents, own, minimum, shown)
    assert is_safe(tree, totals, shown, minimum)


@settings(max_examples=200, deadline=None)
@given(trees(), st.data())
def test_any_viewer_subset_of_the_shown_groups_is_safe(
    case: tuple[Tree, dict[str, int], int], data: st.DataObject
) -> None:
    """Managers see their units, leaders their subtree: every subset stays safe."""
    tree, own, minimum = case
    totals = subtree_totals(tree, own)
    shown = sorted(shown_groups(tree, totals, minimum))
    subset = set(data.draw(st.lists(st.sampled_from(shown), unique=True))) if shown else set()
    assert is_safe(tree, totals, subset, minimum)
    if len(subset) <= 7:
        assert all(s == 0 or s >= minimum for s in _isolated_groups(tree, own, subset))


@settings(max_examples=200, deadline=None)
@given(trees())
def test_large_leaf_units_under_empty_parents_are_all_shown(
    case: tuple[Tree, dict[str, int], int],
) -> None:
    """When only leaves answer and each has zero or enough answers, nothing large is hidden."""
    tree, own, minimum = case
    leaves = {n for n in tree.parents if n not in set(tree.parents.values())}
    tidy = {n: (max(own[n], minimum) if own[n] else 0) if n in leaves else 0 for n in own}
    totals = subtree_totals(tree, tidy)
    assert hidden_groups(tree, totals, minimum) == {
        n: Hidden.TOO_FEW for n in tree.parents if totals[n] < minimum
    }


def test_small_unit_counts_in_its_parent_and_a_sibling_is_hidden_for_it() -> None:
    # koti = 7 + 2: showing koti and A would reveal B's 2 answers, so A goes, koti stays.
    tree = Tree({"county": None, "koti": "county", "a": "koti", "b": "koti"})
    totals = subtree_totals(tree, {"a": 7, "b": 2})
    assert hidden_groups(tree, totals, 5) == {"b": Hidden.TOO_FEW, "a": Hidden.COMPLEMENT}
    assert shown_groups(tree, totals, 5) == {"county", "koti"}


def test_parent_hidden_when_no_sibling_can_absorb_the_small_group() -> None:
    # The county minus koti would reveal the 3 answers of ohjaus; koti's own region is
    # empty (A and B are shown), so the county itself is hidden.
    tree = Tree(
        {"county": None, "koti": "county", "a": "koti", "b": "koti", "asiakas": "county"}
        | {"ohjaus": "asiakas"}
    )
    totals = subtree_totals(tree, {"a": 6, "b": 8, "ohjaus": 3})
    hidden = hidden_groups(tree, totals, 5)
    assert hidden == {
        "ohjaus": Hidden.TOO_FEW,
        "asiakas": Hidden.TOO_FEW,
        "county": Hidden.COMPLEMENT,
    }
    assert is_safe(tree, totals, shown_groups(tree, totals, 5), 5)


def test_unsafe_sets_are_recognised() -> None:
    tree = Tree({"koti": None, "a": "koti", "b": "koti"})
    totals = subtree_totals(tree, {"a": 7, "b": 2})
    assert not is_safe(tree, totals, {"koti", "a"}, 5)
    assert not is_safe(tree, totals, {"b"}, 5)
    assert is_safe(tree, totals, {"koti"}, 5)
