"""What-if (issue 16): hypothetical values for some KRs, and every figure above them as real
check-ins of those values, dated the day read, would make them. Nothing is recorded.

``WhatIf`` reads like ``Stored`` (the rows asked for, their stored figures), except that the
KRs given take a reading of the value given on the day read (recorded after any other that
day, as a new check-in would be), and the objectives above them — and only those — are
computed by the rules from their terms instead of read from their rows.
"""

from __future__ import annotations

from datetime import date

from pilote.errors import Invalid
from pilote.guards import has_nul
from pilote.okr.progress import value_errors
from pilote.okr.text import N_
from pilote.okr.types import Reading
from pilote.orgs.access import Actor, scoped

from .figures import ancestors
from .keyresults import _finite, facts_of
from .models import Cycle, KeyResult
from .queries import Figures, KRFigures, ObjectiveFigures, kr_figures
from .stored import Stored

LATER_THAN_ANY = 2**62  # the sequence of the hypothetical reading: after every real one
MAX_KEYS = 500


class WhatIf(Stored):
    def __init__(self, actor: Actor, values: dict[int, float], as_of: date | None = None):
        super().__init__(actor, as_of)
        self.values = values
        objectives = set(
            KeyResult.objects.filter(pk__in=values).values_list("objective_id", flat=True)
        )
        self.above, _ = ancestors(objectives)

    def kr(self, kr: KeyResult) -> KRFigures:
        if kr.pk in self.values and kr.pk not in self._kr:
            reading = Reading(float(self.values[kr.pk]), self.as_of, None, LATER_THAN_ANY)
            self._kr[kr.pk] = kr_figures(kr, reading, self.as_of, self.policy)
        return super().kr(kr)

    def objective(self, objective, _path: frozenset[int] = frozenset()) -> ObjectiveFigures:
        if objective.pk in self.above and objective.pk not in self._obj:
            (row,) = self.rows_of([objective.pk])
            return Figures.objective(self, row, _path)
        return super().objective(objective, _path)


def what_if(actor: Actor, cycle: Cycle, values_by_key: dict, as_of: date | None = None) -> dict:
    """Every figure the hypothetical values move: the KRs given, then each objective above
    them, before and after. Refuses, naming each, a key unknown or outside the cycle and a
    value the KR cannot take."""
    if not values_by_key:
        raise Invalid("nothing to simulate", [("key_results", N_("give at least one key result"))])
    if len(values_by_key) > MAX_KEYS:
        raise Invalid("too many", [("key_results", N_("at most 500 key results at once"))])
    # A key holding a NUL cannot be a KR's (PostgreSQL refuses it in a query): unknown.
    asked = [k for k in values_by_key if not has_nul(k)]
    krs = {
        kr.key: kr
        for kr in scoped(actor, KeyResult.objects.filter(key__in=asked)).select_related(
            "objective__cycle"
        )
    }
    errors: list[tuple[str, str]] = []
    values: dict[int, float] = {}
    for key, value in values_by_key.items():
        where = f"key_results.{key}"
        kr = krs.get(key)
        if kr is None:
            errors.append((where, N_("no such key result")))
            continue
        if kr.objective.cycle_id != cycle.pk:
            errors.append((where, N_("this key result belongs to another cycle")))
            continue
        if not _finite(value):  # a check-in's own rule (keyresults.check_in_errors)
            errors.append((where, N_("must be a number")))
            continue
        problems = value_errors(facts_of(kr), float(value))
        if problems:
            errors += [(where, p) for p in problems]
            continue
        values[kr.pk] = float(value)
    if errors:
        raise Invalid("invalid what-if: nothing was simulated", errors)
    now, then = Stored(actor, as_of), WhatIf(actor, values, as_of)
    shown_krs = []
    for key in values_by_key:
        kr = krs[key]
        a, b = now.kr(now.with_readings([kr])[0]), then.kr(then.with_readings([kr])[0])
        shown_krs.append(
            {
                "key": kr.key,
                "title": kr.title,
                "objective": kr.objective.key,
                "before": _kr_figures(a),
                "after": _kr_figures(b),
            }
        )
    rows = sorted(then.rows_of(sorted(then.above)), key=lambda o: (o.level != "tactical", o.key))
    objectives = [
        {
            "key": o.key,
            "title": o.title,
            "level": o.level,
            "before": _figures(now.objective(o)),
            "after": _figures(then.objective(o)),
        }
        for o in rows
    ]
    return {
        "cycle": cycle.key,
        "as_of": then.as_of,
        "key_results": shown_krs,
        "objectives": objectives,
    }


def _kr_figures(f: KRFigures) -> dict:
    return {"current": f.current, "progress": f.progress, "status": f.status.value}


def _figures(f: ObjectiveFigures) -> dict:
    return {"progress": f.progress, "status": f.status.value}
