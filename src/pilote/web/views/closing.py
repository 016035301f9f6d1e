"""The end of a cycle in the browser: every objective of the cycle with its grade (and a
proposed override an executive confirms or dismisses) and its decision, carrying over the
ticked ones, and closing the cycle (goals/carrying.py,
goals/closing.py; the rules in pilote/okr/carry.py and pilote/okr/grading.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pilote.errors import Conflict, Forbidden, Invalid, NotFound
from pilote.goals import carrying, keyresults, queries
from pilote.goals.closing import close_cycle
from pilote.goals.models import Cycle, Objective
from pilote.goals.stored import Stored
from pilote.okr.grading import effective_grade, grade_color
from pilote.orgs.access import can_grade, grades_directly, require_some_objective_writer, scoped

from .common import describe, member_required, paged

PAGE = 50  # objectives per page: a cycle of a 10,000-person company holds thousands


def _problems(exc: Invalid | Conflict | Forbidden) -> list[str]:
    """Each problem of a refused action, in the reader's words (path first where it names
    something: the objective or the KR the problem is about)."""
    from .common import _t

    if not exc.errors:
        return [describe(exc)]
    return [f"{path} — {_t(message)}" if path else _t(message) for path, message in exc.errors]


TARGET = re.compile(r"key_results\.([\w-]+)\.target$")


def _new_targets(request: HttpRequest) -> dict[str, float]:
    """The new targets typed for KRs already at target ("target-KEY", in the reader's
    number format); a value that is no number is an error naming the field."""
    from django import forms

    from pilote.goals.models import KeyResult

    field = forms.FloatField(localize=True)
    targets, wrong = {}, []
    for name, value in request.POST.items():
        if name.startswith("target-") and value.strip():
            try:
                targets[name.removeprefix("target-")] = field.clean(value)
            except forms.ValidationError:
                wrong.append(name.removeprefix("target-"))
    if wrong:  # said with the KRs' titles, not the fields' names
        titles = dict(
            scoped(request.actor, KeyResult.objects.filter(key__in=wrong)).values_list(
                "key", "title"
            )
        )
        raise Invalid(
            "invalid targets",
            [("", _("The new target of “%(kr)s” must be a number.") % {"kr": titles.get(k, k)})
             for k in wrong],
        )  # fmt: skip
    return targets


def _targets_asked(actor, exc, request: HttpRequest) -> list[tuple[str, str, str]]:
    """The KRs whose last value already reaches their target: the screen asks a new one."""
    from pilote.goals.models import KeyResult

    keys = [m.group(1) for path, _m in exc.errors or [] if (m := TARGET.search(path))]
    titles = dict(scoped(actor, KeyResult.objects.filter(key__in=keys)).values_list("key", "title"))
    return [(k, titles.get(k, k), request.POST.get(f"target-{k}", "")) for k in keys]


def _calibration(actor, cycle) -> list[dict]:
    """Each unit's confidence in this cycle against what happened (its grades, or progress
    before they are kept), the units with the most check-ins first (at most 20)."""
    from pilote.goals import confidence
    from pilote.orgs.models import Unit

    found = confidence.cycle_by_unit(actor, cycle)[:20]
    units = {u.pk: u for u in scoped(actor, Unit.objects.filter(pk__in=[u for u, _ in found]))}
    return [
        {"unit": units[u], "cal": cal, "verdict": confidence.verdict(cal),
         "sentence": (confidence.sentences(cal) or [""])[0]}
        for u, cal in found
        if u in units
    ]  # fmt: skip


@member_required
def cycle_close(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    require_some_objective_writer(actor)  # leads and executives; others read the strategy
    cycle = queries.get_cycle(actor, key)
    later = [
        c
        for c in scoped(actor, Cycle.objects.filter(end__gt=cycle.end)).order_by("start")
        if carrying.later_cycle(cycle, c)
    ]
    problems: list[str] = []
    chosen: list[str] = []
    needs_target: list[tuple[str, str, str]] = []  # (KR key, its title, what was typed)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "carry":
                to = request.POST.get("to") or ""
                chosen = request.POST.getlist("objective")
                if not chosen:
                    raise Invalid("nothing chosen", [("", _("Tick the objectives to carry over."))])
                made = carrying.carry_over(
                    actor, cycle, queries.get_cycle(actor, to), chosen, _new_targets(request)
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)s objective carried over: its owner now submits it.",
                        "%(count)s objectives carried over: their owners now submit them.",
                        len(made),
                    )
                    % {"count": len(made)},
                )
                return redirect(request.get_full_path())
            if request.POST.get("confirm") or request.POST.get("dismiss"):
                confirm = bool(request.POST.get("confirm"))
                o = queries.get_objective(
                    actor, request.POST.get("confirm") or request.POST.get("dismiss")
                )
                (keyresults.confirm_grade if confirm else keyresults.dismiss_grade)(actor, o)
                messages.success(
                    request,
                    _("Proposed grade confirmed.") if confirm else _("Proposed grade dismissed."),
                )
                return redirect(request.get_full_path())
            if action == "close":
                close_cycle(actor, cycle, (request.POST.get("retrospective") or "").strip())
                messages.success(request, _("Cycle closed: every objective has its grade."))
                return redirect(request.get_full_path())
            problems.append(_("This action is not known."))
        except (Invalid, Conflict, Forbidden) as exc:
            problems = _problems(exc)
            needs_target = _targets_asked(actor, exc, request)
        except NotFound:  # no such cycle to carry to (the cycle itself was found above)
            problems = [_("Choose the cycle the objectives continue in.")]

    rows = (
        scoped(actor, Objective.objects.filter(cycle=cycle))
        .select_related("unit", "owner", "cycle", "grade_proposed_by")
        .order_by("level", "unit__name", "id")  # strategic first ("strategic" < "tactical")
    )
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    # The grade it has (closed) or would have if the cycle closed now: progress at its end.
    snap = Stored(actor, min(date.today(), cycle.end))
    snap.prefetch(shown)  # a fixed number of queries for the page, history rows included
    carried_to = {
        came_from: (key, title)
        for came_from, key, title in scoped(
            actor, Objective.objects.filter(carried_from__in=shown)
        ).values_list("carried_from_id", "key", "title")
    }
    entries = []
    for o in shown:
        grade = (
            effective_grade(o.grade, o.grade_override)
            if cycle.closed_at
            else snap.objective(o).progress
        )
        entries.append(
            {
                "o": o,
                "grade": grade,
                "color": grade_color(grade, actor.organization.policy),
                "carried_to": carried_to.get(o.pk),
                "can_carry": o.decision in ("keep", "change") and o.pk not in carried_to,
                "can_grade": can_grade(actor, o),
                "proposer": o.grade_proposed_by
                and (o.grade_proposed_by.name or o.grade_proposed_by.email),
            }
        )
    decided = dict(
        scoped(actor, Objective.objects.filter(cycle=cycle))
        .values_list("decision")
        .annotate(n=Count("id"))
        .values_list("decision", "n")
    )
    return render(
        request,
        "pilote/cycle_close.html",
        {
            "cycle": cycle,
            "page": page,
            "entries": entries,
            "later": later,
            "problems": problems,
            "chosen": chosen,
            "needs_target": needs_target,
            "total": page.paginator.count,
            "undecided": decided.get("", 0),
            "decided": {k: v for k, v in decided.items() if k},
            "can_close": grades_directly(actor) and not cycle.closed_at,
            "confirms": grades_directly(actor),
            "calibration": _calibration(actor, cycle),
        },
        status=422 if problems else 200,
    )


@member_required
def cycle_retrospective(request: HttpRequest, key: str) -> HttpResponse:
    """What the cycle gave (goals/retrospective.py): the hit rate per unit, each objective's
    grade and decision with what its people learnt, and the delivered initiatives' measured
    impact. Every member reads it (their organisation's only)."""
    from pilote.goals.retrospective import retrospective

    actor = request.actor
    cycle = queries.get_cycle(actor, key)
    unit = request.GET.get("unit") or None
    retro = retrospective(actor, cycle, unit=unit)
    # The template is given the page's rows only (common.paged); units are paged too
    # (10,000 of them at 100,000 people), each pager keeping the other.
    page, graded = paged(retro.graded, PAGE, request.GET.get("page"))
    units_page, units = paged(retro.units, PAGE, request.GET.get("units"))
    kept = {"unit": unit} if unit else {}
    return render(
        request,
        "pilote/cycle_retrospective.html",
        {
            "cycle": cycle,
            "retro": replace(retro, graded=[], units=[]),  # the rows shown are below
            "graded": graded,
            "units": units,
            "page": page,
            "units_page": units_page,
            "unit": unit,
            "query": urlencode(
                {**kept, **({"units": units_page.number} if units_page.number > 1 else {})}
            ),
            "units_query": urlencode(
                {**kept, **({"page": page.number} if page.number > 1 else {})}
            ),
            "ledger": retro.ledger,
        },
    )
