"""Invariants of the rules, checked with Hypothesis."""

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from pilote.okr.pace import expected_progress, kr_status, worst_status
from pilote.okr.progress import current_reading, kr_progress
from pilote.okr.rollup import RollupTerm, objective_progress, objective_status
from pilote.okr.types import STATUS_SEVERITY, KeyResultFacts, Kind, Reading, Status

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
progress_values = st.one_of(st.none(), st.floats(min_value=0, max_value=1))
weights = st.floats(min_value=0.01, max_value=100)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def metric(draw):
    baseline, target = draw(finite), draw(finite)
    assume(abs(target - baseline) > 1e-6)
    kind = Kind.INCREASE if target > baseline else Kind.DECREASE
    return KeyResultFacts(kind, baseline=baseline, target=target)


@given(metric(), finite)
def test_metric_progress_stays_between_zero_and_one(facts, value):
    assert 0.0 <= kr_progress(facts, value) <= 1.0


@given(metric(), finite, finite)
def test_metric_progress_moves_with_the_value_towards_the_target(facts, a, b):
    towards = 1 if facts.target > facts.baseline else -1
    lo, hi = sorted([a, b], key=lambda v: v * towards)
    assert kr_progress(facts, lo) <= kr_progress(facts, hi) + 1e-12


@given(metric())
def test_baseline_is_zero_and_target_is_one(facts):
    assert kr_progress(facts, facts.baseline) == 0.0
    assert abs(kr_progress(facts, facts.target) - 1.0) < 1e-9


@given(st.lists(st.tuples(weights, progress_values), min_size=1, max_size=8))
def test_objective_progress_lies_within_its_terms(pairs):
    terms = [RollupTerm(str(i), w, p) for i, (w, p) in enumerate(pairs)]
    result = objective_progress(terms)
    if all(p is None for _, p in pairs):
        assert result is None
    else:
        values = [p if p is not None else 0.0 for _, p in pairs]
        assert min(values) - 1e-9 <= result <= max(values) + 1e-9


@given(
    st.lists(st.tuples(weights, progress_values), min_size=1, max_size=8),
    st.floats(min_value=0.1, max_value=10),
)
def test_scaling_every_weight_changes_nothing(pairs, k):
    a = objective_progress([RollupTerm(str(i), w, p) for i, (w, p) in enumerate(pairs)])
    b = objective_progress([RollupTerm(str(i), w * k, p) for i, (w, p) in enumerate(pairs)])
    assert (a is None and b is None) or abs(a - b) < 1e-9


@given(days, st.integers(min_value=0, max_value=800), days)
def test_expected_progress_is_clamped_and_grows_with_time(start, length, on):
    end = start + timedelta(days=length)
    e = expected_progress(start, end, on)
    assert 0.0 <= e <= 1.0
    assert expected_progress(start, end, on + timedelta(days=1)) >= e


@given(st.lists(st.sampled_from(list(Status)), max_size=10))
def test_objective_status_is_the_worst_of_its_terms(statuses):
    worst = worst_status(statuses)
    if not statuses:
        assert worst == Status.NO_DATA
    else:
        assert worst in statuses
        assert all(STATUS_SEVERITY.index(worst) <= STATUS_SEVERITY.index(s) for s in statuses)
    terms = [RollupTerm(str(i), 1, None, s) for i, s in enumerate(statuses)]
    assert objective_status(terms) == worst


@given(
    metric(),
    finite,
    st.floats(min_value=0, max_value=1),
    days,
    st.integers(min_value=0, max_value=60),
)
def test_a_stale_check_in_is_always_outdated_and_a_missing_one_no_data(
    facts, value, expected, on, age
):
    reading = Reading(value, on - timedelta(days=age))
    status = kr_status(facts, reading, kr_progress(facts, value), expected, on)
    if age > 14:
        assert status == Status.OUTDATED
    else:
        assert status in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK)
    assert kr_status(facts, None, None, expected, on) == Status.NO_DATA


@given(metric(), finite, st.floats(min_value=0, max_value=1), days)
def test_being_ahead_of_pace_is_never_worse_than_behind(facts, value, expected, on):
    p = kr_progress(facts, value)
    status = kr_status(facts, Reading(value, on), p, expected, on)
    if p >= expected - 0.10:
        assert status == Status.ON_TRACK


@given(st.lists(st.tuples(finite, days, st.integers(0, 1000)), min_size=1, max_size=10))
def test_current_reading_is_never_older_than_another(rows):
    readings = [Reading(v, d, sequence=s) for v, d, s in rows]
    current = current_reading(readings)
    assert all((r.effective, r.sequence) <= (current.effective, current.sequence) for r in readings)
