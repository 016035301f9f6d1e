"""A cycle's retrospective: how each unit did (hit rate, grades), what its people learnt,
and what the cycle's delivered initiatives moved (the impact ledger of pilote/okr/impact.py).

Grades are the kept ones once the cycle is closed (an override counts where there is one:
``effective_grade``); before, the progress the objectives would be graded on if it closed
now — at its end, or today while it runs — marked ``provisional``. Only the objectives in
the roll-up (approved) count towards a hit rate; deferred and dropped ones are counted
apart, drafts and submissions not at all. The rules are in pilote/okr/grading.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from pilote.okr.grading import Hits, effective_grade, grade_color, hits
from pilote.okr.impact import Ledger, Review, ledger
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.access import Actor, scoped

from .models import Cycle, KeyResult, Objective
from .stored import Stored

PREFETCH = 500  # objectives whose figures are read at once (before the cycle is closed)


@dataclass
class Graded:
    objective: Objective
    grade: float | None  # the one that counts (override included)
    computed: float | None
    color: str | None

    @property
    def counted(self) -> bool:
        return self.objective.status == WorkflowStatus.APPROVED.value

    @property
    def learnt_something(self) -> bool:
        o = self.objective
        return bool(o.what_worked or o.what_did_not or o.learnt)


@dataclass
class UnitLine:
    key: str
    name: str
    hits: Hits
    deferred: int = 0
    dropped: int = 0


@dataclass
class Delivered:
    key: str
    title: str
    delivered_on: date
    unit: str | None
    reviews: list[Review]
    kr_titles: dict[str, str] = field(default_factory=dict)

    @property
    def lines(self) -> list[tuple[Review, str]]:
        """Each review with its KR's title (the key where the title is not readable)."""
        return [(v, self.kr_titles.get(v.key_result, v.key_result)) for v in self.reviews]


@dataclass
class Retrospective:
    cycle: Cycle
    as_of: date
    provisional: bool
    total: Hits
    units: list[UnitLine]
    graded: list[Graded]
    delivered: list[Delivered] = field(default_factory=list)
    ledger: Ledger | None = None

    @property
    def learnings(self) -> list[Graded]:
        return [g for g in self.graded if g.learnt_something]


def retrospective(actor: Actor, cycle: Cycle, unit: str | None = None) -> Retrospective:
    """Read for the actor's organisation (scoped), optionally one unit's objectives only."""
    policy = actor.organization.policy
    rows = scoped(actor, Objective.objects.filter(cycle=cycle)).select_related(
        "unit", "owner", "cycle"
    )
    if unit is not None:
        rows = rows.filter(unit__key=unit)
    objectives = list(rows.order_by("unit__name", "level", "title", "id"))
    as_of = min(date.today(), cycle.end)
    provisional = cycle.closed_at is None
    computed: dict[int, float | None] = {}
    if provisional:
        # From each row's stored figures (or its history row of the day, read for all at
        # once); only an objective whose figures are not stored yet reads its terms.
        reader = Stored(actor, as_of)
        for o in objectives:
            reader.objectives.setdefault(o.pk, o)
        unstored = [o for o in objectives if o.stored_plan is None]
        for i in range(0, len(unstored), PREFETCH):
            reader.prefetch(unstored[i : i + PREFETCH])
        for o in objectives:
            computed[o.pk] = reader.objective(o).progress
    else:
        computed = {o.pk: o.grade for o in objectives}

    graded = []
    for o in objectives:
        grade = effective_grade(computed[o.pk], None if provisional else o.grade_override)
        graded.append(Graded(o, grade, computed[o.pk], grade_color(grade, policy)))

    per_unit: dict[int, list[Graded]] = defaultdict(list)
    for g in graded:
        per_unit[g.objective.unit_id].append(g)
    units = []
    for items in per_unit.values():
        u = items[0].objective.unit
        status = [g.objective.status for g in items]
        units.append(
            UnitLine(
                u.key,
                u.name,
                hits([g.grade for g in items if g.counted], policy),
                deferred=status.count(WorkflowStatus.DEFERRED.value),
                dropped=status.count(WorkflowStatus.DROPPED.value),
            )
        )
    units.sort(key=lambda line: line.name.casefold())
    total = hits([g.grade for g in graded if g.counted], policy)
    result = Retrospective(cycle, as_of, provisional, total, units, graded)
    result.delivered, result.ledger = _delivered(actor, cycle, unit)
    named = {v.key_result for d in result.delivered for v in d.reviews}
    titles = dict(
        scoped(actor, KeyResult.objects.filter(key__in=named)).values_list("key", "title")
    )
    for d in result.delivered:
        d.kr_titles = titles
    return result


def _delivered(actor: Actor, cycle: Cycle, unit: str | None) -> tuple[list[Delivered], Ledger]:
    """The initiatives delivered during the cycle (of the unit, when one is asked for), what
    each was declared to move and what it measurably moved, reviewed as of today (the review
    window of one delivered late in the cycle ends after it)."""
    from pilote.orgs.models import Unit
    from pilote.roadmap.models import Initiative
    from pilote.roadmap.ranking import delivered as delivered_between

    if unit is None:
        rows = delivered_between(actor, cycle.start, cycle.end)
    else:
        unit_id = scoped(actor, Unit.objects.filter(key=unit)).values_list("pk", flat=True).first()
        rows = delivered_between(actor, cycle.start, cycle.end, unit_id)
    titles = dict(
        scoped(actor, Initiative.objects.filter(pk__in=[b.pk for b, _ in rows])).values_list(
            "pk", "title"
        )
    )
    delivered = [
        Delivered(b.key, titles[b.pk], b.delivered_on, b.unit_name, reviews) for b, reviews in rows
    ]
    return delivered, ledger([v.ratio for v in d.reviews if v.ratio is not None] for d in delivered)
