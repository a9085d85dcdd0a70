"""Hierarchy: validation messages, tree queries, leaf weights, moves, and consistency with parent links."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencorpo.engine import Hierarchy, HierarchyError, Node
from tests.engine.builders import forests, hierarchy_from_parents

# Total ─┬─ Europe ─┬─ France
#        │          └─ Germany
#        └─ Americas ── USA ── California
# Other (second root)
PARENTS: dict[str, str | None] = {
    "Total": None,
    "Europe": "Total",
    "Germany": "Europe",
    "France": "Europe",
    "Americas": "Total",
    "USA": "Americas",
    "California": "USA",
    "Other": None,
}


@pytest.fixture
def regions() -> Hierarchy:
    return hierarchy_from_parents(PARENTS)


def codes(hierarchy: Hierarchy, ids: list[int]) -> list[str]:
    return [hierarchy.code_of(member) for member in ids]


def test_tree_queries(regions: Hierarchy) -> None:
    total = regions.id_of("Total")
    assert codes(regions, regions.roots()) == ["Total", "Other"]
    assert codes(regions, regions.children(total)) == ["Europe", "Americas"]  # by sort, then code
    assert codes(regions, regions.ancestors(regions.id_of("California"))) == ["USA", "Americas", "Total"]
    assert regions.parent(total) is None
    assert regions.level(total) == 0 and regions.level(regions.id_of("California")) == 3
    assert codes(regions, regions.descendants(total)) == [
        "Europe",
        "Germany",
        "France",
        "Americas",
        "USA",
        "California",
    ]
    assert codes(regions, regions.descendants(total, level=2)) == ["Germany", "France", "USA"]
    assert codes(regions, regions.leaves(total)) == ["Germany", "France", "California"]
    assert codes(regions, regions.leaves(regions.id_of("France"))) == ["France"]
    assert codes(regions, regions.leaves()) == ["Germany", "France", "California", "Other"]
    assert codes(regions, regions.tree_order()) == [*codes(regions, [total, *regions.descendants(total)]), "Other"]
    assert list(regions) == regions.tree_order()
    assert len(regions) == 8
    assert total in regions and 999 not in regions
    assert regions.is_leaf(regions.id_of("Other")) and not regions.is_leaf(total)


def test_children_are_ordered_by_sort_then_code() -> None:
    hierarchy = Hierarchy(
        [
            Node(1, "Root", None),
            Node(2, "b", 1, sort=0),
            Node(3, "a", 1, sort=0),
            Node(4, "0-first-by-sort", 1, sort=-1),
        ]
    )
    assert codes(hierarchy, hierarchy.children(1)) == ["0-first-by-sort", "a", "b"]


def test_leaf_weights_multiply_along_the_path() -> None:
    hierarchy = hierarchy_from_parents(
        {"GM": None, "Revenue": "GM", "COGS": "GM", "Material": "COGS", "Rebate": "COGS"},
        weights={"COGS": -1.0, "Rebate": -1.0, "Material": 0.5},
    )
    weights = {
        hierarchy.code_of(leaf): weight for leaf, weight in hierarchy.leaf_weights(hierarchy.id_of("GM")).items()
    }
    assert weights == {"Revenue": 1.0, "Material": -0.5, "Rebate": 1.0}
    cogs = {hierarchy.code_of(leaf): weight for leaf, weight in hierarchy.leaf_weights(hierarchy.id_of("COGS")).items()}
    assert cogs == {"Material": 0.5, "Rebate": -1.0}
    rebate = hierarchy.id_of("Rebate")
    assert hierarchy.leaf_weights(rebate) == {rebate: 1.0}


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ([Node(1, "A", None), Node(1, "B", None)], "Member id 1 is used by both 'A' and 'B'"),
        ([Node(1, "A", None), Node(2, "A", None)], "Member code 'A' is used twice"),
        ([Node(1, "A", None), Node(2, "B", 7)], "Member 'B' has parent id 7, which is not in this dimension"),
        ([Node(1, "A", 1)], "cycle: A → A"),
        (
            [Node(1, "R", None), Node(2, "A", 4), Node(3, "B", 2), Node(4, "C", 3)],
            "cycle: A → B → C → A",
        ),
    ],
)
def test_invalid_hierarchies_are_rejected_with_a_clear_message(nodes: list[Node], expected: str) -> None:
    with pytest.raises(HierarchyError, match=expected):
        Hierarchy(nodes)


def test_unknown_members(regions: Hierarchy) -> None:
    with pytest.raises(HierarchyError, match="Unknown member 'Mars' in this dimension"):
        regions.id_of("Mars")
    with pytest.raises(HierarchyError, match="Unknown member id 999"):
        regions.children(999)


def test_moved_returns_a_new_hierarchy(regions: Hierarchy) -> None:
    usa, europe = regions.id_of("USA"), regions.id_of("Europe")
    moved = regions.moved(usa, europe)
    assert codes(moved, moved.children(europe)) == ["Germany", "France", "USA"]
    assert moved.is_leaf(moved.id_of("Americas"))
    assert codes(regions, regions.children(europe)) == ["Germany", "France"]  # the original is untouched
    as_root = regions.moved(usa, None)
    assert codes(as_root, as_root.roots()) == ["Total", "USA", "Other"]  # roots too are ordered by (sort, code)


def test_moving_under_itself_or_a_descendant_names_the_cycle(regions: Hierarchy) -> None:
    total, california = regions.id_of("Total"), regions.id_of("California")
    with pytest.raises(HierarchyError, match="Total → Americas → USA → California → Total"):
        regions.moved(total, california)
    with pytest.raises(HierarchyError, match=r"'USA' under 'USA'.*USA → USA"):
        regions.moved(regions.id_of("USA"), regions.id_of("USA"))


def test_leaf_positions_match_sorted_leaf_ids(regions: Hierarchy) -> None:
    ids = np.array([regions.id_of("France"), regions.id_of("Total"), 999, regions.id_of("Other")], dtype=np.int64)
    positions = regions.leaf_positions(ids)
    assert positions[1] == -1 and positions[2] == -1
    assert regions.sorted_leaf_ids[positions[0]] == ids[0] and regions.sorted_leaf_ids[positions[3]] == ids[3]


def test_twenty_thousand_members_build_quickly() -> None:
    # Not a benchmark: a generous bound that only catches an accidental quadratic walk.
    nodes = [Node(index, f"M{index}", None if index == 0 else (index - 1) // 4) for index in range(20_000)]
    chain = [Node(index, f"C{index}", None if index == 0 else index - 1) for index in range(20_000)]
    started = time.perf_counter()
    wide, deep = Hierarchy(nodes), Hierarchy(chain)
    assert time.perf_counter() - started < 5.0
    assert len(wide.leaves()) == 15_000
    assert deep.level(19_999) == 19_999 and deep.leaves(0) == [19_999]


def _brute_descendants(hierarchy: Hierarchy, member: int) -> set[int]:
    return {other for other in hierarchy if member in hierarchy.ancestors(other)}


@settings(max_examples=150, deadline=None)
@given(forests(prefix="M", first_id=1, max_size=14))
def test_tree_queries_agree_with_parent_links(hierarchy: Hierarchy) -> None:
    order = hierarchy.tree_order()
    assert sorted(order) == sorted(hierarchy) and len(order) == len(hierarchy)
    position = {member: index for index, member in enumerate(order)}
    for member in hierarchy:
        node = hierarchy.node(member)
        parent = hierarchy.parent(member)
        assert parent == node.parent_id
        assert hierarchy.level(member) == len(hierarchy.ancestors(member))
        if parent is not None:
            assert position[parent] < position[member] and member in hierarchy.children(parent)
        else:
            assert member in hierarchy.roots()
        children = hierarchy.children(member)
        keys = [(hierarchy.node(child).sort, hierarchy.node(child).code) for child in children]
        assert keys == sorted(keys)
        descendants = hierarchy.descendants(member)
        assert set(descendants) == _brute_descendants(hierarchy, member)
        assert descendants == sorted(descendants, key=position.__getitem__)
        expected_leaves = [d for d in descendants if not hierarchy.children(d)] or [member]
        assert hierarchy.leaves(member) == expected_leaves
        assert hierarchy.is_leaf(member) == (not children)
        assert set(hierarchy.leaf_weights(member)) == set(expected_leaves)
        for level in range(4):
            assert hierarchy.descendants(member, level=level) == [d for d in descendants if hierarchy.level(d) == level]


@settings(max_examples=150, deadline=None)
@given(forests(prefix="M", first_id=1, max_size=12), st.data())
def test_moves_keep_the_tree_valid_and_reject_cycles(hierarchy: Hierarchy, data: st.DataObject) -> None:
    members = hierarchy.tree_order()
    for _ in range(5):
        member = data.draw(st.sampled_from(members))
        target = data.draw(st.none() | st.sampled_from(members))
        if target is not None and (target == member or member in hierarchy.ancestors(target)):
            with pytest.raises(HierarchyError, match=f"Cannot move '{hierarchy.code_of(member)}'") as caught:
                hierarchy.moved(member, target)
            path = caught.value.message.split("cycle ")[1].split(";")[0].split(" → ")
            assert path[0] == path[-1] == hierarchy.code_of(member)
            assert path[-2] == hierarchy.code_of(target)
            continue
        subtree = set(hierarchy.descendants(member))
        hierarchy = hierarchy.moved(member, target)
        assert hierarchy.parent(member) == target
        assert set(hierarchy.descendants(member)) == subtree
        assert sorted(hierarchy.tree_order()) == sorted(members)
