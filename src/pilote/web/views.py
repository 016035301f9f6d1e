"""Server-rendered pages. For now: the home page (strategy at a glance) and sign-in.

The full web app (cockpit, tree, objective pages, check-ins, validation inbox)
is issue 3; these views already read through the same queries as the API.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from pilote.api.auth import session_actor
from pilote.goals.models import Cycle
from pilote.goals.queries import Snapshot, current_vision
from pilote.orgs.access import scoped


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = session_actor(request)
    if actor is None:
        return render(request, "pilote/home.html", {"no_org": True})
    snap = Snapshot(actor)
    today = snap.as_of
    cycles = list(
        scoped(actor, Cycle.objects.filter(start__lte=today, end__gte=today)).order_by("-start")
    )
    rows = []
    for o in sorted(snap.strategic, key=lambda o: o.pk):
        if cycles and o.cycle_id not in {c.pk for c in cycles}:
            continue
        f = snap.objective(o)
        children = [(c, snap.objective(c)) for c, _ in snap.all_children(o)]
        krs = [(kr, snap.kr(kr)) for kr in snap.key_results_of(o)]
        rows.append({"objective": o, "figures": f, "children": children, "krs": krs})
    return render(
        request,
        "pilote/home.html",
        {
            "actor": actor,
            "vision": current_vision(actor),
            "rows": rows,
            "as_of": today,
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
