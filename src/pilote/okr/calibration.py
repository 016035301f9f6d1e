"""Calibrated confidence (PRODUCT.md "Forecast and calibration", issue 16): a check-in's
confidence (0–10) read as its owner's probability of reaching the target, scored against
what happened once the cycle closed.

- the **Brier score** of a set of forecasts is the mean of (probability − outcome)², the
  outcome 1 when the KR reached its target at the cycle's end, else 0: 0 is perfect, 0.25 is
  what "5/10" every time scores, 1 is always sure and always wrong;
- the **reliability table** groups the forecasts by the confidence said (0–10), and gives for
  each how many there were and how often the target was then reached: "when this team says
  8/10 it reaches its target 45 % of the time".

What counts as a forecast is the caller's choice (each KR's last confidence before the
cycle's end, say); this module only scores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Said:
    confidence: int  # 0..10
    reached: bool


@dataclass(frozen=True)
class Bucket:
    confidence: int
    count: int
    reached: int

    @property
    def rate(self) -> float:
        return self.reached / self.count

    @property
    def gap(self) -> float:
        """How far the confidence said is from what happened (+: over-confident)."""
        return self.confidence / 10 - self.rate


@dataclass(frozen=True)
class Calibration:
    count: int
    brier: float | None
    buckets: tuple[Bucket, ...]  # the confidences said at least once, in order


def calibration(forecasts: Iterable[Said]) -> Calibration:
    said = list(forecasts)
    if not said:
        return Calibration(0, None, ())
    for s in said:
        if not 0 <= s.confidence <= 10:
            raise ValueError(f"confidence {s.confidence} is outside 0..10")
    brier = sum((s.confidence / 10 - (1.0 if s.reached else 0.0)) ** 2 for s in said) / len(said)
    counts: dict[int, list[int]] = {}
    for s in said:
        c = counts.setdefault(s.confidence, [0, 0])
        c[0] += 1
        c[1] += 1 if s.reached else 0
    buckets = tuple(Bucket(k, n, r) for k, (n, r) in sorted(counts.items()))
    return Calibration(len(said), brier, buckets)


WELL_CALIBRATED = 0.1  # Brier score at or under which confidence can be taken at its word
FAIRLY_CALIBRATED = 0.2
LEANING = 0.15  # a mean gap beyond this, one way, is over- or under-confidence


def verdict(cal: Calibration) -> str:
    """The calibration in a word (a code): ``none`` (nothing said yet), ``well``, ``over``
    (reaches its targets less often than it says), ``under``, ``fair`` or ``poor``."""
    if cal.brier is None:
        return "none"
    gap = sum(b.gap * b.count for b in cal.buckets) / cal.count
    if cal.brier <= WELL_CALIBRATED:
        return "well"
    if gap > LEANING:
        return "over"
    if gap < -LEANING:
        return "under"
    return "fair" if cal.brier <= FAIRLY_CALIBRATED else "poor"
