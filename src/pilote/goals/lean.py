"""The stored figures read as values: ``Stored``'s reads, rows without model instances.

The whole-tree API at 10,000 people reads ~4,000 objectives and ~14,000 KRs; building them
as model instances (with their cycle, unit and owner each) was half of a 3.7 s answer, and
decoding their JSON columns through Django another tenth. ``Lean`` reads the same rows as
``Stored`` with ``values_list`` into slotted rows carrying only what the tree and its JSON
read (``goals/tree.py``, ``api/tree.py``), the JSON columns decoded by orjson, and each
cycle, unit and person once, shared. The figures are ``Stored``'s own (the same code reads
them), so the answer is the same — ``tests/goals/test_lean.py`` compares them.

For readers that write JSON (the API); pages use ``Stored`` (templates ask model instances
for more than these rows hold).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import Q

from pilote.db import fast_values
from pilote.orgs.access import scoped

from .models import Cycle, KeyResult, Objective
from .stored import Stored

OBJECTIVE_COLUMNS = ("id", "key", "title", "level", "status", "progress_from",
                     "organization_id", "cycle_id", "unit_id", "owner_id", "stored_progress",
                     "stored_plan", "stored_from", "grade", "grade_override", "version")  # fmt: skip
KR_COLUMNS = ("id", "objective_id", "key", "title", "kind", "unit_label", "baseline", "target",
              "minimum", "maximum", "milestones", "phases", "weight", "owner_id", "due",
              "position", "version", "grade", "grade_override", "grade_proposal",
              "grade_proposal_reason", "last_value", "last_effective", "last_confidence",
              "last_check_in_id", "stored_progress", "stored_plan")  # fmt: skip
_JSON = {"stored_plan", "milestones", "phases"}
_DATES = {"due", "last_effective", "stored_from"}


class _Lean:
    __slots__ = ("pk",)

    def __init__(self, columns: tuple[str, ...], values: tuple):
        for name, value in zip(columns, values, strict=True):
            setattr(self, name, value)
        self.pk = values[0]  # the first column is the id


class ObjectiveRow(_Lean):
    """An objective as the tree reads it (``cycle``, ``unit``, ``owner`` shared rows)."""

    __slots__ = (*OBJECTIVE_COLUMNS, "cycle", "unit", "owner")


class KeyResultRow(_Lean):
    __slots__ = (*KR_COLUMNS, "objective", "owner")

    @property
    def due_date(self):
        return self.due or self.objective.cycle.end


class UnitRow(_Lean):
    __slots__ = ("id", "key", "name")


class PersonRow(_Lean):
    __slots__ = ("id", "email", "name")


def _values(rows, columns: tuple[str, ...]) -> Iterator[list]:
    return fast_values(rows, columns, json=_JSON, dates=_DATES)


class Lean(Stored):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cycles: dict[int, Cycle] = {}
        self._units: dict[int, UnitRow] = {}
        self._people: dict[int | None, PersonRow | None] = {None: None}

    def _shared(self, objectives: Iterable[ObjectiveRow], krs: Iterable[KeyResultRow]) -> None:
        """Read once the cycles, units and people these rows point to, and point them there."""
        from pilote.orgs.models import Unit, User

        objectives, krs = list(objectives), list(krs)
        cycles = {o.cycle_id for o in objectives} - set(self._cycles)
        if cycles:
            self._cycles.update(
                (c.pk, c) for c in scoped(self.actor, Cycle.objects.filter(pk__in=cycles))
            )
        units = {o.unit_id for o in objectives} - set(self._units)
        for values in Unit.objects.filter(pk__in=units).values_list("id", "key", "name"):
            self._units[values[0]] = UnitRow(UnitRow.__slots__, values)
        people = {o.owner_id for o in objectives} | {kr.owner_id for kr in krs}
        people -= set(self._people)
        for values in User.objects.filter(pk__in=people).values_list("id", "email", "name"):
            self._people[values[0]] = PersonRow(PersonRow.__slots__, values)
        for o in objectives:
            o.cycle, o.unit = self._cycles[o.cycle_id], self._units[o.unit_id]
            o.owner = self._people.get(o.owner_id)
        for kr in krs:
            kr.owner = self._people.get(kr.owner_id)

    def _rows(self, q: Q) -> list[ObjectiveRow]:
        query = scoped(self.actor, Objective.objects.filter(q)).order_by("id")
        read = [ObjectiveRow(OBJECTIVE_COLUMNS, v) for v in _values(query, OBJECTIVE_COLUMNS)]
        fresh = [o for o in read if o.id not in self.objectives]
        self._shared(fresh, [])
        for o in fresh:
            self.objectives[o.id] = o
        return [self.objectives[o.id] for o in read]

    def _key_results_of(self, objective_ids: list[int]) -> list[KeyResultRow]:
        query = KeyResult.objects.filter(objective_id__in=objective_ids).order_by("position", "id")
        krs = [KeyResultRow(KR_COLUMNS, v) for v in _values(query, KR_COLUMNS)]
        self._shared([], krs)
        for kr in krs:
            kr.objective = self.objectives[kr.objective_id]
        return krs
