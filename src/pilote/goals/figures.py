"""Figures kept in the database: each KR's and objective's progress and status plan, on its row.

The rules of ``pilote.okr`` say what a figure is; this module keeps the answer stored, so a
read takes the rows it shows and nothing else (``goals/stored.py``), in every process and
host alike, with nothing to warm after a restart:

- a KR row holds its current reading (``goals/latest.py``), its progress and its status
  plan (``pilote.okr.plan``: its status on every day from the reading's date on);
- an objective row holds its progress (the weighted mean of its terms), its plan (the
  worst of its terms' plans) and ``stored_from``, the latest date of the readings beneath it
  (its figures hold for any day from then on), and its contribution to the strategy
  (``goals/contributions.py``: what the roadmap's scores weigh its KRs by).

The actions keep them, in their own transaction: a check-in refreshes its KR and walks up
the alignment graph refreshing only the ancestors, stopping where a figure did not change;
an edit that changes no figure (a title, an owner, a unit) touches none; a weight, an
alignment, ``progress_from`` or a workflow status refreshes the objectives it feeds; a
cycle's dates or the organisation's policy (on which every plan depends) refresh what
they reach. ``pilote check`` compares them with a recomputation (``mismatches``) and
``pilote check --fix`` rewrites them (``rebuild``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from pilote.db import fast_values, insert_rows, update_rows
from pilote.okr.plan import NO_DATA_PLAN, as_json, kr_plan, merge
from pilote.okr.progress import kr_progress
from pilote.okr.rollup import RollupTerm, objective_progress
from pilote.okr.types import Policy, Reading
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.models import Organization

from . import contributions
from .models import Alignment, CheckIn, Cycle, KeyResult, Objective, ObjectiveHistory

KR_FIELDS = ("stored_progress", "stored_plan")
OBJECTIVE_FIELDS = ("stored_progress", "stored_plan", "stored_from")
_TERM_FIELDS = ("id", "objective_id", "weight", "stored_progress", "stored_plan", "last_effective")


def _figures_of(facts, reading: Reading | None, cycle, policy: Policy) -> tuple:
    """A KR's progress and status plan with this reading (its current one, or one of a day)."""
    progress = kr_progress(facts, reading.value if reading else None)
    return progress, as_json(kr_plan(facts, reading, progress, cycle.start, cycle.end, policy))


def objective_values(
    progress_from: str, krs: list[tuple], children: list[tuple], no_data: str = "zero"
) -> tuple[float | None, list, object]:
    """What an objective row stores, from its terms: ``krs`` and ``children`` as (weight,
    progress, plan, valid from), children the approved ones only; ``no_data``: the
    organisation's policy for terms without data ("skip": left out of progress and plan)."""
    terms = []
    if progress_from in ("key_results", "both"):
        terms += krs
    if progress_from in ("children", "both"):
        terms += children
    if no_data == "skip":
        terms = [t for t in terms if t[1] is not None]
    progress = objective_progress([RollupTerm("", w, p) for w, p, _, _ in terms])
    # A term not computed yet (a child reached later in a rebuild from scratch, whose row was
    # just emptied) counts as no data until it is: its change then refreshes this one.
    plans = [NO_DATA_PLAN if plan is None else plan for _, _, plan, _ in terms]
    plan = as_json(merge(plans)) if terms else as_json(NO_DATA_PLAN)
    dates = [d for *_, d in terms if d is not None]
    return progress, plan, max(dates) if dates else None


class _Row:
    """A row's stored figures, read as values and written back by ``_write`` (building model
    instances was a third of a bulk of 1,000 check-ins)."""

    __slots__ = ("pk", "objective_id", "organization_id", "status", "progress_from", "facts",
                 "reading", "start", "end", *OBJECTIVE_FIELDS)  # fmt: skip

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


_JSON = ("stored_plan", "milestones", "phases")
_DATES = ("last_effective", "stored_from", "due")


def _values(rows, *fields: str):
    """``rows.values_list(*fields)``, its JSON and dates read by ``fast_values``: Django's
    decoding of the ~12,000 plans a bulk of 1,000 check-ins reads (the KRs' siblings, the
    objectives above) was a fifth of the request."""
    return fast_values(rows, fields, json=_JSON, dates=_DATES)


def _kr_rows(ids: set[int]):
    """Each KR's facts, reading and stored figures, with its cycle's dates (as ``start`` and
    ``end``: the row stands for the cycle in ``_figures_of``).

    Read without joins (the cycles' dates by the objectives' cycles, apart): joined to
    objectives and cycles, SQLite's planner scanned every objective for a few thousand KRs
    (2.4 s for 4,677 at 10,000 people, 0.1 s for 1,000)."""
    from .keyresults import FACT_COLUMNS, facts_from  # keyresults' actions call this module

    columns = ("id", "objective_id", *FACT_COLUMNS, "last_value", "last_effective",
               "last_confidence", "last_check_in_id", *KR_FIELDS)  # fmt: skip
    # By id: concurrent writers update KR rows in one order (no deadlock on PostgreSQL).
    rows = list(_values(KeyResult.objects.filter(pk__in=ids).order_by("id"), *columns))
    cycle_of = dict(
        Objective.objects.filter(pk__in={r[1] for r in rows})
        .order_by()
        .values_list("id", "cycle_id")
    )
    dates = {
        pk: (start, end)
        for pk, start, end in Cycle.objects.filter(pk__in=set(cycle_of.values()))
        .order_by()
        .values_list("id", "start", "end")
    }
    for (pk, objective_id, *facts, value, effective, confidence, check_in, progress,
         plan) in rows:  # fmt: skip
        start, end = dates[cycle_of[objective_id]]
        reading = (
            None if effective is None else Reading(value, effective, confidence, check_in or 0)
        )
        yield _Row(pk=pk, objective_id=objective_id, facts=facts_from(*facts, end),
                   reading=reading, stored_progress=progress, stored_plan=plan, start=start,
                   end=end)  # fmt: skip


def _write(model, fields: tuple[str, ...], rows: list) -> None:
    """The rows' figures in one UPDATE per batch (``pilote.db.update_rows``): ``bulk_update``'s
    CASE per column took 0.4 s for a bulk of 1,000 check-ins, an UPDATE per row a round trip
    each on PostgreSQL."""
    update_rows(
        model,
        fields,
        [
            (row.pk, *(json.dumps(v) if f.endswith("_plan") and v is not None else v
                       for f, v in ((f, getattr(row, f)) for f in fields)))
            for row in rows
        ],
    )  # fmt: skip


def _same(a, b) -> bool:
    return [list(x) for x in a or []] == [list(x) for x in b or []]


def refresh_key_results(
    organization: Organization,
    kr_ids: Iterable[int],
    check_ins: set[date] | None = None,
    history: bool = True,
) -> None:
    """Recompute these KRs' stored figures, then their objectives' and above, and the
    objectives' history. ``check_ins``: the dates of the new check-ins that called this
    (None: a definition changed, which rewrites the history of what it reaches)."""
    ids = set(kr_ids)
    if not ids:
        return
    policy = organization.policy
    changed, objectives, latest = [], set(), set()
    for row in _kr_rows(ids):
        objectives.add(row.objective_id)
        latest.add(row.reading.effective if row.reading else None)
        progress, plan = _figures_of(row.facts, row.reading, row, policy)
        if progress != row.stored_progress or not _same(plan, row.stored_plan):
            row.stored_progress, row.stored_plan = progress, plan
            changed.append(row)
    _write(KeyResult, KR_FIELDS, changed)
    moved = refresh_objectives(objectives, history=False, organization=organization)
    if not history:
        return
    # The usual check-in: one day, the latest reading of each of its KRs, and nothing dated
    # later beneath any objective recomputed (moved or not: one whose figures stayed the same
    # may still differ as of that day). Then each moved objective's row of that day is its
    # new stored figures; anything else rewrites the history of what it reaches.
    if check_ins is not None and len(check_ins) == 1 and latest == check_ins:
        (day,) = check_ins
        if all(before is None or before <= day for _, before, _ in moved):
            _history_rows_of_today([o for o, _, changed in moved if changed], day)
            return
    rebuild_history(organization, objectives)


def ancestors(objective_ids: set[int]) -> tuple[set[int], list[tuple[int, int]]]:
    """The objectives and every one above them, and the links between them (child, parent)."""
    seen, frontier, links = set(objective_ids), set(objective_ids), []
    while frontier:
        up = list(
            Alignment.objects.filter(child_id__in=frontier).values_list("child_id", "parent_id")
        )
        links += up
        frontier = {p for _, p in up} - seen
        seen |= frontier
    return seen, links


def parent_ids(objective_id: int) -> set[int]:
    return set(Alignment.objects.filter(child_id=objective_id).values_list("parent_id", flat=True))


def refresh_parents(objective: Objective) -> None:
    """The objective's own figures are the same, its parents' terms are not (its workflow
    status decides whether it counts)."""
    refresh_objectives(parent_ids(objective.pk), force=True)


def refresh_cycle(cycle) -> None:
    """A cycle's dates changed: every plan of its KRs (expected progress follows the dates)."""
    refresh_key_results(
        cycle.organization,
        KeyResult.objects.filter(objective__cycle=cycle).values_list("pk", flat=True),
    )


def refresh_objectives(
    objective_ids: Iterable[int],
    force: bool = False,
    history: bool = True,
    organization: Organization | None = None,
) -> list[tuple[Objective, date | None]]:
    """Recompute these objectives' stored figures from their terms, and those of every
    objective above them whose terms changed (children first); with ``history``, rewrite the
    history of these objectives and of every one above them (a definition changed). Returns
    every objective recomputed, with its ``stored_from`` from before and whether it changed.
    ``force``: their parents are recomputed even where their own figures are the same.
    ``organization``: theirs, when the caller has it (else read from their rows, once)."""
    with transaction.atomic():  # the locks below last until the caller's transaction ends
        return _refresh_objectives(set(objective_ids), force, history, organization)


def _refresh_objectives(dirty: set[int], force: bool, history: bool, organization=None) -> list:
    if not dirty:
        return []
    asked = set(dirty)
    above, links = ancestors(dirty)
    parents: dict[int, set[int]] = {}
    for child, parent in links:
        parents.setdefault(child, set()).add(parent)
    # Locked, in one order, before their terms are read: two check-ins beneath one objective
    # in concurrent transactions would each compute it from the other's old figures, and the
    # later commit would lose the earlier one's. The second waits here, then reads both.
    rows = {
        pk: _Row(pk=pk, organization_id=org, status=status, progress_from=progress_from,
                 stored_progress=progress, stored_plan=plan, stored_from=since)
        for pk, org, status, progress_from, progress, plan, since in _values(
            Objective.objects.filter(pk__in=above).select_for_update().order_by("id"),
            "id", "organization_id", "status", "progress_from", *OBJECTIVE_FIELDS)
    }  # fmt: skip
    krs: dict[int, list[tuple]] = {}
    for _, objective_id, weight, progress, plan, effective in _values(
        KeyResult.objects.filter(objective_id__in=above), *_TERM_FIELDS
    ):
        krs.setdefault(objective_id, []).append((weight, progress, plan, effective))
    children: dict[int, list[tuple[int, float]]] = {}
    for parent, child, weight in Alignment.objects.filter(parent_id__in=above).values_list(
        "parent_id", "child_id", "weight"
    ):
        children.setdefault(parent, []).append((child, weight))
    outside = {
        pk: _Row(pk=pk, status=status, stored_progress=progress, stored_plan=plan,
                 stored_from=since)
        for pk, status, progress, plan, since in _values(
            Objective.objects.filter(
                pk__in={c for cs in children.values() for c, _ in cs} - set(rows)
            ),
            "id", "status", *OBJECTIVE_FIELDS)
    }  # fmt: skip
    if organization is None and rows:
        organization = Organization.objects.get(pk=next(iter(rows.values())).organization_id)
    no_data = organization.policy.no_data_terms if organization is not None else "zero"
    # Children first: an objective is done once every child of it among these is.
    order = _children_first(rows, children, parents)
    changed, before = [], {}
    for pk in order:
        o = rows[pk]
        if pk not in dirty:
            continue
        approved = []
        for child_id, weight in children.get(pk, ()):
            c = rows.get(child_id) or outside.get(child_id)
            if c is not None and c.status == WorkflowStatus.APPROVED:
                approved.append((weight, c.stored_progress, c.stored_plan, c.stored_from))
        values = objective_values(o.progress_from, krs.get(pk, []), approved, no_data)
        old = (o.stored_progress, o.stored_plan, o.stored_from)
        before[pk] = o.stored_from
        if values[0] != old[0] or not _same(values[1], old[1]) or values[2] != old[2]:
            o.stored_progress, o.stored_plan, o.stored_from = values
            changed.append(o)
            dirty.update(parents.get(pk, ()))  # its parents' terms changed
        elif force:
            dirty.update(parents.get(pk, ()))
    _write(Objective, OBJECTIVE_FIELDS, changed)
    if history and rows:
        rebuild_history(organization, asked)
    moved = {o.pk for o in changed}
    return [(rows[pk], when, pk in moved) for pk, when in before.items()]


def _children_first(rows, children: dict, parents: dict) -> list[int]:
    """The objectives of ``rows`` ordered so that each comes after its children among them."""
    waiting = {pk: {c for c, _ in children.get(pk, ()) if c in rows} for pk in rows}
    ready = [pk for pk, w in waiting.items() if not w]
    order = []
    while ready:
        pk = ready.pop()
        order.append(pk)
        for parent in parents.get(pk, ()):
            if parent in waiting and pk in waiting[parent]:
                waiting[parent].discard(pk)
                if not waiting[parent]:
                    ready.append(parent)
    return order


def _history_rows_of_today(moved: list[Objective], day: date) -> None:
    """After a check-in of ``day`` that nothing beneath these objectives is dated after:
    their figures of that day are their stored ones (a row, unless the day before says the
    same)."""
    if not moved:
        return
    ids = [o.pk for o in moved]
    # Each objective's latest row before that day (not its whole history).
    before = ObjectiveHistory.objects.filter(
        objective_id=OuterRef("objective_id"), day__lt=day
    ).order_by("-day")
    previous = {
        pk: (progress, plan)
        for pk, progress, plan in fast_values(
            ObjectiveHistory.objects.filter(
                objective_id__in=ids, day=Subquery(before.values("day")[:1])
            ),
            ("objective_id", "progress", "plan"),
            json=("plan",),
        )
    }
    ObjectiveHistory.objects.filter(objective_id__in=ids, day=day).delete()
    insert_rows(
        ObjectiveHistory._meta.db_table,
        ("organization_id", "objective_id", "day", "progress", "plan"),
        [
            (o.organization_id, o.pk, day, o.stored_progress, json.dumps(o.stored_plan))
            for o in moved
            if not (o.pk in previous and previous[o.pk][0] == o.stored_progress
                    and _same(previous[o.pk][1], o.stored_plan))
        ],
    )  # fmt: skip


def rebuild_history(organization: Organization, objective_ids: Iterable[int]) -> None:
    """Recompute from their readings the history rows of these objectives and of every
    objective above them (children first), replacing the rows they had."""
    from .keyresults import facts_of

    ids = set(objective_ids)
    if not ids:
        return
    above, links = ancestors(ids)
    parents: dict[int, set[int]] = {}
    for child, parent in links:
        parents.setdefault(child, set()).add(parent)
    policy = organization.policy
    rows = {
        o.pk: o
        for o in Objective.objects.filter(pk__in=above).only("id", "status", "progress_from")
    }
    krs: dict[int, list[KeyResult]] = {}
    for kr in KeyResult.objects.filter(objective_id__in=above).select_related("objective__cycle"):
        krs.setdefault(kr.objective_id, []).append(kr)
    readings: dict[int, dict[date, Reading]] = {}
    for kr_id, value, effective, confidence, pk in (
        CheckIn.objects.filter(key_result__objective_id__in=above)
        .order_by("key_result_id", "effective", "id")
        .values_list("key_result_id", "value", "effective", "confidence", "id")
    ):
        readings.setdefault(kr_id, {})[effective] = Reading(value, effective, confidence, pk)
    children: dict[int, list[tuple[int, float]]] = {}
    for parent, child, weight in Alignment.objects.filter(parent_id__in=above).values_list(
        "parent_id", "child_id", "weight"
    ):
        children.setdefault(parent, []).append((child, weight))
    outside = {c for cs in children.values() for c, _ in cs} - set(rows)
    approved = set(rows) - {pk for pk, o in rows.items() if o.status != WorkflowStatus.APPROVED}
    approved |= set(
        Objective.objects.filter(pk__in=outside, status=WorkflowStatus.APPROVED).values_list(
            "pk", flat=True
        )
    )
    histories: dict[int, list[tuple]] = {}
    for pk, day, progress, plan in (
        ObjectiveHistory.objects.filter(objective_id__in=outside & approved)
        .order_by("objective_id", "day")
        .values_list("objective_id", "day", "progress", "plan")
    ):
        histories.setdefault(pk, []).append((day, progress, plan))
    made = []
    for pk in _children_first(rows, children, parents):
        o = rows[pk]
        # Each term's value from each day it changes on: (weight, progress, plan, since).
        events: dict[date, list[tuple[str, int, tuple]]] = {}
        kr_terms: dict[int, tuple] = {}
        for kr in krs.get(pk, []):
            kr_terms[kr.pk] = (kr.weight, None, as_json(NO_DATA_PLAN), None)
            facts, cycle = facts_of(kr), kr.objective.cycle
            for day, reading in readings.get(kr.pk, {}).items():
                progress, plan = _figures_of(facts, reading, cycle, policy)
                events.setdefault(day, []).append(("kr", kr.pk, (kr.weight, progress, plan, day)))
        child_terms: dict[int, tuple] = {}
        for child, weight in children.get(pk, ()):
            if child not in approved:
                continue
            child_terms[child] = (weight, None, as_json(NO_DATA_PLAN), None)
            for day, progress, plan in histories.get(child, []):
                events.setdefault(day, []).append(("child", child, (weight, progress, plan, day)))
        out, last = [], (None, as_json(NO_DATA_PLAN))
        for day in sorted(events):
            for kind, key, term in events[day]:
                (kr_terms if kind == "kr" else child_terms)[key] = term
            progress, plan, _ = objective_values(
                o.progress_from, list(kr_terms.values()), list(child_terms.values()),
                policy.no_data_terms,
            )  # fmt: skip
            if progress != last[0] or not _same(plan, last[1]):
                out.append((day, progress, plan))
                last = (progress, plan)
        histories[pk] = out
        made += [
            ObjectiveHistory(organization=organization, objective_id=pk, day=d, progress=p, plan=pl)
            for d, p, pl in out
        ]
    ObjectiveHistory.objects.filter(objective_id__in=above).delete()
    ObjectiveHistory.objects.bulk_create(made, batch_size=2000)


@transaction.atomic  # all or nothing: a rebuild cut short leaves the figures as they were
def rebuild(organization: Organization) -> int:
    """Recompute every stored figure of the organisation; returns how many rows changed."""
    before = _stored(organization)
    refresh_key_results(
        organization,
        KeyResult.objects.filter(organization=organization).values_list("pk", flat=True),
    )
    # Objectives without KRs were not reached from them; the refresh walks up from all.
    refresh_objectives(
        Objective.objects.filter(organization=organization).values_list("pk", flat=True)
    )
    contributions.refresh(
        Objective.objects.filter(organization=organization).values_list("pk", flat=True)
    )
    after = _stored(organization)
    return sum(1 for k, v in after.items() if before.get(k) != v)


def _stored(organization: Organization) -> dict[tuple, tuple]:
    out = {}
    for pk, *values in KeyResult.objects.filter(organization=organization).values_list(
        "key", *KR_FIELDS
    ):
        out[("key result", pk)] = _plain(values)
    for pk, *values in Objective.objects.filter(organization=organization).values_list(
        "key", *OBJECTIVE_FIELDS
    ):
        out[("objective", pk)] = _plain(values)
    for key, share in Objective.objects.filter(organization=organization).values_list(
        "key", contributions.FIELD
    ):
        out[("contribution of objective", key)] = share
    history: dict[str, list] = {}
    for key, day, progress, plan in (
        ObjectiveHistory.objects.filter(organization=organization)
        .order_by("objective_id", "day")
        .values_list("objective__key", "day", "progress", "plan")
    ):
        history.setdefault(key, []).append((day.isoformat(), progress, _plain([plan])[0]))
    for key, rows in history.items():
        out[("history of objective", key)] = tuple(rows)
    return out


def _plain(values: list) -> tuple:
    return tuple(tuple(map(tuple, v)) if isinstance(v, list) else v for v in values)


def mismatches(organization: Organization) -> list[str]:
    """Where the stored figures differ from a recomputation: every row against one rebuilt
    from scratch (rolled back: nothing is written), then today's progress and status of every
    KR and objective against the rules applied to the whole organisation (``Snapshot``)."""

    from pilote.okr.plan import status_on
    from pilote.orgs.access import Actor

    from .queries import Snapshot

    stored_now = _stored(organization)
    with transaction.atomic():
        rebuild_from_scratch(organization)
        truth = _stored(organization)
        transaction.set_rollback(True)
    out = [
        f"{what} {key}: stored {stored_now.get((what, key))}, recomputed {truth.get((what, key))}"
        for (what, key) in sorted(set(truth) | set(stored_now))
        if stored_now.get((what, key)) != truth.get((what, key))
    ]
    today = date.today()
    snap = Snapshot(Actor.system(organization))
    for kr in snap.krs_by_pk.values():
        if kr.last_effective is None or kr.last_effective <= today:
            if kr.stored_progress != snap.kr(kr).progress:
                out.append(f"key result {kr.key}: stored progress {kr.stored_progress}, "
                           f"by the rules {snap.kr(kr).progress}")  # fmt: skip
    for o in snap.objectives.values():
        if o.stored_from is not None and o.stored_from > today:
            continue  # a reading dated after today: read from the check-ins (goals/stored.py)
        f = snap.objective(o)
        have = (o.stored_progress, status_on(o.stored_plan or [], today) if o.stored_plan else None)
        if have != (f.progress, f.status):
            out.append(f"objective {o.key}: stored {have}, by the rules {(f.progress, f.status)}")
    # The cockpit read from the stored figures, against the one built from the recomputation.
    from .cockpit import build_cockpit, build_stored_cockpit

    kept, built = build_stored_cockpit(snap.actor), build_cockpit(snap.actor, snap)
    if _cockpit_figures(kept) != _cockpit_figures(built):
        out.append(
            f"cockpit: stored {_cockpit_figures(kept)}, by the rules {_cockpit_figures(built)}"
        )
    # Past days, read from the history rows and the check-ins, against the rules applied to
    # the organisation as of each: the first day with a history row, the day before it, the
    # last one and one between.
    days = sorted(
        set(
            ObjectiveHistory.objects.filter(organization=organization).values_list("day", flat=True)
        )
    )
    if days:
        sample = {days[0], days[0] - timedelta(days=1), days[len(days) // 2], days[-1]}
        for day in sorted(sample):
            out += _differences_on(organization, day)
    return out


def _differences_on(organization: Organization, day: date) -> list[str]:
    from pilote.orgs.access import Actor

    from .queries import Snapshot
    from .stored import Stored

    actor = Actor.system(organization)
    snap, kept = Snapshot(actor, day), Stored(actor, day)
    out = []
    kept.prefetch(list(kept._rows(Q(organization=organization))))
    for o in snap.objectives.values():
        a, b = kept.objective(o), snap.objective(o)
        if (a.progress, a.status) != (b.progress, b.status):
            out.append(f"objective {o.key} as of {day}: from the history {(a.progress, a.status)}, "
                       f"by the rules {(b.progress, b.status)}")  # fmt: skip
    for kr in snap.krs_by_pk.values():
        mine = next(k for k in kept.key_results_of(kr.objective) if k.pk == kr.pk)
        a, b = kept.kr(mine), snap.kr(kr)
        if (a.progress, a.status) != (b.progress, b.status):
            out.append(f"key result {kr.key} as of {day}: stored {(a.progress, a.status)}, "
                       f"by the rules {(b.progress, b.status)}")  # fmt: skip
    return out


def rebuild_from_scratch(organization: Organization) -> None:
    """Forget every stored figure, then recompute them all (nothing is taken from before)."""
    KeyResult.objects.filter(organization=organization).update(
        stored_progress=None, stored_plan=None
    )
    Objective.objects.filter(organization=organization).update(
        stored_progress=None, stored_plan=None, stored_from=None, stored_contribution=None
    )
    ObjectiveHistory.objects.filter(organization=organization).delete()
    rebuild(organization)


def _cockpit_figures(c) -> tuple:
    """The cockpit's counts and lists, as its page shows them."""
    return (
        c.counts,
        c.attention_total,
        [f.kr.key for f in c.attention],
        c.overdue_total,
        [f.kr.key for f in c.overdue],
        [(f.objective.key, f.progress, f.status.value) for f in c.strategic],
        c.waiting_total,
    )
