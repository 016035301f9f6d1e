"""Objective progress: weighted mean of its terms (PRODUCT.md "Objective progress")."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .explain import Explanation, Term
from .pace import worst_status
from .types import Status


@dataclass(frozen=True)
class RollupTerm:
    """A KR or an approved child objective, as a term of its objective's progress."""

    label: str
    weight: float
    progress: float | None
    status: Status = Status.NO_DATA
    name: str = ""  # its title, for people


PROGRESS_FROM = ("key_results", "children", "both")


MAX_WEIGHT = 1_000_000.0


def weight_errors(weight: object) -> list[str]:
    """The one rule for a weight (a KR's in its objective, a link's in its parent's roll-up):
    a finite number greater than 0. Where it is wrong, what to say."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        return ["must be a number"]
    if not math.isfinite(weight) or weight <= 0:
        return ["must be greater than 0"]
    if weight > MAX_WEIGHT:
        return [f"must be at most {MAX_WEIGHT:g}"]
    return []


def counted_terms(terms: Sequence[RollupTerm], no_data: str = "zero") -> list[RollupTerm]:
    """The terms that count, by the organisation's policy for terms without data yet:
    "zero" keeps them all (they count as 0), "skip" leaves them out until they have data."""
    if no_data == "skip":
        return [t for t in terms if t.progress is not None]
    return list(terms)


def objective_progress(terms: Sequence[RollupTerm], no_data: str = "zero") -> float | None:
    """Weighted mean of the terms' progress.

    A term with no data counts as 0 as long as at least one term has data (``no_data``
    "zero"), or is left out (``no_data`` "skip"); if none has, the objective has no data.
    """
    terms = counted_terms(terms, no_data)
    if not terms or all(t.progress is None for t in terms):
        return None
    total = sum(t.weight for t in terms)
    if total <= 0:
        return None
    return sum(t.weight * (t.progress or 0.0) for t in terms) / total


def objective_status(terms: Sequence[RollupTerm], no_data: str = "zero") -> Status:
    """The worst status of the terms that count; without any, ``no_data``."""
    return worst_status(t.status for t in counted_terms(terms, no_data))


def explain_objective_progress(terms: Sequence[RollupTerm], no_data: str = "zero") -> Explanation:
    value = objective_progress(terms, no_data)
    notes: list[tuple[str, str]] = []
    counted = counted_terms(terms, no_data)
    left_out = len(terms) - len(counted)
    if not terms:
        notes.append(("no_terms", "no key result and no approved child: no data"))
    elif left_out and value is not None:
        notes.append(
            ("no_data_left_out",
             f"{left_out} term(s) without data yet left out until their first check-in")
        )  # fmt: skip
    had_terms, terms = bool(terms), counted
    if not had_terms:
        pass
    elif value is None:
        notes.append(("no_term_has_data", "no term has data yet: no data"))
    elif any(t.progress is None for t in terms):
        notes.append(
            ("missing_terms_count_as_zero",
             "terms without data count as 0 because at least one term has data")
        )  # fmt: skip
    total = sum(t.weight for t in terms)
    formula = "Σ(weight × progress) ÷ Σ weight" + (f" = {value:.4f}" if value is not None else "")
    return Explanation(
        "progress",
        value,
        formula,
        tuple(
            Term(
                t.label,
                t.progress,
                t.weight,
                f"share {t.weight / total:.0%}" if total else "",
                name=t.name,
                share=t.weight / total if total else None,
            )
            for t in terms
        ),  # fmt: skip
        tuple(text for _, text in notes),
        code="weighted_mean",
        params={"value": value},
        note_codes=tuple(code for code, _ in notes),
        note_params=tuple(
            {"n": left_out} if code == "no_data_left_out" else {} for code, _ in notes
        ),
    )
