"""Expected progress and KR / objective status (PRODUCT.md "Expected progress", "KR status")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from .explain import Explanation, Term, coded
from .progress import inside_bounds, progress_of_value
from .types import DEFAULT_POLICY, STATUS_SEVERITY, KeyResultFacts, Kind, Policy, Reading, Status


def _fraction(start: date, end: date, on: date) -> float:
    span = (end - start).days
    if span <= 0:
        return 1.0 if on >= end else 0.0
    return min(1.0, max(0.0, (on - start).days / span))


def expected_progress(
    start: date, end: date, on: date, facts: KeyResultFacts | None = None
) -> float:
    """(on − start) ÷ (end − start) in days, clamped to 0..1; the end is the cycle's last day.

    When the KR has phased targets, the expected progress follows them instead:
    the schedule runs through (start, 0), each phase (its date, the progress its
    value stands for) and (end, 1), linear between two points.
    """
    if facts is None or not facts.phases:
        return _fraction(start, end, on)
    points = [(start, 0.0)]
    points += sorted((p.on, progress_of_value(facts, p.value)) for p in facts.phases)
    points.append((end, 1.0))
    if on <= points[0][0]:
        return 0.0
    for (d0, p0), (d1, p1) in zip(points, points[1:], strict=False):
        if on <= d1:
            return p0 + (p1 - p0) * _fraction(d0, d1, on)
    return 1.0


def kr_status(
    facts: KeyResultFacts,
    latest: Reading | None,
    progress: float | None,
    expected: float,
    on: date,
    policy: Policy = DEFAULT_POLICY,
) -> Status:
    """KR status as of ``on``: the first rule of PRODUCT.md that applies."""
    return _kr_status_with_reason(facts, latest, progress, expected, on, policy)[0]


def _kr_status_with_reason(
    facts: KeyResultFacts,
    latest: Reading | None,
    progress: float | None,
    expected: float,
    on: date,
    policy: Policy,
) -> tuple[Status, str]:
    if latest is None or progress is None:
        return Status.NO_DATA, coded("no_check_in", "no check-in yet")
    age = (on - latest.effective).days
    limit = policy.rhythm_days + policy.grace_days
    if age > limit:
        return Status.OUTDATED, coded(
            "outdated",
            f"latest check-in is {age} days old, more than {limit}",
            age=age,
            limit=limit,
        )
    if facts.kind in (Kind.INCREASE, Kind.DECREASE, Kind.MILESTONE):
        # Rounded so that "exactly 10 points behind" is not tipped over by float noise.
        gap = round(expected - progress, 9)
        points = round(gap * 100, 1)
        if gap > policy.off_track_gap:
            limit = policy.off_track_gap * 100
            return Status.OFF_TRACK, coded(
                "behind_beyond", f"{points} points behind expected, more than {limit:g}",
                points=points, limit=limit,
            )  # fmt: skip
        if gap > policy.at_risk_gap:
            limit = policy.at_risk_gap * 100
            return Status.AT_RISK, coded(
                "behind_beyond", f"{points} points behind expected, more than {limit:g}",
                points=points, limit=limit,
            )  # fmt: skip
        limit = policy.at_risk_gap * 100
        return Status.ON_TRACK, coded(
            "behind_within", f"{max(points, 0)} points behind expected, within {limit:g}",
            points=max(points, 0), limit=limit,
        )  # fmt: skip
    if facts.kind == Kind.BOOLEAN:
        if latest.value >= 1:
            return Status.ON_TRACK, coded("done", "done")
        if facts.due is not None and on > facts.due:
            return Status.OFF_TRACK, coded(
                "late", f"not done after the due date {facts.due.isoformat()}", due=facts.due
            )
        c = latest.confidence
        if c is None:
            return Status.AT_RISK, coded("no_confidence", "not done and no confidence given")
        if c >= policy.confidence_on_track:
            return Status.ON_TRACK, coded(
                "confident", f"not done, confidence {c} ≥ {policy.confidence_on_track}",
                confidence=c, threshold=policy.confidence_on_track,
            )  # fmt: skip
        if c >= policy.confidence_at_risk:
            return Status.AT_RISK, coded(
                "unsure",
                f"not done, confidence {c} between {policy.confidence_at_risk} and "
                f"{policy.confidence_on_track}",
                confidence=c, low=policy.confidence_at_risk, high=policy.confidence_on_track,
            )  # fmt: skip
        return Status.OFF_TRACK, coded(
            "not_confident", f"not done, confidence {c} < {policy.confidence_at_risk}",
            confidence=c, threshold=policy.confidence_at_risk,
        )  # fmt: skip
    if inside_bounds(facts, latest.value):
        return Status.ON_TRACK, coded("inside_bounds", "inside the bounds")
    return Status.OFF_TRACK, coded("outside_bounds", "outside the bounds")


def explain_kr_status(
    facts: KeyResultFacts,
    latest: Reading | None,
    progress: float | None,
    expected: float,
    on: date,
    policy: Policy = DEFAULT_POLICY,
) -> Explanation:
    status, reason = _kr_status_with_reason(facts, latest, progress, expected, on, policy)
    terms = (
        Term("progress", progress),
        Term("expected", expected),
        Term("latest check-in value", latest.value if latest else None),
    )
    return Explanation(
        "status", status.value, str(reason), terms, code=reason.code, params=reason.params
    )


def worst_status(statuses: Iterable[Status]) -> Status:
    """The worst status of a list, worst first: off_track, at_risk, outdated, no_data, on_track.

    An empty list is ``no_data`` (an objective without key results).
    """
    present = set(statuses)
    for status in STATUS_SEVERITY:
        if status in present:
            return status
    return Status.NO_DATA


def explain_expected(
    start: date, end: date, on: date, facts: KeyResultFacts | None = None
) -> Explanation:
    value = expected_progress(start, end, on, facts)
    if facts is not None and facts.phases:
        formula = "linear between the phased targets (start = 0, each phase, end = 1)"
        terms = tuple(Term(f"phase {p.on.isoformat()}", p.value) for p in facts.phases)
        code, params = "phased", {"value": value, "phases": len(facts.phases)}
    else:
        formula = f"({on.isoformat()} − {start.isoformat()}) ÷ ({end.isoformat()} − {start.isoformat()}) in days, clamped to 0..1"
        terms = (
            Term("days elapsed", float((on - start).days)),
            Term("days in cycle", float((end - start).days)),
        )
        code = "elapsed"
        params = {"value": value, "elapsed": (on - start).days, "days": (end - start).days}
    return Explanation("expected", value, formula, terms, code=code, params=params)


def check_in_due(latest: Reading | None, on: date, policy: Policy = DEFAULT_POLICY) -> bool:
    """A KR waits for its check-in when it has none, or when the latest is older than the rhythm."""
    return latest is None or latest.effective < due_before(on, policy)


def due_before(on: date, policy: Policy = DEFAULT_POLICY) -> date:
    """A latest check-in dated before this day is older than the rhythm on ``on``."""
    return on - timedelta(days=policy.rhythm_days)
