"""Schedule slots: the one rule for the next slot and the one way to claim a slot.

Used by data sources (every N minutes) and organisation jobs (reminders and digests, every
N days). Slots stay on their grid (``first + k × every``: a digest due Mondays at 8:00 stays
on Mondays at 8:00); slots missed while no worker ran are skipped, and the due one runs once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Model


def next_slot(slot: datetime, every: timedelta, now: datetime) -> datetime:
    """The first slot of ``slot``'s grid that is after ``now`` (missed slots skipped)."""
    if every <= timedelta(0):
        raise ValueError("a schedule's interval must be positive")
    following = slot + every
    if following <= now:
        following += every * ((now - following) // every + 1)
    return following


def claim(model: type[Model], pk: int, slot: datetime, following: datetime, **also) -> bool:
    """Move one row's ``next_run_at`` from ``slot`` to ``following``; True if this caller won.

    The conditional UPDATE (``WHERE next_run_at = <the slot read>``) is atomic on SQLite and
    PostgreSQL alike: of several workers reading the same due slot, one moves it and the
    others update no row.
    """
    return bool(model.objects.filter(pk=pk, next_run_at=slot).update(next_run_at=following, **also))
