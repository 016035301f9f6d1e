"""The one rule for schedule slots (pilote.schedule), used by sources and organisation jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pilote.schedule import next_slot

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday, 8:00


@given(
    st.integers(min_value=1, max_value=60 * 24 * 14),  # every: a minute to two weeks
    st.integers(min_value=-(10**6), max_value=10**7),  # now, in minutes from the slot
)
def test_the_next_slot_is_the_first_of_its_grid_after_now(every_minutes, offset):
    every, now = timedelta(minutes=every_minutes), START + timedelta(minutes=offset)
    following = next_slot(START, every, now)
    assert following > now and following > START
    assert (following - START) % every == timedelta(0)  # on the grid: the rhythm is kept
    assert following - every <= max(now, START)  # the first such slot: missed ones skipped


def test_a_weekly_digest_missed_for_three_weeks_runs_once_and_stays_on_mondays():
    now = START + timedelta(weeks=3, hours=5)
    following = next_slot(START, timedelta(days=7), now)
    assert following == START + timedelta(weeks=4) and following.weekday() == 0
