"""A status plan: how a KR's or an objective's status goes with the date, for fixed readings.

Status depends on the day it is read (expected progress grows with the cycle, a reading grows
old, a due date passes), progress does not. For fixed readings and definitions the status
is a step function of the day, and a plan is that function written down: a list of
``(from_day, status)`` pairs, days as ordinals (``date.toordinal()``), the first one
``None`` (from the start). Stored beside the progress (``goals/figures.py``), it lets a
read of any day take an objective's status from its own row instead of from every KR below
it. A plan is valid from the day of the readings it was made from (``valid_from``).

- A KR's plan is found from ``kr_status`` itself: the day ranges where nothing but the
  expected progress moves (between the cycle's start and end and each phase, and the day
  after each, the day the reading becomes outdated, the day after the due date) have a
  status that only moves one way, so bisecting each range on days finds every change
  exactly, in a few evaluations.
- An objective's plan is the worst of its terms' plans on every day (``merge``), the rule
  of ``objective_status`` applied to plans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from .pace import expected_progress, kr_status
from .types import DEFAULT_POLICY, STATUS_SEVERITY, KeyResultFacts, Policy, Reading, Status

Plan = list[tuple[int | None, str]]

NO_DATA_PLAN: Plan = [(None, Status.NO_DATA.value)]
_RANK = {s.value: i for i, s in enumerate(STATUS_SEVERITY)}


def status_on(plan: Sequence[Sequence], day: date) -> Status:
    """The plan's status on ``day``."""
    return Status(value_on(plan, day.toordinal()))


def value_on(plan: Sequence[Sequence], ordinal: int) -> str:
    """The plan's status on the day of this ordinal, as its value (for loops over many)."""
    current = plan[0][1]
    for start, status in plan[1:]:
        if start > ordinal:
            break
        current = status
    return current


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
    edges = {reading.effective + timedelta(days=limit + 1)}
    # Expected progress is linear between its points, and may jump the day after one (two
    # phases on one day, a phase after the cycle's end): both days bound a range.
    for point in (start, end, *(p.on for p in facts.phases)):
        edges.update((point, point + timedelta(days=1)))
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
        sa, sb = values[-1], on(b)
        values.append(sb)
        if sa == sb or b == a + 1:
            split(a, sa, b, sb)
            continue
        # A cut is often where the status jumps (the reading gets old, the due date
        # passes): the day before it first, so such a jump costs one evaluation, not a
        # bisection of the whole range. [a, b - 1] lies in the range, so moves one way too.
        sp = on(b - 1)
        split(a, sa, b - 1, sp)
        if sp != sb:
            out.append((b, sb))
    return out


def _compress(plan: Plan) -> Plan:
    out: Plan = []
    for start, status in plan:
        if out and out[-1][1] == status:
            continue
        out.append((start, status))
    return out


def merge(plans: Sequence[Sequence[Sequence]]) -> Plan:
    """The worst of several plans on every day; without plans, ``no_data``.

    A sweep over the days the plans change on, keeping how many plans are in each status:
    linear in the plans' entries (a strategic objective merges hundreds of children's)."""
    if not plans:
        return list(NO_DATA_PLAN)
    counts = [0] * len(STATUS_SEVERITY)
    changes: dict[int, list[tuple[int, int]]] = {}
    for plan in plans:
        counts[_RANK[plan[0][1]]] += 1
        for (_, before), (start, after) in zip(plan, plan[1:], strict=False):
            changes.setdefault(start, []).append((_RANK[before], _RANK[after]))

    def worst() -> str:
        return STATUS_SEVERITY[next(i for i, n in enumerate(counts) if n)].value

    out: Plan = [(None, worst())]
    for start in sorted(changes):
        for before, after in changes[start]:
            counts[before] -= 1
            counts[after] += 1
        out.append((start, worst()))
    return _compress(out)


def as_json(plan: Plan) -> list[list]:
    return [[s, status] for s, status in plan]
