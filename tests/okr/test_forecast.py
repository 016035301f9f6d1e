"""The forecast (pilote.okr.forecast) on synthetic series with known answers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pilote.okr.forecast import (
    KIND_WITHOUT_TREND,
    TOO_FEW,
    Forecast,
    forecast,
    objective_probability,
    progress_moments,
    theil_sen,
)
from pilote.okr.types import KeyResultFacts, Kind, Phase, Reading

START, END = date(2026, 1, 1), date(2026, 3, 31)  # 89 days
SPAN = (END - START).days
UP = KeyResultFacts(Kind.INCREASE, baseline=100, target=200)
DOWN = KeyResultFacts(Kind.DECREASE, baseline=50, target=20)


def series(value_of, days=range(7, 50, 7), noise=0.0, seed=1) -> list[Reading]:
    rng = random.Random(seed)
    return [
        Reading(value_of(d) + rng.gauss(0, noise), START + timedelta(days=d), sequence=i)
        for i, d in enumerate(days)
    ]


def run(facts, readings, as_of=date(2026, 2, 20)) -> Forecast:
    out = forecast(facts, readings, START, END, as_of)
    assert isinstance(out, Forecast), out
    return out


def test_theil_sen_ignores_one_wild_point():
    xs = [0, 1, 2, 3, 4, 5, 6]
    ys = [0, 2, 4, 600, 8, 10, 12]
    slope, intercept, _ = theil_sen(xs, ys)
    assert slope == 2 and intercept == 0


def test_a_straight_line_projects_to_its_end_exactly():
    # 100 at the start, +0.8 a day: 100 + 0.8 × 89 = 171.2 at the end, whatever its pace.
    f = run(UP, series(lambda d: 100 + 0.8 * d))
    assert abs(f.projected - (100 + 0.8 * SPAN)) < 1e-9
    assert f.low < f.projected < f.high
    assert f.probability < 0.01  # 171 is far from 200 on a line with no scatter


def test_on_plan_is_even_odds_and_ahead_is_likely():
    on_plan = run(UP, series(lambda d: 100 + 100 * d / SPAN))
    assert abs(on_plan.projected - 200) < 1e-9 and abs(on_plan.probability - 0.5) < 1e-9
    ahead = run(UP, series(lambda d: 100 + 130 * d / SPAN))
    assert ahead.projected > 200 and ahead.probability > 0.99


def test_a_noisy_line_lands_near_its_known_end_and_its_interval_holds_it():
    truth = 100 + 1.2 * SPAN  # 206.8
    hits, errors = 0, []
    for seed in range(40):
        f = run(UP, series(lambda d: 100 + 1.2 * d, days=range(3, 52, 3), noise=4, seed=seed))
        errors.append(abs(f.projected - truth))
        hits += f.low <= truth <= f.high
    errors.sort()
    # Noise of 4 on 17 points over 49 days, carried 40 days further: typically within 5 % of
    # the baseline→target span, never beyond 15 %.
    assert errors[len(errors) // 2] < 5 and errors[-1] < 15
    assert hits >= 34  # a 90 % interval holds the known end in most of 40 noisy series


def test_a_flat_series_stays_where_it_is_and_will_not_make_it():
    f = run(UP, series(lambda d: 100))
    assert abs(f.projected - 100) < 1e-9 and f.probability < 1e-6


def test_a_reversed_series_projects_below_its_baseline():
    f = run(UP, series(lambda d: 100 - 0.5 * d))
    assert f.projected < 100 and f.probability < 1e-6


def test_a_decreasing_key_result_reaches_a_target_below():
    # 50 → 20 planned; it falls 0.4 a day: 50 − 0.4 × 89 = 14.4 at the end, beating 20.
    f = run(DOWN, series(lambda d: 50 - 0.4 * d))
    assert abs(f.projected - (50 - 0.4 * SPAN)) < 1e-9 and f.probability > 0.99
    slow = run(DOWN, series(lambda d: 50 - 0.1 * d))
    assert slow.projected > 20 and slow.probability < 0.01


def test_a_key_result_keeping_to_its_phased_plan_projects_to_its_target():
    # Slow then fast: 110 by mid-February, then 200 by the end.
    phased = KeyResultFacts(
        Kind.INCREASE, baseline=100, target=200, phases=(Phase(date(2026, 2, 15), 110),)
    )
    from pilote.okr.forecast import planned_value

    on_plan = series(lambda d: planned_value(phased, START, END, START + timedelta(days=d)))
    f = run(phased, on_plan)
    assert abs(f.projected - 200) < 1e-6
    # Read as a straight line, the same points would not reach the target.
    assert run(UP, on_plan).projected < 190


def test_milestones_project_a_count_within_their_number():
    facts = KeyResultFacts(Kind.MILESTONE, milestones=4)
    f = run(facts, series(lambda d: round(d / 12), days=range(7, 50, 7)))
    assert 0 <= f.low <= f.projected <= f.high <= 4
    assert f.projected == 4 and f.probability > 0.5


def test_no_forecast_without_two_days_or_a_trend():
    one = [Reading(120, date(2026, 1, 10))]
    assert forecast(UP, one, START, END, date(2026, 2, 1)) == TOO_FEW
    same_day = [
        Reading(120, date(2026, 1, 10), sequence=1),
        Reading(130, date(2026, 1, 10), sequence=2),
    ]
    assert forecast(UP, same_day, START, END, date(2026, 2, 1)) == TOO_FEW
    later = series(lambda d: 100 + d)
    assert forecast(UP, later, START, END, START) == TOO_FEW  # none yet on the day read
    done = [Reading(1, date(2026, 1, 10)), Reading(1, date(2026, 1, 20))]
    assert forecast(KeyResultFacts(Kind.BOOLEAN), done, START, END, END) == KIND_WITHOUT_TREND
    inside = KeyResultFacts(Kind.MAINTAIN, minimum=1)
    assert forecast(inside, done, START, END, END) == KIND_WITHOUT_TREND


def test_the_day_read_leaves_out_later_check_ins_and_a_day_keeps_its_latest():
    early = series(lambda d: 100 + d, days=range(7, 29, 7))
    wild_later = [Reading(10_000, date(2026, 3, 1), sequence=99)]
    assert run(UP, early + wild_later, as_of=date(2026, 2, 1)) == run(UP, early, date(2026, 2, 1))
    corrected = [*early, Reading(0, early[-1].effective, sequence=-1)]  # recorded before
    assert run(UP, corrected, date(2026, 2, 1)) == run(UP, early, date(2026, 2, 1))


@settings(max_examples=150, deadline=None)
@given(
    slope=st.floats(-2, 3),
    more=st.floats(0.01, 2),
    noise=st.floats(0, 10),
    seed=st.integers(0, 10_000),
    decrease=st.booleans(),
)
def test_the_probability_rises_as_the_gap_to_the_target_closes(slope, more, noise, seed, decrease):
    """The same series moved faster towards the target: a projection as far or further,
    and odds at least as good (Theil–Sen shifts with the added line; the spread stays)."""
    facts = DOWN if decrease else UP
    sign = -1 if decrease else 1
    base = series(lambda d: facts.baseline + sign * slope * d, noise=noise, seed=seed)
    faster = series(lambda d: facts.baseline + sign * (slope + more) * d, noise=noise, seed=seed)
    a, b = run(facts, base), run(facts, faster)
    assert sign * (b.projected - a.projected) > 0
    assert b.probability >= a.probability - 1e-12
    assert 0 <= a.probability <= 1 and a.low <= a.projected <= a.high


def _monte_carlo_progress(facts, f: Forecast, draws: int, rng: random.Random) -> list[float]:
    first = 0.0 if facts.kind == Kind.MILESTONE else facts.baseline
    last = float(facts.milestones) if facts.kind == Kind.MILESTONE else facts.target
    return [
        min(1.0, max(0.0, (rng.gauss(f.centre, f.spread) - first) / (last - first)))
        for _ in range(draws)
    ]


@settings(max_examples=30, deadline=None)
@given(
    centre=st.floats(0, 300),
    spread=st.floats(1, 80),
    decrease=st.booleans(),
)
def test_progress_moments_equal_a_clamped_monte_carlo(centre, spread, decrease):
    facts = DOWN if decrease else UP
    f = Forecast(centre, centre, centre, 0.5, 5, centre, spread)
    mean, variance = progress_moments(facts, f)
    drawn = _monte_carlo_progress(facts, f, 20_000, random.Random(7))
    mc_mean = sum(drawn) / len(drawn)
    mc_var = sum((x - mc_mean) ** 2 for x in drawn) / len(drawn)
    assert 0 <= mean <= 1 and abs(mean - mc_mean) < 0.01
    assert abs(variance - mc_var) < 0.01


def test_an_objective_s_odds_follow_its_key_results():
    goal = 0.7
    sure = [(1.0, 0.9, 0.0), (1.0, 0.8, 0.0)]
    assert objective_probability(sure, goal) == 1.0
    assert objective_probability([(1.0, 0.5, 0.0)], goal) == 0.0
    assert objective_probability([], goal) is None
    # A mean exactly at the goal with some doubt: even odds.
    assert abs(objective_probability([(1.0, 0.7, 0.01), (1.0, 0.7, 0.01)], goal) - 0.5) < 1e-9
    # Against a Monte Carlo of three KRs forecast from real series.
    rng = random.Random(3)
    fs = [
        run(UP, series(lambda d: 100 + 1.1 * d, noise=6, seed=1)),
        run(UP, series(lambda d: 100 + 0.6 * d, noise=3, seed=2)),
        run(DOWN, series(lambda d: 50 - 0.3 * d, noise=2, seed=3)),
    ]
    facts = [UP, UP, DOWN]
    weights = [2.0, 1.0, 1.0]
    terms = [(w, *progress_moments(k, f)) for w, k, f in zip(weights, facts, fs, strict=True)]
    draws = [_monte_carlo_progress(k, f, 20_000, rng) for k, f in zip(facts, fs, strict=True)]
    means = [sum(w * d[i] for w, d in zip(weights, draws, strict=True)) / 4 for i in range(20_000)]
    for g in (0.5, 0.6, 0.7, 0.8):
        mc = sum(1 for m in means if m >= g) / len(means)
        assert abs(objective_probability(terms, g) - mc) < 0.05, (g, mc)
    # A higher goal lowers the odds.
    assert objective_probability(terms, 0.6) >= objective_probability(terms, 0.7)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=80))
def test_the_percentile_is_the_standard_library_s_inclusive_quantile(values):
    from statistics import quantiles

    from pilote.okr.forecast import percentile

    ordered = sorted(values)
    cuts = quantiles(ordered, n=100, method="inclusive")
    for i in (16, 50, 84):
        assert abs(percentile(ordered, i / 100) - cuts[i - 1]) <= 1e-6 * (1 + abs(cuts[i - 1]))
