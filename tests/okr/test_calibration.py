"""Calibrated confidence: the Brier score and the reliability table (pilote.okr.calibration)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pilote.okr.calibration import Said, calibration


def test_no_forecast_has_no_score():
    c = calibration([])
    assert c.count == 0 and c.brier is None and c.buckets == ()


def test_sure_and_right_is_perfect_sure_and_wrong_is_the_worst_and_five_is_a_quarter():
    assert calibration([Said(10, True), Said(0, False)]).brier == 0
    assert calibration([Said(10, False), Said(0, True)]).brier == 1
    assert calibration([Said(5, True), Said(5, False)]).brier == 0.25


def test_the_table_says_how_often_each_confidence_came_true():
    said = [Said(8, True)] * 9 + [Said(8, False)] * 11 + [Said(3, False)] * 4
    c = calibration(said)
    eight = next(b for b in c.buckets if b.confidence == 8)
    assert (eight.count, eight.reached, eight.rate) == (20, 9, 0.45)
    assert eight.gap == pytest.approx(0.35)  # over-confident by 35 points
    assert [b.confidence for b in c.buckets] == [3, 8]


def test_an_honest_team_scores_better_than_one_that_always_says_nine():
    rng = random.Random(7)
    honest, boastful = [], []
    for _ in range(2000):
        p = rng.randint(0, 10)
        reached = rng.random() < p / 10
        honest.append(Said(p, reached))
        boastful.append(Said(9, reached))
    h, b = calibration(honest), calibration(boastful)
    assert h.brier < b.brier
    for bucket in h.buckets:  # said p, reached about p of the time
        assert abs(bucket.gap) < 0.08, bucket


@given(st.lists(st.tuples(st.integers(0, 10), st.booleans()), min_size=1, max_size=200))
def test_the_score_is_between_0_and_1_and_the_table_counts_every_forecast(pairs):
    c = calibration([Said(p, r) for p, r in pairs])
    assert 0 <= c.brier <= 1
    assert sum(b.count for b in c.buckets) == len(pairs) == c.count
    assert sum(b.reached for b in c.buckets) == sum(r for _, r in pairs)


def test_a_confidence_outside_0_to_10_is_refused():
    with pytest.raises(ValueError, match="outside"):
        calibration([Said(11, True)])


def test_the_verdict_names_how_far_confidence_can_be_trusted():
    from pilote.okr.calibration import verdict

    assert verdict(calibration([])) == "none"
    assert verdict(calibration([Said(9, True)] * 9 + [Said(9, False)])) == "well"
    assert verdict(calibration([Said(9, False)] * 3 + [Said(9, True)])) == "over"
    assert verdict(calibration([Said(2, True)] * 3 + [Said(2, False)])) == "under"
    assert verdict(calibration([Said(5, True), Said(5, False)])) == "poor"
