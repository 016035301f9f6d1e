"""A status plan: how a KR's or an objective's status goes with the date, for fixed readings.

Status depends on the day it is read (expected progress grows with the cycle, a reading grows
old, a due date passes), progress does not. For fixed readings and definitions the status
is a step function of the day, and a plan is that function written down: a list of
``(from_day, status)`` pairs, days as ordinals (``date.toordinal()``), the first one
``None`` (from the start). Stored beside the progress (``goals/figures.py``), it lets a
read of any day take an objective's status from its own row instead of from every KR below
it. A plan is valid from the day of the readings it was made from (``valid_from``).

- A KR's plan is found from ``kr_status`` itself: the day ranges where nothing but the
  expected progress moves (between the cycle's start and end, each phase, the day the
  reading becomes outdated, the day after the due date) have a status that only moves one
  way, so bisecting each range on days finds every change exactly, in a few evaluations.
- An objective's plan is the worst of its terms' plans on every day (``merge``), the rule
  of ``objective_status`` applied to plans.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from .pace import expected_progress, kr_status
from .types import DEFAULT_POLICY, STATUS_SEVERITY, KeyResultFacts, Policy, Reading, Status

Plan = list[tuple[int | None, str]]

NO_DATA_PLAN: Plan = [(None, Status.NO_DATA.value)]
_RANK = {s.value: i for i, s in enumerate(STATUS_SEVERITY)}


def status_on(plan: Sequence[Sequence], day: date) -> Status:
    """The plan's status on ``day``."""
    ordinal = day.toordinal()
    current = plan[0][1]
    for start, status in plan[1:]:
        if start > ordinal:
            break
        current = status
    return Status(current)


def kr_plan(
    facts: KeyResultFacts,
    reading: Reading | None,
    progress: float | None,
    start: date,
    end: date,
    policy: Policy = DEFAULT_POLICY,
) -> Plan:
    """The KR's status on every day from its reading's date on (``kr_status`` per day)."""
    if reading is None or progress is None:
        return list(NO_DATA_PLAN)

    def on(ordinal: int) -> str:
        day = date.fromordinal(ordinal)
        expected = expected_progress(start, end, day, facts)
        return kr_status(facts, reading, progress, expected, day, policy).value

    first = reading.effective.toordinal()
    limit = policy.rhythm_days + policy.grace_days
    edges = {start, end, reading.effective + timedelta(days=limit + 1)}
    edges.update(p.on for p in facts.phases)
    if facts.due is not None:
        edges.add(facts.due + timedelta(days=1))
    cuts = sorted({d.toordinal() for d in edges if d.toordinal() > first})
    return _compress(_steps(on, [first, *cuts]))


def _steps(on: Callable[[int], str], cuts: list[int]) -> Plan:
    """Status changes of ``on`` from ``cuts[0]`` on; between two cuts (inclusive) ``on``
    moves one way only, and after the last it does not move."""
    out: Plan = [(None, on(cuts[0]))]

    def split(a: int, sa: str, b: int, sb: str) -> None:
        if sa == sb:
            return  # one way only: equal at both ends, equal in between
        if b == a + 1:
            out.append((b, sb))
            return
        m = (a + b) // 2
        sm = on(m)
        split(a, sa, m, sm)
        split(m, sm, b, sb)

    values = [out[0][1]]
    for a, b in zip(cuts, cuts[1:], strict=False):
        sb = on(b)
        split(a, values[-1], b, sb)
        values.append(sb)
    return out


def _compress(plan: Plan) -> Plan:
    out: Plan = []
    for start, status in plan:
        if out and out[-1][1] == status:
            continue
        out.append((start, status))
    return out


def merge(plans: Sequence[Sequence[Sequence]]) -> Plan:
    """The worst of several plans on every day; without plans, ``no_data``."""
    if not plans:
        return list(NO_DATA_PLAN)
    starts = sorted({s for p in plans for s, _ in p[1:]})
    indexes = [[s for s, _ in p[1:]] for p in plans]

    def worst_at(i: int) -> str:
        # The status of each plan at the i-th change (i = 0: before any change).
        statuses = []
        for plan, idx in zip(plans, indexes, strict=True):
            k = bisect_right(idx, starts[i - 1]) if i else 0
            statuses.append(plan[k][1])
        return min(statuses, key=_RANK.__getitem__)

    out: Plan = [(None, worst_at(0))]
    for i, start in enumerate(starts, 1):
        out.append((start, worst_at(i)))
    return _compress(out)


def as_json(plan: Plan) -> list[list]:
    return [[s, status] for s, status in plan]
