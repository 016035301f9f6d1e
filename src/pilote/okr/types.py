"""Plain value types the rules take and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


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
    prioritisation: str = "impact"  # impact | rice | value_effort (pilote.okr.impact)
    review_window_days: int = (
        28  # measured impact = KR value this long after delivery − at delivery
    )


DEFAULT_POLICY = Policy()
