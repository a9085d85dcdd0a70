"""Cubes: sparse leaf facts aggregated up every hierarchy with financial semantics (weights, time balance, ratios).

Semantics of `aggregate`:

* Along every dimension but time, a requested member is the weighted sum of its leaf descendants
  (`Hierarchy.leaf_weights`), so a member with weight -1 subtracts.
* Along time, each leaf account rolls up with its own `AccountRule.time_balance`: "flow" sums the leaf
  months of the requested period, "first"/"last" take the value of its first/last leaf month, "average"
  divides the sum by the number of leaf months in the period. A parent account sums each child's own
  time-aggregated value; the time balance of a parent account is not used.
* "last" is the value in the period's last month and nothing else: if that month has no fact, the cell is
  empty (NaN) even when earlier months have data. A closing balance that has not been entered is unknown,
  and carrying an older month forward would show a stale balance as if it were current. The same holds
  for "first" and the period's first month.
* Ratio accounts are computed after aggregation, from the aggregated numerator and denominator at the
  same coordinates; they are never summed and contribute nothing to their parents.
* A cell no fact reaches is NaN; a cell whose facts sum to zero is 0.0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from opencorpo.engine.accounts import FLOW, TIME_BALANCES, AccountRule, TimeBalance
from opencorpo.engine.errors import EngineError, QueryError
from opencorpo.engine.hierarchy import Hierarchy
from opencorpo.engine.ratios import AccountPlan, ratio_evaluation_rank
from opencorpo.engine.rollup import CellAccumulator, FloatArray, IntArray, LeafMap, LeafPairs, local_leaf_indexes

LeafPicker = Callable[[IntArray, FloatArray], tuple[IntArray, FloatArray]]


@dataclass
class Facts:
    """Sparse cells at leaf level: row i has the leaf member id per dimension (cube order) and a value."""

    coords: NDArray[np.int64]
    values: NDArray[np.float64]

    def __post_init__(self) -> None:
        coords = np.asarray(self.coords, dtype=np.int64)
        values = np.asarray(self.values, dtype=np.float64)
        if coords.ndim != 2:
            raise EngineError(f"Fact coordinates must be a 2-D array (facts x dimensions), not {coords.ndim}-D.")
        if values.shape != (coords.shape[0],):
            raise EngineError(
                f"There are {coords.shape[0]} fact coordinates but {values.size} values; give one value per fact."
            )
        if not bool(np.all(np.isfinite(values))):
            raise EngineError("Fact values must be finite numbers; drop empty (NaN) or infinite values before loading.")
        self.coords = coords
        self.values = values

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Sequence[int], float]], d: int) -> Facts:
        """Facts from (coordinate, value) rows, each coordinate holding `d` leaf member ids in cube order."""
        flat_coords: list[int] = []
        values: list[float] = []
        for coordinate, value in rows:
            if len(coordinate) != d:
                raise EngineError(
                    f"Fact {list(coordinate)} has {len(coordinate)} coordinates but the cube has {d} dimensions; "
                    "give one leaf member id per dimension."
                )
            flat_coords.extend(coordinate)
            values.append(value)
        coords = np.array(flat_coords, dtype=np.int64).reshape(len(values), d)
        return cls(coords=coords, values=np.array(values, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class CubeShape:
    """A cube's dimensions in cube order, their hierarchies, and which ones are Time and Account."""

    dimensions: tuple[str, ...]
    hierarchies: Mapping[str, Hierarchy]
    time_dimension: str | None = None
    account_dimension: str | None = None
    account_rules: Mapping[int, AccountRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise EngineError("A cube needs at least one dimension; add dimensions to the cube.")
        repeated = sorted({code for code in self.dimensions if self.dimensions.count(code) > 1})
        if repeated:
            raise EngineError(f"Dimension '{repeated[0]}' appears twice in the cube; list each dimension once.")
        for code in self.dimensions:
            if code not in self.hierarchies:
                raise EngineError(f"Dimension '{code}' has no hierarchy; pass one for every cube dimension.")
        for role, role_dimension in (("time", self.time_dimension), ("account", self.account_dimension)):
            if role_dimension is not None and role_dimension not in self.dimensions:
                raise EngineError(
                    f"The {role} dimension '{role_dimension}' is not in this cube ({', '.join(self.dimensions)}); "
                    "add it to the cube or leave the role empty."
                )
        if self.time_dimension is not None and self.time_dimension == self.account_dimension:
            raise EngineError(f"Dimension '{self.time_dimension}' cannot be both Time and Account; pick one role.")
        if self.account_dimension is None and self.account_rules:
            raise EngineError("Account rules were given but the cube has no account dimension; name it or drop them.")
        self.ratio_rank  # noqa: B018 - validates ratio accounts (existence, leaves, no cycle) up front

    def rule(self, account_id: int) -> AccountRule:
        return self.account_rules.get(account_id, FLOW)

    @property
    def accounts(self) -> Hierarchy:
        if self.account_dimension is None:
            raise EngineError("This cube has no account dimension; name one to use account rules.")
        return self.hierarchies[self.account_dimension]

    @cached_property
    def ratio_rank(self) -> dict[int, int]:
        """Evaluation rank of each ratio account (its numerator and denominator rank lower)."""
        if self.account_dimension is None:
            return {}
        return ratio_evaluation_rank(self.accounts, self.account_rules)

    @cached_property
    def leaf_time_balance_codes(self) -> NDArray[np.intp]:
        """Index into TIME_BALANCES of every leaf account's time balance, by its position in `sorted_leaf_ids`.

        Only leaves matter: a parent account sums its children, each rolled up over time by its own rule.
        """
        accounts = self.accounts
        codes = np.zeros(len(accounts.sorted_leaf_ids), dtype=np.intp)
        for account, rule in self.account_rules.items():
            if rule.time_balance != "flow" and accounts.is_leaf(account):
                codes[int(np.searchsorted(accounts.sorted_leaf_ids, account))] = TIME_BALANCES.index(rule.time_balance)
        return codes


@dataclass(frozen=True)
class Axis:
    """The members requested on one dimension, at any level; the same leaf may sit under several of them."""

    dimension: str
    members: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.members, tuple):
            object.__setattr__(self, "members", tuple(self.members))


def aggregate(shape: CubeShape, facts: Facts, axes: Sequence[Axis]) -> NDArray[np.float64]:
    """Cell values for every combination of the requested members, shaped like `axes` (not cube order).

    Returns float64 with shape (len(axes[0].members), len(axes[1].members), …); NaN marks an empty cell.
    """
    axes = _checked_axes(shape, axes)
    if facts.coords.shape[1] != len(shape.dimensions):
        raise QueryError(
            f"The facts have {facts.coords.shape[1]} coordinates per row but the cube has "
            f"{len(shape.dimensions)} dimensions ({', '.join(shape.dimensions)}); load facts for this cube."
        )
    account_position = _position_of(axes, shape.account_dimension)
    time_position = _position_of(axes, shape.time_dimension)
    plan: AccountPlan | None = None
    if account_position is not None:
        # Ratio accounts need their numerator and denominator rows even when the query does not ask for them.
        requested = axes[account_position]
        plan = AccountPlan.for_members(shape.accounts, shape.account_rules, shape.ratio_rank, requested.members)
        axes[account_position] = Axis(requested.dimension, plan.members)
    hierarchies = [shape.hierarchies[axis.dimension] for axis in axes]
    leaf_locals = [
        _fact_leaf_locals(axis.dimension, hierarchy, facts.coords[:, shape.dimensions.index(axis.dimension)])
        for axis, hierarchy in zip(axes, hierarchies, strict=True)
    ]
    maps = [
        _leaf_map(hierarchy, axis, _all_leaves, plan if position == account_position else None)
        for position, (axis, hierarchy) in enumerate(zip(axes, hierarchies, strict=True))
    ]
    accumulator = CellAccumulator(tuple(len(axis.members) for axis in axes))
    if time_position is None or account_position is None:
        accumulator.add(leaf_locals, maps, facts.values)
    else:
        time_axis, time_hierarchy = axes[time_position], hierarchies[time_position]
        rule_codes = shape.leaf_time_balance_codes[leaf_locals[account_position]]
        present = np.flatnonzero(np.bincount(rule_codes, minlength=len(TIME_BALANCES)))
        for code in present.tolist():
            balance = TIME_BALANCES[code]
            maps[time_position] = _leaf_map(time_hierarchy, time_axis, _TIME_PICKERS[balance], None)
            if len(present) == 1:
                accumulator.add(leaf_locals, maps, facts.values)
            else:
                chosen = np.flatnonzero(rule_codes == code)
                accumulator.add([column[chosen] for column in leaf_locals], maps, facts.values[chosen])
    result = accumulator.result()
    if plan is not None and account_position is not None:
        result = plan.finish(result, account_position)
    return result


def cell_value(shape: CubeShape, facts: Facts, coordinate: Mapping[str, int]) -> float | None:
    """One cell: `coordinate` maps every dimension code to a member id (any level); None when empty."""
    axes = [Axis(dimension, (member,)) for dimension, member in coordinate.items()]
    value = float(aggregate(shape, facts, axes).reshape(-1)[0])
    return None if np.isnan(value) else value


def _checked_axes(shape: CubeShape, axes: Sequence[Axis]) -> list[Axis]:
    seen: set[str] = set()
    for axis in axes:
        if axis.dimension not in shape.dimensions:
            raise QueryError(
                f"Dimension '{axis.dimension}' is not in this cube; use one of {', '.join(shape.dimensions)}."
            )
        if axis.dimension in seen:
            raise QueryError(f"Dimension '{axis.dimension}' has two axes; give each dimension exactly one axis.")
        seen.add(axis.dimension)
        hierarchy = shape.hierarchies[axis.dimension]
        unknown = [member for member in axis.members if member not in hierarchy]
        if unknown:
            raise QueryError(
                f"Member id {unknown[0]} is not in dimension '{axis.dimension}'; reload the dimension's members."
            )
    missing = [code for code in shape.dimensions if code not in seen]
    if missing:
        raise QueryError(
            f"The query has no axis for dimension '{missing[0]}'; every cube dimension "
            f"({', '.join(shape.dimensions)}) needs exactly one axis, e.g. its root member for a total."
        )
    return list(axes)


def _position_of(axes: Sequence[Axis], dimension: str | None) -> int | None:
    for position, axis in enumerate(axes):
        if axis.dimension == dimension:
            return position
    return None


def _fact_leaf_locals(dimension: str, hierarchy: Hierarchy, column: IntArray) -> IntArray:
    def describe(member_ids: list[int]) -> str:
        listed = ", ".join(
            f"'{hierarchy.code_of(member)}' (has children)" if member in hierarchy else f"id {member} (not a member)"
            for member in member_ids
        )
        return (
            f"Facts on dimension '{dimension}' sit on members that are not leaves: {listed}; facts belong on leaf "
            "members — move that data down to a leaf, or reload the facts after the hierarchy change."
        )

    return local_leaf_indexes(hierarchy, column, describe)


def _leaf_map(hierarchy: Hierarchy, axis: Axis, pick: LeafPicker, plan: AccountPlan | None) -> LeafMap:
    parts: list[LeafPairs] = []
    summable: NDArray[np.bool_] | None = None  # by leaf position: False for ratio accounts (never summed)
    if plan is not None and len(plan.ratio_accounts):
        summable = ~np.isin(hierarchy.sorted_leaf_ids, plan.ratio_accounts)
    for output, member in enumerate(axis.members):
        if plan is not None and plan.is_ratio(member):
            continue  # computed after aggregation
        leaf_ids, weights = pick(*hierarchy.leaf_weight_arrays(member))
        positions = np.searchsorted(hierarchy.sorted_leaf_ids, leaf_ids).astype(np.int64)
        if summable is not None:
            kept = summable[positions]
            positions, weights = positions[kept], weights[kept]
        parts.append(LeafPairs(positions, np.full(len(positions), output, dtype=np.int64), weights))
    return LeafPairs.concatenate(parts).to_map(len(hierarchy.sorted_leaf_ids))


def _all_leaves(leaf_ids: IntArray, weights: FloatArray) -> tuple[IntArray, FloatArray]:
    return leaf_ids, weights


def _first_leaf(leaf_ids: IntArray, weights: FloatArray) -> tuple[IntArray, FloatArray]:
    return leaf_ids[:1], weights[:1]


def _last_leaf(leaf_ids: IntArray, weights: FloatArray) -> tuple[IntArray, FloatArray]:
    return leaf_ids[-1:], weights[-1:]


def _leaves_averaged(leaf_ids: IntArray, weights: FloatArray) -> tuple[IntArray, FloatArray]:
    return leaf_ids, weights / len(leaf_ids)


_TIME_PICKERS: dict[TimeBalance, LeafPicker] = {
    "flow": _all_leaves,
    "first": _first_leaf,
    "last": _last_leaf,
    "average": _leaves_averaged,
}

__all__ = ["Axis", "CubeShape", "Facts", "aggregate", "cell_value"]
