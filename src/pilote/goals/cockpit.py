"""What the cockpit shows, read once through a Snapshot (a fixed number of queries)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

import orjson
from django.db.models import Q

from pilote.okr.coverage import tactical_alignment, unit_coverage
from pilote.okr.pace import check_in_due
from pilote.okr.types import STATUS_SEVERITY, Status
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.access import Actor, scoped
from pilote.orgs.models import Unit

from .models import Cycle, Objective
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
    unit_ids = scoped(actor, Unit.objects.all()).values_list("id", flat=True)
    cockpit.unit_coverage = unit_coverage(
        unit_ids,
        set(objectives.filter(status=WorkflowStatus.APPROVED).values_list("unit_id", flat=True)),
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
    # Each approved KR of the current cycles as a tuple: its status today from its plan.
    counts = {s.value: 0 for s in reversed(STATUS_SEVERITY)}
    attention, overdue, later = [], [], []
    rank = {s.value: i for i, s in enumerate(STATUS_SEVERITY)}  # a Status is its value too
    today_text, ordinal = today.isoformat(), today.toordinal()
    due_text = due_before(today, reader.policy).isoformat()  # pilote.okr.pace.check_in_due
    # Read raw (one row per KR, 14,000 at 10,000 people): the ORM's date and JSON
    # conversions were most of the page; ISO dates compare as text, plans decode with orjson.
    with_phases = set()
    kr_cycle = {}
    status_of = plan_status_reader(ordinal)
    for pk, plan, progress, effective, start, phases, cycle_id in kr_plan_rows(actor, ids):
        if plan is None or (effective is not None and str(effective) > today_text):
            later.append(pk)  # not stored yet, or dated after today: by the rules, below
            continue
        value = status_of(plan)
        counts[value] += 1
        if value in ("off_track", "at_risk"):
            attention.append((rank[value], progress or 0, pk))
            kr_cycle[pk] = cycle_id
            if phases not in (None, "[]", []):
                with_phases.add(pk)
        if effective is None or str(effective) < due_text:
            overdue.append((str(effective or start), pk))
    shown: dict[int, KRFigures] = {}
    for kr in scoped(actor, KeyResult.objects.filter(pk__in=later)).select_related(
        "objective__cycle", "owner"
    ):
        f = reader.kr(kr)
        counts[f.status.value] += 1
        if f.status in (Status.OFF_TRACK, Status.AT_RISK):
            attention.append((rank[f.status], f.progress or 0, kr.pk))
        if check_in_due(f.latest, today, reader.policy):
            when = f.latest.effective if f.latest else kr.objective.cycle.start
            overdue.append((when.isoformat(), kr.pk))
        shown[kr.pk] = f
    cockpit.counts = counts
    cockpit.attention_total, cockpit.overdue_total = len(attention), len(overdue)
    # The worst first: by status, then the furthest behind its expected progress. Without
    # phased targets a KR's expected progress is its cycle's; with them, from its columns
    # (no model instance).
    expected = {}
    by_cycle = {c.pk: expected_progress(c.start, c.end, today) for c in cycles}
    for pk, cycle_id in kr_cycle.items():
        expected[pk] = by_cycle[cycle_id]
    for pk, end, start, *columns in scoped(
        actor, KeyResult.objects.filter(pk__in=with_phases)
    ).values_list("pk", "objective__cycle__end", "objective__cycle__start", *FACT_COLUMNS):
        expected[pk] = expected_progress(start, end, today, facts_from(*columns, end))
    for pk, f in shown.items():
        expected[pk] = f.expected
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


def plan_status_reader(ordinal: int):
    """A plan's status on the day of ``ordinal`` from its JSON text (``kr_plan_rows``), each
    distinct plan read once: plans repeat (145 distinct among 118,000 KRs at 100,000
    people: KRs read on the same days share them)."""
    from pilote.okr.plan import value_on

    known: dict[str, str] = {}

    def status_of(plan: str) -> str:
        value = known.get(plan)
        if value is None:
            value = known[plan] = value_on(orjson.loads(plan), ordinal)
        return value

    return status_of


def kr_plan_rows(actor: Actor, cycle_ids: list[int]):
    """(pk, stored plan as JSON text, stored progress, latest check-in date, cycle start, phases,
    cycle) of the
    approved KRs of these cycles, as the database returns them (the dates as ISO text on
    SQLite, as dates on PostgreSQL: ``str()`` of either is the ISO day)."""
    from django.db import connection

    from .models import KeyResult

    if not cycle_ids:
        return []
    kr, o, c = (connection.ops.quote_name(m._meta.db_table) for m in (KeyResult, Objective, Cycle))
    marks = ", ".join(["%s"] * len(cycle_ids))
    # SQLite's dates as the text they are stored as: Django's converter parses each with a
    # regular expression (a third of reading 12,000 rows); readers compare them as text.
    effective, start = (
        ("CAST(k.last_effective AS TEXT)", "CAST(c.start AS TEXT)")
        if connection.vendor == "sqlite"
        else ("k.last_effective", "c.start")
    )
    # The plan as its text on both databases (PostgreSQL's driver would decode the JSON).
    plan = "k.stored_plan" if connection.vendor == "sqlite" else "k.stored_plan::text"
    sql = (
        f"SELECT k.id, {plan}, k.stored_progress, {effective}, {start}, k.phases,"
        f" c.id"
        f" FROM {kr} k JOIN {o} o ON o.id = k.objective_id JOIN {c} c ON c.id = o.cycle_id"
        f" WHERE k.organization_id = %s AND o.status = %s AND o.cycle_id IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.organization.pk, WorkflowStatus.APPROVED.value, *cycle_ids])
        return cursor.fetchall()
