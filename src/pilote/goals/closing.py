"""Closing a cycle: grade every KR and objective at the cycle's end (PRODUCT.md "Grading")."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pilote.errors import Conflict
from pilote.messages import say
from pilote.orgs import audit
from pilote.orgs.access import Actor, require_executive
from pilote.orgs.audit import AuditType

from .models import Cycle, KeyResult, Objective
from .queries import Snapshot


@transaction.atomic
def close_cycle(actor: Actor, cycle: Cycle, retrospective: str = "") -> Cycle:
    """Grade = progress at the cycle's end (None when there is no data: never a silent 0)."""
    require_executive(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.closed_at is not None:
        raise Conflict(say("cycle_closed", key=cycle.key))
    snap = Snapshot(actor, cycle.end)
    grades = {}
    for objective in snap.objectives.values():
        if objective.cycle_id != cycle.pk:
            continue
        figures = snap.objective(objective)
        Objective.objects.filter(pk=objective.pk).update(
            grade=figures.progress, retrospective=retrospective
        )
        grades[objective.key] = figures.progress
        for kr in snap.key_results_of(objective):
            KeyResult.objects.filter(pk=kr.pk).update(grade=snap.kr(kr).progress)
    cycle.closed_at = timezone.now()
    cycle.retrospective = retrospective
    cycle.save(update_fields=["closed_at", "retrospective"])
    audit.record(
        actor, "close", AuditType.CYCLE, cycle.key, after={"grades": grades}, comment=retrospective
    )
    return cycle
