"""Reading pages: cockpit, strategy tree, the strategy on one page, objective page."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilote.errors import Invalid
from pilote.goals import coaching, queries, reach
from pilote.goals.cockpit import build_stored_cockpit, current_cycles
from pilote.goals.forecasting import kr_forecast, objective_odds
from pilote.goals.models import Cycle
from pilote.goals.stored import Stored
from pilote.goals.tree import build_tree
from pilote.okr.forecast import Forecast
from pilote.okr.pace import expected_progress
from pilote.orgs import queries as org_queries
from pilote.orgs.access import can_read_reach, can_withdraw_check_in, scoped
from pilote.orgs.actions import pending_invitations
from pilote.sources.models import DataSource

from .comments import conversation
from .common import _t, describe, member_required


@member_required
def cockpit(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    data = build_stored_cockpit(actor)
    reached = None
    if can_read_reach(actor):
        cycle = _cycle(request, data.snapshot)
        if cycle is not None:
            whole, units = reach.reach(actor, cycle)
            reached = {"cycle": cycle, "whole": whole, "lowest": units[:5],
                       "units": len(units)}  # fmt: skip
    return render(
        request,
        "pilote/cockpit.html",
        {
            "cockpit": data,
            "reach": reached,
            "invitations": pending_invitations(request.user),
            "vision": queries.current_vision(actor),
            "as_of": data.snapshot.as_of,
            "live": True,
        },
    )


def _cycle(request: HttpRequest, snap) -> Cycle | None:
    actor = request.actor
    key = request.GET.get("cycle")
    if key:
        return queries.get_cycle(actor, key)
    current = current_cycles(actor, snap)
    # The widest current cycle: a semester shows its quarters too.
    return (
        max(current, key=lambda c: (c.end - c.start).days, default=None)
        or scoped(actor, Cycle.objects.all()).last()
    )


# The children an objective of the strategy tree shows at once; "show more" fetches the next.
CHILDREN_PAGE = 25


@member_required
def strategy(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    snap = Stored(actor)
    cycle = _cycle(request, snap)
    reach.note_opening(actor, cycle)
    filters, unit = _tree_filters(request)
    # The top level, each objective below it a summary that loads when it is opened
    # (strategy_node): at 10,000 people the whole tree was 9 MB of HTML.
    tree, wrong = None, []
    try:
        if cycle:
            tree = build_tree(actor, cycle, snap=snap, depth=0, page=CHILDREN_PAGE, **filters)
    except Invalid as exc:  # a unit or a person typed that does not exist: said on the form
        said = {
            "unit": _("No unit is named “%(typed)s”."),
            "owner": _("No member has the address “%(typed)s”."),
        }
        wrong = [
            said.get(path, _("This filter is not valid.")) % {"typed": filters.get(path) or ""}
            for path, _message in exc.errors
        ]
    status = 422 if wrong else 200
    return render(
        request,
        "pilote/strategy.html",
        {
            "tree": tree,
            "filter_errors": wrong,
            "cycle": cycle,
            "filters": filters,
            "tree_query": _tree_query(cycle, filters),
            "live": True,
            "cycles": scoped(actor, Cycle.objects.all()).order_by("start"),
            "unit_choice": unit,
            "owner_choice": org_queries.person_named(actor, filters["owner"]),
        },
        status=status,
    )


@member_required
def people_options(request: HttpRequest) -> HttpResponse:
    """The people whose name or address holds what was typed, as options of a datalist."""
    found = org_queries.search_people(request.actor, _typed(request))
    return render(request, "pilote/_people_options.html", {"people": found})


def _typed(request: HttpRequest) -> str:
    """What was typed in a picker: the value of its own field, whatever its name."""
    return next((v for v in request.GET.values() if v), "")


def _tree_filters(request: HttpRequest):
    """The tree's filters from the query string, and the unit named (its key, or its name as
    typed in the unit search; the filter then holds its key)."""
    filters = {k: request.GET.get(k) or None for k in ("unit", "level", "status", "owner")}
    unit = org_queries.unit_named(request.actor, filters["unit"])
    if unit is not None:
        filters["unit"] = unit.key
    return filters, unit


@member_required
def unit_options(request: HttpRequest) -> HttpResponse:
    """The units whose name or key holds what was typed, as options of a datalist."""
    found = org_queries.search_units(request.actor, _typed(request))
    return render(request, "pilote/_unit_options.html", {"units": found})


def _tree_query(cycle, filters: dict) -> str:
    from urllib.parse import urlencode

    pairs = {"cycle": cycle.key} if cycle else {}
    pairs.update({k: v for k, v in filters.items() if v})
    return urlencode(pairs)


@member_required
def strategy_node(request: HttpRequest, key: str) -> HttpResponse:
    """What an objective of the strategy tree holds (its KRs and the objectives below it,
    each of those a summary again), fetched when a reader opens it."""
    actor = request.actor
    snap = Stored(actor)
    cycle = _cycle(request, snap)
    if cycle is None:
        raise Http404
    filters, _unit = _tree_filters(request)
    offset = request.GET.get("offset", "")
    start = int(offset) if offset.isdigit() and len(offset) < 7 else 0
    tree = build_tree(
        actor, cycle, snap=snap, root=key, depth=0, page=CHILDREN_PAGE, offset=start, **filters
    )
    return render(
        request,
        # "show more": the next children only; opening a node: its KRs and first children
        "pilote/_node_children.html" if offset else "pilote/_node_body.html",
        {"n": tree.roots[0], "tree_query": _tree_query(cycle, filters)},
    )


# The one-page strategy names at most this many objectives below each strategic one (the
# others are counted): at 10,000 people it listed ~4,000 and its PDF took 2.4 s and 300 MB.
ONE_PAGE_CHILDREN = 12


def one_page_tree(actor, cycle, snap):
    """The strategic objectives in full, the first objectives below each as summaries."""
    return build_tree(actor, cycle, snap=snap, depth=0, page=ONE_PAGE_CHILDREN) if cycle else None


@member_required
def one_page(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    snap = Stored(actor)
    cycle = _cycle(request, snap)
    reach.note_opening(actor, cycle)
    tree = one_page_tree(actor, cycle, snap)
    return render(
        request,
        "pilote/one_page.html",
        {"tree": tree, "cycle": cycle, "vision": queries.current_vision(actor)},
    )


def _chart(actor, snap, kr, earlier: tuple[list[dict], str] | None = None) -> dict:
    """Values over time against the expected trajectory and the target, for Chart.js."""
    cycle = kr.objective.cycle
    facts_points = []
    # Its history as recorded: the withdrawn check-ins are listed (struck out), not drawn.
    history = list(queries.check_in_history(actor, kr, withdrawn=True))
    # The sources' names, read once for the history (not one query per check-in)
    keys = {ci.source.removeprefix("source:") for ci in history if ci.source.startswith("source:")}
    names = dict(
        scoped(actor, DataSource.objects.filter(key__in=keys)).values_list("key", "name")
    ) if keys else {}  # fmt: skip
    for ci in history:
        ci.key_result = kr  # what the access rule reads, without a query per row
        ci.source_name = names.get(ci.source.removeprefix("source:"))
        if ci.withdrawn_at is None:
            facts_points.append({"x": ci.effective.isoformat(), "y": ci.value})
    expected = []
    if kr.baseline is not None and kr.target is not None:
        from pilote.goals.keyresults import facts_of

        facts = facts_of(kr)
        days = sorted({cycle.start, cycle.end, *(p.on for p in facts.phases)})
        for d in days:
            e = expected_progress(cycle.start, cycle.end, d, facts)
            expected.append({"x": d.isoformat(), "y": kr.baseline + e * (kr.target - kr.baseline)})
    earlier, earlier_start = earlier or ([], None)
    cone = None
    f = kr_forecast(snap, kr)
    if isinstance(f, Forecast) and facts_points:
        # From its latest reading to its due date: the projection and its 90 % interval.
        last, due = facts_points[-1], kr.due or cycle.end
        cone = {"from": last, "to": due.isoformat(), "projected": f.projected,
                "low": f.low, "high": f.high}  # fmt: skip
    return {
        "key": kr.key,
        "kind": kr.kind,
        "unit": kr.unit_label,
        "values": facts_points,
        "earlier": earlier,
        "earlier_start": earlier_start,
        "expected": expected,
        "target": kr.target,
        "min": kr.minimum,
        "max": kr.maximum,
        "start": cycle.start.isoformat(),
        "end": cycle.end.isoformat(),
        "today": snap.as_of.isoformat(),
        "labels": {
            "value": _("Value"),
            "expected": _("Expected trajectory"),
            "target": _("Target"),
            "min": _("minimum"),
            "max": _("maximum"),
            "earlier": _("Earlier cycles"),
            "forecast": _("Forecast"),
            "interval": _("Forecast range"),
        },
        "forecast": cone,
    }, history


def _forecast_of(snap, kr) -> dict:
    f = kr_forecast(snap, kr)
    return {"forecast": f, "no_forecast": None} if isinstance(f, Forecast) else {
        "forecast": None, "no_forecast": f}  # fmt: skip


EARLIER_CYCLES = 3  # how far back a carried KR's chart reaches


def _earlier_cycles(actor, krs) -> dict[int, tuple[list[dict], str]]:
    """For each KR that continues others (carry-over, at most three cycles back): the values
    of those it continues, so its chart shows its history across cycles, and where that
    history starts. A query per cycle back for all the page's KRs, one for their values."""
    from pilote.goals.models import CheckIn, KeyResult

    chains = {kr.pk: [] for kr in krs if kr.carried_from_id}
    ends = {kr.pk: kr.carried_from_id for kr in krs if kr.pk in chains}  # the KR just before
    starts: dict[int, date] = {}
    for _step in range(EARLIER_CYCLES):
        if not ends:
            break
        rows = {
            pk: (came_from, start)
            for pk, came_from, start in scoped(
                actor, KeyResult.objects.filter(pk__in=set(ends.values()))
            ).values_list("pk", "carried_from_id", "objective__cycle__start")
        }
        following = {}
        for kr_pk, back in ends.items():
            if back not in rows:
                continue
            chains[kr_pk].append(back)
            came_from, start = rows[back]
            starts[kr_pk] = min(start, starts.get(kr_pk, start))
            if came_from:
                following[kr_pk] = came_from
        ends = following
    values: dict[int, list[dict]] = {}
    ancestors = {pk for chain in chains.values() for pk in chain}
    for kr_id, day, value in (
        scoped(actor, CheckIn.objects.filter(key_result__in=ancestors))
        .order_by("effective", "id")
        .values_list("key_result_id", "effective", "value")
    ):
        values.setdefault(kr_id, []).append({"x": day.isoformat(), "y": value})
    result = {}
    for kr_pk, chain in chains.items():
        if chain:
            points = sorted((p for pk in chain for p in values.get(pk, [])), key=lambda p: p["x"])
            result[kr_pk] = (points, starts[kr_pk].isoformat())
    return result


def _status_reason(snap, obj, figures) -> str:
    """Why the objective is behind or outdated, in words: which of its terms have that status
    (an objective's status is the worst of its terms', pilote.okr.rollup), e.g. "At risk:
    Rating (1 of the 2 key results and objectives that count towards it)"."""
    from pilote.okr.types import Status
    from pilote.words import STATUS_LABELS

    status = figures.status
    if status not in (Status.AT_RISK, Status.OFF_TRACK, Status.OUTDATED):
        return ""  # on track, or no data (the badge says it all)
    terms = [(row.title, f.status) for row, _weight, f in snap.counted(obj)]
    same = [title for title, s in terms if s == status]
    return _(
        "%(status)s: %(names)s (%(n)s of the %(total)s key results and objectives that count "
        "towards it)."
    ) % {
        "status": STATUS_LABELS.get(status.value, status.value),
        "names": ", ".join(same),
        "n": len(same),
        "total": len(terms),
    }


def _objective_chart(actor, snap, obj) -> dict:
    """The objective's progress over its cycle from its history rows (one per day a figure
    changed beneath it), against the expected progress, in percent, for Chart.js."""
    from pilote.goals.models import ObjectiveHistory

    cycle = obj.cycle
    points = [
        {"x": day.isoformat(), "y": round(progress * 100, 1)}
        for day, progress in scoped(actor, ObjectiveHistory.objects.filter(objective=obj))
        .filter(day__lte=snap.as_of)
        .order_by("day")
        .values_list("day", "progress")
        if progress is not None
    ]
    return {
        "key": obj.key,
        "kind": "percent",
        "unit": "%",
        "values": points,
        "expected": [
            {"x": d.isoformat(), "y": round(expected_progress(cycle.start, cycle.end, d) * 100, 1)}
            for d in (cycle.start, cycle.end)
        ],
        "target": 100,
        "min": None,
        "max": None,
        "start": cycle.start.isoformat(),
        "end": cycle.end.isoformat(),
        "today": snap.as_of.isoformat(),
        "labels": {
            "value": _("Progress (%)"),
            "expected": _("Expected progress"),
            "target": _("Target"),
        },
    }


@member_required
def objective(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    snap = Stored(actor)
    obj = snap.row(queries.get_objective(actor, key))
    figures = snap.objective(obj)
    krs = []
    kr_list = list(snap.key_results_of(obj))
    feeds, held = _provenance(actor, kr_list)
    continued = _earlier_cycles(actor, kr_list)
    for kr in kr_list:
        chart, history = _chart(actor, snap, kr, continued.get(kr.pk))
        krs.append(
            {
                "kr": kr,
                "f": snap.kr(kr),
                **_forecast_of(snap, kr),
                "chart": chart,
                "chart_id": f"chart-{kr.key}",
                "history": list(reversed(history)),
                "fixable": {
                    c.pk
                    for c in history
                    if c.withdrawn_at is None and can_withdraw_check_in(actor, c)
                },
                "explain": snap.explain_kr(kr),
                "sources": feeds.get(kr.pk, []),
                "held": held.get(kr.pk, []),
            }
        )
    audit = org_queries.audit_trail(actor, "objective", obj.key).select_related("actor")[:20]
    can_edit = _can_edit(actor, obj)
    coach = None
    if can_edit and obj.status in ("draft", "changes_requested"):
        coach = coaching.in_words(coaching.of_objective(actor, obj, snap))
    return render(
        request,
        "pilote/objective.html",
        {
            "o": obj,
            "f": figures,
            "krs": krs,
            "explain": snap.explain_objective(obj),
            "chart": _objective_chart(actor, snap, obj),
            "odds": objective_odds(snap, obj),
            "status_reason": _status_reason(snap, obj, figures),
            "expected": expected_progress(obj.cycle.start, obj.cycle.end, snap.as_of),
            "parents": snap.parents_of(obj),
            "children": [(c, w, snap.objective(c)) for c, w in snap.all_children(obj)],
            "audit": audit,
            "live": True,
            "today": date.today(),
            "can_edit": can_edit,
            "coach": coach,
            "evidence": _evidence(actor, obj),
            **_end_of_cycle(actor, obj),
            "conversation": conversation(actor, objective=obj),
            "comment_url": reverse("objective_comment", args=[obj.key]),
            "comment_krs": kr_list,
            "comment_draft": request.session.pop("comment_draft", ""),
        },
    )


def _end_of_cycle(actor, obj) -> dict:
    """Its decision, where it came from and where it went on (carry-over), and whether the
    reader may decide (pilote.orgs.access.require_decider)."""
    from pilote.errors import Forbidden
    from pilote.goals.models import Objective
    from pilote.okr.grading import effective_grade, grade_color
    from pilote.orgs.access import can_grade, grades_directly, require_decider

    try:
        require_decider(actor, obj, "keep")
        can_decide = True
    except Forbidden:
        can_decide = False
    lineage = scoped(actor, Objective.objects.select_related("cycle"))
    grade = effective_grade(obj.grade, obj.grade_override)
    return {
        "can_decide": can_decide,
        "can_grade": can_grade(actor, obj),
        "confirms_grades": grades_directly(actor),
        "grade": grade,
        "grade_color": grade_color(grade, actor.organization.policy),
        "carried_from": lineage.filter(pk=obj.carried_from_id).first()
        if obj.carried_from_id
        else None,
        "carried_to": lineage.filter(carried_from=obj).first(),
        "decided_by": obj.decided_by if obj.decided_by_id else None,
    }


def _provenance(actor, kr_list) -> tuple[dict, dict]:
    """The sources feeding these KRs (with their freshness) and their values held for confirmation."""
    from pilote.sources import queries as sources

    feeds: dict[int, list] = {}
    for s in sources.sources(actor).filter(key_result__in=kr_list):
        feeds.setdefault(s.key_result_id, []).append((s, sources.stale(s)))
    held: dict[int, list] = {}
    for h in sources.held_readings(actor).filter(key_result__in=kr_list):
        held.setdefault(h.key_result_id, []).append(h)
    return feeds, held


def _evidence(actor, obj):
    from pilote.sources.queries import evidence

    return evidence(actor, objectives=obj)


def _can_edit(actor, obj) -> bool:
    from pilote.orgs.access import can_write_objective

    return can_write_objective(actor, obj.level, obj.unit_id)


def healthz(request: HttpRequest):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


UNIT_OBJECTIVES = 30


@member_required
def unit(request: HttpRequest, key: str) -> HttpResponse:
    """A unit: where it sits, its teams, its objectives of the current cycles, and how well
    its confidence has predicted across closed cycles (per person for who may read that)."""
    from pilote.goals import confidence
    from pilote.orgs.access import can_read_people_calibration
    from pilote.orgs.models import Membership, Unit

    actor = request.actor
    u = org_queries.get_unit(actor, key)
    people = can_read_people_calibration(actor, u.pk)
    record, scores = confidence.unit_track_record(actor, u, people=people)
    if not people:  # one reads one's own line
        mine = confidence.unit_track_record(actor, u, people=True)[1]
        scores = [s for s in mine if s.email == actor.user.email]
    snap = Stored(actor)
    cycles = current_cycles(actor, snap)
    rows = list(
        queries.objectives(actor)
        .filter(unit=u, cycle__in=cycles)
        .order_by("level", "id")[:UNIT_OBJECTIVES]
    )
    snap.prefetch(rows)
    return render(
        request,
        "pilote/unit.html",
        {
            "u": u,
            "teams": scoped(actor, Unit.objects.filter(parent=u)).order_by("name"),
            "members": scoped(
                actor, Membership.objects.filter(units=u, deactivated_at__isnull=True)
            ).count(),
            "objectives": [(o, snap.objective(o)) for o in rows],
            "record": record,
            "verdict": confidence.verdict(record),
            "sentences": confidence.sentences(record),
            "scores": [(s, confidence.verdict(s.calibration)) for s in scores],
            "people": people,
        },
    )


@member_required
@require_POST
def objective_what_if(request: HttpRequest, key: str) -> HttpResponse:
    """The objective page's what-if (htmx): values typed for its KRs, and every figure above
    them as real check-ins of those values would make them. Nothing is recorded."""
    from django import forms

    from pilote.goals.whatif import what_if

    actor = request.actor
    obj = queries.get_objective(actor, key)
    field = forms.FloatField(localize=True)
    values, wrong = {}, []
    for kr in obj.key_results.order_by("position", "id"):
        typed = request.POST.get(f"kr-{kr.key}", "").strip()
        if not typed:
            continue
        try:
            values[kr.key] = field.clean(typed)
        except forms.ValidationError:
            wrong.append(kr.title)
    answer, problems = None, []
    if wrong:
        problems = [_("%(kr)s: not a number") % {"kr": t} for t in wrong]
    elif not values:
        problems = [_("Type a value for at least one key result.")]
    else:
        try:
            answer = what_if(actor, obj.cycle, values)
        except Invalid as exc:
            problems = [_t(m) for _p, m in exc.errors] or [describe(exc)]
    return render(
        request,
        "pilote/_what_if.html",
        {"answer": answer, "problems": problems, "o": obj},
        status=422 if problems else 200,
    )
