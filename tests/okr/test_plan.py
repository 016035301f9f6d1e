"""A status plan says, for every day, what ``kr_status`` says on that day (pilote/okr/plan.py)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pilote.okr.pace import expected_progress, kr_status, worst_status
from pilote.okr.plan import kr_plan, merge, status_on
from pilote.okr.progress import kr_progress
from pilote.okr.types import KeyResultFacts, Kind, Phase, Policy, Reading, Status

START = date(2027, 1, 1)


@st.composite
def cases(draw):
    length = draw(st.integers(0, 200))
    end = START + timedelta(days=length)
    kind = draw(st.sampled_from(list(Kind)))
    baseline, target, minimum, maximum, milestones = None, None, None, None, 0
    if kind == Kind.INCREASE:
        baseline, target = 0.0, draw(st.floats(1, 1000))
    elif kind == Kind.DECREASE:
        baseline, target = draw(st.floats(1, 1000)), 0.0
    elif kind == Kind.MILESTONE:
        milestones = draw(st.integers(1, 6))
    elif kind == Kind.MAINTAIN:
        minimum, maximum = 10.0, 20.0
    phases = tuple(
        sorted(
            (
                Phase(START + timedelta(days=draw(st.integers(-10, length + 10))),
                      draw(st.floats(0, 1000)))
                for _ in range(draw(st.integers(0, 3)))
            ),
            key=lambda p: p.on,
        )
    )  # fmt: skip
    due = draw(
        st.one_of(
            st.none(), st.just(end), st.builds(lambda d: START + timedelta(d), st.integers(-5, 250))
        )
    )
    facts = KeyResultFacts(kind, baseline, target, minimum, maximum, milestones, due, phases)
    value = draw(st.floats(-100, 1100))
    if kind == Kind.BOOLEAN:
        value = float(draw(st.integers(0, 1)))
    if kind == Kind.MILESTONE:
        value = float(draw(st.integers(0, milestones)))
    reading = draw(
        st.one_of(
            st.none(),
            st.builds(
                lambda d, c: Reading(value, START + timedelta(days=d), c, 1),
                st.integers(-30, length + 30),
                st.one_of(st.none(), st.integers(0, 10)),
            ),
        )
    )
    policy = Policy(
        rhythm_days=draw(st.integers(1, 30)),
        grace_days=draw(st.integers(0, 14)),
        off_track_gap=draw(st.sampled_from([0.25, 0.3, 0.5])),
        at_risk_gap=draw(st.sampled_from([0.05, 0.1, 0.2])),
    )
    return facts, reading, end, policy


def direct(facts, reading, end, policy, day):
    progress = kr_progress(facts, reading.value if reading else None)
    expected = expected_progress(START, end, day, facts)
    return kr_status(facts, reading, progress, expected, day, policy)


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_a_kr_plan_says_on_every_day_what_the_rule_says(case, data):
    facts, reading, end, policy = case
    progress = kr_progress(facts, reading.value if reading else None)
    plan = kr_plan(facts, reading, progress, START, end, policy)
    first = reading.effective if reading else START - timedelta(days=60)
    # every day of the cycle and well beyond it, from the reading's date on
    days = [first + timedelta(days=i) for i in range((end - first).days + 60)]
    days += [first + timedelta(days=data.draw(st.integers(0, 2000)))]
    for day in days:
        assert status_on(plan, day) == direct(facts, reading, end, policy, day), (plan, day)
    # written down without repeats: each entry is a change
    assert all(a[1] != b[1] for a, b in zip(plan, plan[1:], strict=False))


@settings(max_examples=200, deadline=None)
@given(st.lists(cases(), min_size=0, max_size=5), st.integers(-40, 400))
def test_merged_plans_are_the_worst_status_of_their_terms_on_every_day(terms, offset):
    plans = []
    for facts, reading, end, policy in terms:
        progress = kr_progress(facts, reading.value if reading else None)
        plans.append(kr_plan(facts, reading, progress, START, end, policy))
    merged = merge(plans)
    day = START + timedelta(days=offset)
    want = worst_status(status_on(p, day) for p in plans) if plans else Status.NO_DATA
    assert status_on(merged, day) == want


def test_a_phase_before_the_cycle_s_start_makes_the_expected_progress_jump_and_the_plan_follows():
    """Found in review: with a phased target dated before the cycle's start, the expected
    progress is 0 on the start day and jumps the day after; between the start and the next
    phase (lower) it is high, then falls: both ends of that range said on track, the plan
    said on track throughout and missed the days off track in between."""
    end = START + timedelta(days=90)
    facts = KeyResultFacts(Kind.INCREASE, 0.0, 100.0,
                           phases=(Phase(START - timedelta(days=5), 90.0),
                                   Phase(START + timedelta(days=40), 10.0)))  # fmt: skip
    reading = Reading(20.0, START - timedelta(days=2), 7, 1)
    policy = Policy(rhythm_days=60, grace_days=60)
    plan = kr_plan(facts, reading, 0.2, START, end, policy)
    for i in range(0, 80):
        day = reading.effective + timedelta(days=i)
        assert status_on(plan, day) == direct(facts, reading, end, policy, day), (plan, day)
