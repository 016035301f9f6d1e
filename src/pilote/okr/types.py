"""Plain value types the rules take and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .text import N_, between, one_of


class Kind(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    BOOLEAN = "boolean"
    MILESTONE = "milestone"
    MAINTAIN = "maintain"


METRIC_KINDS = (Kind.INCREASE, Kind.DECREASE)


class Status(StrEnum):
    NO_DATA = "no_data"
    OUTDATED = "outdated"
    OFF_TRACK = "off_track"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"


# Worst first (PRODUCT.md "Objective status").
STATUS_SEVERITY: tuple[Status, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.OUTDATED,
    Status.NO_DATA,
    Status.ON_TRACK,
)


@dataclass(frozen=True)
class Reading:
    """One check-in as the rules see it."""

    value: float
    effective: date
    confidence: int | None = None
    # Order of recording, used to break ties between readings of the same day.
    sequence: int = 0


@dataclass(frozen=True)
class Phase:
    """A phased target: the value a KR should have reached on a date."""

    on: date
    value: float


@dataclass(frozen=True)
class KeyResultFacts:
    kind: Kind
    baseline: float | None = None
    target: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    milestones: int = 0
    due: date | None = None
    phases: tuple[Phase, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Policy:
    """The defaults an organisation can change (PRODUCT.md: every number is a default)."""

    rhythm_days: int = 7
    grace_days: int = 7
    off_track_gap: float = 0.25
    at_risk_gap: float = 0.10
    confidence_on_track: int = 7
    confidence_at_risk: int = 4
    grade_green: float = 0.7
    grade_yellow: float = 0.4
    # A KR still on track whose forecast gives it less than these odds of reaching its target
    # is "trending off track": its owner and leads are told before its status turns.
    trending_alert_odds: float = 0.25
    # The quality coach (pilote.okr.coach): its thresholds, and the rules that block a
    # submission for validation (codes of coach.RULES; the others only advise).
    coach_min_objectives: int = 1
    coach_max_objectives: int = 5
    coach_min_krs: int = 2
    coach_max_krs: int = 5
    coach_blocking: tuple[str, ...] = ()
    prioritisation: str = "impact"  # impact | rice | value_effort (pilote.okr.impact)
    review_window_days: int = (
        28  # measured impact = KR value this long after delivery − at delivery
    )
    # How a term without data yet (no check-in beneath it) counts in its objective: "zero"
    # (as 0, once another term has data) or "skip" (left out until its first check-in).
    no_data_terms: str = "zero"


DEFAULT_POLICY = Policy()


POLICY_RULES: dict[str, tuple[type, float | None, float | None]] = {
    # name: (type, minimum, maximum)
    "rhythm_days": (int, 1, 365),
    "grace_days": (int, 0, 365),
    "off_track_gap": (float, 0, 1),
    "at_risk_gap": (float, 0, 1),
    "confidence_on_track": (int, 0, 10),
    "confidence_at_risk": (int, 0, 10),
    "grade_green": (float, 0, 1),
    "grade_yellow": (float, 0, 1),
    "trending_alert_odds": (float, 0, 1),
    "review_window_days": (int, 1, 365),
    "coach_min_objectives": (int, 0, 100),
    "coach_max_objectives": (int, 1, 100),
    "coach_min_krs": (int, 0, 100),
    "coach_max_krs": (int, 1, 100),
}
PRIORITISATION_METHODS = ("impact", "rice", "value_effort")
NO_DATA_TERMS = ("zero", "skip")


def policy_errors(overrides: object) -> list[tuple[str, str]]:
    """What is wrong with an organisation's overrides of the rule defaults (field, message)."""
    if not isinstance(overrides, dict):
        return [("", N_("must be a mapping of setting: value"))]
    errors: list[tuple[str, str]] = []
    for name, value in overrides.items():
        if name == "prioritisation":
            if value not in PRIORITISATION_METHODS:
                errors.append((name, one_of(PRIORITISATION_METHODS)))
            continue
        if name == "no_data_terms":
            if value not in NO_DATA_TERMS:
                errors.append((name, one_of(NO_DATA_TERMS)))
            continue
        if name == "coach_blocking":
            from .coach import RULES

            if not isinstance(value, (list, tuple)) or not all(v in RULES for v in value):
                errors.append((name, N_("must be a list of the coach's rule codes")))
            continue
        if name not in POLICY_RULES:
            errors.append(
                (
                    name,
                    f"unknown setting; known: {', '.join([*POLICY_RULES, 'prioritisation', 'no_data_terms', 'coach_blocking'])}",
                )
            )
            continue
        kind, low, high = POLICY_RULES[name]
        ok_type = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is int and ok_type and value != int(value):
            ok_type = False
        if not ok_type:
            errors.append((name, "must be a whole number" if kind is int else "must be a number"))
        elif (low is not None and value < low) or (high is not None and value > high):
            errors.append((name, between(low, high)))
    if not errors:
        p = Policy(**overrides)
        if p.at_risk_gap > p.off_track_gap:
            errors.append(("at_risk_gap", N_("must not exceed off_track_gap")))
        if p.confidence_at_risk > p.confidence_on_track:
            errors.append(("confidence_at_risk", N_("must not exceed confidence_on_track")))
        if p.grade_yellow > p.grade_green:
            errors.append(("grade_yellow", N_("must not exceed grade_green")))
        if p.coach_min_objectives > p.coach_max_objectives:
            errors.append(("coach_min_objectives", N_("must not exceed coach_max_objectives")))
        if p.coach_min_krs > p.coach_max_krs:
            errors.append(("coach_min_krs", N_("must not exceed coach_max_krs")))
    return errors
