"""Grading at cycle close (PRODUCT.md "Grading")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .text import N_
from .types import DEFAULT_POLICY, Policy


def grade_color(grade: float | None, policy: Policy = DEFAULT_POLICY) -> str | None:
    """0.7 and above green, 0.4 to 0.7 yellow, below 0.4 red; None when ungraded."""
    if grade is None:
        return None
    if grade >= policy.grade_green:
        return "green"
    if grade >= policy.grade_yellow:
        return "yellow"
    return "red"


def effective_grade(computed: float | None, override: float | None) -> float | None:
    """The grade that counts: the override when a person gave one, else the computed one."""
    return override if override is not None else computed


def grade_errors(value: float, reason: str) -> list[tuple[str, str]]:
    errors = []
    if not 0.0 <= value <= 1.0:
        errors.append(("grade", N_("must be between 0.0 and 1.0")))
    if not reason.strip():
        errors.append(("reason", N_("a grade override needs a written reason")))
    return errors


@dataclass(frozen=True)
class Hits:
    """How a set of objectives did at the end of a cycle (PRODUCT.md "Grading"): a *hit* is
    a grade in the green (0.7 and above by default); objectives without a grade (no data)
    are counted but neither hit nor missed."""

    objectives: int
    graded: int
    hits: int
    mean: float | None  # the mean of the grades there are

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.graded if self.graded else None

    @property
    def ungraded(self) -> int:
        return self.objectives - self.graded


def hits(grades: Iterable[float | None], policy: Policy = DEFAULT_POLICY) -> Hits:
    grades = list(grades)
    known = [g for g in grades if g is not None]
    return Hits(
        objectives=len(grades),
        graded=len(known),
        hits=sum(1 for g in known if g >= policy.grade_green),
        mean=sum(known) / len(known) if known else None,
    )
