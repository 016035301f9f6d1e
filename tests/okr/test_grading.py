"""The cycle's hit rate (pilote/okr/grading.py): properties over random grades."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pilote.okr.grading import hits
from pilote.okr.types import DEFAULT_POLICY

GRADES = st.lists(st.one_of(st.none(), st.floats(0, 1, allow_nan=False)), max_size=40)


def test_an_example():
    h = hits([0.7, 0.69, None, 1.0])
    assert (h.objectives, h.graded, h.hits) == (4, 3, 2)
    assert h.hit_rate == 2 / 3 and abs(h.mean - (0.7 + 0.69 + 1.0) / 3) < 1e-12
    assert hits([None, None]).hit_rate is None and hits([]).mean is None


@given(GRADES)
def test_hits_are_the_graded_ones_in_the_green(grades):
    h = hits(grades)
    assert h.objectives == len(grades)
    assert h.graded == sum(g is not None for g in grades)
    assert 0 <= h.hits <= h.graded
    if h.graded:
        assert 0.0 <= h.hit_rate <= 1.0 and 0.0 <= h.mean <= 1.0 + 1e-12
    assert h.hits == sum(1 for g in grades if g is not None and g >= DEFAULT_POLICY.grade_green)


@given(GRADES, GRADES)
def test_adding_objectives_adds_up(a, b):
    """A unit's figures and its parts: counts add, the mean is the graded-weighted mean."""
    ha, hb, both = hits(a), hits(b), hits(a + b)
    assert both.graded == ha.graded + hb.graded and both.hits == ha.hits + hb.hits
    if both.graded:
        weighted = ((ha.mean or 0) * ha.graded + (hb.mean or 0) * hb.graded) / both.graded
        assert abs(both.mean - weighted) < 1e-9


@given(GRADES, st.integers(0, 39))
def test_raising_a_grade_never_lowers_the_hit_rate(grades, i):
    if not grades:
        return
    i %= len(grades)
    raised = list(grades)
    raised[i] = 1.0 if grades[i] is not None else None
    assert (hits(raised).hit_rate or 0) >= (hits(grades).hit_rate or 0)
