"""Strategy reach's aggregation rule (pilote.okr.reach): no figure shown under 5 people, and
nobody lost on the way up."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pilote.okr.reach import SMALL_UNIT, merge_small_units


@st.composite
def trees(draw):
    n = draw(st.integers(1, 25))
    parents = {0: None}
    for u in range(1, n):
        parents[u] = draw(st.integers(0, u - 1))
    people = {u: set(draw(st.lists(st.integers(0, 60), max_size=8))) for u in range(n)}
    return parents, people


@given(trees())
def test_no_figure_is_small_and_everyone_counts_in_a_shown_figure_above_them(tree):
    parents, people = tree
    kept = merge_small_units(parents, people)
    assert all(len(ps) >= SMALL_UNIT for ps, _ in kept.values())
    for unit, members in people.items():
        # Up the chain from the unit: the first shown unit holds its members; if none is
        # shown, the top one was small too (its members count in the organisation's only).
        u = unit
        while u is not None and u not in kept:
            u = parents[u]
        if u is not None:
            assert members <= kept[u][0]
            assert unit == u or unit in kept[u][1]


def test_a_small_unit_merges_into_its_parent_and_on_up_through_an_empty_one():
    parents = {1: None, 2: 1, 3: 2}
    people = {1: {"a", "b", "c", "d", "e"}, 3: {"x", "y"}}
    assert merge_small_units(parents, people) == {1: ({"a", "b", "c", "d", "e", "x", "y"}, [2, 3])}
