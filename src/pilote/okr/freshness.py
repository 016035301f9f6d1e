"""Freshness of data sources and the jump guard (issue "KRs that update themselves").

Pure functions on plain values, like every rule in this package.

- A source is *stale* when it has not delivered for longer than twice its expected
  interval (one missed delivery is tolerated: schedules drift and data arrives late).
- A reading is a *jump* when it moves further from the last value than ``factor`` times
  the usual change, the usual change being learnt from the KR's own history: the median
  of the absolute differences between consecutive values. With fewer than
  ``MIN_HISTORY`` differences there is nothing to learn from, and the guard falls back to
  a share of the KR's range (baseline to target).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

DEFAULT_JUMP_FACTOR = 5.0
MIN_HISTORY = 3
RANGE_SHARE_WITHOUT_HISTORY = 0.5
STALE_GRACE = 2.0


def is_stale(
    last_delivery: datetime | None, expected_every: timedelta | None, now: datetime
) -> bool:
    """True when a source expected to deliver every ``expected_every`` has not for twice that."""
    if expected_every is None or expected_every <= timedelta(0):
        return False
    if last_delivery is None:
        return True
    return now - last_delivery > expected_every * STALE_GRACE


def usual_change(history: Sequence[float]) -> float | None:
    """Median absolute change between consecutive values; None when too few to learn from."""
    deltas = [abs(b - a) for a, b in zip(history, history[1:], strict=False)]
    if len(deltas) < MIN_HISTORY:
        return None
    return median(deltas)


@dataclass(frozen=True)
class JumpVerdict:
    jump: bool
    limit: float | None  # the largest change accepted without confirmation
    reason: str  # in English (API, CLI, logs)
    # The reason as a code and its values, for pages and notifications to word it:
    # "beyond_usual" / "within_usual" (change, limit, factor, usual, changes),
    # "beyond_range" / "within_range" (change, limit, share, range), "first_value",
    # "no_usual_change".
    code: str = ""
    params: dict = field(default_factory=dict)


def judge_jump(
    history: Sequence[float],
    new: float,
    factor: float | None = None,
    kr_range: float | None = None,
) -> JumpVerdict:
    """Whether ``new`` jumps beyond the usual change of ``history`` (oldest first)."""
    if not history:
        return JumpVerdict(False, None, "first value: nothing to compare with", "first_value")
    factor = DEFAULT_JUMP_FACTOR if factor is None else factor
    change = abs(new - history[-1])
    usual = usual_change(history)
    if usual is not None and usual > 0:
        limit = usual * factor
        basis = f"{factor:g} × the usual change {usual:g} (median of {len(history) - 1} changes)"
        rule = "usual"
        params = {"factor": factor, "usual": usual, "changes": len(history) - 1}
    elif kr_range:
        limit = abs(kr_range) * RANGE_SHARE_WITHOUT_HISTORY
        basis = f"{RANGE_SHARE_WITHOUT_HISTORY:.0%} of the key result's range {abs(kr_range):g}"
        rule = "range"
        params = {"share": RANGE_SHARE_WITHOUT_HISTORY, "range": abs(kr_range)}
    else:
        return JumpVerdict(False, None, "no usual change to compare with", "no_usual_change")
    params = {**params, "change": change, "limit": limit}
    if change > limit:
        reason = f"change {change:g} is beyond {limit:g} = {basis}"
        return JumpVerdict(True, limit, reason, f"beyond_{rule}", params)
    reason = f"change {change:g} is within {limit:g} = {basis}"
    return JumpVerdict(False, limit, reason, f"within_{rule}", params)


@dataclass(frozen=True)
class Doubt:
    """Why a value typed by a person asks for confirmation: a stable code and its values
    (rendered in the reader's language where it is shown)."""

    code: str  # "below_minimum", "above_maximum", "jump"
    params: dict


def doubt_about(
    new: float,
    history: Sequence[float],
    minimum: float | None = None,
    maximum: float | None = None,
    kr_range: float | None = None,
    factor: float | None = None,
) -> Doubt | None:
    """Whether a manual check-in looks like a typo: outside the KR's declared bounds, or a
    change beyond the usual one (``judge_jump``, the rule data sources are held by) that is
    also more than half the KR's range. None: plausible. The person confirms and it is
    recorded; nothing is refused here."""
    if minimum is not None and new < minimum:
        return Doubt("below_minimum", {"value": new, "minimum": minimum})
    if maximum is not None and new > maximum:
        return Doubt("above_maximum", {"value": new, "maximum": maximum})
    verdict = judge_jump(history, new, factor, kr_range)
    if not verdict.jump:
        return None
    # A person's weekly step may be several usual (source-sized) changes: ask only when it is
    # also a large share of the KR's range (half of it), where the range is known.
    limit = max(verdict.limit, abs(kr_range) * RANGE_SHARE_WITHOUT_HISTORY if kr_range else 0)
    change = abs(new - history[-1])
    if change <= limit:
        return None
    return Doubt("jump", {"value": new, "last": history[-1], "change": change, "limit": limit})
