"""The organisation's policy for terms without data: counted as 0, or left out until their
first check-in (PRODUCT.md "every number is a default")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pilote.okr.rollup import (
    RollupTerm,
    explain_objective_progress,
    objective_progress,
    objective_status,
)
from pilote.okr.types import Policy, Status, policy_errors

terms = st.lists(
    st.builds(
        RollupTerm,
        label=st.just("t"),
        weight=st.floats(0.1, 5),
        progress=st.one_of(st.none(), st.floats(0, 1)),
        status=st.sampled_from(list(Status)),
    ),
    max_size=6,
)


def _fixed(ts):
    # a term without data has the no-data status, as the figures give it
    return [
        RollupTerm(
            t.label, t.weight, t.progress, Status.NO_DATA if t.progress is None else t.status
        )
        for t in ts
    ]


@given(terms)
def test_skipping_equals_the_mean_over_the_terms_with_data(ts):
    ts = _fixed(ts)
    with_data = [t for t in ts if t.progress is not None]
    assert objective_progress(ts, "skip") == objective_progress(with_data)
    assert objective_status(ts, "skip") == objective_status(with_data)
    # never below counting them as 0 (a new objective cannot pull its parent down)
    zero, skip = objective_progress(ts, "zero"), objective_progress(ts, "skip")
    if zero is not None:
        assert skip is not None and skip >= zero - 1e-12


def test_a_new_objective_without_data_pulls_its_parent_down_only_when_counted_as_zero():
    old = RollupTerm("old", 1, 0.46, Status.ON_TRACK)
    new = RollupTerm("new", 0.2, None, Status.NO_DATA)
    assert round(objective_progress([old, new], "zero"), 2) == 0.38
    assert objective_progress([old, new], "skip") == 0.46
    # counted, the new one's "no data" is the worse status (no_data comes before on_track)
    assert objective_status([old, new], "zero") == Status.NO_DATA
    assert objective_status([old, new], "skip") == Status.ON_TRACK
    explained = explain_objective_progress([old, new], "skip")
    assert explained.note_codes == ("no_data_left_out",) and explained.note_params == ({"n": 1},)
    assert explain_objective_progress([new], "skip").note_codes == ("no_term_has_data",)


def test_the_policy_accepts_zero_or_skip_only():
    assert policy_errors({"no_data_terms": "skip"}) == [] and Policy().no_data_terms == "zero"
    assert [p for p, _ in policy_errors({"no_data_terms": "ignore"})] == ["no_data_terms"]
