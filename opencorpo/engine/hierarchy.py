"""Member hierarchies of one dimension: parent links validated once, then fast tree queries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import accumulate

import numpy as np
from numpy.typing import NDArray

from opencorpo.engine.errors import HierarchyError

CYCLE_ARROW = " → "
# A direct id → leaf position table is used while it has at most this many slots per member (+ a floor).
DENSE_LOOKUP_SLACK = 8
DENSE_LOOKUP_MINIMUM = 1 << 20


@dataclass(frozen=True)
class Node:
    """One member as the engine sees it: its id, code, parent link, weight into the parent and sort key."""

    id: int
    code: str
    parent_id: int | None
    weight: float = 1.0
    sort: int = 0


class Hierarchy:
    """An immutable forest of members built from parent links.

    Construction validates the links (unique ids and codes, no orphan, no cycle) and computes once
    the ordered child lists, a pre-order index with subtree spans and the leaves in tree order, so
    that descendants and leaves of any member are slices rather than walks.
    """

    def __init__(self, nodes: Iterable[Node]) -> None:
        self._nodes: dict[int, Node] = {}
        self._id_by_code: dict[str, int] = {}
        for node in nodes:
            self._add(node)
        self._check_parents_exist()
        children: dict[int, list[Node]] = {node_id: [] for node_id in self._nodes}
        roots: list[Node] = []
        for node in self._nodes.values():
            if node.parent_id is None:
                roots.append(node)
            else:
                children[node.parent_id].append(node)
        self._roots = [node.id for node in sorted(roots, key=_sibling_order)]
        self._children = {
            node_id: [child.id for child in sorted(kids, key=_sibling_order)] for node_id, kids in children.items()
        }
        self._index_tree()
        if len(self._order) < len(self._nodes):
            raise HierarchyError(self._describe_cycle())
        self._leaf_weight_cache: dict[int, tuple[NDArray[np.int64], NDArray[np.float64]]] = {}

    def _add(self, node: Node) -> None:
        if node.id in self._nodes:
            raise HierarchyError(
                f"Member id {node.id} is used by both '{self._nodes[node.id].code}' and '{node.code}'; "
                "give each member its own id."
            )
        if node.code in self._id_by_code:
            raise HierarchyError(f"Member code '{node.code}' is used twice in this dimension; rename one of them.")
        self._nodes[node.id] = node
        self._id_by_code[node.code] = node.id

    def _check_parents_exist(self) -> None:
        for node in self._nodes.values():
            if node.parent_id is not None and node.parent_id not in self._nodes:
                raise HierarchyError(
                    f"Member '{node.code}' has parent id {node.parent_id}, which is not in this dimension; "
                    f"add that parent or make '{node.code}' a root."
                )

    def _index_tree(self) -> None:
        """Pre-order walk from the roots (iterative, so a 20,000-deep chain is fine)."""
        order: list[int] = []
        level: dict[int, int] = {}
        stack = [(root, 0) for root in reversed(self._roots)]
        while stack:
            node_id, node_level = stack.pop()
            order.append(node_id)
            level[node_id] = node_level
            stack.extend((child, node_level + 1) for child in reversed(self._children[node_id]))
        self._order = order
        self._level = level
        self._position = {node_id: index for index, node_id in enumerate(order)}
        subtree_size = dict.fromkeys(order, 1)
        for node_id in reversed(order):
            parent_id = self._nodes[node_id].parent_id
            if parent_id is not None:
                subtree_size[parent_id] += subtree_size[node_id]
        self._subtree_end = {node_id: self._position[node_id] + subtree_size[node_id] for node_id in order}
        self._leaf_order = [node_id for node_id in order if not self._children[node_id]]
        # leaves_before[i] = number of leaves among order[:i]; a subtree's leaves are a contiguous run.
        self._leaves_before = [0, *accumulate(1 if not self._children[node_id] else 0 for node_id in order)]

    def _describe_cycle(self) -> str:
        reached = set(self._order)
        start = min((node for node in self._nodes.values() if node.id not in reached), key=lambda node: node.code)
        seen: list[int] = []
        current: int | None = start.id
        while current is not None and current not in seen:
            seen.append(current)
            current = self._nodes[current].parent_id
        assert current is not None  # an unreached member's parent chain never reaches a root
        upward = seen[seen.index(current) :]
        downward = list(reversed(upward))  # parent first, each member the parent of the next
        first = downward.index(min(downward, key=lambda node_id: self._nodes[node_id].code))
        rotated = downward[first:] + downward[:first]
        path = CYCLE_ARROW.join(self._nodes[node_id].code for node_id in [*rotated, rotated[0]])
        return (
            f"Members form a cycle: {path} (each is the parent of the next); "
            "give one of them a parent outside the cycle or make it a root."
        )

    # ----------------------------------------------------------------- lookups

    def node(self, id: int) -> Node:
        try:
            return self._nodes[id]
        except KeyError:
            raise HierarchyError(f"Unknown member id {id} in this dimension; reload the hierarchy.") from None

    def id_of(self, code: str) -> int:
        try:
            return self._id_by_code[code]
        except KeyError:
            raise HierarchyError(f"Unknown member '{code}' in this dimension; check the code.") from None

    def code_of(self, id: int) -> str:
        return self.node(id).code

    def roots(self) -> list[int]:
        return list(self._roots)

    def children(self, id: int) -> list[int]:
        self.node(id)
        return list(self._children[id])

    def parent(self, id: int) -> int | None:
        return self.node(id).parent_id

    def ancestors(self, id: int) -> list[int]:
        """Ancestors nearest first, ending at the root."""
        found: list[int] = []
        current = self.node(id).parent_id
        while current is not None:
            found.append(current)
            current = self._nodes[current].parent_id
        return found

    def level(self, id: int) -> int:
        self.node(id)
        return self._level[id]

    def is_leaf(self, id: int) -> bool:
        self.node(id)
        return not self._children[id]

    def descendants(self, id: int, *, level: int | None = None) -> list[int]:
        """Proper descendants in tree order; with `level`, only those at that absolute level (roots are 0)."""
        self.node(id)
        below = self._order[self._position[id] + 1 : self._subtree_end[id]]
        if level is None:
            return below
        return [node_id for node_id in below if self._level[node_id] == level]

    def leaves(self, id: int | None = None) -> list[int]:
        """Leaf descendants of `id` in tree order (`[id]` for a leaf); every leaf when `id` is None."""
        if id is None:
            return list(self._leaf_order)
        self.node(id)
        first = self._leaves_before[self._position[id]]
        last = self._leaves_before[self._subtree_end[id]]
        return self._leaf_order[first:last]

    def leaf_weights(self, id: int) -> dict[int, float]:
        """For each leaf under `id`: the product of the weights from the leaf up to, but excluding, `id`."""
        leaf_ids, weights = self.leaf_weight_arrays(id)
        return dict(zip(leaf_ids.tolist(), weights.tolist(), strict=True))

    def leaf_weight_arrays(self, id: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """`leaf_weights(id)` as two read-only arrays (leaf ids in tree order, weights), cached per member."""
        cached = self._leaf_weight_cache.get(id)
        if cached is not None:
            return cached
        self.node(id)
        weight_below = {id: 1.0}
        for node_id in self._order[self._position[id] + 1 : self._subtree_end[id]]:
            node = self._nodes[node_id]
            assert node.parent_id is not None
            weight_below[node_id] = weight_below[node.parent_id] * node.weight
        leaf_ids = np.array(self.leaves(id), dtype=np.int64)
        weights = np.array([weight_below[leaf] for leaf in leaf_ids.tolist()], dtype=np.float64)
        leaf_ids.flags.writeable = False
        weights.flags.writeable = False
        self._leaf_weight_cache[id] = (leaf_ids, weights)
        return leaf_ids, weights

    @cached_property
    def sorted_leaf_ids(self) -> NDArray[np.int64]:
        """Every leaf id in ascending id order (read-only), for vectorised look-ups of fact coordinates."""
        ids = np.sort(np.array(self._leaf_order, dtype=np.int64))
        ids.flags.writeable = False
        return ids

    def leaf_positions(self, member_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Position of each id in `sorted_leaf_ids`, or -1 where the id is not a leaf of this hierarchy.

        Vectorised for millions of fact coordinates: a direct table look-up when the member ids are
        reasonably dense, a binary search otherwise.
        """
        member_ids = np.asarray(member_ids, dtype=np.int64)
        lookup = self._dense_leaf_lookup
        if lookup is not None and len(member_ids):
            offset, table = lookup
            if int(member_ids.min()) >= offset and int(member_ids.max()) < offset + len(table):
                return table[member_ids - offset]
        leaf_ids = self.sorted_leaf_ids
        if len(leaf_ids) == 0:
            return np.full(len(member_ids), -1, dtype=np.int64)
        positions = np.searchsorted(leaf_ids, member_ids).astype(np.int64)
        found = leaf_ids[np.minimum(positions, len(leaf_ids) - 1)] == member_ids
        return np.where(found, positions, -1)

    @cached_property
    def _dense_leaf_lookup(self) -> tuple[int, NDArray[np.int64]] | None:
        """(smallest member id, table from id - offset to leaf position or -1), when the table stays small."""
        if not self._nodes:
            return None
        offset = min(self._nodes)
        span = max(self._nodes) - offset + 1
        if span > DENSE_LOOKUP_SLACK * len(self._nodes) + DENSE_LOOKUP_MINIMUM:
            return None
        table = np.full(span, -1, dtype=np.int64)
        table[self.sorted_leaf_ids - offset] = np.arange(len(self.sorted_leaf_ids), dtype=np.int64)
        table.flags.writeable = False
        return offset, table

    def tree_order(self) -> list[int]:
        """Every member in pre-order: each root, then its subtree, children ordered by (sort, code)."""
        return list(self._order)

    # --------------------------------------------------------------- changes

    def moved(self, id: int, new_parent_id: int | None) -> Hierarchy:
        """A new hierarchy in which `id` (with its subtree) hangs under `new_parent_id` (None: a root)."""
        node = self.node(id)
        if new_parent_id is not None:
            self.node(new_parent_id)
            if new_parent_id == id or self._is_ancestor(id, new_parent_id):
                down = [new_parent_id, *self.ancestors(new_parent_id)]
                chain = list(reversed(down[: down.index(id) + 1]))  # id … new parent
                path = CYCLE_ARROW.join(self._nodes[member].code for member in [*chain, id])
                raise HierarchyError(
                    f"Cannot move '{node.code}' under '{self._nodes[new_parent_id].code}': that would make a cycle "
                    f"{path}; choose a parent outside the subtree of '{node.code}'."
                )
        changed = replace(node, parent_id=new_parent_id)
        return Hierarchy(changed if member.id == id else member for member in self._nodes.values())

    def _is_ancestor(self, ancestor: int, id: int) -> bool:
        position = self._position[id]
        return self._position[ancestor] < position < self._subtree_end[ancestor]

    # ------------------------------------------------------------- protocols

    def __contains__(self, id: object) -> bool:
        return id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[int]:
        return iter(self._order)

    def __repr__(self) -> str:
        return f"Hierarchy({len(self._nodes)} members, {len(self._roots)} roots, {len(self._leaf_order)} leaves)"


def _sibling_order(node: Node) -> tuple[int, str]:
    return (node.sort, node.code)
