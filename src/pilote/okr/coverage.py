"""Alignment coverage (the cockpit's "is the whole company on it?")."""

from __future__ import annotations

from collections.abc import Iterable


def share(part: int, whole: int) -> float | None:
    """part ÷ whole, or None when there is nothing to measure (never a fake 0 % or 100 %)."""
    return part / whole if whole else None


def unit_coverage(unit_ids: Iterable[int], units_with_approved_okrs: Iterable[int]) -> float | None:
    """Share of units that have at least one approved objective this cycle."""
    units = set(unit_ids)
    return share(len(units & set(units_with_approved_okrs)), len(units))


def tactical_alignment(tactical_aligned: Iterable[bool]) -> float | None:
    """Share of tactical objectives aligned to at least one strategic objective."""
    flags = list(tactical_aligned)
    return share(sum(flags), len(flags))
