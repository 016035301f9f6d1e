"""Routes: the acting person, units, people, tokens, audit trail."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from pilote.orgs import access, accounts, actions, queries
from pilote.orgs.access import organizations_of

from .schemas import (
    CalibrationOut,
    InvitationCreate,
    InvitationOut,
    MeOut,
    Page,
    PersonCreate,
    PersonOut,
    PersonUpdate,
    QueryInt,
    TokenCreate,
    TokenOut,
    TokenSecretOut,
    UnitCreate,
    UnitOut,
    UnitUpdate,
)
from .serialize import (
    actor,
    audit_out,
    expected_version,
    invitation_out,
    page,
    person_out,
    scoped_kr_keys,
    set_etag,
    token_out,
    unit_out,
)

router = Router()


class Paging(Schema):
    limit: Annotated[QueryInt, Field(ge=1, le=1000)] = 100
    offset: Annotated[QueryInt, Field(ge=0)] = 0


def _limit(p: Paging) -> tuple[int, int]:
    return max(1, min(p.limit, 1000)), max(0, p.offset)


@router.get(
    "/me",
    response=MeOut,
    tags=["people"],
    summary="Who am I, in which organisation, with which role",
)
def me(request: HttpRequest):
    a = actor(request)
    units = sorted(queries.units(a).filter(members__user=a.user).values_list("key", flat=True))
    return {
        "email": a.user.email,
        "name": a.user.name,
        "organization": a.organization.name,
        "role": a.role,
        "units": units,
        "organizations": [o.name for o in organizations_of(a.user)],
        "via_token": a.token is not None,
    }


# --- units
@router.get("/units", response=Page, tags=["units"], summary="List units")
def list_units(request: HttpRequest, paging: Query[Paging]):
    return page(
        [unit_out(u) for u in queries.units(actor(request)).order_by("id")], *_limit(paging)
    )


@router.post("/units", response={201: UnitOut}, tags=["units"], summary="Create a unit (admin)")
def create_unit(request: HttpRequest, payload: UnitCreate, response: HttpResponse):
    unit = actions.create_unit(actor(request), payload.key, payload.name, payload.parent)
    set_etag(response, unit)
    return Status(201, unit_out(unit))


@router.get("/units/{key}", response=UnitOut, tags=["units"], summary="Read a unit")
def get_unit(request: HttpRequest, key: str, response: HttpResponse):
    unit = queries.get_unit(actor(request), key)
    set_etag(response, unit)
    return unit_out(unit)


@router.get(
    "/units/{key}/calibration",
    response=CalibrationOut,
    tags=["units"],
    summary="How well a unit's confidence predicted, across closed cycles",
)
def unit_calibration(request: HttpRequest, key: str):
    """Every check-in's confidence (0–10) on the KRs of the unit and the units beneath it, in
    closed cycles, read as the odds of reaching the target: the Brier score, the reliability
    table, in words, and `people` (each author's) for executives, admins and the unit's leads
    (others get only their own)."""
    from pilote.goals import confidence
    from pilote.orgs.access import can_read_people_calibration

    a = actor(request)
    unit = queries.get_unit(a, key)
    allowed = can_read_people_calibration(a, unit.pk)
    record, scores = confidence.unit_track_record(a, unit, people=True)
    if not allowed:
        scores = [s for s in scores if a.user is not None and s.email == a.user.email]

    def out(cal):
        return {
            "count": cal.count,
            "brier": cal.brier,
            "verdict": confidence.verdict(cal),
            "buckets": [
                {"confidence": b.confidence, "count": b.count, "reached": b.reached, "rate": b.rate}
                for b in cal.buckets
            ],  # fmt: skip
        }

    return {
        "unit": unit.key,
        **out(record),
        "in_words": confidence.sentences(record),
        "people": [{"email": s.email, "name": s.name, **out(s.calibration)} for s in scores],
    }


@router.patch(
    "/units/{key}", response=UnitOut, tags=["units"], summary="Update a unit (admin; If-Match)"
)
def update_unit(request: HttpRequest, key: str, payload: UnitUpdate, response: HttpResponse):
    a = actor(request)
    unit = queries.get_unit(a, key)
    unit = actions.update_unit(
        a, unit, payload.model_dump(exclude_unset=True), expected_version(request, unit)
    )
    set_etag(response, unit)
    return unit_out(unit)


@router.delete(
    "/units/{key}", response={204: None}, tags=["units"], summary="Delete an empty unit (admin)"
)
def delete_unit(request: HttpRequest, key: str):
    a = actor(request)
    actions.delete_unit(a, queries.get_unit(a, key))
    return Status(204, None)


# --- people
@router.get("/people", response=Page, tags=["people"], summary="List the organisation's people")
def list_people(request: HttpRequest, paging: Query[Paging]):
    return page(
        [person_out(m) for m in queries.people(actor(request)).order_by("id")], *_limit(paging)
    )


@router.post("/people", response={201: PersonOut}, tags=["people"], summary="Add a person (admin)")
def add_person(request: HttpRequest, payload: PersonCreate, response: HttpResponse):
    m = actions.add_person(
        actor(request), payload.email, payload.name, payload.role, payload.units, payload.password
    )
    set_etag(response, m)
    return Status(201, person_out(m))


@router.get("/people/{email}", response=PersonOut, tags=["people"], summary="Read a person")
def get_person(request: HttpRequest, email: str, response: HttpResponse):
    m = queries.get_person(actor(request), email)
    set_etag(response, m)
    return person_out(m)


@router.patch(
    "/people/{email}",
    response=PersonOut,
    tags=["people"],
    summary="Change a person's role, units or name (admin; If-Match)",
)
def update_person(request: HttpRequest, email: str, payload: PersonUpdate, response: HttpResponse):
    a = actor(request)
    m = queries.get_person(a, email)
    m = actions.update_person(
        a, m, payload.model_dump(exclude_unset=True), expected_version(request, m)
    )
    set_etag(response, m)
    return person_out(m)


@router.delete(
    "/people/{email}",
    response={204: None},
    tags=["people"],
    summary="Remove a person from the organisation (admin)",
)
def remove_person(request: HttpRequest, email: str):
    a = actor(request)
    actions.remove_person(a, queries.get_person(a, email))
    return Status(204, None)


# --- invitations
@router.get(
    "/invitations",
    response=list[InvitationOut],
    tags=["people"],
    summary="Invitations waiting for an answer (admins: all; leads: those into their units)",
)
def list_invitations(request: HttpRequest):
    a = actor(request)
    if a.role not in ("admin", "lead", "system"):
        access.require_inviter(a, "viewer", [])
    return [invitation_out(i) for i in queries.manageable_invitations(a)]


@router.post(
    "/invitations",
    response={201: InvitationOut},
    tags=["people"],
    summary="Invite someone by e-mail (admins: anyone; leads: contributors and viewers of their units)",
)
def invite(request: HttpRequest, payload: InvitationCreate):
    i = accounts.invite(actor(request), payload.email, payload.name, payload.role, payload.units)
    return Status(201, invitation_out(i))


@router.post(
    "/invitations/{invitation_id}/resend",
    response=InvitationOut,
    tags=["people"],
    summary="Send the invitation again: a new link, the old one stops working",
)
def resend_invitation(request: HttpRequest, invitation_id: int):
    a = actor(request)
    return invitation_out(accounts.resend_invitation(a, queries.get_invitation(a, invitation_id)))


@router.delete(
    "/invitations/{invitation_id}",
    response={204: None},
    tags=["people"],
    summary="Withdraw an invitation: its link stops working",
)
def revoke_invitation(request: HttpRequest, invitation_id: int):
    a = actor(request)
    accounts.revoke_invitation(a, queries.get_invitation(a, invitation_id))
    return Status(204, None)


# --- tokens
@router.get(
    "/tokens", response=list[TokenOut], tags=["tokens"], summary="List your tokens (admins: all)"
)
def list_tokens(request: HttpRequest):
    tokens = list(queries.tokens(actor(request)).order_by("id"))
    keys = scoped_kr_keys(tokens)
    return [token_out(t, keys) for t in tokens]


@router.post(
    "/tokens",
    response={201: TokenSecretOut},
    tags=["tokens"],
    summary="Create a personal API token",
)
def create_token(request: HttpRequest, payload: TokenCreate):
    a = actor(request)
    user = a.user
    if payload.user:
        user = queries.get_person(a, payload.user).user
    unit = queries.get_unit(a, payload.unit) if payload.unit else None
    kr = None
    if payload.key_result:
        from pilote.goals.queries import get_key_result

        kr = get_key_result(a, payload.key_result)
    token, secret = actions.create_token(a, user, payload.name, unit=unit, key_result=kr)
    return Status(201, {**token_out(token), "secret": secret})


@router.delete("/tokens/{prefix}", response=TokenOut, tags=["tokens"], summary="Revoke a token")
def revoke_token(request: HttpRequest, prefix: str):
    a = actor(request)
    return token_out(actions.revoke_token(a, queries.get_token(a, prefix)))


# --- audit
class AuditFilter(Paging):
    object_type: str | None = None
    object_key: str | None = None


@router.get("/audit", response=Page, tags=["audit"], summary="The audit trail (newest first)")
def audit(request: HttpRequest, filters: Query[AuditFilter]):
    qs = queries.audit_trail(actor(request), filters.object_type, filters.object_key)
    limit, offset = _limit(filters)
    return {"count": qs.count(), "items": [audit_out(e) for e in qs[offset : offset + limit]]}


# --- consistency


class CheckOut(Schema):
    stored_readings: list[str]
    stored_figures: list[str]
    differences: int


@router.get(
    "/check",
    response=CheckOut,
    tags=["organization"],
    summary="Compare the stored figures with a full recomputation (admin)",
)
def check(request: HttpRequest):
    """What `pilote check` does, through the API."""
    from pilote.goals import figures, latest
    from pilote.orgs.access import require_admin

    a = actor(request)
    require_admin(a)
    stored = [
        f"key result {key}: stored {have}, recomputed {want}"
        for key, have, want in latest.mismatches(a.organization.pk)
    ]
    kept = figures.mismatches(a.organization)
    return {
        "stored_readings": stored[:100],
        "stored_figures": kept[:100],
        "differences": len(stored) + len(kept),
    }
