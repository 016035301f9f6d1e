"""Grading at cycle close (PRODUCT.md "Grading")."""

from __future__ import annotations

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
