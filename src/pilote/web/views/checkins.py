"""My key results: check in inline, in at most two interactions (type, press Enter)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pilote.goals import cache, queries
from pilote.goals.keyresults import record_check_in
from pilote.orgs.access import can_check_in

from ..forms import CheckInForm
from .common import FORM_ERRORS, form_errors, is_htmx, member_required, safe_next


def _mine(actor, snap):
    """KRs the person owns, then those of their units they may check in on."""
    user_id = actor.user.pk
    rows = []
    for o in sorted(snap.objectives.values(), key=lambda o: o.pk):
        for kr in snap.key_results_of(o):
            if kr.owner_id == user_id or (o.unit_id in actor.unit_ids and can_check_in(actor, kr)):
                rows.append(
                    {
                        "kr": kr,
                        "f": snap.kr(kr),
                        "form": CheckInForm(prefix=kr.key),
                        "own": kr.owner_id == user_id,
                    }
                )
    rows.sort(key=lambda r: (not r["own"], r["kr"].objective.pk, r["kr"].position))
    return rows


@member_required
def my_key_results(request: HttpRequest) -> HttpResponse:
    snap = cache.snapshot(request.actor)
    return render(
        request,
        "pilote/my_key_results.html",
        {"rows": _mine(request.actor, snap), "as_of": snap.as_of},
    )


@member_required
@require_POST
def check_in(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    kr = queries.get_key_result(actor, key)
    form = CheckInForm(request.POST, prefix=kr.key)
    saved = False
    if form.is_valid():
        try:
            record_check_in(
                actor,
                kr,
                form.cleaned_data["value"],
                form.cleaned_data["confidence"],
                form.cleaned_data["comment"],
            )
            saved = True
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    if not is_htmx(request) and saved:
        return safe_next(request, reverse("my_key_results"))
    if not is_htmx(request):  # a failed plain post: the whole page again, this row with its errors
        snap = cache.snapshot(actor)
        rows = _mine(actor, snap)
        for row in rows:
            if row["kr"].pk == kr.pk:
                row["form"] = form
        return render(
            request, "pilote/my_key_results.html", {"rows": rows, "as_of": snap.as_of}, status=422
        )
    row = {
        "kr": kr,
        "f": queries.KeyResultFiguresOnly(actor, [kr]).kr(kr),
        "form": CheckInForm(prefix=kr.key) if saved else form,
        "saved": saved,
        "own": kr.owner_id == actor.user.pk,
    }
    # htmx swaps 2xx answers only: the row comes back with its errors and a 200.
    return render(request, "pilote/_kr_row.html", {"row": row})
