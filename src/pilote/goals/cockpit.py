"""What the cockpit shows, read once through a Snapshot (a fixed number of queries)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

from pilote.okr.coverage import tactical_alignment, unit_coverage
from pilote.okr.pace import check_in_due
from pilote.okr.types import STATUS_SEVERITY, Status
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.access import Actor, scoped
from pilote.orgs.models import Unit

from .models import Cycle, KeyResult, Objective
from .queries import KRFigures, ObjectiveFigures, Snapshot


@dataclass
class Cockpit:
    snapshot: Snapshot
    cycles: list[Cycle]
    strategic: list[ObjectiveFigures] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    attention: list[KRFigures] = field(default_factory=list)  # at risk or off track: the worst
    overdue: list[KRFigures] = field(default_factory=list)  # check-in due: the oldest
    attention_total: int = 0
    overdue_total: int = 0
    waiting: list[Objective] = field(default_factory=list)  # submitted, for executives: the first
    waiting_total: int = 0
    sent_back: list[Objective] = field(default_factory=list)  # the reader's, changes requested
    unit_coverage: float | None = None
    tactical_alignment: float | None = None
    objectives: list[Objective] = field(default_factory=list)  # of the current cycles


# The cockpit shows the worst few of each list and counts the rest (the strategy tree
# filtered by status has them all): a page of 3,000 at-risk KRs helps nobody.
LIST_LIMIT = 20


def current_cycles(actor: Actor, snap: Snapshot) -> list[Cycle]:
    today = snap.as_of
    return list(
        scoped(actor, Cycle.objects.filter(start__lte=today, end__gte=today)).order_by("start")
    )


def build_cockpit(actor: Actor, snap: Snapshot, cycles: list[Cycle] | None = None) -> Cockpit:
    cycles = cycles if cycles is not None else current_cycles(actor, snap)
    ids = {c.pk for c in cycles}
    # What does not depend on the reader is kept while the snapshot lives (until a write).
    memo_key = ("cockpit", tuple(sorted(ids)))
    shared = snap.memo.get(memo_key)
    if shared is None:
        shared = _shared(actor, snap, cycles, ids)
        snap.memo[memo_key] = shared
    user_id = actor.user.pk if actor.user else None
    return replace(
        shared,
        sent_back=sorted(
            (
                o
                for o in shared.objectives
                if o.status == WorkflowStatus.CHANGES_REQUESTED and o.owner_id == user_id
            ),
            key=lambda o: o.pk,
        ),
    )


def _shared(actor: Actor, snap: Snapshot, cycles: list[Cycle], ids: set[int]) -> Cockpit:
    objectives = [o for o in snap.objectives.values() if o.cycle_id in ids]
    cockpit = Cockpit(snap, cycles)
    cockpit.objectives = objectives
    cockpit.strategic = [
        snap.objective(o) for o in sorted(objectives, key=lambda o: o.pk) if o.level == "strategic"
    ]
    krs: list[KeyResult] = [
        kr
        for o in objectives
        if o.status == WorkflowStatus.APPROVED
        for kr in snap.key_results_of(o)
    ]
    figures = [snap.kr(kr) for kr in krs]
    cockpit.counts = {s.value: 0 for s in reversed(STATUS_SEVERITY)}
    for f in figures:
        cockpit.counts[f.status.value] += 1
    rank = {s: i for i, s in enumerate(STATUS_SEVERITY)}
    attention = [f for f in figures if f.status in (Status.OFF_TRACK, Status.AT_RISK)]
    cockpit.attention_total = len(attention)
    cockpit.attention = heapq.nsmallest(
        LIST_LIMIT, attention, key=lambda f: (rank[f.status], (f.progress or 0) - f.expected)
    )
    overdue = [f for f in figures if check_in_due(f.latest, snap.as_of, snap.policy)]
    cockpit.overdue_total = len(overdue)
    cockpit.overdue = heapq.nsmallest(
        LIST_LIMIT,
        overdue,
        key=lambda f: f.latest.effective if f.latest else f.kr.objective.cycle.start,
    )
    waiting = [o for o in objectives if o.status == WorkflowStatus.SUBMITTED]
    cockpit.waiting_total = len(waiting)
    cockpit.waiting = heapq.nsmallest(LIST_LIMIT, waiting, key=lambda o: o.pk)
    unit_ids = scoped(actor, Unit.objects.all()).values_list("id", flat=True)
    cockpit.unit_coverage = unit_coverage(
        unit_ids, {o.unit_id for o in objectives if o.status == WorkflowStatus.APPROVED}
    )
    tactical = [o for o in objectives if o.level == "tactical"]
    cockpit.tactical_alignment = tactical_alignment(
        any(p.level == "strategic" for p, _ in snap.parents_of(o)) for o in tactical
    )
    return cockpit
