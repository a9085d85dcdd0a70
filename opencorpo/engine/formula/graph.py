"""Order of evaluation of formula items from their dependencies, whole or after some keys changed.

`dependencies` maps each formula item's key to the keys its formula reads; a key that is not itself a key of
the mapping is a plain input. A formula that reads itself, even through PREV or LAG (`Stock = PREV(Stock) +
In - Out`), is a cycle in this version: make the opening stock an input or a separate item.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from opencorpo.engine.formula.errors import FormulaCycleError


def evaluation_order(dependencies: Mapping[str, Iterable[str]]) -> list[str]:
    """The formula keys, each after every formula it reads; among formulas ready together, by key.

    Raises FormulaCycleError naming a cycle, e.g. path ["A", "B", "C", "A"] when A reads B, B reads C and C reads A.
    """
    reads = {key: sorted(set(keys) & dependencies.keys()) for key, keys in _materialised(dependencies).items()}
    readers: dict[str, list[str]] = {key: [] for key in reads}
    waiting = {}
    for key, read in reads.items():
        waiting[key] = len(read)
        for dependency in read:
            readers[dependency].append(key)
    ready = [key for key, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        key = heapq.heappop(ready)
        order.append(key)
        for reader in readers[key]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, reader)
    if len(order) < len(reads):
        raise FormulaCycleError(_cycle({key: read for key, read in reads.items() if waiting[key] > 0}))
    return order


def recalculation_order(dependencies: Mapping[str, Iterable[str]], changed: Iterable[str]) -> list[str]:
    """The formula keys that read any of `changed` (inputs or formulas), directly or through other formulas,
    with every changed formula itself, in the order of `evaluation_order` (so it raises FormulaCycleError when
    any formulas form a cycle): what to recompute after those keys changed."""
    reads = _materialised(dependencies)
    changed = set(changed)
    readers: dict[str, list[str]] = {}
    for key, read in reads.items():
        for dependency in set(read):
            readers.setdefault(dependency, []).append(key)
    affected = {key for key in changed if key in reads}
    pending = list(changed)
    while pending:
        for reader in readers.get(pending.pop(), ()):
            if reader not in affected:
                affected.add(reader)
                pending.append(reader)
    return [key for key in evaluation_order(reads) if key in affected]


def _materialised(dependencies: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    return {key: list(keys) for key, keys in dependencies.items()}


def _cycle(blocked: dict[str, list[str]]) -> list[str]:
    """A cycle among formulas that each still wait on another one of them, rotated to start at its least key."""
    path = [min(blocked)]
    seen = {path[0]: 0}
    while True:
        following = next(dependency for dependency in blocked[path[-1]] if dependency in blocked)
        if following in seen:
            cycle = path[seen[following] :]
            start = cycle.index(min(cycle))
            cycle = cycle[start:] + cycle[:start]
            return [*cycle, cycle[0]]
        seen[following] = len(path)
        path.append(following)
