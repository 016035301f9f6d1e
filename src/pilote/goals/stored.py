"""Reads of the rows a page shows, with the figures stored on them (goals/figures.py).

``Stored`` answers what a ``Snapshot`` answers (the figures of a KR or an objective, its KRs,
children and parents, the strategy tree's reads) without loading the organisation: the rows
asked for are read when first asked (``prefetch`` reads a level of the tree at once), and
each objective's progress and status come from its own row — the status is its stored plan
read on the day (``pilote.okr.plan``), the expected progress follows from its cycle. Every
process reads the same rows: nothing is kept between requests, nothing to warm.

A day before the readings beneath an objective (an "as of" read, or a check-in dated in the
future) reads the objective's history row of that day and each KR's check-in of that day,
still only for the rows shown.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from pilote.okr.pace import expected_progress
from pilote.okr.plan import NO_DATA_PLAN, status_on
from pilote.okr.types import Status
from pilote.orgs.access import Actor, scoped

from .keyresults import facts_of
from .latest import stored
from .models import Alignment, KeyResult, Objective, ObjectiveHistory
from .queries import Figures, KRFigures, ObjectiveFigures, kr_figures, latest_readings


class Stored(Figures):
    def __init__(self, actor: Actor, as_of: date | None = None):
        self.actor = actor
        self.organization_id = actor.organization.pk
        self.as_of = as_of or date.today()
        self.policy = actor.organization.policy
        self.objectives: dict[int, Objective] = {}  # the rows read so far
        self._full: set[int] = set()  # those whose KRs and links are read too
        self._child_cycles: dict[int, int] = {}  # a child's cycle, known from its link
        # Summaries (prefetch_summaries): pk -> (has KRs, [(child pk, child's cycle)]).
        self._summary: dict[int, tuple[bool, list[tuple[int, int]]]] = {}
        self.krs_by_objective: dict[int, list[KeyResult]] = {}
        self.children: dict[int, list[tuple[int, float]]] = {}
        self.parents: dict[int, list[tuple[int, float]]] = {}
        self._kr: dict[int, KRFigures] = {}
        self._readings: dict[int, object] = {}  # KRs' readings of the day read, where older
        self._history: dict[int, tuple | None] = {}  # objectives' history rows of that day
        self._obj: dict[int, ObjectiveFigures] = {}
        self._pace: dict[int, float] = {}  # each cycle's expected progress on the day read
        # What readers of a Snapshot keep beside it; here they live for one request.
        self.memo: dict = {}
        self.indexes: dict = {}
        self.render_memo: dict = {}

    # --- reading rows
    def _rows(self, q: Q) -> list[Objective]:
        rows = list(
            scoped(self.actor, Objective.objects.filter(q))
            .select_related("cycle", "unit", "owner")
            .order_by("id")
        )
        for o in rows:
            self.objectives.setdefault(o.pk, o)
        return [self.objectives[o.pk] for o in rows]

    def _ensure(self, pks) -> None:
        missing = [pk for pk in pks if pk not in self.objectives]
        if missing:
            self._rows(Q(pk__in=missing))

    def prefetch(self, objectives: list[Objective]) -> None:
        """Read the KRs and links of these objectives, and the rows at the other end of each
        link, in a fixed number of queries."""
        for o in objectives:
            self.objectives.setdefault(o.pk, o)
        todo = [o.pk for o in objectives if o.pk not in self._full]
        if not todo:
            return
        for pk in todo:
            self.krs_by_objective[pk] = []
            self.children[pk] = []
            self.parents[pk] = []
        for kr in self._key_results_of(todo):
            self.krs_by_objective[kr.objective_id].append(kr)
        parents = set()
        wanted = set(todo)
        for child, parent, weight, child_cycle in self._links(todo):
            if parent in wanted:
                self.children[parent].append((child, weight))
                self._child_cycles[child] = child_cycle
            if child in wanted:
                self.parents[child].append((parent, weight))
                parents.add(parent)
        self._full.update(todo)
        self._ensure(parents)  # children are read when shown (rows_of)

    def _key_results_of(self, objective_ids: list[int]) -> list[KeyResult]:
        """The KRs of these objectives (read already), in their order."""
        krs = list(
            KeyResult.objects.filter(objective_id__in=objective_ids)
            .select_related("owner")
            .order_by("position", "id")
        )
        for kr in krs:
            kr.objective = self.objectives[kr.objective_id]
        return krs

    def _links(self, objective_ids: list[int]):
        """(child, parent, weight, child's cycle) of every link to or from these objectives."""
        return (
            Alignment.objects.filter(Q(child_id__in=objective_ids) | Q(parent_id__in=objective_ids))
            .order_by("id")
            .values_list("child_id", "parent_id", "weight", "child__cycle_id")
        )

    def key_results_in_trouble(
        self, exclude: QuerySet | None = None, start: int = 0, stop: int | None = None
    ) -> tuple[int, list[tuple[KeyResult, KRFigures]]]:
        """Counted and ordered by the database from each KR's stored plan (goals/planned.py,
        ``exclude`` a subquery of KR ids); a KR whose latest check-in is dated after the day
        read, or whose plan is not stored yet, by the rules. Figures are computed for the KRs
        of the positions asked only."""

        from .models import Cycle
        from .planned import PlannedKRs

        cycles = scoped(self.actor, Cycle.objects.all()).values_list("pk", flat=True)
        planned = PlannedKRs(self.actor, cycles, self.as_of, exclude)
        off, risk = Status.OFF_TRACK.value, Status.AT_RISK.value
        total = sum(n for value, _, n in planned.groups(self.as_of) if value in (off, risk))
        # (not off track, pk): enough of the stored ones for the positions asked.
        ordered = [
            (r == 1, pk)
            for pk, r, *_ in planned.first_by_status({off: 0, risk: 1}, None, stop, False)
        ]
        krs = {kr.pk: kr for kr in self._key_results(planned.later())}
        for kr in krs.values():
            f = self.kr(kr)
            if f.status in (Status.AT_RISK, Status.OFF_TRACK):
                ordered.append((f.status != Status.OFF_TRACK, kr.pk))
                total += 1
        ordered.sort()
        shown = [pk for _, pk in ordered[start:stop]]
        krs.update({kr.pk: kr for kr in self._key_results([pk for pk in shown if pk not in krs])})
        return total, [(krs[pk], self.kr(krs[pk])) for pk in shown]

    def _key_results(self, pks: list[int]) -> list[KeyResult]:
        """These KRs with their objective rows and their readings of the day read."""
        if not pks:
            return []
        return self.with_readings(
            list(
                scoped(self.actor, KeyResult.objects.filter(pk__in=pks)).select_related(
                    "objective__cycle", "objective__unit", "owner"
                )
            )
        )

    def with_readings(self, krs: list[KeyResult]) -> list[KeyResult]:
        """Read at once the readings of the day read of those of these KRs whose latest
        check-in is dated after it (one query, not one per KR), and keep their objectives."""
        later = {
            kr.pk
            for kr in krs
            if kr.last_effective and kr.last_effective > self.as_of and kr.pk not in self._readings
        }
        if later:
            found = latest_readings(self.actor, self.as_of, later)
            self._readings.update({pk: found.get(pk) for pk in later})
        for kr in krs:
            kr.objective = self.objectives.setdefault(kr.objective_id, kr.objective)
        return krs

    def prefetch_summaries(self, objectives: list[Objective]) -> None:
        """What a summary shows of these objectives (their parents) and whether it has
        anything to open (KRs, children), without reading their KRs."""
        todo = [o.pk for o in objectives if o.pk not in self._full and o.pk not in self._summary]
        if not todo:
            return
        with_krs = set(
            KeyResult.objects.filter(objective_id__in=todo)
            .values_list("objective_id", flat=True)
            .distinct()
        )
        for pk in todo:
            self._summary[pk] = (pk in with_krs, [])
            self.parents.setdefault(pk, [])
        parents = set()
        for child, parent, weight, child_cycle in self._links(todo):
            if parent in self._summary and parent in todo:
                self._summary[parent][1].append((child, child_cycle))
            if child in self._summary and child in todo:
                self.parents[child].append((parent, weight))
                parents.add(parent)
        self._ensure(parents)

    def has_key_results(self, objective: Objective) -> bool:
        if objective.pk in self._summary and objective.pk not in self._full:
            return self._summary[objective.pk][0]
        return bool(self.key_results_of(objective))

    def child_keys(self, objective: Objective) -> list[tuple[int, int]]:
        if objective.pk in self._summary and objective.pk not in self._full:
            return self._summary[objective.pk][1]
        self.row(objective)
        return [(c, self._child_cycles[c]) for c, _ in self.children.get(objective.pk, [])]

    def row(self, objective: Objective) -> Objective:
        """The objective as this read holds it, its KRs and links read."""
        pk = objective.pk
        if pk not in self._full:
            self.prefetch([self.objectives.get(pk, objective)])
        return self.objectives[pk]

    # --- what Figures reads
    def key_results_of(self, objective: Objective) -> list[KeyResult]:
        return self.krs_by_objective.get(self.row(objective).pk, [])

    def all_children(self, objective: Objective) -> list[tuple[Objective, float]]:
        self.row(objective)
        links = self.children.get(objective.pk, [])
        self._ensure([c for c, _ in links])
        return [(self.objectives[c], w) for c, w in links]

    def rows_of(self, pks: list[int]) -> list[Objective]:
        self._ensure(pks)
        return [self.objectives[pk] for pk in pks]

    def parents_of(self, objective: Objective) -> list[tuple[Objective, float]]:
        if objective.pk not in self._summary:
            self.row(objective)
        return [(self.objectives[p], w) for p, w in self.parents.get(objective.pk, [])]

    def kr(self, kr: KeyResult) -> KRFigures:
        if kr.pk not in self._kr:
            reading = stored(kr)
            plan = kr.stored_plan
            if plan is not None and (reading is None or reading.effective <= self.as_of):
                # Its stored figures hold on the day read: the status is its plan's on that
                # day, the expected progress its cycle's (or its phases') on that day.
                cycle = kr.objective.cycle
                if kr.phases:
                    expected = expected_progress(cycle.start, cycle.end, self.as_of, facts_of(kr))
                else:
                    expected = self._expected(cycle)
                self._kr[kr.pk] = KRFigures(
                    kr, reading, kr.stored_progress, expected, status_on(plan, self.as_of)
                )
                return self._kr[kr.pk]
            if reading is not None and reading.effective > self.as_of:
                # Its latest check-in is dated after the day read: the one current that day
                # (read for every KR read so far that needs it, at once).
                if kr.pk not in self._readings:
                    later = [
                        k.pk
                        for ks in self.krs_by_objective.values()
                        for k in ks
                        if k.last_effective and k.last_effective > self.as_of
                    ]
                    wanted = {kr.pk, *later} - set(self._readings)
                    found = latest_readings(self.actor, self.as_of, wanted)
                    self._readings.update({pk: found.get(pk) for pk in wanted})
                reading = self._readings[kr.pk]
            self._kr[kr.pk] = kr_figures(kr, reading, self.as_of, self.policy)
        return self._kr[kr.pk]

    def _expected(self, cycle) -> float:
        """The cycle's expected progress on the day read (one computation per cycle)."""
        if cycle.pk not in self._pace:
            self._pace[cycle.pk] = expected_progress(cycle.start, cycle.end, self.as_of)
        return self._pace[cycle.pk]

    def _history_of(self, objective: Objective) -> tuple | None:
        """The objective's history row of the day read (its latest on or before it), read for
        every objective read so far that needs one, at once."""
        if objective.pk not in self._history:
            wanted = {objective.pk} | {
                pk
                for pk, o in self.objectives.items()
                if o.stored_from is not None and o.stored_from > self.as_of
            }
            wanted -= set(self._history)
            found = {pk: None for pk in wanted}
            for pk, progress, plan in (
                ObjectiveHistory.objects.filter(objective_id__in=wanted, day__lte=self.as_of)
                .order_by("objective_id", "day")
                .values_list("objective_id", "progress", "plan")
            ):
                found[pk] = (progress, plan)
            self._history.update(found)
        return self._history[objective.pk]

    def objective(
        self, objective: Objective, _path: frozenset[int] = frozenset()
    ) -> ObjectiveFigures:
        o = self.objectives.get(objective.pk, objective)
        if o.pk in self._obj:
            return self._obj[o.pk]
        if o.stored_plan is None:
            return super().objective(o, _path)  # not stored yet: from its terms, by the rules
        progress, plan = o.stored_progress, o.stored_plan
        if o.stored_from is not None and o.stored_from > self.as_of:
            # A reading beneath it is dated after the day read: its figures of that day are
            # a row of its history (none yet that day: no data).
            progress, plan = self._history_of(o) or (None, NO_DATA_PLAN)
        cycle = o.cycle
        f = ObjectiveFigures(
            o,
            progress,
            status_on(plan, self.as_of),
            [],
            self._expected(cycle),
        )
        self._obj[o.pk] = f
        return f

    # --- the strategy tree's reads (goals/tree.py), answered by the database
    def family_roots(self, family: set[int]) -> list[Objective]:
        inside = Alignment.objects.filter(parent__cycle_id__in=family).values("child_id")
        rows = self._rows(Q(cycle_id__in=family) & ~Q(pk__in=inside))
        return sorted(rows, key=lambda o: (o.level != "strategic", o.pk))

    def find(self, key: str) -> Objective | None:
        found = [o for o in self.objectives.values() if o.key == key] or self._rows(Q(key=key))
        return found[0] if found else None

    def matching(self, family: set[int], *, unit, level, status, owner) -> set[int]:
        q = Q(cycle_id__in=family)
        if unit is not None:
            q &= Q(unit__key=unit)
        if level is not None:
            q &= Q(level=level)
        if owner is not None:
            q &= Q(owner__email=owner.lower())
        if status is None:
            return set(scoped(self.actor, Objective.objects.filter(q)).values_list("pk", flat=True))
        rows = scoped(self.actor, Objective.objects.filter(q)).values_list(
            "pk", "stored_plan", "stored_from"
        )
        out, recompute = set(), []
        for pk, plan, valid_from in rows:
            if plan is None or (valid_from is not None and valid_from > self.as_of):
                recompute.append(pk)
            elif status_on(plan, self.as_of).value == status:
                out.add(pk)
        self._ensure(recompute)
        out.update(pk for pk in recompute if self.objective(self.objectives[pk]).status == status)
        return out

    def parent_pks(self, pks: set[int], family: set[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {pk: [] for pk in pks}
        for child, parent in Alignment.objects.filter(
            child_id__in=pks, parent__cycle_id__in=family
        ).values_list("child_id", "parent_id"):
            out[child].append(parent)
        return out
