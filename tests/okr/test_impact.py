"""The priority score, its explanation, the impact review and the ledger."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pilote.okr.impact import (
    CALIBRATION_RANGE,
    Bet,
    DeclaredImpact,
    calibration_for,
    contribution,
    ledger,
    priority_score,
    priority_value,
    rank,
    review_impact,
    value_at,
)
from pilote.okr.types import Reading

positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)
unit_interval = st.floats(min_value=0.01, max_value=1)
impacts = st.builds(
    DeclaredImpact,
    key_result=st.sampled_from(["a", "b", "c"]),
    expected=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
    kr_range=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).filter(
        lambda r: abs(r) > 1e-3
    ),
    kr_share=unit_interval,
    contribution=st.floats(min_value=0, max_value=1),
)


maybe = st.none() | st.floats(min_value=-10, max_value=1e4, allow_nan=False)


@given(
    st.lists(impacts, max_size=4),
    maybe,
    maybe,
    maybe,
    maybe,
    maybe,
    st.sampled_from(["impact", "rice", "value_effort"]),
    st.floats(min_value=0.25, max_value=1.5),
)
def test_the_unexplained_score_is_the_explained_ones(
    imps, confidence, effort, reach, rice_impact, value, method, calibration
):
    # A board ranks by priority_value and explains the cards it shows with priority_score:
    # the same number, and unscored (None) for the same bets, whatever is missing.
    bet = Bet(tuple(imps), confidence, effort, reach, rice_impact, value)
    explained = priority_score(bet, method, calibration)
    assert priority_value(bet, method, calibration) == explained.value
    assert (explained.value is None) == bool(explained.missing)


def test_the_worked_example_of_the_docs():
    # A +0.2 rating on a 4.1 -> 4.8 KR (range 0.7), the only KR of an objective that carries
    # half of the strategic objective it aligns to; confidence 0.6; 8 person-weeks.
    bet = Bet((DeclaredImpact("note", 0.2, 0.7, 1.0, 0.5),), confidence=0.6, effort=8)
    score = priority_score(bet)
    assert score.value == pytest.approx(0.6 * (0.2 / 0.7) * 1.0 * 0.5 / 8)
    assert score.explanation.terms[0].value == pytest.approx(0.2 / 0.7 * 0.5)


def test_a_decrease_krs_drop_counts_as_progress():
    up = priority_score(Bet((DeclaredImpact("crash", -0.3, -0.9, 1, 1),), confidence=1, effort=1))
    assert up.value == pytest.approx(1 / 3)


@given(
    st.lists(impacts, max_size=4), unit_interval, positive, st.floats(min_value=1.01, max_value=10)
)
def test_more_effort_never_raises_a_score(imps, confidence, effort, k):
    a = priority_score(Bet(tuple(imps), confidence, effort)).value
    b = priority_score(Bet(tuple(imps), confidence, effort * k)).value
    assert abs(b) <= abs(a) + 1e-12


@given(st.lists(impacts, min_size=1, max_size=4), unit_interval, unit_interval, positive)
def test_the_score_is_proportional_to_confidence(imps, c1, c2, effort):
    a = priority_score(Bet(tuple(imps), c1, effort)).value
    b = priority_score(Bet(tuple(imps), c2, effort)).value
    assert a * c2 == pytest.approx(b * c1, rel=1e-9, abs=1e-12)


@given(st.lists(impacts, max_size=4), unit_interval, positive)
def test_the_score_is_the_sum_of_its_explained_terms(imps, confidence, effort):
    s = priority_score(Bet(tuple(imps), confidence, effort), calibration=0.8)
    assert s.value == pytest.approx(
        0.8 * confidence / effort * sum(t.value or 0 for t in s.explanation.terms),
        rel=1e-12,
        abs=1e-12,
    )


@given(unit_interval, positive)
def test_unaligned_work_scores_zero(confidence, effort):
    s = priority_score(Bet((), confidence, effort))
    assert s.value == 0 and any("unaligned" in n for n in s.explanation.notes)


def test_missing_effort_or_confidence_leaves_the_bet_unscored_and_says_why():
    s = priority_score(Bet((DeclaredImpact("a", 1, 1, 1, 1),), confidence=None, effort=None))
    assert s.value is None and set(s.missing) == {"effort", "confidence"}


def test_rice_and_value_effort_methods():
    assert (
        priority_score(Bet(reach=1000, rice_impact=2, confidence=0.5, effort=4), "rice").value
        == 250
    )
    assert priority_score(Bet(value=30, effort=4), "value_effort").value == 7.5
    assert priority_score(Bet(value=30), "value_effort").value is None


def test_contribution_flows_up_the_alignment():
    parents = {"t1": [("s", 1.0)], "t2": [("s", 3.0)], "team": [("t1", 1.0)], "loose": []}
    children = {"s": 4.0, "t1": 1.0}
    strategic = {"s"}
    assert contribution(parents, children, strategic, "s") == 1
    assert contribution(parents, children, strategic, "t1") == 0.25
    assert contribution(parents, children, strategic, "t2") == 0.75
    assert contribution(parents, children, strategic, "team") == 0.25
    assert contribution(parents, children, strategic, "loose") == 0


def test_rank_puts_unscored_last():
    assert rank({"a": 0.1, "b": None, "c": 0.5, "d": 0.1}) == ["c", "a", "d", "b"]


D = date(2027, 3, 1)


def history(values: dict[int, float]) -> list[Reading]:
    """Readings on D + n days."""
    return [
        Reading(v, D + timedelta(days=n), sequence=i)
        for i, (n, v) in enumerate(sorted(values.items()))
    ]


def test_value_at_takes_the_latest_check_in_on_or_before_the_date():
    h = history({-7: 4.0, 0: 4.1, 10: 4.3})
    assert (
        value_at(h, D) == 4.1
        and value_at(h, D + timedelta(days=9)) == 4.1
        and value_at(h, D - timedelta(days=8)) is None
    )


def test_the_review_compares_the_declared_change_with_the_measured_one():
    h = history({-3: 4.1, 14: 4.2, 27: 4.25, 30: 4.4})
    r = review_impact("note", 0.2, h, D, today=D + timedelta(days=40))
    assert r.measured == pytest.approx(0.15) and r.ratio == pytest.approx(
        0.75
    )  # 4.25 on day 28 − 4.1


def test_a_review_waits_for_the_end_of_its_window():
    r = review_impact("note", 0.2, history({0: 4.1}), D, today=D + timedelta(days=10))
    assert r.measured is None and "measurable from 2027-03-29" in r.reason


def test_a_review_needs_check_ins_at_both_ends():
    r = review_impact("note", 0.2, history({5: 4.1}), D, today=D + timedelta(days=40))
    assert r.measured is None


@given(st.lists(st.floats(min_value=-3, max_value=5, allow_nan=False), min_size=1, max_size=20))
def test_the_calibration_stays_in_its_range_and_follows_the_mean(ratios):
    led = ledger([[r] for r in ratios])
    low, high = CALIBRATION_RANGE
    assert low <= led.calibration <= high
    assert led.mean_ratio == pytest.approx(sum(ratios) / len(ratios))
    assert led.delivered_half == pytest.approx(sum(r >= 0.5 for r in ratios) / len(ratios))


def test_a_unit_uses_its_own_history_once_it_has_three_reviewed_bets():
    org = ledger([[1.0], [1.0], [1.0], [1.0]])
    small = ledger([[0.5], [0.5]])
    assert calibration_for(small, org) == (1.0, "the organisation's 4 reviewed bets")
    big = ledger([[0.5], [0.5], [0.5]])
    assert calibration_for(big, org)[0] == 0.5
    assert calibration_for(None, ledger([])) == (1.0, "no reviewed bet yet")


@given(st.lists(impacts, min_size=1, max_size=3), unit_interval, positive)
def test_the_calibration_scales_the_score(imps, confidence, effort):
    assume(priority_score(Bet(tuple(imps), confidence, effort)).value != 0)
    one = priority_score(Bet(tuple(imps), confidence, effort), calibration=1.0).value
    half = priority_score(Bet(tuple(imps), confidence, effort), calibration=0.5).value
    assert half == pytest.approx(one / 2)
