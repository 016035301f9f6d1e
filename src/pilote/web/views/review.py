"""Review meetings (goals/review.py): one objective per screen, paged with the keyboard and
shown full screen on a meeting-room screen; the same slides as a PDF for the monthly and
quarterly business review, and the one-page strategy as a PDF (web/pdf.py)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pilote.goals import queries, review
from pilote.goals.stored import Stored
from pilote.orgs import queries as org_queries

from ..pdf import pdf_response
from ..sparkline import trajectory_svg
from .common import member_required
from .pages import _cycle, one_page_tree


def _since(request: HttpRequest, actor) -> date:
    try:
        return date.fromisoformat(request.GET.get("since") or "")
    except ValueError:
        return review.default_since(actor)


def _scope(request: HttpRequest, actor, unit_key: str | None = None) -> review.Scope:
    cycle = _cycle(request, Stored(actor))
    if cycle is None:
        raise Http404(_("No cycle yet."))
    unit = None
    if unit_key is not None:
        unit = org_queries.get_unit(actor, unit_key)
    elif request.GET.get("unit"):
        unit = org_queries.unit_named(actor, request.GET["unit"])
        if unit is None:
            raise Http404(_("No such unit."))
    person = None
    if request.GET.get("person"):
        person = org_queries.person_named(actor, request.GET["person"])
        if person is None:
            raise Http404(_("No such person."))
    return review.Scope(cycle, unit, person)


def _pictured(slide: review.Slide) -> review.Slide:
    cycle = slide.objective.cycle
    slide.svg = trajectory_svg(
        slide.history,
        cycle.start,
        cycle.end,
        min(date.today(), cycle.end),
        _("Progress of %(title)s over the cycle, against the expected progress")
        % {"title": slide.objective.title},
    )
    return slide


@member_required
def review_meeting(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    scope = _scope(request, actor)
    since = _since(request, actor)
    keys = review.keys(actor, scope)
    try:
        index = min(max(int(request.GET.get("i", "1")), 1), max(len(keys), 1))
    except ValueError:
        index = 1
    params = {"cycle": scope.cycle.key, "since": since.isoformat()}
    if scope.unit:
        params["unit"] = scope.unit.name
    if scope.person:
        params["person"] = scope.person.email

    def at(i: int) -> str:
        return "?" + urlencode({**params, "i": i})

    slide = _pictured(review.slide(actor, keys[index - 1], since)) if keys else None
    return render(
        request,
        "pilote/review.html",
        {
            "scope": scope,
            "slide": slide,
            "index": index,
            "count": len(keys),
            "since": since,
            "previous": at(index - 1) if index > 1 else None,
            "next": at(index + 1) if index < len(keys) else None,
            "first": at(1),
            "last": at(len(keys)),
        },
    )


@member_required
def review_pdf(request: HttpRequest, unit: str) -> HttpResponse:
    """Every objective of the unit (and the units below it) in the cycle, one per page."""
    actor = request.actor
    scope = _scope(request, actor, unit_key=unit)
    since = _since(request, actor)
    objectives = list(
        review.objectives_in(actor, scope).select_related("cycle", "unit", "owner")[
            : review.PDF_LIMIT
        ]
    )
    total = review.objectives_in(actor, scope).count()
    slides = [_pictured(s) for s in review.slides(actor, objectives, since)]
    return pdf_response(
        request,
        "pilote/review_pdf.html",
        {"scope": scope, "slides": slides, "since": since, "left_out": total - len(slides)},
        f"review-{scope.unit.key}-{scope.cycle.key}.pdf",
    )


@member_required
def one_page_pdf(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    snap = Stored(actor)
    cycle = _cycle(request, snap)
    tree = one_page_tree(actor, cycle, snap)
    return pdf_response(
        request,
        "pilote/one_page_pdf.html",
        {"tree": tree, "cycle": cycle, "vision": queries.current_vision(actor)},
        f"strategy-{cycle.key if cycle else 'none'}.pdf",
    )
