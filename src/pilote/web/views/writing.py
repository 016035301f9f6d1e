"""Writing OKRs, the workflow buttons and the executives' validation inbox."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pilote.errors import Forbidden, PiloteError
from pilote.goals import actions, coaching, keyresults, queries
from pilote.goals.models import Cycle
from pilote.goals.stored import Stored
from pilote.orgs import queries as org_queries
from pilote.orgs.access import can_write_objective, scoped

from ..forms import MAX_PARENTS, KeyResultForm, ObjectiveForm, candidate_groups
from .common import FORM_ERRORS, describe, form_errors, member_required, posted_version, safe_next


def _objective_form(request, data=None, initial=None, editing=False, exclude=None, links=()):
    """The objective form; its alignment picker shows the parents ticked and the first
    candidates, and searches the rest as one types (``parent_options``)."""
    actor = request.actor
    keys = data.getlist("aligns_to") if data is not None else (initial or {}).get("aligns_to")
    keys = [k for k in dict.fromkeys(keys or []) if k][:MAX_PARENTS]
    found = {o.key: o for o in queries.objectives(actor).filter(key__in=keys)}
    chosen = [found[k] for k in keys if k in found]
    candidates, matching = queries.parent_candidates(
        actor, exclude=[*keys, *([exclude.key] if exclude else [])]
    )
    return ObjectiveForm(
        data,
        initial=initial,
        editing=editing,
        cycles=scoped(actor, Cycle.objects.all()).order_by("start"),
        units=org_queries.units(actor).order_by("name"),
        chosen=chosen,
        candidates=candidates,
        matching=matching,
        links=links,
    )


@member_required
def parent_options(request: HttpRequest) -> HttpResponse:
    """The alignment picker's search: the first objectives holding every word typed, less
    those already ticked and the objective being edited."""
    actor = request.actor
    exclude = [k for k in request.GET.getlist("aligns_to") if k][:MAX_PARENTS]
    if request.GET.get("align_exclude"):
        exclude.append(request.GET["align_exclude"])
    candidates, matching = queries.parent_candidates(actor, request.GET.get("align_q", ""), exclude)
    return render(
        request,
        "pilote/_align_results.html",
        {"groups": candidate_groups(candidates), "shown": len(candidates), "matching": matching},
    )


def _action_data(form: ObjectiveForm) -> dict:
    data = dict(form.cleaned_data)
    data["owner"] = data.get("owner") or None
    data["aligns_to"] = [
        {"objective": k, "weight": data.get(f"weight__{k}") or 1.0}
        for k in data.get("aligns_to") or []
    ]
    return {k: v for k, v in data.items() if not k.startswith("weight__")}


@member_required
def objective_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if actor.role not in ("admin", "executive", "lead"):
        raise Forbidden(_("Only leads and executives write objectives."))
    if request.method == "POST":
        form = _objective_form(request, request.POST)
        if form.is_valid():
            try:
                o = actions.create_objective(actor, _action_data(form))
                messages.success(
                    request, _("Objective created. Add its key results, then submit it.")
                )
                return redirect("objective", key=o.key)
            except FORM_ERRORS as exc:
                form_errors(form, exc)
    else:
        first_unit = next(iter(sorted(actor.unit_ids)), None)
        unit = org_queries.units(actor).filter(pk=first_unit).first()
        form = _objective_form(
            request,
            initial={
                "owner": actor.user.email,
                "unit": unit.key if unit else None,
                "level": "strategic" if actor.role == "executive" else "tactical",
            },
        )
    return render(
        request,
        "pilote/objective_form.html",
        {"form": form, "creating": True},
        status=422 if form.errors else 200,
    )


def _editable(actor, objective):
    if not can_write_objective(actor, objective.level, objective.unit_id):
        raise Forbidden(_("You may not edit this objective."))
    return objective


@member_required
def objective_edit(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    o = _editable(actor, queries.get_objective(actor, key))
    snap = actions.objective_snapshot(o)
    initial = {**snap, "aligns_to": [a["objective"] for a in snap["aligns_to"]]}
    titles = dict(
        queries.objectives(actor)
        .filter(key__in=[a["objective"] for a in snap["aligns_to"]])
        .values_list("key", "title")
    )
    links = [
        (a["objective"], titles.get(a["objective"], a["objective"]), a["weight"])
        for a in snap["aligns_to"]
    ]
    if request.method == "POST":
        form = _objective_form(
            request, request.POST, initial=initial, editing=True, exclude=o, links=links
        )
        if form.is_valid():
            data = _action_data(form)
            data.pop("key", None)
            try:
                actions.update_objective(actor, o, data, posted_version(request, o))
                messages.success(request, _("Objective saved."))
                return redirect("objective", key=o.key)
            except FORM_ERRORS as exc:
                form_errors(form, exc)
    else:
        form = _objective_form(request, initial=initial, editing=True, exclude=o, links=links)
    return render(
        request,
        "pilote/objective_form.html",
        {"form": form, "o": o},
        status=422 if form.errors else 200,
    )


@member_required
def objective_decision(request: HttpRequest, key: str) -> HttpResponse:
    """The end of its cycle: a decision (keep, change, defer, drop) and a retrospective."""
    from pilote.goals import carrying
    from pilote.orgs.access import require_decider

    from ..forms import DecisionForm

    actor = request.actor
    o = queries.get_objective(actor, key)
    require_decider(actor, o, "keep")  # who may decide anything at all (403 otherwise)
    initial = {"decision": o.decision or "keep", "what_worked": o.what_worked,
               "what_did_not": o.what_did_not, "learnt": o.learnt}  # fmt: skip
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            carrying.decide(actor, o, form.cleaned_data)
            messages.success(request, _("Decision recorded."))
            return redirect("objective", key=o.key)
        except (*FORM_ERRORS, Forbidden) as exc:  # an owner may keep or change, not drop
            form_errors(form, exc)
    return render(
        request,
        "pilote/decision_form.html",
        {"form": form, "o": o},
        status=422 if form.errors else 200,
    )


@member_required
def objective_grade(request: HttpRequest, key: str) -> HttpResponse:
    """A grade beside the computed one, with its reason: an executive's counts at once, an
    owner's or a lead's is proposed until an executive confirms or dismisses it."""
    from pilote.orgs.access import grades_directly, require_grader

    from ..forms import GradeForm

    actor = request.actor
    o = queries.get_objective(actor, key)
    require_grader(actor, o)
    form = GradeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            keyresults.override_grade(
                actor, o, form.cleaned_data["grade"], form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("Grade recorded.")
                if grades_directly(actor)
                else _("Grade proposed: an executive confirms it."),
            )
            return safe_next(request, reverse("objective", args=[o.key]))
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    return render(
        request,
        "pilote/grade_form.html",
        {
            "form": form,
            "o": o,
            "direct": grades_directly(actor),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },  # fmt: skip
        status=422 if form.errors else 200,
    )


@member_required
def key_result_create(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    o = _editable(actor, queries.get_objective(actor, key))
    form = KeyResultForm(request.POST or None, initial={"weight": 1})
    if request.method == "POST" and form.is_valid():
        try:
            keyresults.create_key_result(actor, o, form.action_data())
            messages.success(request, _("Key result added."))
            return redirect("objective", key=o.key)
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    return render(
        request,
        "pilote/key_result_form.html",
        {"form": form, "o": o},
        status=422 if form.errors else 200,
    )


@member_required
def key_result_edit(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    kr = queries.get_key_result(actor, key)
    o = _editable(actor, kr.objective)
    snap = keyresults.kr_snapshot(kr)
    initial = {**snap, "milestones": "\n".join(snap["milestones"])}
    form = KeyResultForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.action_data()
        data.pop("key", None)
        try:
            keyresults.update_key_result(actor, kr, data, posted_version(request, kr))
            messages.success(request, _("Key result saved."))
            return redirect("objective", key=o.key)
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    return render(
        request,
        "pilote/key_result_form.html",
        {"form": form, "o": o, "kr": kr},
        status=422 if form.errors else 200,
    )


TRANSITIONS = {
    "submit": (actions.submit_objective, False, gettext_lazy("Submitted for validation.")),
    "approve": (
        actions.approve_objective,
        True,
        gettext_lazy("Approved: the objective is now part of the strategy."),
    ),
    "request-changes": (
        actions.request_changes,
        True,
        gettext_lazy("Sent back to its author with your comment."),
    ),
    "back-to-draft": (actions.back_to_draft, False, gettext_lazy("Back to draft.")),
}


@member_required
@require_POST
def transition(request: HttpRequest, key: str, transition: str) -> HttpResponse:
    if transition not in TRANSITIONS:
        raise Http404
    fn, takes_comment, done = TRANSITIONS[transition]
    o = queries.get_objective(request.actor, key)
    try:
        if takes_comment:
            fn(request.actor, o, request.POST.get("comment", ""))
        else:
            fn(request.actor, o)
        messages.success(request, done)
    except PiloteError as exc:
        messages.error(request, describe(exc))
    return safe_next(request, reverse("objective", kwargs={"key": o.key}))


INBOX_PAGE = 20


@member_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if actor.role != "executive":
        raise Forbidden(_("Only executives validate objectives."))
    # A page of submissions at a time (the oldest first), each read with its stored figures.
    waiting = queries.objectives(actor).filter(status="submitted").order_by("id")
    page = Paginator(waiting, INBOX_PAGE).get_page(request.GET.get("page"))
    snap = Stored(actor)
    snap.prefetch(list(page))
    memo: dict = {}
    items = [
        {
            "o": o,
            "f": snap.objective(o),
            "coach": coaching.in_words(coaching.of_objective(actor, o, snap, memo=memo)),
            "krs": [(kr, snap.kr(kr)) for kr in snap.key_results_of(o)],
            "parents": snap.parents_of(o),
            "own": actor.user.pk == o.owner_id,
        }
        for o in page
    ]
    return render(request, "pilote/inbox.html", {"items": items, "page": page})


def _posted_number(value: str):
    """A number as the form posts it, in the reader's format (« 4,5 » in French), None when
    it is not one (yet)."""
    from django import forms

    try:
        return forms.FloatField(localize=True, required=False).clean(value or "")
    except forms.ValidationError:
        return None


KR_RULES_OF_A_NEW_OBJECTIVE = ("krs-per-objective", "plan-not-proof")


@member_required
@require_POST
def coach_objective(request: HttpRequest) -> HttpResponse:
    """The quality coach on the objective form, as the user types (htmx): nothing is saved
    and nothing blocks; what the organisation made blocking says so."""
    actor = request.actor
    if actor.role not in ("admin", "executive", "lead"):
        raise Forbidden(_("Only leads and executives write objectives."))
    post = request.POST
    editing = None
    if post.get("coach_objective"):
        editing = _editable(actor, queries.get_objective(actor, post["coach_objective"]))
    cycle = scoped(actor, Cycle.objects.filter(key=post.get("cycle", ""))).first()
    if cycle is None and editing is not None:
        cycle = editing.cycle
    unit = org_queries.units(actor).filter(key=post.get("unit", "")).first()
    draft = {
        "title": post.get("title", ""),
        "level": post.get("level", ""),
        "owner": post.get("owner", "").strip() or None,
        "aligns_to": [k for k in post.getlist("aligns_to") if k],
        "key_results": [],
    }
    if editing is not None:
        draft["key_results"] = coaching.objective_mapping(
            editing, progress_of=lambda kr: kr.stored_progress
        )["key_results"]
    found = coaching.findings(
        actor, draft, cycle=cycle, unit_id=unit.pk if unit else None,
        unit_name=unit.name if unit else "", objective_pk=editing.pk if editing else None,
    )  # fmt: skip
    if editing is None:  # its key results come after it is created
        found = [f for f in found if f.rule not in KR_RULES_OF_A_NEW_OBJECTIVE]
    return render(request, "pilote/_coach.html", {"findings": coaching.in_words(found)})


@member_required
@require_POST
def coach_key_result(request: HttpRequest, key: str) -> HttpResponse:
    """The quality coach on the key result form, as the user types (htmx): this KR and what
    it changes in its objective (how many KRs, whether any measures an effect)."""
    actor = request.actor
    o = _editable(actor, queries.get_objective(actor, key))
    post = request.POST
    mapping = coaching.objective_mapping(o, progress_of=lambda kr: kr.stored_progress)
    krs = list(o.key_results.order_by("position", "id").values_list("key", flat=True))
    draft_kr = {
        "title": post.get("title", ""),
        "kind": post.get("kind", ""),
        "baseline": _posted_number(post.get("baseline", "")),
        "target": _posted_number(post.get("target", "")),
        "progress": None,
    }
    editing = post.get("coach_key_result", "")
    if editing in krs:
        index = krs.index(editing)
        draft_kr["progress"] = mapping["key_results"][index]["progress"]
        mapping["key_results"][index] = draft_kr
    else:
        index = len(krs)
        mapping["key_results"].append(draft_kr)
    mine = f"{coaching.PATH}.key_results[{index}]"
    found = [
        f
        for f in coaching.findings(
            actor,
            mapping,
            cycle=o.cycle,
            unit_id=o.unit_id,
            unit_name=o.unit.name,
            objective_pk=o.pk,
        )  # fmt: skip
        if f.path == mine
        or f.path.startswith(mine + ".")
        or f.path == f"{coaching.PATH}.key_results"
    ]
    return render(request, "pilote/_coach.html", {"findings": coaching.in_words(found)})
