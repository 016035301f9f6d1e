"""The roadmap by impact: board, timeline, by strategic objective, by unit, unaligned work,
uncovered results, the impact ledger, and each initiative's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilote.errors import Forbidden
from pilote.goals import queries as goal_queries
from pilote.orgs import queries as org_queries
from pilote.orgs.access import require_initiative_writer
from pilote.roadmap import actions, queries
from pilote.roadmap.ranking import Roadmap
from pilote.sources.queries import evidence

from ..forms import InitiativeForm
from .comments import conversation
from .common import (
    FORM_ERRORS,
    describe,
    form_errors,
    member_required,
    paged,
    posted_version,
    safe_next,
)

VIEWS = ("board", "timeline", "objectives", "units", "unaligned", "uncovered", "ledger")
HORIZONS = ("now", "next", "later")
IMPACT_ROWS = 3
BOARD_PAGE = 20  # cards per column and page of the board
CARDS_PAGE = 60  # cards (or key results) per page of the other views


@member_required
def roadmap(request: HttpRequest, view: str = "board") -> HttpResponse:
    """Every view is paged: the ranking reads every initiative's few columns (a values
    query), but only the initiatives of the page are read as rows and rendered."""
    if view not in VIEWS:
        raise Http404
    rm = Roadmap(request.actor)
    # What the template reads of the ranking, not the ranking itself: a template's context
    # is a reference cycle (Django's ContextDict points back at its Context), so whatever
    # it holds waits for the cyclic collector — the 10,000 initiatives' rows at 100,000
    # people, an 86 ms collection after each board.
    context = {
        "org_ledger": rm.org_ledger,
        "review_policy": rm.policy,
        "view": view,
        "views": VIEWS,
        "horizons": HORIZONS,
        "live": True,
    }
    number = request.GET.get("page")
    if view == "board":
        ranked = [(h, rm.ranked(h)) for h in HORIZONS]
        page = Paginator(range(max(len(rows) for _, rows in ranked)), BOARD_PAGE).get_page(number)
        shown = slice(page.start_index() - 1, page.end_index()) if page.object_list else slice(0)
        context["columns"] = [(h, rm.titled(rows[shown]), len(rows)) for h, rows in ranked]
    elif view == "uncovered":
        asked = _page_number(number)
        count, shown = rm.uncovered((asked - 1) * CARDS_PAGE, asked * CARDS_PAGE)
        page = Paginator(range(count), CARDS_PAGE).get_page(asked)
        if page.number != asked:  # beyond the last page: the last one
            shown = rm.uncovered(page.start_index() - 1, page.end_index())[1]
        context["uncovered"] = shown
    elif view == "ledger":
        units = {u.pk: u for u in org_queries.units(request.actor)}
        context["unit_ledgers"] = sorted(
            ((units[pk].name if pk in units else "—", led) for pk, led in rm.unit_ledgers.items()),
            key=lambda p: p[0],
        )
        # The delivered bets, paged: they add up over the years.
        page, reviewed = paged(
            [r for r in rm.ranked(include_closed=True) if r.reviews], CARDS_PAGE, number
        )
        rm.titled(reviewed)
        titles = _kr_titles(request.actor, {rev.key_result for r in reviewed for rev in r.reviews})
        # each bet with its reviews, the KRs by their titles
        context["reviewed"] = [
            (r, [(rev, titles.get(rev.key_result, rev.key_result)) for rev in r.reviews])
            for r in reviewed
        ]
    else:
        page, shown = paged(_cards(rm, view), CARDS_PAGE, number)  # (see the context above)
        context["groups"] = _regroup(rm, shown)
    context["page"] = page
    return render(request, "pilote/roadmap.html", context)


def _kr_titles(actor, keys: set[str]) -> dict[str, str]:
    return dict(goal_queries.key_results(actor).filter(key__in=keys).values_list("key", "title"))


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _cards(rm: Roadmap, view: str) -> list[tuple[object, object]]:
    """The view as one list of (group, row or None), None for a group with no initiative."""
    if view == "unaligned":
        return [(None, r) for r in rm.unaligned()]
    if view == "timeline":
        groups = rm.timeline()
    elif view == "units":
        groups = list(rm.by_unit().items())
    else:
        groups = rm.by_strategic_objective()
    return [(g, r) for g, rows in groups for r in (rows or [None])]


def _regroup(rm: Roadmap, cards) -> list[tuple[object, list]]:
    """A page's cards back into their groups (a group cut by the page shows on both pages)."""
    rm.titled([r for _, r in cards if r is not None])
    groups: list[tuple[object, list]] = []
    for group, row in cards:
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
        if row is not None:
            groups[-1][1].append(row)
    return groups


@member_required
@require_POST
def move(request: HttpRequest, key: str) -> HttpResponse:
    """Move an initiative to now / next / later (drag and drop, or the keyboard's buttons)."""
    ini = queries.get_initiative(request.actor, key)
    horizon = request.POST.get("horizon", "")
    if horizon not in HORIZONS:
        messages.error(request, _("Choose now, next or later."))
    else:
        try:
            actions.update_initiative(request.actor, ini, {"horizon": horizon})
        except FORM_ERRORS as exc:
            messages.error(request, describe(exc))
    response = safe_next(request, reverse("roadmap"))
    # Back on the board, the moved card's own menu has the focus again (pilote.js): a
    # keyboard user goes on from where they were, not from the top of the page.
    response["Location"] += f"#ini-{ini.key}"
    return response


@member_required
def initiative(request: HttpRequest, key: str) -> HttpResponse:
    rm = Roadmap(request.actor)
    ini = queries.get_initiative(request.actor, key)
    row = rm.rows[ini.pk]
    try:
        require_initiative_writer(request.actor, ini.unit_id)
        can_edit = True
    except Forbidden:  # a refusal only hides the edit button
        can_edit = False
    explain = rm.explain(ini)
    impacts = [(m, m.key_result) for m in ini.impacts.select_related("key_result__objective")]
    by_key = {kr.key: kr for _, kr in impacts}
    return render(
        request,
        "pilote/initiative.html",
        {
            "ini": ini,
            "row": row,
            "explain": explain,
            # each term of the score beside the KR it names (a link, its title)
            "explain_terms": [
                (t, by_key.get((t.get("params") or {}).get("key_result"))) for t in explain["terms"]
            ],
            "ranked_count": sum(1 for r in rm.rows.values() if r.rank),
            "impacts": impacts,
            "reviews": [(rev, by_key.get(rev.key_result)) for rev in row.reviews],
            "can_edit": can_edit,
            "window": rm.policy.review_window_days,
            "evidence": evidence(request.actor, initiatives=ini),
            "conversation": conversation(request.actor, initiative=ini),
            "comment_url": reverse("initiative_comment", args=[ini.key]),
            "comment_draft": request.session.pop("comment_draft", ""),
        },
    )


def _form(request, data=None, initial=None, editing=False):
    actor = request.actor
    krs = goal_queries.key_results(actor).order_by("objective__title", "position")
    return InitiativeForm(
        data,
        initial=initial,
        editing=editing,
        impact_rows=IMPACT_ROWS,
        units=org_queries.units(actor).order_by("name"),
        key_results=krs,
    )


@member_required
def initiative_form(request: HttpRequest, key: str | None = None) -> HttpResponse:
    actor = request.actor
    ini = queries.get_initiative(actor, key) if key else None
    if ini is not None:
        require_initiative_writer(actor, ini.unit_id)
        initial = actions.initiative_snapshot(ini)
        for n, m in enumerate(initial.pop("impacts")):
            initial.update(
                {
                    f"kr_{n}": m["key_result"],
                    f"expected_{n}": m["expected"],
                    f"rationale_{n}": m["rationale"],
                }
            )
    elif actor.role not in ("admin", "executive", "lead"):
        require_initiative_writer(actor, None)
    else:
        initial = {"horizon": "next", "status": "idea", "owner": actor.user.email}
    form = _form(request, request.POST or None, initial=initial, editing=ini is not None)
    if request.method == "POST" and form.is_valid():
        data = form.action_data()
        try:
            if ini is None:
                ini = actions.create_initiative(actor, data)
                messages.success(request, _("Initiative created."))
            else:
                data.pop("key", None)
                actions.update_initiative(actor, ini, data, posted_version(request, ini))
                messages.success(request, _("Initiative saved."))
            return redirect("initiative", key=ini.key)
        except FORM_ERRORS as exc:
            form_errors(
                form,
                exc,
                {f"impacts[{n}].key_result": f"kr_{n}" for n in range(IMPACT_ROWS)}
                | {f"impacts[{n}].expected": f"expected_{n}" for n in range(IMPACT_ROWS)},
            )
    return render(
        request,
        "pilote/initiative_form.html",
        {"form": form, "ini": ini, "rows": range(IMPACT_ROWS)},
        status=422 if form.errors else 200,
    )
