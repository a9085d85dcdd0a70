"""Allocation by driver and step-down allocation: exact conservation, sources emptied, traceable lines, errors."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import AllocationError, AllocationLine, AllocationStep, EngineError, allocate, step_down


def units(value: float, precision: int = 2) -> int:
    return round(value * float(10**precision))


def test_allocate_by_headcount() -> None:
    assert allocate(1000.0, {"Sales": 5, "Ops": 3, "R&D": 2}) == {"Sales": 500.0, "Ops": 300.0, "R&D": 200.0}


def test_allocate_rounds_by_largest_remainder() -> None:
    assert allocate(100.0, {"a": 1, "b": 1, "c": 1}) == {"a": 33.34, "b": 33.33, "c": 33.33}
    assert allocate(10.0, {"a": 1, "b": 2, "c": 0}, precision=0) == {"a": 3.0, "b": 7.0, "c": 0.0}
    assert allocate(-100.0, {"a": 2, "b": 1}) == {"a": -66.67, "b": -33.33}


@pytest.mark.parametrize(
    ("amount", "drivers", "message"),
    [
        (1.0, {"a": 2.0, "b": -1.0}, r"The driver for 'b' is negative \(-1\); .* give at least one target a positive"),
        (1.0, {"a": 0.0, "b": 0.0}, "The drivers add up to 0, .*; give at least one target a positive driver"),
        (1.0, {}, "There are no targets to allocate to; add targets"),
        (1.0, {"a": math.nan}, "The driver for 'a' is nan; enter a finite number"),
        (math.inf, {"a": 1.0}, "Cannot allocate inf: the amount must be a finite number"),
    ],
)
def test_allocate_errors(amount: float, drivers: dict[str, float], message: str) -> None:
    with pytest.raises(AllocationError, match=message) as raised:
        allocate(amount, drivers)
    assert isinstance(raised.value, EngineError)


def test_allocate_rejects_an_unsupported_precision() -> None:
    with pytest.raises(AllocationError, match="Precision 9 is not supported; use a whole number of decimals from 0"):
        allocate(1.0, {"a": 1.0}, precision=9)


drivers_st = st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.floats(0, 1e4), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e7, 1e7), drivers_st, st.integers(0, 4))
def test_allocation_conserves_the_pool_exactly(amount: float, drivers: dict[str, float], precision: int) -> None:
    total = sum(drivers.values())
    if total <= 0:
        with pytest.raises(AllocationError):
            allocate(amount, drivers, precision=precision)
        return
    shares = allocate(amount, drivers, precision=precision)
    assert list(shares) == list(drivers)
    assert all(round(share, precision) == share for share in shares.values())
    assert sum(units(share, precision) for share in shares.values()) == units(round(amount, precision), precision)
    for key, share in shares.items():  # each share is within one unit of its exact proportion
        assert abs(share - round(amount, precision) * (drivers[key] / total)) < 10.0**-precision + 1e-6


def test_step_down_sends_service_costs_on_to_the_departments() -> None:
    result = step_down(
        {"IT": 300.0, "HR": 100.0, "Sales": 1000.0},
        [AllocationStep("IT", {"HR": 1, "Sales": 1, "Ops": 1}), AllocationStep("HR", {"Sales": 2, "Ops": 1})],
    )
    assert result.lines == (
        AllocationLine(1, "IT", "HR", 100.0),
        AllocationLine(1, "IT", "Sales", 100.0),
        AllocationLine(1, "IT", "Ops", 100.0),
        AllocationLine(2, "HR", "Sales", 133.33),  # HR passes on its own 100 plus the 100 it got from IT
        AllocationLine(2, "HR", "Ops", 66.67),
    )
    assert result.balances == {"IT": 0.0, "HR": 0.0, "Sales": 1233.33, "Ops": 166.67}


def test_a_source_with_nothing_to_allocate_gives_no_lines() -> None:
    result = step_down({"IT": 0.0, "Sales": 5.0}, [AllocationStep("IT", {"Sales": 0.0})])
    assert result.lines == ()
    assert result.balances == {"IT": 0.0, "Sales": 5.0}


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([AllocationStep("IT", {"IT": 1.0, "Sales": 1.0})], "Step 1 allocates 'IT' to itself; remove 'IT' from its"),
        (
            [AllocationStep("IT", {"HR": 1.0}), AllocationStep("HR", {"IT": 1.0, "Sales": 1.0})],
            "Step 2 sends part of 'HR' to 'IT', which step 1 already allocated; move 'IT' to a later step",
        ),
        (
            [AllocationStep("IT", {"Sales": 1.0}), AllocationStep("IT", {"HR": 1.0})],
            "Step 2 allocates 'IT' again, but step 1 already did; allocate each member in one step only",
        ),
        (
            [AllocationStep("IT", {"Sales": 1.0}), AllocationStep("HR", {"Sales": -2.0})],
            r"Step 2 \('HR'\): The driver for 'Sales' is negative \(-2\)",
        ),
        ([AllocationStep("IT", {"Sales": 0.0})], r"Step 1 \('IT'\): The drivers add up to 0"),
    ],
)
def test_step_down_errors(steps: list[AllocationStep[str]], message: str) -> None:
    with pytest.raises(AllocationError, match=message):
        step_down({"IT": 300.0, "HR": 100.0}, steps)


def test_step_down_rejects_a_non_finite_balance() -> None:
    with pytest.raises(AllocationError, match="The balance of 'IT' is nan; enter a finite number"):
        step_down({"IT": math.nan}, [])


@st.composite
def step_downs(draw: st.DrawFn) -> tuple[dict[str, float], list[AllocationStep[str]]]:
    """Balances at cent precision, and steps whose targets are never an earlier (or the same) source."""
    members = [f"m{index}" for index in range(draw(st.integers(2, 8)))]
    balances = {m: draw(st.integers(-(10**7), 10**7)) / 100 for m in members if draw(st.booleans())}
    order = draw(st.permutations(members))
    sources = order[: draw(st.integers(1, len(members) - 1))]
    steps = []
    for index, source in enumerate(sources):
        eligible = [m for m in members if m not in sources[: index + 1]]
        targets = draw(st.lists(st.sampled_from(eligible), min_size=1, unique=True))
        drivers = {t: draw(st.floats(0, 100)) for t in targets}
        drivers[targets[0]] = draw(st.floats(0.5, 100))  # at least one positive driver
        steps.append(AllocationStep(source, drivers))
    return balances, steps


@settings(max_examples=300, deadline=None)
@given(step_downs())
def test_step_down_conserves_empties_sources_and_traces_every_amount(
    case: tuple[dict[str, float], list[AllocationStep[str]]],
) -> None:
    balances, steps = case
    result = step_down(balances, steps)
    assert sum(map(units, result.balances.values())) == sum(map(units, balances.values()))
    assert all(result.balances[step.source] == 0.0 for step in steps)
    received: dict[str, float] = defaultdict(float)
    for number, step in enumerate(steps, start=1):
        before = balances.get(step.source, 0.0) + received[step.source]
        sent = [line for line in result.lines if line.step == number]
        assert all(line.source == step.source and line.target in step.drivers for line in sent)
        assert sum(units(line.amount) for line in sent) == units(before)
        for line in sent:
            received[line.target] += line.amount
    for key, balance in result.balances.items():  # nothing but the lines moved money
        assert units(balance) == units(balances.get(key, 0.0) + received[key] - _sent(result.lines, key))


def _sent(lines: tuple[AllocationLine[str], ...], source: str) -> float:
    return sum(line.amount for line in lines if line.source == source)
