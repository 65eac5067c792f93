"""Which groups' survey figures may be shown: small-group and complementary suppression.

Every figure we show is a sum over a subtree of the organisation (a unit with everything
below it): counts, distributions, index bands and free texts all add up over people. Let
``N(v)`` be the number of respondents in the subtree of ``v`` and ``m`` the minimum.

Rule 1 (small groups): ``v`` is shown only if ``N(v) >= m``. A smaller unit's answers still
count in every shown ancestor's figure.

Rule 2 (complements): for a shown ``v``, let ``S(v)`` be its *nearest shown descendants* (shown
nodes below ``v`` with no shown node between) and ``D(v) = N(v) - sum(N(s) for s in S(v))``
the people of ``v``'s subtree that no shown descendant covers. ``v`` is shown only if
``D(v) == 0`` or ``D(v) >= m``.

Why this is enough: the shown subtrees form a laminar family, so each shown subtree is the
disjoint union of the regions ``D(w)`` of the shown nodes ``w`` inside it. Any sum or
difference of shown figures (a parent minus some of its shown children, a division minus a
unit two levels down, ...) is therefore a sum of whole regions ``D(w)``, each of them empty or
of at least ``m`` people, so it never isolates fewer than ``m`` people. Hiding more nodes keeps
both rules (a hidden node's region merges into its nearest shown ancestor's: a sum of empty or
large regions), so any viewer's subset of the shown groups, and the union of all viewers'
subsets, are safe too. ``tests/test_survey_suppression.py`` checks this with hypothesis over
random trees, by brute force over every such combination.

How a violation is repaired (post-order, children before parents): when ``0 < D(v) < m`` we
hide the smallest nearest shown descendant ``s`` whose own region is large (``D(s) >= m``),
which moves ``D(s)`` into ``D(v)``, keeping the parent's figure (a small unit counts in its
parent's figure, and a leader's division figure stays); when there is none, ``v`` itself is
hidden and its people join its nearest shown ancestor's region, checked later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


class Hidden(StrEnum):
    """Why a group's figures are not shown."""

    TOO_FEW = "too_few"  # fewer than the minimum answered
    COMPLEMENT = "complement"  # showing it would reveal a small group by subtraction


@dataclass(frozen=True)
class Tree:
    """A forest of groups: each node's parent (``None`` for a root), siblings in mapping order.

    The mapping must not change once the tree is used: its orders are worked out once.
    """

    parents: Mapping[str, str | None]

    @cached_property
    def children(self) -> dict[str, list[str]]:
        """Each node's children, in the mapping's order."""
        out: dict[str, list[str]] = {node: [] for node in self.parents}
        for node, parent in self.parents.items():
            if parent is not None and parent in out:
                out[parent].append(node)
        return out

    def roots(self) -> list[str]:
        """The nodes without a parent in the tree."""
        return [n for n, p in self.parents.items() if p is None or p not in self.parents]

    def pre_order(self) -> list[str]:
        """Every node, parents before their children."""
        return list(self._pre_order)

    def post_order(self) -> list[str]:
        """Every node, children before their parent."""
        return list(self._post_order)

    @cached_property
    def _pre_order(self) -> tuple[str, ...]:
        order: list[str] = []
        stack = list(reversed(self.roots()))
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(reversed(self.children[node]))
        return tuple(order)

    @cached_property
    def _post_order(self) -> tuple[str, ...]:
        children = self.children
        order: list[str] = []
        stack: list[tuple[str, bool]] = [(root, False) for root in reversed(self.roots())]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children[node]))
        return tuple(order)


def subtree_totals(tree: Tree, own: Mapping[str, int]) -> dict[str, int]:
    """``N(v)``: the sum of ``own`` over each node's subtree."""
    totals = {node: int(own.get(node, 0)) for node in tree.parents}
    for node in tree.post_order():
        parent = tree.parents[node]
        if parent is not None and parent in totals:
            totals[parent] += totals[node]
    return totals


def nearest_shown(tree: Tree, shown: Mapping[str, bool], node: str) -> list[str]:
    """The shown nodes below ``node`` with no shown node between."""
    children = tree.children
    out: list[str] = []
    stack = list(reversed(children[node]))
    while stack:
        child = stack.pop()
        if shown.get(child, False):
            out.append(child)
        else:
            stack.extend(reversed(children[child]))
    return out


def uncovered(tree: Tree, totals: Mapping[str, int], shown: Mapping[str, bool], node: str) -> int:
    """``D(v)``: respondents under ``node`` that no shown descendant covers."""
    return totals[node] - sum(totals[s] for s in nearest_shown(tree, shown, node))


def hidden_groups(tree: Tree, totals: Mapping[str, int], minimum: int) -> dict[str, Hidden]:
    """Decide which groups must not be shown.

    Args:
        tree: The groups and their parents.
        totals: ``N(v)``, respondents in each group's whole subtree.
        minimum: The smallest group whose figures may be shown (at least 1).

    Returns:
        The hidden groups with the reason; every other group of ``tree`` may be shown.
    """
    if minimum < 1:
        raise ValueError("minimum must be positive")
    hidden: dict[str, Hidden] = {
        node: Hidden.TOO_FEW for node in tree.parents if totals.get(node, 0) < minimum
    }
    shown = {node: node not in hidden for node in tree.parents}
    for node in tree.post_order():
        if not shown[node]:
            continue
        below = nearest_shown(tree, shown, node)
        residual = totals[node] - sum(totals[s] for s in below)
        if residual == 0 or residual >= minimum:
            continue
        large = [s for s in below if uncovered(tree, totals, shown, s) >= minimum]
        victim = min(large, key=lambda s: (totals[s], s)) if large else node
        shown[victim] = False
        hidden[victim] = Hidden.COMPLEMENT
    return hidden


def shown_groups(tree: Tree, totals: Mapping[str, int], minimum: int) -> set[str]:
    """The groups whose figures may be shown (see :func:`hidden_groups`)."""
    hidden = hidden_groups(tree, totals, minimum)
    return {node for node in tree.parents if node not in hidden}


def is_safe(tree: Tree, totals: Mapping[str, int], shown: Iterable[str], minimum: int) -> bool:
    """Whether a set of shown groups keeps both rules (used by tests and assertions)."""
    visible = set(shown)
    flags = {node: node in visible for node in tree.parents}
    for node in visible:
        if totals[node] < minimum:
            return False
        residual = uncovered(tree, totals, flags, node)
        if 0 < residual < minimum:
            return False
    return True


__all__ = [
    "Hidden",
    "Tree",
    "hidden_groups",
    "is_safe",
    "nearest_shown",
    "shown_groups",
    "subtree_totals",
    "uncovered",
]
