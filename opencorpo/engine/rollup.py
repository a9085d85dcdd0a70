"""Vectorised roll-up of leaf facts into requested cells through per-dimension (leaf → output, weight) maps.

A query asks, on each dimension, for some members at any level. Each requested member becomes a set of
(leaf, output position, weight) pairs; one leaf may feed several outputs (a parent and its child asked for
together). Facts are pushed through these pairs one dimension at a time, fanning a fact out where its leaf
feeds several outputs, and the weighted values are summed per flat output position with `np.bincount`.
Nothing loops in Python per fact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from opencorpo.engine.errors import QueryError
from opencorpo.engine.hierarchy import Hierarchy

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LeafMap:
    """The (leaf → output position, weight) pairs of one axis, grouped by the leaf's local index.

    The pairs of local leaf `i` are `pair_output[pair_start[i] : pair_start[i] + pair_count[i]]` and the
    matching slice of `pair_weight`; a leaf with no pair feeds no requested member.
    """

    pair_start: IntArray
    pair_count: IntArray
    pair_output: IntArray
    pair_weight: FloatArray
    unit_weights: bool

    @classmethod
    def build(cls, leaf_count: int, leaf_locals: IntArray, outputs: IntArray, weights: FloatArray) -> LeafMap:
        order = np.argsort(leaf_locals, kind="stable")
        pair_count = np.bincount(leaf_locals, minlength=leaf_count).astype(np.int64)
        pair_start = np.cumsum(pair_count) - pair_count
        pair_weight = weights[order].astype(np.float64)
        return cls(
            pair_start=pair_start,
            pair_count=pair_count,
            pair_output=outputs[order].astype(np.int64),
            pair_weight=pair_weight,
            unit_weights=bool(np.all(pair_weight == 1.0)),
        )


@dataclass(frozen=True)
class LeafPairs:
    """Unsorted (local leaf, output position, weight) pairs collected for one axis before building a LeafMap."""

    leaf_locals: IntArray
    outputs: IntArray
    weights: FloatArray

    @classmethod
    def concatenate(cls, parts: Sequence[LeafPairs]) -> LeafPairs:
        if not parts:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
        return cls(
            np.concatenate([part.leaf_locals for part in parts]),
            np.concatenate([part.outputs for part in parts]),
            np.concatenate([part.weights for part in parts]),
        )

    def to_map(self, leaf_count: int) -> LeafMap:
        return LeafMap.build(leaf_count, self.leaf_locals, self.outputs, self.weights)


def local_leaf_indexes(
    hierarchy: Hierarchy, member_ids: IntArray, describe_misplaced: Callable[[list[int]], str]
) -> IntArray:
    """Position of each member id among the hierarchy's `sorted_leaf_ids`; any id that is not a leaf raises QueryError.

    The callback receives up to five offending ids and returns the message to raise.
    """
    positions = hierarchy.leaf_positions(member_ids)
    if len(positions) and int(positions.min()) < 0:
        misplaced = np.unique(member_ids[positions < 0])[:5].tolist()
        raise QueryError(describe_misplaced(misplaced))
    return positions


class CellAccumulator:
    """Weighted sums and contribution counts per flat output position; a cell nothing fed stays empty (NaN)."""

    def __init__(self, output_shape: tuple[int, ...]) -> None:
        self.output_shape = output_shape
        self.size = int(np.prod(output_shape, dtype=np.int64))
        self.strides = [int(np.prod(output_shape[axis + 1 :], dtype=np.int64)) for axis in range(len(output_shape))]
        self.sums = np.zeros(self.size, dtype=np.float64)
        self.counts = np.zeros(self.size, dtype=np.int64)

    def add(self, leaf_locals: Sequence[IntArray], maps: Sequence[LeafMap], values: FloatArray) -> None:
        """Push facts through the maps of every output axis (one local-leaf column and one map per axis)."""
        if self.size == 0 or len(values) == 0:
            return
        fed = np.ones(len(values), dtype=bool)
        fan_out: list[bool] = []
        for locals_, leaf_map in zip(leaf_locals, maps, strict=True):
            counts = leaf_map.pair_count[locals_]
            fed &= counts > 0
            fan_out.append(bool(np.any(counts > 1)))
        rows = np.flatnonzero(fed)
        if len(rows) == 0:
            return
        flat = np.zeros(len(rows), dtype=np.int64)
        weight: FloatArray | None = None
        # Axes where each leaf feeds one output go first: they never grow the working arrays.
        for axis in sorted(range(len(maps)), key=lambda index: fan_out[index]):
            leaf_map = maps[axis]
            locals_ = leaf_locals[axis][rows]
            if fan_out[axis]:
                pair_index, repeat = _fan_out(leaf_map, locals_)
                rows, flat = rows[repeat], flat[repeat]
                weight = None if weight is None else weight[repeat]
            else:
                pair_index = leaf_map.pair_start[locals_]
            flat += leaf_map.pair_output[pair_index] * self.strides[axis]
            if not leaf_map.unit_weights:
                pair_weight = leaf_map.pair_weight[pair_index]
                weight = pair_weight if weight is None else weight * pair_weight
        contributions = values[rows] if weight is None else values[rows] * weight
        self.sums += np.bincount(flat, weights=contributions, minlength=self.size)
        self.counts += np.bincount(flat, minlength=self.size)

    def result(self) -> FloatArray:
        """The cell values in the output shape, NaN where no fact contributed (a sum of 0 stays 0.0)."""
        values = np.where(self.counts > 0, self.sums, np.nan)
        return values.reshape(self.output_shape)


def _fan_out(leaf_map: LeafMap, locals_: IntArray) -> tuple[IntArray, IntArray]:
    """Pair indexes for every (row, pair of its leaf) and, for each of them, the row it came from."""
    counts = leaf_map.pair_count[locals_]
    starts = leaf_map.pair_start[locals_]
    repeat = np.repeat(np.arange(len(locals_), dtype=np.int64), counts)
    # Within row i's block, arange(total) runs from offset_i, so subtracting offset_i and adding start_i
    # gives start_i, start_i + 1, … — the row's pairs.
    block_offsets = np.cumsum(counts) - counts
    pair_index = np.repeat(starts - block_offsets, counts) + np.arange(int(counts.sum()), dtype=np.int64)
    return pair_index, repeat
