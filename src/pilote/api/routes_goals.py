"""Routes: vision, cycles, objectives, key results, check-ins, workflow, tree, explanations."""

from __future__ import annotations

from operator import attrgetter
from typing import Annotated

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from pilote.goals import actions, carrying, coaching, forecasting, keyresults, queries
from pilote.goals.closing import close_cycle
from pilote.goals.lean import Lean
from pilote.goals.models import Cycle, KeyResult, Objective, Vision
from pilote.goals.retrospective import retrospective
from pilote.goals.tree import build_tree, stored_or_snapshot
from pilote.goals.whatif import what_if as simulate
from pilote.orgs.access import scoped

from .routes_org import Paging, QueryInt, _limit
from .schemas import (
    BulkCheckIns,
    CarriedOut,
    CarryIn,
    CheckInCreate,
    CheckInOut,
    CheckInResult,
    CloseIn,
    CoachFindingOut,
    CommentIn,
    CorrectIn,
    CycleCreate,
    CycleOut,
    CycleUpdate,
    Date,
    DecisionIn,
    GradeIn,
    KeyResultCreate,
    KeyResultOut,
    KeyResultUpdate,
    ObjectiveCreate,
    ObjectiveOut,
    ObjectiveUpdate,
    Page,
    ReachOut,
    RetrospectiveOut,
    TreeOut,
    VisionIn,
    VisionOut,
    WhatIfIn,
    WhatIfOut,
    WithdrawIn,
)
from .serialize import (
    actor,
    check_in_out,
    cycle_out,
    expected_version,
    kr_out,
    objective_out,
    page,
    retrospective_out,
    set_etag,
    vision_out,
)
from .tree import tree_out

router = Router()


class AsOf(Schema):
    as_of: Date | None = None


# --- vision
@router.get(
    "/vision", response={200: VisionOut, 204: None}, tags=["vision"], summary="The current vision"
)
def get_vision(request: HttpRequest):
    v = queries.current_vision(actor(request))
    return Status(200, vision_out(v)) if v else Status(204, None)


@router.put(
    "/vision",
    response=VisionOut,
    tags=["vision"],
    summary="Set the vision: a new version (executive)",
)
def put_vision(request: HttpRequest, payload: VisionIn):
    return vision_out(actions.set_vision(actor(request), payload.statement, payload.description))


@router.get(
    "/vision/history",
    response=list[VisionOut],
    tags=["vision"],
    summary="Every version of the vision",
)
def vision_history(request: HttpRequest):
    qs = scoped(actor(request), Vision.objects.select_related("created_by")).order_by("-number")
    return [vision_out(v) for v in qs]


# --- cycles
@router.get("/cycles", response=list[CycleOut], tags=["cycles"], summary="List cycles")
def list_cycles(request: HttpRequest):
    return [cycle_out(c) for c in scoped(actor(request), Cycle.objects.select_related("parent"))]


@router.post("/cycles", response={201: CycleOut}, tags=["cycles"], summary="Create a cycle (admin)")
def create_cycle(request: HttpRequest, payload: CycleCreate, response: HttpResponse):
    c = actions.create_cycle(
        actor(request), payload.key, payload.start, payload.end, payload.name, payload.parent
    )
    set_etag(response, c)
    return Status(201, cycle_out(c))


@router.get("/cycles/{key}", response=CycleOut, tags=["cycles"], summary="Read a cycle")
def get_cycle(request: HttpRequest, key: str, response: HttpResponse):
    c = queries.get_cycle(actor(request), key)
    set_etag(response, c)
    return cycle_out(c)


@router.patch(
    "/cycles/{key}", response=CycleOut, tags=["cycles"], summary="Update a cycle (admin; If-Match)"
)
def update_cycle(request: HttpRequest, key: str, payload: CycleUpdate, response: HttpResponse):
    a = actor(request)
    c = queries.get_cycle(a, key)
    c = actions.update_cycle(
        a, c, payload.model_dump(exclude_unset=True), expected_version(request, c)
    )
    set_etag(response, c)
    return cycle_out(c)


@router.delete(
    "/cycles/{key}", response={204: None}, tags=["cycles"], summary="Delete an empty cycle (admin)"
)
def delete_cycle(request: HttpRequest, key: str):
    a = actor(request)
    actions.delete_cycle(a, queries.get_cycle(a, key))
    return Status(204, None)


@router.post(
    "/cycles/{key}/close",
    response=CycleOut,
    tags=["cycles"],
    summary="Close a cycle and grade its OKRs (executive)",
)
def close(request: HttpRequest, key: str, payload: CloseIn):
    a = actor(request)
    return cycle_out(close_cycle(a, queries.get_cycle(a, key), payload.retrospective))


class RetroFilter(Schema):
    unit: str | None = Field(None, description="one unit's objectives and initiatives only")


@router.get(
    "/cycles/{key}/retrospective",
    response=RetrospectiveOut,
    tags=["cycles"],
    summary="The cycle's retrospective: hit rate per unit, grades, learnings, impact ledger",
)
def cycle_retrospective(request: HttpRequest, key: str, filters: Query[RetroFilter]):
    """Grades are the kept ones once the cycle is closed; before, `provisional` ones (the
    progress it would be graded on if it closed now)."""
    a = actor(request)
    return retrospective_out(retrospective(a, queries.get_cycle(a, key), unit=filters.unit))


class TreeFilter(AsOf):
    unit: str | None = None
    level: str | None = None
    status: str | None = None
    owner: str | None = None
    root: Annotated[str | None, Field(description="the subtree under this objective's key")] = None
    depth: Annotated[
        QueryInt | None,
        Field(ge=0, le=100, description="levels given in full below the top (0: the top only); "
              "deeper objectives are summaries (`loaded` false): ask for them with `root`"),
    ] = None  # fmt: skip
    page_size: Annotated[
        QueryInt | None,
        Field(ge=1, le=1000, description="at most this many children per objective (`hidden` "
              "says how many more): ask for the next with `root` and `offset` = `next_offset`"),
    ] = None  # fmt: skip
    offset: Annotated[QueryInt, Field(ge=0)] = 0


@router.get(
    "/cycles/{key}/tree",
    response=TreeOut,
    tags=["objectives"],
    summary="The strategy tree of a cycle with computed progress, expected and status",
)
def tree(request: HttpRequest, key: str, filters: Query[TreeFilter]):
    """Read from the stored figures of the rows it shows (no snapshot of the organisation in
    the process: what it costs is the tree asked for), written straight to JSON: validating
    ~18,000 nodes through the response schema cost half of the request at 10,000 people
    (tests/api keeps this JSON equal to TreeOut's). ``root``, ``depth`` and ``page_size``
    bound the answer, for a client reading a very large organisation a part at a time."""
    a = actor(request)
    cycle = queries.get_cycle(a, key)
    return _tree(a, cycle, filters)


def _tree(a, cycle, filters: TreeFilter) -> HttpResponse:
    reader = Lean(a, filters.as_of)  # rows as values: the JSON reads nothing more
    t = build_tree(
        a,
        cycle,
        unit=filters.unit,
        level=filters.level,
        status=filters.status,
        owner=filters.owner,
        snap=reader,
        root=filters.root,
        depth=filters.depth,
        page=filters.page_size,
        offset=filters.offset,
    )
    return HttpResponse(orjson.dumps(tree_out(reader, t)), content_type="application/json")


@router.post(
    "/cycles/{key}/what-if",
    response=WhatIfOut,
    tags=["objectives"],
    summary="Figures if some KRs had these values (nothing recorded)",
)
def what_if(request: HttpRequest, key: str, payload: WhatIfIn):
    """The KRs given, and every objective above them, before and after: what real check-ins of
    those values dated ``as_of`` (default today) would make them. Nothing is recorded."""
    a = actor(request)
    return simulate(a, queries.get_cycle(a, key), payload.key_results, payload.as_of)


# --- objectives
class ObjectiveFilter(Paging, AsOf):
    cycle: str | None = None
    unit: str | None = None
    level: str | None = None
    workflow_status: str | None = None
    owner: str | None = None


@router.get(
    "/objectives", response=Page, tags=["objectives"], summary="List objectives with their figures"
)
def list_objectives(request: HttpRequest, filters: Query[ObjectiveFilter]):
    """Filtered and paged by the database; figures read for the page's rows only."""
    a = actor(request)
    rows = scoped(a, Objective.objects.all())
    if filters.cycle is not None:
        rows = rows.filter(cycle__key=filters.cycle)
    if filters.unit is not None:
        rows = rows.filter(unit__key=filters.unit)
    if filters.level is not None:
        rows = rows.filter(level=filters.level)
    if filters.workflow_status is not None:
        rows = rows.filter(status=filters.workflow_status)
    if filters.owner is not None:
        rows = rows.filter(owner__email=filters.owner.lower())
    limit, offset = _limit(filters)
    shown = list(
        rows.select_related("cycle", "unit", "owner").order_by("pk")[offset : offset + limit]
    )
    reader = stored_or_snapshot(a, filters.as_of)
    reader.prefetch(shown)
    return {"count": rows.count(), "items": [objective_out(reader, o) for o in shown]}


@router.post(
    "/objectives",
    response={201: ObjectiveOut},
    tags=["objectives"],
    summary="Create an objective, optionally with its key results",
)
def create_objective(request: HttpRequest, payload: ObjectiveCreate, response: HttpResponse):
    a = actor(request)
    o = keyresults.create_objective_with_key_results(
        a,
        payload.model_dump(exclude={"key_results"}),
        [kr.model_dump(exclude_unset=True) for kr in payload.key_results],
    )
    set_etag(response, o)
    return Status(201, objective_out(stored_or_snapshot(a), o))


@router.get(
    "/objectives/{key}",
    response=ObjectiveOut,
    tags=["objectives"],
    summary="Read an objective with its figures",
)
def get_objective(request: HttpRequest, key: str, response: HttpResponse, q: Query[AsOf]):
    a = actor(request)
    o = queries.get_objective(a, key)
    set_etag(response, o)
    return objective_out(stored_or_snapshot(a, q.as_of), o)


@router.get(
    "/cycles/{key}/reach",
    response=ReachOut,
    tags=["cycles"],
    summary="How far the strategy reaches: who opened it this cycle, in aggregate",
)
def strategy_reach(request: HttpRequest, key: str):
    """The share of the organisation's people, and of each unit's, who opened the one-page
    strategy or the strategy tree of this cycle (executives and admins). Aggregates only:
    nobody is named, and a unit of fewer than 5 people is merged into its parent's figure
    (`merged` lists them)."""
    from pilote.goals import reach
    from pilote.orgs.access import require_reach_reader

    a = actor(request)
    cycle = queries.get_cycle(a, key)  # another organisation's: 404 before any 403
    require_reach_reader(a)
    org, units = reach.reach(a, cycle, fresh=True)

    def out(s):
        return {"unit": s.key, "name": s.name, "people": s.people, "opened": s.opened,
                "share": s.share, "merged": list(s.merged)}  # fmt: skip

    return {"cycle": cycle.key, "organization": out(org), "units": [out(s) for s in units]}


@router.get(
    "/objectives/{key}/coach",
    response=list[CoachFindingOut],
    tags=["objectives"],
    summary="What the quality coach says of an objective",
)
def coach_objective(request: HttpRequest, key: str):
    """Each finding of the quality coach (docs/coach.md) on the objective and its key
    results, with the organisation's thresholds: its rule, `blocking` when the organisation
    made that rule stop a submission (else `warning`), and the message, why and how to fix
    it in the reader's language."""
    a = actor(request)
    return coaching.in_words(coaching.of_objective(a, queries.get_objective(a, key)))


@router.patch(
    "/objectives/{key}",
    response=ObjectiveOut,
    tags=["objectives"],
    summary="Update an objective (If-Match)",
)
def update_objective(
    request: HttpRequest, key: str, payload: ObjectiveUpdate, response: HttpResponse
):
    a = actor(request)
    o = queries.get_objective(a, key)
    changes = payload.model_dump(exclude_unset=True)
    o = actions.update_objective(a, o, changes, expected_version(request, o))
    set_etag(response, o)
    return objective_out(stored_or_snapshot(a), o)


@router.delete(
    "/objectives/{key}", response={204: None}, tags=["objectives"], summary="Delete an objective"
)
def delete_objective(request: HttpRequest, key: str):
    a = actor(request)
    actions.delete_objective(a, queries.get_objective(a, key))
    return Status(204, None)


def _workflow(request: HttpRequest, key: str, fn, *args) -> dict:
    a = actor(request)
    o = fn(a, queries.get_objective(a, key), *args)
    return objective_out(stored_or_snapshot(a), o)


@router.post(
    "/objectives/{key}/submit",
    response=ObjectiveOut,
    tags=["workflow"],
    summary="Submit for validation",
)
def submit(request: HttpRequest, key: str):
    return _workflow(request, key, actions.submit_objective)


@router.post(
    "/objectives/{key}/approve",
    response=ObjectiveOut,
    tags=["workflow"],
    summary="Approve (executives; not your own)",
)
def approve(request: HttpRequest, key: str, payload: CommentIn):
    return _workflow(request, key, actions.approve_objective, payload.comment)


@router.post(
    "/objectives/{key}/request-changes",
    response=ObjectiveOut,
    tags=["workflow"],
    summary="Send back with a required comment (executives; not your own)",
)
def request_changes(request: HttpRequest, key: str, payload: CommentIn):
    return _workflow(request, key, actions.request_changes, payload.comment)


@router.post(
    "/objectives/{key}/back-to-draft",
    response=ObjectiveOut,
    tags=["workflow"],
    summary="Back to draft",
)
def back_to_draft(request: HttpRequest, key: str):
    return _workflow(request, key, actions.back_to_draft)


@router.post(
    "/objectives/{key}/grade",
    response=ObjectiveOut,
    tags=["objectives"],
    summary="Override the grade, with a reason",
)
def grade_objective(request: HttpRequest, key: str, payload: GradeIn):
    """An executive's grade is the override; an owner's or a lead's is `grade_proposal`
    until an executive confirms or dismisses it."""
    return _workflow(request, key, keyresults.override_grade, payload.grade, payload.reason)


@router.post(
    "/objectives/{key}/grade/confirm",
    response=ObjectiveOut,
    tags=["objectives"],
    summary="Confirm the proposed grade (executive)",
)
def confirm_objective_grade(request: HttpRequest, key: str):
    return _workflow(request, key, keyresults.confirm_grade)


@router.post(
    "/objectives/{key}/grade/dismiss",
    response=ObjectiveOut,
    tags=["objectives"],
    summary="Dismiss the proposed grade (executive)",
)
def dismiss_objective_grade(request: HttpRequest, key: str):
    return _workflow(request, key, keyresults.dismiss_grade)


@router.post(
    "/objectives/{key}/decision",
    response=ObjectiveOut,
    tags=["cycles"],
    summary="Decide its future at the end of its cycle (keep, change, defer, drop), with its "
    "retrospective",
)
def decide(request: HttpRequest, key: str, payload: DecisionIn):
    """Keep or change: it continues next cycle (``POST /cycles/{key}/carry-over``); defer or
    drop: it leaves the roll-up above it (workflow status ``deferred`` / ``dropped``), and a
    later keep or change gives it back the status it had. Its owner decides keep or change;
    the leads of its unit and executives decide anything."""
    return _workflow(request, key, carrying.decide, payload.model_dump())


@router.post(
    "/cycles/{key}/carry-over",
    response={201: list[CarriedOut]},
    tags=["cycles"],
    summary="Carry the objectives decided keep or change into a later cycle, with lineage",
)
def carry_over(request: HttpRequest, key: str, payload: CarryIn):
    """All or nothing. Each carried objective keeps its title, level, unit, owner and way of
    counting; each KR starts from its last measured value (the new baseline) towards its
    target (or the one given in ``targets``); each alignment points to the parent's carried
    objective, or to the parent itself when it lives on in the later cycle, else is left
    out (``unaligned``). A carried tactical objective is a draft its owner submits."""
    a = actor(request)
    made = carrying.carry_over(
        a,
        queries.get_cycle(a, key),
        queries.get_cycle(a, payload.to),
        payload.objectives,
        payload.targets,
    )
    return Status(
        201,
        [
            {
                "came_from": c.came_from,
                "objective": o.key,
                "key_results": {k.came_from: k.key for k in c.key_results},
                "unaligned": list(c.unaligned),
            }
            for o, c in made
        ],
    )


@router.get(
    "/objectives/{key}/explain", tags=["explanations"], summary="Why this progress and status"
)
def explain_objective(request: HttpRequest, key: str, q: Query[AsOf]):
    a = actor(request)
    return stored_or_snapshot(a, q.as_of).explain_objective(queries.get_objective(a, key))


# --- key results
class KRFilter(Paging, AsOf):
    objective: str | None = None
    owner: str | None = None
    status: str | None = None


@router.get(
    "/key-results",
    response=Page,
    tags=["key results"],
    summary="List key results with their figures",
)
def list_key_results(request: HttpRequest, filters: Query[KRFilter]):
    """Filtered and paged by the database, in the order of their objectives then their
    position; a status filter (a figure of the day) reads the figures of every KR that the
    other filters keep, a chunk at a time, and counts the matches."""
    a = actor(request)
    rows = scoped(a, KeyResult.objects.all())
    if filters.objective:
        rows = rows.filter(objective__key=filters.objective)
    if filters.owner:
        rows = rows.filter(owner__email=filters.owner.lower())
    rows = rows.select_related("objective__cycle", "owner").order_by(
        "objective_id", "position", "id"
    )
    limit, offset = _limit(filters)
    reader = stored_or_snapshot(a, filters.as_of)
    if not filters.status:
        shown = reader.with_readings(list(rows[offset : offset + limit]))
        forecasting.prefetch(reader, shown)
        return {"count": rows.count(), "items": [kr_out(reader, kr) for kr in shown]}
    count, items, chunk = 0, [], 2000
    for start in range(0, rows.count(), chunk):
        for kr in reader.with_readings(list(rows[start : start + chunk])):
            if reader.kr(kr).status.value != filters.status:
                continue
            if offset <= count < offset + limit:
                items.append(kr)
            count += 1
    forecasting.prefetch(reader, items)
    return {"count": count, "items": [kr_out(reader, kr) for kr in items]}


@router.post(
    "/objectives/{key}/key-results",
    response={201: KeyResultOut},
    tags=["key results"],
    summary="Add a key result",
)
def create_key_result(
    request: HttpRequest, key: str, payload: KeyResultCreate, response: HttpResponse
):
    a = actor(request)
    kr = keyresults.create_key_result(
        a, queries.get_objective(a, key), payload.model_dump(exclude_unset=True)
    )
    set_etag(response, kr)
    kr = queries.get_key_result(a, kr.key)
    return Status(201, kr_out(queries.KeyResultFiguresOnly(a, [kr]), kr))


@router.get(
    "/key-results/{key}",
    response=KeyResultOut,
    tags=["key results"],
    summary="Read a key result with its figures",
)
def get_key_result(request: HttpRequest, key: str, response: HttpResponse, q: Query[AsOf]):
    a = actor(request)
    kr = queries.get_key_result(a, key)
    set_etag(response, kr)
    return kr_out(queries.KeyResultFiguresOnly(a, [kr], q.as_of), kr)


@router.patch(
    "/key-results/{key}",
    response=KeyResultOut,
    tags=["key results"],
    summary="Update a key result (If-Match); changing an approved KR's target or baseline sends it back to validation",
)
def update_key_result(
    request: HttpRequest, key: str, payload: KeyResultUpdate, response: HttpResponse
):
    a = actor(request)
    kr = queries.get_key_result(a, key)
    kr = keyresults.update_key_result(
        a, kr, payload.model_dump(exclude_unset=True), expected_version(request, kr)
    )
    set_etag(response, kr)
    kr = queries.get_key_result(a, key)
    return kr_out(queries.KeyResultFiguresOnly(a, [kr]), kr)


@router.delete(
    "/key-results/{key}", response={204: None}, tags=["key results"], summary="Delete a key result"
)
def delete_key_result(request: HttpRequest, key: str):
    a = actor(request)
    keyresults.delete_key_result(a, queries.get_key_result(a, key))
    return Status(204, None)


@router.post(
    "/key-results/{key}/grade",
    response=KeyResultOut,
    tags=["key results"],
    summary="Override the grade, with a reason",
)
def grade_key_result(request: HttpRequest, key: str, payload: GradeIn):
    """As for objectives: an executive's grade is the override, others' a proposal."""
    return _kr_grading(request, key, keyresults.override_grade, payload.grade, payload.reason)


@router.post(
    "/key-results/{key}/grade/confirm",
    response=KeyResultOut,
    tags=["key results"],
    summary="Confirm the proposed grade (executive)",
)
def confirm_key_result_grade(request: HttpRequest, key: str):
    return _kr_grading(request, key, keyresults.confirm_grade)


@router.post(
    "/key-results/{key}/grade/dismiss",
    response=KeyResultOut,
    tags=["key results"],
    summary="Dismiss the proposed grade (executive)",
)
def dismiss_key_result_grade(request: HttpRequest, key: str):
    return _kr_grading(request, key, keyresults.dismiss_grade)


def _kr_grading(request: HttpRequest, key: str, fn, *args) -> dict:
    a = actor(request)
    fn(a, queries.get_key_result(a, key), *args)
    kr = queries.get_key_result(a, key)
    return kr_out(queries.KeyResultFiguresOnly(a, [kr]), kr)


@router.get(
    "/key-results/{key}/explain",
    tags=["explanations"],
    summary="Why this current value, progress, expected and status",
)
def explain_key_result(request: HttpRequest, key: str, q: Query[AsOf]):
    a = actor(request)
    return stored_or_snapshot(a, q.as_of).explain_kr(queries.get_key_result(a, key))


# --- check-ins
class HistoryPaging(Paging):
    withdrawn: bool = False


@router.get(
    "/key-results/{key}/check-ins",
    response=Page,
    tags=["check-ins"],
    summary="Check-in history (oldest first)",
)
def check_in_history(request: HttpRequest, key: str, paging: Query[HistoryPaging]):
    """``withdrawn=true``: the withdrawn check-ins too (each says by whom, when and why)."""
    a = actor(request)
    kr = queries.get_key_result(a, key)
    rows = queries.check_in_history(a, kr, withdrawn=paging.withdrawn)
    return page([check_in_out(c) for c in rows], *_limit(paging))


@router.post(
    "/check-ins/{check_in_id}/withdraw",
    response=CheckInOut,
    tags=["check-ins"],
    summary="Withdraw a wrong check-in: it stays in the history, counts in no figure",
)
def withdraw_check_in(request: HttpRequest, check_in_id: int, payload: WithdrawIn):
    a = actor(request)
    ci = keyresults.withdraw_check_in(a, queries.get_check_in(a, check_in_id), payload.reason)
    return check_in_out(ci)


@router.post(
    "/check-ins/{check_in_id}/correct",
    response={201: CheckInResult},
    tags=["check-ins"],
    summary="Correct a check-in: a new one of the same day replaces it (the old one withdrawn)",
)
def correct_check_in(request: HttpRequest, check_in_id: int, payload: CorrectIn):
    a = actor(request)
    old = queries.get_check_in(a, check_in_id)
    new = keyresults.correct_check_in(
        a, old, payload.value, payload.confidence, payload.comment, payload.reason
    )
    return Status(201, _check_in_result(a, new, new.key_result))


def _check_in_result(a, ci, kr) -> dict:
    """A check-in just recorded, with its KR's figures after it."""
    return {
        "check_in": check_in_out(ci),
        "key_result": kr_out(queries.KeyResultFiguresOnly(a, [kr]), kr),
    }


@router.post(
    "/key-results/{key}/check-ins",
    response={201: CheckInResult},
    tags=["check-ins"],
    summary="Record a check-in (Idempotency-Key: a replay answers the same, creates nothing)",
)
def post_check_in(
    request: HttpRequest,
    key: str,
    payload: CheckInCreate,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    a = actor(request)
    kr = queries.get_key_result(a, key)
    ci, created = keyresults.record_check_in(
        a,
        kr,
        payload.value,
        payload.confidence,
        payload.comment,
        payload.date,
        idempotency_key=idempotency_key,
        next_step=payload.next_step,
    )
    if not created:
        response["Idempotent-Replayed"] = "true"
    return Status(201, _check_in_result(a, ci, kr))


# What a bulk item gives record_check_ins besides its KR (tests/api: every field of the item).
BULK_FIELDS = ("value", "confidence", "comment", "next_step", "date")


@router.post(
    "/check-ins/bulk",
    response={201: list[CheckInOut]},
    tags=["check-ins"],
    summary="Record many check-ins at once: all or nothing (Idempotency-Key: a replay answers the same)",
)
def bulk_check_ins(
    request: HttpRequest,
    payload: BulkCheckIns,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    from pilote.errors import Invalid, unknown

    a = actor(request)
    keys = {i.key_result for i in payload.check_ins}
    krs = keyresults.by_keys(a, keys)
    missing = [
        (f"check_ins[{n}].key_result", unknown("key result", i.key_result))
        for n, i in enumerate(payload.check_ins)
        if i.key_result not in krs
    ]
    if missing:
        raise Invalid("unknown key results: nothing was recorded", missing)
    # The fields as they are (model_dump's copy of each of 10,000 items was a tenth of the
    # request).
    fields = attrgetter(*BULK_FIELDS)
    items = [
        {**dict(zip(BULK_FIELDS, fields(i), strict=True)), "key_result": krs[i.key_result]}
        for i in payload.check_ins
    ]
    recorded, created = keyresults.record_check_ins(a, items, idempotency_key=idempotency_key)
    # Written straight to JSON by orjson (tests/api keep it equal to CheckInOut's):
    # validating the response items cost a quarter of a 1,000-check-in request.
    response = HttpResponse(
        orjson.dumps([check_in_out(c) for c in recorded], option=orjson.OPT_UTC_Z),
        status=201, content_type="application/json",
    )  # fmt: skip
    if not created:
        response["Idempotent-Replayed"] = "true"
    return response
