"""The doubt a manual check-in raises (pilote.okr.freshness.doubt_about): properties."""

from hypothesis import given
from hypothesis import strategies as st

from pilote.okr.freshness import doubt_about, judge_jump

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, max_size=8), finite, finite, finite)
def test_a_value_outside_the_bounds_always_asks(history, new, a, b):
    low, high = min(a, b), max(a, b)
    doubt = doubt_about(new, history, low, high)
    if new < low:
        assert doubt is not None and doubt.code == "below_minimum"
    elif new > high:
        assert doubt is not None and doubt.code == "above_maximum"
    else:
        assert doubt is None or doubt.code == "jump"


@given(st.lists(finite, min_size=1, max_size=8), finite)
def test_it_asks_only_for_a_jump_the_sources_guard_would_hold_that_is_half_the_range_too(
    history, new
):
    doubt = doubt_about(new, history, kr_range=10.0)
    change = abs(new - history[-1])
    assert (doubt is not None) == (judge_jump(history, new, None, 10.0).jump and change > 5.0)
    if doubt is not None:
        assert doubt.params["change"] > doubt.params["limit"] >= 5.0


def test_the_typo_of_the_issue_asks_and_a_usual_step_does_not():
    ratings = [4.38, 4.43, 4.47, 4.4833]  # the demo's weekly ratings, 4.1 -> 4.8
    assert doubt_about(99_999_999_999_999_999_999_999, ratings, kr_range=0.7).code == "jump"
    assert doubt_about(4.61, ratings, kr_range=0.7) is None  # a good week, not a typo
    assert doubt_about(48, ratings, kr_range=0.7).code == "jump"  # "4,8" without its comma
    assert doubt_about(6, ratings, maximum=5).code == "above_maximum"
    assert doubt_about(4.5, [], kr_range=0.7) is None  # the first value: nothing to compare
