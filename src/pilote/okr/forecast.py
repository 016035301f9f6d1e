"""A KR's forecast: its projected value at the cycle's end, an interval and the probability
of reaching the target (PRODUCT.md "Forecast and calibration", issue 16).

The method, chosen to be robust and explainable:

- the points are the KR's readings up to the day read (the latest of each day), with its
  baseline at the cycle's start when no reading is that early;
- each point is read as its **deviation from the plan**: the value minus the value the
  schedule expects that day (linear from baseline to target over the cycle, or the KR's
  phased targets, as ``expected_progress`` says). A KR that keeps to its phased plan
  projects to its target even when the plan is not a straight line;
- the deviation's trend is fitted by **Theil–Sen** (the median of the pairwise slopes, the
  intercept the median of the residuals): one wild check-in cannot swing it;
- the projection is the plan's end value plus the trend's deviation at the cycle's end;
- its spread combines the scatter of the points around the trend (1.4826 × their median
  absolute deviation, a robust standard deviation) and the uncertainty of the slope (half the
  spread between the 16th and 84th percentiles of the pairwise slopes) carried to the end;
  at least 1 % of the distance from baseline to target, so a perfect line is not certainty;
- the interval is the projection ± 1.645 spreads (90 %), the probability that of a normal
  law with that centre and spread passing the target.

Boolean and maintain KRs have no trend to extend: their forecast is ``NoForecast`` with the
reason, as is a KR with fewer than two days of check-ins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median

from .pace import expected_progress
from .text import N_
from .types import KeyResultFacts, Kind, Reading

Z_90 = 1.6448536269514722  # the 95th percentile of the normal law: a 90 % interval
MIN_SPREAD = 0.01  # of |target − baseline|
MIN_DAYS = 2  # days with a check-in


@dataclass(frozen=True)
class Forecast:
    projected: float
    low: float
    high: float
    probability: float  # of reaching the target at the cycle's end, 0..1
    points: int  # how many points the trend was fitted on
    centre: float = 0.0  # the projection before a milestone KR's clamp to 0..n
    spread: float = 0.0  # the normal law's standard deviation around ``centre``

    def as_dict(self) -> dict:
        return {
            "projected": self.projected,
            "low": self.low,
            "high": self.high,
            "probability": self.probability,
        }


@dataclass(frozen=True)
class NoForecast:
    code: str
    message: str


KIND_WITHOUT_TREND = NoForecast(
    "kind", N_("a done/not done or stay-within-bounds key result has no trend to extend")
)
TOO_FEW = NoForecast("too_few_check_ins", N_("check-ins on two different days are needed"))


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, linear between the closest ranks — what
    ``statistics.quantiles(method="inclusive")`` gives at its cut points, without computing
    the 99 of them (a sixth of the tree's forecast time)."""
    if len(ordered) < 2:
        return ordered[0] if ordered else 0.0
    position = q * (len(ordered) - 1)
    low = int(position)
    if low + 1 >= len(ordered):
        return ordered[-1]
    fraction = position - low
    return ordered[low] * (1 - fraction) + ordered[low + 1] * fraction


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, list[float]]:
    """(slope, intercept, the sorted pairwise slopes) of the Theil–Sen line through the points;
    the xs must not all be equal."""
    slopes = sorted(
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    )
    slope = median(slopes)
    intercept = median([y - slope * x for x, y in zip(xs, ys, strict=True)])
    return slope, intercept, slopes


def _end_value(facts: KeyResultFacts) -> float:
    return float(facts.milestones) if facts.kind == Kind.MILESTONE else float(facts.target)


def _start_value(facts: KeyResultFacts) -> float:
    return 0.0 if facts.kind == Kind.MILESTONE else float(facts.baseline)


def planned_value(facts: KeyResultFacts, start: date, end: date, on: date) -> float:
    """The value the KR's schedule expects on ``on``."""
    first, last = _start_value(facts), _end_value(facts)
    return first + (last - first) * expected_progress(start, end, on, facts)


def forecast(
    facts: KeyResultFacts, readings: Sequence[Reading], start: date, end: date, as_of: date
) -> Forecast | NoForecast:
    """The KR's forecast for its cycle's end (``start``..``end``) from its readings up to
    ``as_of``."""
    if facts.kind not in (Kind.INCREASE, Kind.DECREASE, Kind.MILESTONE):
        return KIND_WITHOUT_TREND
    by_day: dict[date, Reading] = {}
    for r in readings:
        if r.effective <= as_of:
            kept = by_day.get(r.effective)
            if kept is None or r.sequence >= kept.sequence:
                by_day[r.effective] = r
    if len(by_day) < MIN_DAYS:
        return TOO_FEW
    points = {day: r.value for day, r in by_day.items()}
    if min(points) > start:
        points[start] = _start_value(facts)
    days = sorted(points)
    xs = [float((d - start).days) for d in days]
    deviations = [points[d] - planned_value(facts, start, end, d) for d in days]
    slope, intercept, slopes = theil_sen(xs, deviations)
    end_x = float((end - start).days)
    projected = _end_value(facts) + intercept + slope * end_x
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, deviations, strict=True)]
    centre = median(residuals)
    scatter = 1.4826 * median([abs(r - centre) for r in residuals])
    # The 16th and 84th percentiles of the (sorted) slopes; one slope: no spread.
    slope_spread = (percentile(slopes, 0.84) - percentile(slopes, 0.16)) / 2
    mean_x = sum(xs) / len(xs)
    spread = math.sqrt(scatter**2 * (1 + 1 / len(xs)) + (slope_spread * (end_x - mean_x)) ** 2)
    spread = max(spread, MIN_SPREAD * abs(_end_value(facts) - _start_value(facts)))
    low, high = projected - Z_90 * spread, projected + Z_90 * spread
    goal = _end_value(facts)
    if facts.kind == Kind.DECREASE:
        probability = normal_cdf((goal - projected) / spread)
    else:
        if facts.kind == Kind.MILESTONE:
            goal -= 0.5  # a count: the last milestone is done once the value passes n − ½
        probability = 1.0 - normal_cdf((goal - projected) / spread)
    centre = projected
    if facts.kind == Kind.MILESTONE:
        top = float(facts.milestones)
        projected, low, high = (min(top, max(0.0, v)) for v in (projected, low, high))
    return Forecast(projected, low, high, probability, len(xs), centre, spread)


def normal_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def progress_moments(facts: KeyResultFacts, f: Forecast) -> tuple[float, float]:
    """The mean and variance of the KR's progress at the cycle's end under its forecast: the
    projected value's normal law carried to progress (linear from the start value to the
    end value) and clamped to 0..1 as progress is — a KR forecast at 150 % counts 1."""
    first, last = _start_value(facts), _end_value(facts)
    m = (f.centre - first) / (last - first)
    s = f.spread / abs(last - first)
    if s <= 0:
        clamped = min(1.0, max(0.0, m))
        return clamped, 0.0
    a, b = (0.0 - m) / s, (1.0 - m) / s
    pa, pb = normal_cdf(a), normal_cdf(b)
    da, db = normal_pdf(a), normal_pdf(b)
    inside = pb - pa
    mean = (1.0 - pb) + m * inside + s * (da - db)
    square = (
        (1.0 - pb) + (m * m + s * s) * inside + 2 * m * s * (da - db) + s * s * (a * da - b * db)
    )
    return mean, max(0.0, square - mean * mean)


def objective_probability(terms: Sequence[tuple[float, float, float]], goal: float) -> float | None:
    """The probability that an objective's progress at the cycle's end — the weighted mean of
    its KRs' — reaches ``goal`` (its expected grade, the policy's green), from its KRs' terms
    as (weight, mean progress, variance): a KR with a forecast gives its
    ``progress_moments``, one without counts at its progress today (variance 0). The KRs
    are taken as independent and the mean as normal (a sum of several clamped terms). None
    without weight."""
    total = sum(w for w, _, _ in terms)
    if total <= 0:
        return None
    mean = sum(w * m for w, m, _ in terms) / total
    sd = math.sqrt(sum(w * w * v for w, _, v in terms)) / total
    if sd <= 1e-12:
        return 1.0 if mean >= goal - 1e-12 else 0.0
    return 1.0 - normal_cdf((goal - mean) / sd)
