"""Ratio accounts: validated once per cube, then computed after aggregation from their numerator and denominator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from opencorpo.engine.accounts import AccountRule
from opencorpo.engine.errors import EngineError
from opencorpo.engine.hierarchy import CYCLE_ARROW, Hierarchy
from opencorpo.engine.rollup import FloatArray, IntArray


def ratio_evaluation_rank(accounts: Hierarchy, rules: Mapping[int, AccountRule]) -> dict[int, int]:
    """Rank of every ratio account such that a ratio built on other ratios ranks after them.

    Raises EngineError, naming the account codes, when a rule names an account outside the dimension,
    a ratio account has children, or ratio accounts depend on each other in a cycle.
    """
    for account, rule in rules.items():
        if account not in accounts:
            raise EngineError(
                f"There is an account rule for member id {account}, which is not in the account dimension; "
                "drop the rule or reload the accounts."
            )
        if rule.ratio is None:
            continue
        code = accounts.code_of(account)
        if not accounts.is_leaf(account):
            children = ", ".join(f"'{accounts.code_of(child)}'" for child in accounts.children(account))
            raise EngineError(
                f"Ratio account '{code}' has children ({children}); a ratio is computed, so make '{code}' a leaf "
                "and move its children under another account."
            )
        for role, operand in zip(("numerator", "denominator"), rule.ratio, strict=True):
            if operand not in accounts:
                raise EngineError(
                    f"The {role} of ratio account '{code}' is member id {operand}, which is not in the account "
                    "dimension; point the ratio at an existing account."
                )
    rank: dict[int, int] = {}
    for account in sorted(account for account, rule in rules.items() if rule.ratio is not None):
        _rank_ratio(account, accounts, rules, rank, [])
    return rank


def _rank_ratio(
    account: int, accounts: Hierarchy, rules: Mapping[int, AccountRule], rank: dict[int, int], path: list[int]
) -> None:
    if account in rank:
        return
    if account in path:
        cycle = [*path[path.index(account) :], account]
        raise EngineError(
            f"Ratio accounts depend on each other in a cycle: {CYCLE_ARROW.join(accounts.code_of(a) for a in cycle)}; "
            "base one of these ratios on ordinary accounts."
        )
    ratio = rules[account].ratio
    assert ratio is not None
    for operand in ratio:
        operand_rule = rules.get(operand)
        if operand_rule is not None and operand_rule.ratio is not None:
            _rank_ratio(operand, accounts, rules, rank, [*path, account])
    rank[account] = len(rank)


@dataclass(frozen=True)
class RatioRow:
    """Fill output row `row` with scale * row `numerator_row` / row `denominator_row`."""

    row: int
    numerator_row: int
    denominator_row: int
    scale: float


@dataclass(frozen=True)
class AccountPlan:
    """The account rows a query really aggregates: the requested ones first, then the numerators and
    denominators its ratio accounts need; `finish` computes the ratios and keeps the requested rows."""

    members: tuple[int, ...]
    requested_count: int
    ratio_rows: tuple[RatioRow, ...]
    ratio_accounts: NDArray[np.int64]

    @classmethod
    def for_members(
        cls, accounts: Hierarchy, rules: Mapping[int, AccountRule], rank: Mapping[int, int], requested: Sequence[int]
    ) -> AccountPlan:
        members = list(requested)
        row_of: dict[int, int] = {}
        for row, member in enumerate(members):
            row_of.setdefault(member, row)
        pending = [member for member in requested if member in rank]
        while pending:
            ratio = rules[pending.pop()].ratio
            assert ratio is not None
            for operand in ratio:
                if operand not in row_of:
                    row_of[operand] = len(members)
                    members.append(operand)
                    if operand in rank:
                        pending.append(operand)
        ratio_rows = []
        for row, member in sorted(
            ((row, member) for row, member in enumerate(members) if member in rank), key=lambda item: rank[item[1]]
        ):
            rule = rules[member]
            assert rule.ratio is not None
            numerator, denominator = rule.ratio
            ratio_rows.append(RatioRow(row, row_of[numerator], row_of[denominator], rule.scale))
        return cls(
            members=tuple(members),
            requested_count=len(requested),
            ratio_rows=tuple(ratio_rows),
            ratio_accounts=np.array(sorted(rank), dtype=np.int64),
        )

    def is_ratio(self, account: int) -> bool:
        position = int(np.searchsorted(self.ratio_accounts, account))
        return position < len(self.ratio_accounts) and int(self.ratio_accounts[position]) == account

    def summable(self, leaf_ids: IntArray) -> NDArray[np.bool_]:
        """Which of these leaf accounts add into a total: all but ratio accounts."""
        return ~np.isin(leaf_ids, self.ratio_accounts)

    def finish(self, result: FloatArray, account_axis: int) -> FloatArray:
        """Compute the ratio rows (in dependency order) and drop the rows only the ratios needed."""
        by_account = np.moveaxis(result, account_axis, 0)  # a view: writes land in `result`
        for ratio in self.ratio_rows:
            by_account[ratio.row] = ratio_values(
                by_account[ratio.numerator_row], by_account[ratio.denominator_row], ratio.scale
            )
        if len(self.members) == self.requested_count:
            return result
        kept = np.take(result, np.arange(self.requested_count), axis=account_axis)
        return np.ascontiguousarray(kept)


def ratio_values(numerator: FloatArray, denominator: FloatArray, scale: float) -> FloatArray:
    """scale * numerator / denominator; NaN (empty) where the denominator is empty or 0, an empty numerator is 0."""
    usable = np.isfinite(denominator) & (denominator != 0)
    safe_denominator = np.where(usable, denominator, 1.0)
    return np.where(usable, scale * np.nan_to_num(numerator, nan=0.0) / safe_denominator, np.nan)
