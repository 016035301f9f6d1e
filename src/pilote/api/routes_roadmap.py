"""Routes: initiatives and their declared impacts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from pilote.roadmap import actions, queries

from .routes_org import Paging, _limit
from .schemas import InitiativeCreate, InitiativeOut, InitiativeUpdate, Page
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
