"""Reads shared by pages, API, CLI and exports; computed figures as of a date.

A ``Snapshot`` loads an organisation's OKRs with a fixed number of queries
(whatever the number of rows) and computes every figure with the pure rules
of ``pilote.okr``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db.models import Q, QuerySet

from pilote.okr.explain import Explanation, Term
from pilote.okr.grading import effective_grade, grade_color
from pilote.okr.pace import expected_progress, explain_expected, explain_kr_status, kr_status
from pilote.okr.progress import explain_kr_progress, kr_progress
from pilote.okr.rollup import (
    RollupTerm,
    explain_objective_progress,
    objective_progress,
    objective_status,
)
from pilote.okr.types import Reading, Status
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.access import Actor, get_scoped, scoped
from pilote.orgs.models import Unit, User

from .keyresults import facts_of
from .latest import CHECK_IN_ORDER, stored
from .latest import FIELDS as LATEST_FIELDS
from .models import Alignment, CheckIn, Cycle, KeyResult, Objective, Vision


def consistent_snapshot(actor: Actor, as_of: date | None = None) -> Snapshot:
    """The whole organisation's rows and figures read afresh, in one consistent view of the
    database (``pilote.db.consistent_read``: a write committed meanwhile is wholly in it or
    not at all). For what must read everything (the YAML/JSON export); nothing
    keeps it once the caller is done: pages and the API read the stored figures of the rows
    they show (``goals.stored``)."""
    from pilote.db import consistent_read

    with consistent_read():
        return Snapshot(actor, as_of)


def objectives(actor: Actor) -> QuerySet[Objective]:
    return scoped(actor, Objective.objects.select_related("cycle", "unit", "owner"))


def parent_candidates(
    actor: Actor, text: str = "", exclude=(), limit: int = 40
) -> tuple[list[Objective], int]:
    """The objectives one may pick to align to, holding every word typed in their title or
    their unit's name, strategic first: (the first ``limit``, how many match). Answered by the
    database: the alignment picker never lists the whole organisation."""
    found = objectives(actor).exclude(key__in=list(exclude))
    for word in (text or "").split()[:8]:
        found = found.filter(Q(title__icontains=word) | Q(unit__name__icontains=word))
    found = found.order_by("level", "title", "pk")  # "strategic" sorts before "tactical"
    return list(found[:limit]), found.count()


def key_results(actor: Actor) -> QuerySet[KeyResult]:
    return scoped(
        actor, KeyResult.objects.select_related("objective__cycle", "objective__unit", "owner")
    )


def get_objective(actor: Actor, key: str) -> Objective:
    return get_scoped(actor, objectives(actor), "objective", key=key)


def get_key_result(actor: Actor, key: str) -> KeyResult:
    return get_scoped(actor, key_results(actor), "key result", key=key)


def get_cycle(actor: Actor, key: str) -> Cycle:
    return get_scoped(actor, Cycle.objects.select_related("parent"), "cycle", key=key)


def current_vision(actor: Actor) -> Vision | None:
    return scoped(actor, Vision.objects.all()).order_by("-number").first()


def check_in_history(actor: Actor, kr: KeyResult, withdrawn: bool = False) -> QuerySet[CheckIn]:
    """A KR's check-ins in the rule's order; ``withdrawn``: those withdrawn too (its
    history as recorded, each withdrawn one saying by whom and why)."""
    rows = (CheckIn.every if withdrawn else CheckIn.objects).filter(key_result=kr)
    return scoped(actor, rows.select_related("author", "withdrawn_by")).order_by("effective", "id")


def get_check_in(actor: Actor, pk: int) -> CheckIn:
    """One check-in of the actor's organisation, withdrawn or not, with its KR."""
    return get_scoped(
        actor,
        CheckIn.every.select_related("key_result__objective__cycle", "author"),
        "check-in",
        pk=pk,
    )


@dataclass
class KRFigures:
    kr: KeyResult
    latest: Reading | None
    progress: float | None
    expected: float
    status: Status

    @property
    def current(self) -> float | None:
        return self.latest.value if self.latest else None


@dataclass
class ObjectiveFigures:
    objective: Objective
    progress: float | None
    status: Status
    terms: list[RollupTerm] = field(default_factory=list)
    expected: float = 0.0


def kr_figures(kr: KeyResult, latest: Reading | None, as_of: date, policy) -> KRFigures:
    """A KR's current value, progress, expected progress and status as of a date (the rules)."""
    facts = facts_of(kr)
    cycle = kr.objective.cycle
    progress = kr_progress(facts, latest.value if latest else None)
    expected = expected_progress(cycle.start, cycle.end, as_of, facts)
    return KRFigures(
        kr, latest, progress, expected, kr_status(facts, latest, progress, expected, as_of, policy)
    )


def current_readings(actor: Actor, as_of: date, krs: list[KeyResult]) -> dict[int, Reading]:
    """The current reading of each of ``krs`` as of a date, from the readings stored on them.

    A KR's stored reading is its latest check-in overall: it is the current one as of any
    date on or after its own. Only the KRs whose latest check-in is dated after ``as_of``
    (a past as-of date, or a check-in dated in the future) are read from their check-ins.
    """
    latest: dict[int, Reading] = {}
    later = []
    for kr in krs:
        reading = stored(kr)
        if reading is None:
            continue
        if reading.effective <= as_of:
            latest[kr.pk] = reading
        else:
            later.append(kr.pk)
    if later:
        latest.update(latest_readings(actor, as_of, later))
    return latest


def latest_readings(actor: Actor, as_of: date, key_results=None) -> dict[int, Reading]:
    """The current check-in of each KR (of the organisation, or of ``key_results``) as of a date.

    Ordered by effective date then recording: the last row per KR is its current value, the
    rule of pilote.okr.progress.current_reading applied in SQL order. This reads check-ins;
    ``current_readings`` reads the stored readings first.
    """
    qs = scoped(actor, CheckIn.objects.filter(effective__lte=as_of))
    if key_results is not None:
        qs = qs.filter(key_result__in=key_results)
    latest: dict[int, Reading] = {}
    for kr_id, value, effective, confidence, pk in qs.order_by(
        "key_result_id", *CHECK_IN_ORDER
    ).values_list("key_result_id", "value", "effective", "confidence", "id"):
        latest[kr_id] = Reading(
            value=value, effective=effective, confidence=confidence, sequence=pk
        )
    return latest


class KeyResultFiguresOnly:
    """The figures of a few KRs without loading the whole organisation (answers about one KR)."""

    def __init__(self, actor: Actor, key_results: list[KeyResult], as_of: date | None = None):
        self.as_of = as_of or date.today()
        self.actor = actor
        self.policy = actor.organization.policy
        self.memo: dict = {}
        self.krs_by_objective = {0: list(key_results)}  # what a forecast reads at once
        self.latest = latest_readings(actor, self.as_of, [kr.pk for kr in key_results])

    def kr(self, kr: KeyResult) -> KRFigures:
        return kr_figures(kr, self.latest.get(kr.pk), self.as_of, self.policy)


class Figures:
    """The rules over an organisation's rows: a KR's figures from its reading, an objective's
    from its terms, and their explanations. ``Snapshot`` holds every row in memory;
    ``goals.stored.Stored`` reads the rows a page shows, with their stored figures."""

    as_of: date
    policy: object
    _obj: dict[int, ObjectiveFigures]

    def kr(self, kr: KeyResult) -> KRFigures:
        raise NotImplementedError

    def key_results_of(self, objective: Objective) -> list[KeyResult]:
        raise NotImplementedError

    def all_children(self, objective: Objective) -> list[tuple[Objective, float]]:
        raise NotImplementedError

    def parents_of(self, objective: Objective) -> list[tuple[Objective, float]]:
        raise NotImplementedError

    def key_results_in_trouble(
        self, exclude: QuerySet | None = None, start: int = 0, stop: int | None = None
    ) -> tuple[int, list[tuple[KeyResult, KRFigures]]]:
        """How many KRs of approved objectives (outside ``exclude``, a values query of KR ids)
        are off track or at risk on the day read, and those of positions ``start:stop`` with
        their figures: off track first, then by id."""
        raise NotImplementedError

    def approved_children(self, objective: Objective) -> list[tuple[Objective, float]]:
        return [
            (c, w) for c, w in self.all_children(objective) if c.status == WorkflowStatus.APPROVED
        ]

    # --- objectives
    def counted(self, objective: Objective, _path: frozenset[int] = frozenset()) -> list[tuple]:
        """What counts towards an objective (its ``progress_from``): each of its KRs and/or
        approved children, as (row, weight, its figures)."""
        counted: list[tuple] = []
        if objective.progress_from in ("key_results", "both"):
            counted += [(kr, kr.weight, self.kr(kr)) for kr in self.key_results_of(objective)]
        if objective.progress_from in ("children", "both"):
            for child, weight in self.approved_children(objective):
                if (
                    child.pk in _path
                ):  # alignment cycles are refused on write; never loop on bad data
                    continue
                counted.append((child, weight, self.objective(child, _path | {objective.pk})))
        return counted

    def terms(self, objective: Objective, _path: frozenset[int] = frozenset()) -> list[RollupTerm]:
        return [
            RollupTerm(
                f"{'key result' if isinstance(row, KeyResult) else 'objective'} {row.key}",
                weight,
                f.progress,
                f.status,
                row.title,
            )
            for row, weight, f in self.counted(objective, _path)
        ]

    def objective(
        self, objective: Objective, _path: frozenset[int] = frozenset()
    ) -> ObjectiveFigures:
        if objective.pk not in self._obj:
            terms = self.terms(objective, _path)
            cycle = objective.cycle
            no_data = self.policy.no_data_terms
            self._obj[objective.pk] = ObjectiveFigures(
                objective,
                objective_progress(terms, no_data),
                objective_status(terms, no_data),
                terms,
                expected_progress(cycle.start, cycle.end, self.as_of),
            )
        return self._obj[objective.pk]

    # --- explanations
    def explain_kr(self, kr: KeyResult) -> dict:
        f = self.kr(kr)
        facts = facts_of(kr)
        cycle = kr.objective.cycle
        current = Explanation(
            "current",
            f.current,
            "the latest check-in by effective date on or before the as-of date (ties: the latest recorded)",
            (Term(f"check-in of {f.latest.effective.isoformat()}", f.latest.value),)
            if f.latest
            else (),
            code="latest" if f.latest else "no_check_in",
            params={"reading": f.current, "day": f.latest.effective} if f.latest else {},
        )
        return {
            "key_result": kr.key,
            "as_of": self.as_of.isoformat(),
            "current": current.as_dict(),
            "progress": explain_kr_progress(facts, f.current).as_dict(),
            "expected": explain_expected(cycle.start, cycle.end, self.as_of, facts).as_dict(),
            "status": explain_kr_status(
                facts, f.latest, f.progress, f.expected, self.as_of, self.policy
            ).as_dict(),
            "grade": self.explain_grade(kr),
        }

    def explain_objective(self, objective: Objective) -> dict:
        f = self.objective(objective)
        terms = f.terms or self.terms(objective)
        status = Explanation(
            "status",
            f.status.value,
            "the worst status of its terms (worst first: off_track, at_risk, outdated, no_data, on_track); none: no_data",
            tuple(Term(t.label, None, t.weight, t.status.value, name=t.name) for t in terms),
            code="worst_of_terms",
        )
        progress = explain_objective_progress(terms, self.policy.no_data_terms).as_dict()
        progress["notes"] = (
            list(progress["notes"])
            + [f"progress_from: {objective.progress_from}"]
            + (["only approved children count"] if objective.progress_from != "key_results" else [])
        )
        progress["note_codes"] = (
            list(progress["note_codes"])
            + [f"progress_from_{objective.progress_from}"]
            + (["approved_children_only"] if objective.progress_from != "key_results" else [])
        )
        return {
            "objective": objective.key,
            "as_of": self.as_of.isoformat(),
            "progress": progress,
            "status": status.as_dict(),
            "grade": self.explain_grade(objective),
        }

    def explain_grade(self, target: Objective | KeyResult) -> dict | None:
        if target.grade is None and target.grade_override is None:
            return None
        value = effective_grade(target.grade, target.grade_override)
        return {
            "computed": target.grade,
            "override": target.grade_override,
            "reason": target.grade_reason,
            "value": value,
            "color": grade_color(value, self.policy),
            "formula": "progress at the cycle's end; a person's override, when given, counts instead (both kept)",
        }


class Snapshot(Figures):
    """Every KR and objective of an organisation with its figures as of ``as_of``."""

    def __init__(self, actor: Actor, as_of: date | None = None):
        self.actor = actor
        self.organization_id = actor.organization.pk
        self.as_of = as_of or date.today()
        self.policy = actor.organization.policy
        # Related rows are loaded once each and shared (not joined per row): at 10,000 people
        # joining cycle, unit and owner into every objective and KR built ~44,000 model
        # instances where ~18,000 are needed.
        cycles = {c.pk: c for c in scoped(actor, Cycle.objects.all())}
        units = {u.pk: u for u in scoped(actor, Unit.objects.all())}
        objective_rows = list(scoped(actor, Objective.objects.all()))
        kr_rows = list(scoped(actor, KeyResult.objects.all()).order_by("position", "id"))
        owner_ids = {o.owner_id for o in objective_rows} | {k.owner_id for k in kr_rows}
        owners = {
            u.pk: u
            for u in User.objects.filter(pk__in=owner_ids - {None}).only("id", "email", "name")
        }
        for o in objective_rows:
            o.cycle = cycles[o.cycle_id]
            o.unit = units.get(o.unit_id)
            o.owner = owners.get(o.owner_id)
        self.objectives: dict[int, Objective] = {o.pk: o for o in objective_rows}
        self.krs_by_objective: dict[int, list[KeyResult]] = {}
        self.krs_by_pk: dict[int, KeyResult] = {kr.id: kr for kr in kr_rows}
        self.kr_ids_by_key: dict[str, int] = {kr.key: kr.id for kr in kr_rows}
        for kr in kr_rows:
            kr.objective = self.objectives[kr.objective_id]
            kr.owner = owners.get(kr.owner_id)
            self.krs_by_objective.setdefault(kr.objective_id, []).append(kr)
        self.children: dict[int, list[tuple[int, float]]] = {}
        self.parents: dict[int, list[tuple[int, float]]] = {}
        for child_id, parent_id, weight in Alignment.objects.filter(
            child__organization=actor.organization
        ).values_list("child_id", "parent_id", "weight"):
            self.children.setdefault(parent_id, []).append((child_id, weight))
            self.parents.setdefault(child_id, []).append((parent_id, weight))
        self.latest = current_readings(
            actor, self.as_of, [kr for krs in self.krs_by_objective.values() for kr in krs]
        )
        self._kr: dict[int, KRFigures] = {}
        self._obj: dict[int, ObjectiveFigures] = {}
        # Results derived from the whole snapshot (indexes, whole answers), kept while it lives.
        self.memo: dict = {}
        # Shared with the snapshots advanced from this one (check-ins change no row):
        # indexes of the rows (goals/tree.py), and renderings kept beside the figures they
        # were written from (api/tree.py checks the figures are the same objects).
        self.indexes: dict = {}
        self.render_memo: dict = {}

    def advanced(self, kr_ids: set[int]) -> Snapshot | None:
        """A copy of this snapshot after new check-ins on ``kr_ids`` (None: rebuild instead).

        Rows are shared; the current readings of those KRs are read again (their stored
        readings), and the figures of those KRs and of every objective above them are dropped,
        to be recomputed by the rules on the next read. A KR this snapshot does not know
        (created since) asks for a rebuild.
        """
        known = self.krs_by_pk
        if any(pk not in known for pk in kr_ids):
            return None
        new = copy.copy(self)
        new.latest = dict(self.latest)  # copied in C; only the changed entries are touched
        fresh = scoped(self.actor, KeyResult.objects.filter(pk__in=kr_ids)).only(
            "pk", *LATEST_FIELDS
        )
        for pk in kr_ids:
            new.latest.pop(pk, None)
        new.latest.update(current_readings(self.actor, self.as_of, list(fresh)))
        new._kr = dict(self._kr)
        for pk in kr_ids:
            new._kr.pop(pk, None)
        new._obj = dict(self._obj)
        for pk in self.objectives_above({known[pk].objective_id for pk in kr_ids}):
            new._obj.pop(pk, None)
        new.memo = {}
        return new

    def objectives_above(self, objective_ids: set[int]) -> set[int]:
        """These objectives and every objective they align to, up to the top."""
        seen, frontier = set(objective_ids), list(objective_ids)
        while frontier:
            nxt = [p for o in frontier for p, _ in self.parents.get(o, ()) if p not in seen]
            seen.update(nxt)
            frontier = nxt
        return seen

    # --- key results
    def kr(self, kr: KeyResult) -> KRFigures:
        if kr.pk not in self._kr:
            self._kr[kr.pk] = kr_figures(kr, self.latest.get(kr.pk), self.as_of, self.policy)
        return self._kr[kr.pk]

    def key_results_of(self, objective: Objective) -> list[KeyResult]:
        return self.krs_by_objective.get(objective.pk, [])

    def all_children(self, objective: Objective) -> list[tuple[Objective, float]]:
        return [(self.objectives[c], w) for c, w in self.children.get(objective.pk, [])]

    def parents_of(self, objective: Objective) -> list[tuple[Objective, float]]:
        return [(self.objectives[p], w) for p, w in self.parents.get(objective.pk, [])]

    # --- the strategy tree's reads (goals/tree.py), over the rows in memory
    def family_roots(self, family: set[int]) -> list[Objective]:
        members = {pk: o for pk, o in self.objectives.items() if o.cycle_id in family}
        return [
            o
            for o in sorted(members.values(), key=lambda o: (o.level != "strategic", o.pk))
            if not any(p in members for p, _ in self.parents.get(o.pk, ()))
        ]

    def find(self, key: str) -> Objective | None:
        return next((o for o in self.objectives.values() if o.key == key), None)

    def matching(self, family: set[int], *, unit, level, status, owner) -> set[int]:
        return {
            o.pk
            for o in self.objectives.values()
            if o.cycle_id in family
            and (unit is None or o.unit.key == unit)
            and (level is None or o.level == level)
            and (owner is None or (o.owner_id is not None and o.owner.email == owner.lower()))
            and (status is None or self.objective(o).status.value == status)
        }

    def parent_pks(self, pks: set[int], family: set[int]) -> dict[int, list[int]]:
        return {
            pk: [p for p, _ in self.parents.get(pk, ()) if self.objectives[p].cycle_id in family]
            for pk in pks
        }

    def prefetch(self, objectives: list[Objective]) -> None:
        """Every row is in memory already."""

    def prefetch_summaries(self, objectives: list[Objective]) -> None:
        """Every row is in memory already."""

    def has_key_results(self, objective: Objective) -> bool:
        return bool(self.krs_by_objective.get(objective.pk))

    def child_keys(self, objective: Objective) -> list[tuple[int, int]]:
        return [(c, self.objectives[c].cycle_id) for c, _ in self.children.get(objective.pk, ())]

    def rows_of(self, pks: list[int]) -> list[Objective]:
        return [self.objectives[pk] for pk in pks]

    def row(self, objective: Objective) -> Objective:
        return self.objectives.get(objective.pk, objective)

    def key_results_in_trouble(
        self, exclude: QuerySet | None = None, start: int = 0, stop: int | None = None
    ) -> tuple[int, list[tuple[KeyResult, KRFigures]]]:
        exclude = frozenset(exclude) if exclude is not None else frozenset()
        found = [
            (kr, self.kr(kr))
            for o in self.objectives.values()
            if o.status == WorkflowStatus.APPROVED
            for kr in self.krs_by_objective.get(o.pk, [])
            if kr.pk not in exclude
        ]
        trouble = sorted(
            ((kr, f) for kr, f in found if f.status in (Status.AT_RISK, Status.OFF_TRACK)),
            key=lambda p: (p[1].status != Status.OFF_TRACK, p[0].pk),
        )
        return len(trouble), trouble[start:stop]

    @cached_property
    def strategic(self) -> list[Objective]:
        return [o for o in self.objectives.values() if o.level == "strategic"]
