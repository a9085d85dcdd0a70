"""Allocations: splitting an amount over targets by a driver (Essbase @ALLOCATE) and step-down cost allocation.

Shares are rounded by largest remainder in whole units of 10^-precision, so they add up to the amount
exactly. In a step-down the steps run in order: each one sends the source's current balance (its own
amount plus what earlier steps sent it) to its targets and leaves the source at 0, so the total over all
members never changes. Members a step touches (sources and targets) end up rounded to the precision.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from opencorpo.engine.errors import EngineError
from opencorpo.engine.spread import apportion, check_precision, to_units

K = TypeVar("K", bound=Hashable)


class AllocationError(EngineError):
    """An amount cannot be allocated as asked (bad drivers, bad step order)."""


@dataclass(frozen=True)
class AllocationStep(Generic[K]):
    """Send everything `source` holds to the members of `drivers`, in proportion to their driver values."""

    source: K
    drivers: Mapping[K, float]


@dataclass(frozen=True)
class AllocationLine(Generic[K]):
    """`amount` moved from `source` to `target` by step number `step` (counted from 1)."""

    step: int
    source: K
    target: K
    amount: float


@dataclass(frozen=True)
class StepDownResult(Generic[K]):
    """Every amount moved, in order, and the final balance of every member involved."""

    lines: tuple[AllocationLine[K], ...]
    balances: dict[K, float]


def allocate(amount: float, drivers: Mapping[K, float], *, precision: int = 2) -> dict[K, float]:
    """Split `amount` over the keys of `drivers` in proportion to their (non-negative) driver values."""
    check_precision(precision, AllocationError)
    if not math.isfinite(amount):
        raise AllocationError(f"Cannot allocate {amount}: the amount must be a finite number; enter a number.")
    shares = _split(to_units(amount, precision, AllocationError), drivers)
    scale = float(10**precision)
    return {key: share / scale for key, share in zip(drivers, shares, strict=True)}


def step_down(
    balances: Mapping[K, float], steps: Sequence[AllocationStep[K]], *, precision: int = 2
) -> StepDownResult[K]:
    """Run the allocation steps in order; see the module docstring for the rules."""
    check_precision(precision, AllocationError)
    for key, value in balances.items():
        if not math.isfinite(value):
            raise AllocationError(f"The balance of '{key}' is {value}; enter a finite number before allocating.")
    _check_order(steps)
    scale = float(10**precision)
    final = dict(balances)
    lines: list[AllocationLine[K]] = []
    for number, step in enumerate(steps, start=1):
        units = to_units(final.get(step.source, 0.0), precision, AllocationError)
        final[step.source] = 0.0
        if units == 0:
            continue
        try:
            shares = _split(units, step.drivers)
        except AllocationError as error:
            raise AllocationError(f"Step {number} ('{step.source}'): {error.message}") from None
        for target, share in zip(step.drivers, shares, strict=True):
            if share:
                final[target] = (to_units(final.get(target, 0.0), precision, AllocationError) + share) / scale
                lines.append(AllocationLine(number, step.source, target, share / scale))
    return StepDownResult(tuple(lines), final)


def _split(units: int, drivers: Mapping[K, float]) -> list[int]:
    if not drivers:
        raise AllocationError(
            "There are no targets to allocate to; add targets and give at least one a positive driver."
        )
    _check_drivers(drivers)
    weights = np.array(list(drivers.values()), dtype=np.float64)
    if not weights.sum() > 0:
        raise AllocationError(
            "The drivers add up to 0, so there is nothing to split by; give at least one target a positive driver."
        )
    return [int(share) for share in apportion(units, weights, AllocationError)]


def _check_drivers(drivers: Mapping[K, float]) -> None:
    for key, driver in drivers.items():
        if not math.isfinite(driver):
            raise AllocationError(f"The driver for '{key}' is {driver}; enter a finite number (0 for no share).")
        if driver < 0:
            raise AllocationError(
                f"The driver for '{key}' is negative ({driver:g}); use 0 for a target that should get nothing "
                "and give at least one target a positive driver."
            )


def _check_order(steps: Sequence[AllocationStep[K]]) -> None:
    allocated: dict[K, int] = {}
    for number, step in enumerate(steps, start=1):
        if step.source in allocated:
            raise AllocationError(
                f"Step {number} allocates '{step.source}' again, but step {allocated[step.source]} already did; "
                "allocate each member in one step only."
            )
        for target in step.drivers:
            if target == step.source:
                raise AllocationError(
                    f"Step {number} allocates '{step.source}' to itself; remove '{target}' from its targets."
                )
            if target in allocated:
                raise AllocationError(
                    f"Step {number} sends part of '{step.source}' to '{target}', which step {allocated[target]} "
                    f"already allocated; move '{target}' to a later step or remove it from step {number}'s targets."
                )
        try:
            _check_drivers(step.drivers)
        except AllocationError as error:
            raise AllocationError(f"Step {number} ('{step.source}'): {error.message}") from None
        allocated[step.source] = number
