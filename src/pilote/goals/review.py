"""What a review meeting goes through (issue 14): the objectives of a unit (and the units
below it), of a person, or of the whole strategy, one at a time — its figures and KRs, its
trajectory, what changed since the last review, its open risks and the decisions waiting.

Only objectives in the roll-up (approved) are reviewed: strategic first, then by unit and
title. ``keys`` is one values query (a meeting pages through thousands without reading
them); ``slide`` reads one objective's rows, ``slides`` a batch (the PDF). "Since the last
review" is a day the meeting chooses (default: the check-in rhythm ago, a week).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from pilote.okr.checkin import LOW_CONFIDENCE  # under it, a check-in is a risk said aloud
from pilote.okr.types import Status
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.access import Actor, scoped
from pilote.orgs.models import AuditEntry, Unit, User

from .models import CheckIn, Cycle, KeyResult, Objective, ObjectiveHistory
from .stored import Stored

RISKY = (Status.AT_RISK, Status.OFF_TRACK, Status.OUTDATED)
PDF_LIMIT = 100  # objectives in one PDF: a business review's deck, not the organisation's


@dataclass(frozen=True)
class Scope:
    cycle: Cycle
    unit: Unit | None = None
    person: User | None = None


@dataclass
class KRLine:
    kr: KeyResult
    figures: object
    last: CheckIn | None
    risky: bool
    low_confidence: bool


@dataclass
class Slide:
    objective: Objective
    figures: object
    expected: float
    krs: list[KRLine]
    history: list[tuple[date, float]]
    since: date
    changes: list[CheckIn] = field(default_factory=list)  # check-ins since the last review
    edits: list[AuditEntry] = field(default_factory=list)  # other changes since then
    comments: list = field(default_factory=list)  # the conversation since then
    svg: str = ""  # its trajectory, drawn by the page (pilote/web/sparkline.py)

    @property
    def risks(self) -> list[KRLine]:
        return [line for line in self.krs if line.risky or line.low_confidence]

    @property
    def waiting(self) -> list[str]:
        """Decisions waiting, as codes the page words (a grade proposal, KR changes to
        approve again, no end-of-cycle decision once the cycle is over)."""
        o = self.objective
        codes = []
        if o.grade_proposal is not None:
            codes.append("grade_proposal")
        if o.pending_changes:
            codes.append("pending_changes")
        if not o.decision and o.cycle.end <= date.today():
            codes.append("no_decision")
        return codes


def objectives_in(actor: Actor, scope: Scope) -> QuerySet[Objective]:
    rows = scoped(actor, Objective.objects.filter(cycle=scope.cycle)).filter(
        status=WorkflowStatus.APPROVED.value
    )
    if scope.unit is not None:
        from pilote.orgs.queries import units_below

        rows = rows.filter(unit_id__in=units_below(actor, scope.unit))
    if scope.person is not None:
        owned_krs = KeyResult.objects.filter(owner=scope.person).values("objective_id")
        rows = rows.filter(Q(owner=scope.person) | Q(pk__in=owned_krs))
    return rows.order_by("level", "unit__name", "title", "id")  # strategic first (s < t)


def keys(actor: Actor, scope: Scope) -> list[str]:
    return list(objectives_in(actor, scope).values_list("key", flat=True))


def default_since(actor: Actor, today: date | None = None) -> date:
    return (today or date.today()) - timedelta(days=actor.organization.policy.rhythm_days)


def slides(actor: Actor, objectives: list[Objective], since: date) -> list[Slide]:
    """The slides of these objectives, their rows read a batch at a time."""
    reader = Stored(actor)
    reader.prefetch(objectives)
    krs_of = {o.pk: list(reader.key_results_of(o)) for o in objectives}
    kr_ids = [kr.pk for krs in krs_of.values() for kr in krs]
    last = {
        ci.pk: ci
        for ci in CheckIn.objects.filter(
            pk__in=[kr.last_check_in_id for krs in krs_of.values() for kr in krs]
        ).select_related("author")
    }
    changed: dict[int, list[CheckIn]] = {}
    for ci in (
        scoped(actor, CheckIn.objects.filter(key_result_id__in=kr_ids))
        .filter(effective__gte=since)
        .select_related("author", "key_result")
        .order_by("-effective", "-id")
    ):
        changed.setdefault(ci.key_result.objective_id, []).append(ci)
    history: dict[int, list[tuple[date, float]]] = {}
    for objective_id, day, progress in (
        ObjectiveHistory.objects.filter(objective__in=objectives, day__lte=reader.as_of)
        .order_by("day")
        .values_list("objective_id", "day", "progress")
    ):
        if progress is not None:
            history.setdefault(objective_id, []).append((day, progress))
    edits: dict[str, list[AuditEntry]] = {}
    for entry in scoped(
        actor,
        AuditEntry.objects.filter(
            object_type="objective",
            object_key__in=[o.key for o in objectives],
            at__date__gte=since,
        ),
    ).order_by("-at")[: 20 * len(objectives)]:
        edits.setdefault(entry.object_key, []).append(entry)

    from pilote.conversations.models import Comment

    talk: dict[int, list] = {}
    for c in (
        scoped(actor, Comment.objects.filter(
            Q(objective__in=objectives) | Q(key_result__objective__in=objectives),
            deleted_at__isnull=True, created_at__date__gte=since,
        ))
        .select_related("author", "key_result")
        .order_by("-created_at", "-id")
    ):  # fmt: skip
        talk.setdefault(c.objective_id or c.key_result.objective_id, []).append(c)

    result = []
    for o in objectives:
        lines = []
        for kr in krs_of[o.pk]:
            f = reader.kr(kr)
            ci = last.get(kr.last_check_in_id)
            low = ci is not None and ci.confidence is not None and ci.confidence < LOW_CONFIDENCE
            lines.append(KRLine(kr, f, ci, f.status in RISKY, low))
        figures = reader.objective(o)
        result.append(
            Slide(
                o,
                figures,
                figures.expected,
                lines,
                history.get(o.pk, []),
                since,
                changed.get(o.pk, [])[:10],
                edits.get(o.key, [])[:5],
                talk.get(o.pk, [])[:5],
            )
        )
    return result


def slide(actor: Actor, key: str, since: date) -> Slide:
    from .queries import get_objective

    o = get_objective(actor, key)
    return slides(actor, [o], since)[0]
