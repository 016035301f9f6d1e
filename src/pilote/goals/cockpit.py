"""What the cockpit shows: from the stored figures (``build_stored_cockpit``, the page's), or
from a Snapshot's recomputation (``build_cockpit``, what ``pilote check`` compares it with);
a fixed number of queries either way."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

from django.db.models import Q

from pilote.okr.coverage import tactical_alignment, unit_coverage
from pilote.okr.pace import check_in_due
from pilote.okr.types import STATUS_SEVERITY, Status
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.access import Actor, scoped
from pilote.orgs.models import Unit

from .models import Cycle, Objective
from .planned import PlannedKRs
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
    key = tuple(sorted(ids))
    rows = snap.indexes.get(("cockpit-rows", key))
    if rows is None:  # what depends on rows only: kept until an edit rebuilds the snapshot
        rows = _rows(actor, snap, ids)
        snap.indexes[("cockpit-rows", key)] = rows
    cockpit = replace(rows, snapshot=snap, cycles=cycles)
    cockpit.strategic = [
        snap.objective(o)
        for o in sorted(rows.objectives, key=lambda o: o.pk)
        if o.level == "strategic"
    ]
    state = _kr_state(snap, rows.objectives, key)
    cockpit.counts = dict(state.counts)
    rank = {s: i for i, s in enumerate(STATUS_SEVERITY)}
    cockpit.attention_total = len(state.attention)
    cockpit.attention = heapq.nsmallest(
        LIST_LIMIT,
        state.attention.values(),
        key=lambda f: (rank[f.status], (f.progress or 0) - f.expected, f.kr.pk),
    )
    cockpit.overdue_total = len(state.overdue)
    cockpit.overdue = heapq.nsmallest(
        LIST_LIMIT,
        state.overdue.values(),
        key=lambda f: (f.latest.effective if f.latest else f.kr.objective.cycle.start, f.kr.pk),
    )
    return cockpit


def _rows(actor: Actor, snap: Snapshot, ids: set[int]) -> Cockpit:
    objectives = [o for o in snap.objectives.values() if o.cycle_id in ids]
    cockpit = Cockpit(snap, [])
    cockpit.objectives = objectives
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


@dataclass
class _KRState:
    """The cockpit's figures of the approved KRs of the current cycles."""

    figures: dict[int, KRFigures]
    counts: dict[str, int]
    attention: dict[int, KRFigures]  # at risk or off track
    overdue: dict[int, KRFigures]  # check-in due


def _kr_state(snap: Snapshot, objectives: list[Objective], key: tuple) -> _KRState:
    """Counted once per set of rows, then brought up to date from the KRs whose figures were
    recomputed (a new check-in drops a KR's figures: the others are the same objects).

    Kept in ``snap.render_memo``, which advanced snapshots share; a rebuilt snapshot starts
    afresh. Each update makes a new state, so a reader of an older snapshot is unaffected.
    """

    def place(state: _KRState, pk: int, f: KRFigures) -> None:
        state.figures[pk] = f
        state.counts[f.status.value] += 1
        if f.status in (Status.OFF_TRACK, Status.AT_RISK):
            state.attention[pk] = f
        if check_in_due(f.latest, snap.as_of, snap.policy):
            state.overdue[pk] = f

    kept = snap.render_memo.get(("cockpit-krs", key))
    if kept is None:
        state = _KRState({}, {s.value: 0 for s in reversed(STATUS_SEVERITY)}, {}, {})
        for o in objectives:
            if o.status == WorkflowStatus.APPROVED:
                for kr in snap.key_results_of(o):
                    place(state, kr.pk, snap.kr(kr))
    else:
        current = snap._kr
        changed = [pk for pk, f in kept.figures.items() if current.get(pk) is not f]
        if not changed:
            return kept
        state = _KRState(
            dict(kept.figures), dict(kept.counts), dict(kept.attention), dict(kept.overdue)
        )
        for pk in changed:
            state.counts[state.figures[pk].status.value] -= 1
            state.attention.pop(pk, None)
            state.overdue.pop(pk, None)
            place(state, pk, snap.kr(snap.krs_by_pk[pk]))
    snap.render_memo[("cockpit-krs", key)] = state
    return state


def build_stored_cockpit(actor: Actor, cycles: list[Cycle] | None = None) -> Cockpit:
    """The cockpit read from the rows and their stored figures (goals/figures.py): counts by
    the database, each KR's status from its stored plan (one tuple per KR, no model
    instance), and the model rows of the few KRs and objectives it lists."""
    from pilote.okr.coverage import share
    from pilote.okr.pace import due_before, expected_progress

    from .keyresults import FACT_COLUMNS, facts_from
    from .models import Alignment, KeyResult
    from .stored import Stored

    reader = Stored(actor)
    today = reader.as_of
    cycles = cycles if cycles is not None else current_cycles(actor, reader)
    ids = [c.pk for c in cycles]
    cockpit = Cockpit(reader, cycles)  # type: ignore[arg-type]
    objectives = scoped(actor, Objective.objects.filter(cycle_id__in=ids))
    strategic = list(reader._rows(Q(cycle_id__in=ids, level="strategic")))
    cockpit.strategic = [reader.objective(o) for o in strategic]
    waiting = objectives.filter(status=WorkflowStatus.SUBMITTED).select_related("unit")
    cockpit.waiting_total = waiting.count()
    cockpit.waiting = list(waiting.order_by("id")[:LIST_LIMIT])
    user_id = actor.user.pk if actor.user else None
    cockpit.sent_back = list(
        objectives.filter(status=WorkflowStatus.CHANGES_REQUESTED, owner_id=user_id).order_by("id")
    )
    # pilote.okr.coverage.unit_coverage, counted by the database (10,000 units and 30,000
    # approved objectives at 100,000 people were read to be counted).
    units = scoped(actor, Unit.objects.all())
    approved = objectives.filter(status=WorkflowStatus.APPROVED)
    cockpit.unit_coverage = share(
        units.filter(pk__in=approved.values("unit_id")).count(), units.count()
    )
    # How many tactical objectives align to a strategic one: a join counted by the database
    # (a correlated EXISTS per objective took 80 ms on PostgreSQL at 10,000 people).
    tactical = objectives.filter(level="tactical")
    aligned = (
        Alignment.objects.filter(child__in=tactical, parent__level="strategic")
        .values("child_id")
        .distinct()
        .count()
    )
    cockpit.tactical_alignment = share(aligned, tactical.count())
    # The approved KRs of the current cycles: counts and the first of each list from their
    # stored plans by the database (goals/planned.py), the rest by the rules.
    planned = PlannedKRs(actor, ids, today)
    due = due_before(today, reader.policy)  # pilote.okr.pace.check_in_due
    counts = {s.value: 0 for s in reversed(STATUS_SEVERITY)}
    troubled = (Status.OFF_TRACK.value, Status.AT_RISK.value)
    attention_total = overdue_total = 0
    for value, waiting_check_in, n in planned.groups(due):
        counts[value] += n
        attention_total += n if value in troubled else 0
        overdue_total += n if waiting_check_in else 0
    rank = {s.value: i for i, s in enumerate(STATUS_SEVERITY)}  # a Status is its value too
    ranks = {value: rank[value] for value in troubled}
    by_cycle = {c.pk: expected_progress(c.start, c.end, today) for c in cycles}
    # (rank, progress, pk) and each one's expected progress: the first of those without
    # phased targets, every one with them (their expected progress is their own), and the
    # KRs whose status is by the rules.
    attention, expected = [], {}
    first = planned.first_by_status(ranks, by_cycle, LIST_LIMIT, phased=False)
    for pk, r, progress, cycle_id in first:
        attention.append((r, progress, pk))
        expected[pk] = by_cycle[cycle_id]
    phased = planned.first_by_status(ranks, by_cycle, None, phased=True)
    attention += [(r, progress, pk) for pk, r, progress, _ in phased]
    for pk, end, start, *columns in scoped(
        actor, KeyResult.objects.filter(pk__in=[pk for pk, *_ in phased])
    ).values_list("pk", "objective__cycle__end", "objective__cycle__start", *FACT_COLUMNS):
        expected[pk] = expected_progress(start, end, today, facts_from(*columns, end))
    overdue = planned.oldest(due, LIST_LIMIT)
    shown: dict[int, KRFigures] = {}
    for kr in scoped(actor, KeyResult.objects.filter(pk__in=planned.later())).select_related(
        "objective__cycle", "owner"
    ):
        f = reader.kr(kr)
        counts[f.status.value] += 1
        if f.status in (Status.OFF_TRACK, Status.AT_RISK):
            attention.append((rank[f.status], f.progress or 0, kr.pk))
            attention_total += 1
        if check_in_due(f.latest, today, reader.policy):
            when = f.latest.effective if f.latest else kr.objective.cycle.start
            overdue.append((when.isoformat(), kr.pk))
            overdue_total += 1
        shown[kr.pk] = f
        expected[kr.pk] = f.expected
    cockpit.counts = counts
    cockpit.attention_total, cockpit.overdue_total = attention_total, overdue_total
    # The worst first: by status, then the furthest behind its expected progress.
    ordered = heapq.nsmallest(
        LIST_LIMIT, attention, key=lambda a: (a[0], a[1] - expected[a[2]], a[2])
    )
    first_overdue = heapq.nsmallest(LIST_LIMIT, overdue)
    wanted = {pk for *_, pk in ordered} | {pk for _, pk in first_overdue}
    for kr in scoped(actor, KeyResult.objects.filter(pk__in=wanted - set(shown))).select_related(
        "objective__cycle", "objective__unit", "owner"
    ):
        shown[kr.pk] = reader.kr(kr)
    cockpit.attention = [shown[pk] for *_, pk in ordered]
    cockpit.overdue = [shown[pk] for _, pk in first_overdue]
    return cockpit
