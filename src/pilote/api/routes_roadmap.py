"""Routes: initiatives and their declared impacts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from pilote.goals.stored import Stored
from pilote.orgs import queries as unit_queries
from pilote.roadmap import actions, queries
from pilote.roadmap.ranking import Roadmap

from .routes_org import Paging, _limit
from .schemas import Date, InitiativeCreate, InitiativeOut, InitiativeUpdate, Page
from .serialize import actor, expected_version, initiative_out, page, set_etag

router = Router(tags=["initiatives"])


def _data(payload, **kw) -> dict:
    data = payload.model_dump(exclude_unset=True, **kw)
    if "impacts" in data and data["impacts"] is not None:
        data["impacts"] = [dict(i) for i in data["impacts"]]
    return data


@router.get("/initiatives", response=Page, summary="List initiatives")
def list_initiatives(request: HttpRequest, paging: Query[Paging]):
    return page(
        [initiative_out(i) for i in queries.initiatives(actor(request)).order_by("id")],
        *_limit(paging),
    )


@router.post(
    "/initiatives",
    response={201: InitiativeOut},
    summary="Create an initiative with its declared impacts",
)
def create_initiative(request: HttpRequest, payload: InitiativeCreate, response: HttpResponse):
    a = actor(request)
    ini = actions.create_initiative(a, _data(payload))
    set_etag(response, ini)
    return Status(201, initiative_out(queries.get_initiative(a, ini.key)))


@router.get("/initiatives/{key}", response=InitiativeOut, summary="Read an initiative")
def get_initiative(request: HttpRequest, key: str, response: HttpResponse):
    ini = queries.get_initiative(actor(request), key)
    set_etag(response, ini)
    return initiative_out(ini)


@router.patch(
    "/initiatives/{key}", response=InitiativeOut, summary="Update an initiative (If-Match)"
)
def update_initiative(
    request: HttpRequest, key: str, payload: InitiativeUpdate, response: HttpResponse
):
    a = actor(request)
    ini = queries.get_initiative(a, key)
    ini = actions.update_initiative(a, ini, _data(payload), expected_version(request, ini))
    set_etag(response, ini)
    return initiative_out(queries.get_initiative(a, key))


@router.delete("/initiatives/{key}", response={204: None}, summary="Delete an initiative")
def delete_initiative(request: HttpRequest, key: str):
    a = actor(request)
    actions.delete_initiative(a, queries.get_initiative(a, key))
    return Status(204, None)


# --- the roadmap by impact (pilote.okr.impact, docs/roadmap.md)
def _row_out(row) -> dict:
    return {
        **initiative_out(row.initiative),
        "score": row.value,
        "rank": row.rank,
        "calibration": row.calibration,
    }


def _review_out(r) -> dict:
    return {
        "key_result": r.key_result,
        "expected": r.expected,
        "measured": r.measured,
        "ratio": r.ratio,
        "reason": r.reason,
    }


def _ledger_out(led) -> dict:
    return {
        "reviewed": led.reviewed,
        "delivered_half": led.delivered_half,
        "mean_ratio": led.mean_ratio,
        "calibration": led.calibration,
    }


class AsOf(Schema):
    as_of: Date | None = None


class RoadmapFilter(AsOf):
    horizon: str | None = None
    include_closed: bool = False


def _roadmap(request: HttpRequest, q: AsOf) -> Roadmap:
    a = actor(request)
    return Roadmap(a, Stored(a, q.as_of))


@router.get(
    "/roadmap",
    tags=["roadmap"],
    summary="Open initiatives ranked by their expected impact on the strategy",
)
def roadmap(request: HttpRequest, filters: Query[RoadmapFilter]):
    rm = _roadmap(request, filters)
    rows = rm.load(rm.ranked(filters.horizon, filters.include_closed))
    return {"method": rm.policy.prioritisation, "items": [_row_out(r) for r in rows]}


@router.get(
    "/roadmap/unaligned", tags=["roadmap"], summary="Open initiatives that move no key result"
)
def unaligned(request: HttpRequest, q: Query[AsOf]):
    rm = _roadmap(request, q)
    return [_row_out(r) for r in rm.load(rm.unaligned())]


@router.get(
    "/roadmap/uncovered",
    tags=["roadmap"],
    summary="Key results at risk or off track with no initiative on them",
)
def uncovered(request: HttpRequest, q: Query[AsOf]):
    return [
        {
            "key_result": kr.key,
            "objective": kr.objective.key,
            "title": kr.title,
            "status": f.status.value,
            "progress": f.progress,
            "expected": f.expected,
        }
        for kr, f in _roadmap(request, q).uncovered()[1]
    ]


@router.get(
    "/roadmap/by-objective", tags=["roadmap"], summary="What we do for each strategic objective"
)
def by_objective(request: HttpRequest, q: Query[AsOf]):
    rm = _roadmap(request, q)
    groups = rm.by_strategic_objective()
    rm.load([r for _, rows in groups for r in rows])
    return [
        {"objective": o.key, "title": o.title, "initiatives": [_row_out(r) for r in rows]}
        for o, rows in groups
    ]


@router.get(
    "/roadmap/ledger",
    tags=["roadmap"],
    summary="How well delivered bets kept their promise, per unit and overall",
)
def impact_ledger(request: HttpRequest, q: Query[AsOf]):
    rm = _roadmap(request, q)
    units = {u.pk: u.key for u in unit_queries.units(rm.actor)}
    return {
        "organization": _ledger_out(rm.org_ledger),
        "units": {units.get(pk, "none"): _ledger_out(led) for pk, led in rm.unit_ledgers.items()},
    }


@router.get("/initiatives/{key}/explain", tags=["roadmap"], summary="Why this score and this rank")
def explain_initiative(request: HttpRequest, key: str, q: Query[AsOf]):
    return _roadmap(request, q).explain(queries.get_initiative(actor(request), key))


@router.get(
    "/initiatives/{key}/review",
    tags=["roadmap"],
    summary="Declared vs measured impact of a delivered initiative",
)
def review_initiative(request: HttpRequest, key: str, q: Query[AsOf]):
    ini = queries.get_initiative(actor(request), key)
    rm = _roadmap(request, q)
    return {
        "initiative": ini.key,
        "delivered_on": ini.delivered_on,
        "window_days": rm.policy.review_window_days,
        "impacts": [_review_out(r) for r in rm.reviews(ini)],
    }
