"""Every write on initiatives and their declared impacts (rule 2)."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction

from pilote.errors import Conflict, Invalid, unknown
from pilote.goals.actions import member_by_email
from pilote.goals.models import KeyResult
from pilote.messages import say
from pilote.okr.text import N_, listed_twice, one_of
from pilote.orgs import audit
from pilote.orgs.access import Actor, require_initiative_writer
from pilote.orgs.actions import bump, check_version, made_key, validate_key
from pilote.orgs.audit import AuditType
from pilote.orgs.models import Unit

from .models import Horizon, Impact, Initiative, InitiativeStatus


def initiative_snapshot(i: Initiative) -> dict:
    return {
        "key": i.key,
        "title": i.title,
        "description": i.description,
        "unit": i.unit.key if i.unit_id else None,
        "owner": i.owner.email if i.owner_id else None,
        "status": i.status,
        "horizon": i.horizon or None,
        "start": i.start,
        "end": i.end,
        "effort": i.effort,
        "confidence": i.confidence,
        "delivered_on": i.delivered_on,
        "reach": i.reach,
        "rice_impact": i.rice_impact,
        "value": i.value,
        "impacts": [
            {"key_result": m.key_result.key, "expected": m.expected, "rationale": m.rationale}
            for m in i.impacts.all()  # prefetched with their key results by roadmap.queries
        ],
    }


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _apply(actor: Actor, ini: Initiative, data: dict) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if "title" in data:
        if not (data["title"] or "").strip():
            errors.append(("title", N_("a title is required")))
        ini.title = (data["title"] or "").strip()
    if "description" in data:
        ini.description = (data["description"] or "").strip()
    if "unit" in data:
        if data["unit"]:
            ini.unit = Unit.objects.filter(
                organization=actor.organization, key=data["unit"]
            ).first()
            if ini.unit is None:
                errors.append(("unit", unknown("unit", data["unit"])))
        else:
            ini.unit = None
    if "owner" in data:
        try:
            ini.owner = member_by_email(actor, data["owner"], "owner")
        except Invalid as exc:
            errors.extend(exc.errors)
    if "status" in data and data["status"] is not None:
        if data["status"] not in InitiativeStatus.values:
            errors.append(("status", one_of(InitiativeStatus.values)))
        ini.status = data["status"]
    if "horizon" in data:
        if data["horizon"] and data["horizon"] not in Horizon.values:
            errors.append(("horizon", N_("must be now, next or later")))
        ini.horizon = data["horizon"] or ""
    for f in ("start", "end", "delivered_on"):
        if f in data:
            setattr(ini, f, data[f])
    if ini.start and ini.end and ini.end < ini.start:
        errors.append(("end", N_("must be on or after start")))
    if "effort" in data:
        if data["effort"] is not None and (not _num(data["effort"]) or data["effort"] <= 0):
            errors.append(("effort", N_("must be a number of person-weeks greater than 0")))
        ini.effort = data["effort"]
    if "confidence" in data:
        if data["confidence"] is not None and (
            not _num(data["confidence"]) or not 0 <= data["confidence"] <= 1
        ):
            errors.append(("confidence", N_("must be between 0 and 1")))
        ini.confidence = data["confidence"]
    for f in ("reach", "rice_impact", "value"):
        if f in data:
            if data[f] is not None and (not _num(data[f]) or data[f] < 0):
                errors.append((f, N_("must be a number of 0 or more")))
            setattr(ini, f, data[f])
    return errors


def _impacts(actor: Actor, impacts: list[dict], errors: list) -> list[tuple[KeyResult, float, str]]:
    out, seen = [], set()
    krs = {
        k.key: k
        for k in KeyResult.objects.filter(
            organization=actor.organization, key__in=[i.get("key_result") for i in impacts]
        )
    }
    for n, imp in enumerate(impacts):
        kr = krs.get(imp.get("key_result"))
        if kr is None:
            errors.append(
                (f"impacts[{n}].key_result", unknown("key result", imp.get("key_result")))
            )
            continue
        if kr.key in seen:
            errors.append((f"impacts[{n}].key_result", listed_twice(kr.key)))
        seen.add(kr.key)
        if not _num(imp.get("expected")):
            errors.append(
                (
                    f"impacts[{n}].expected",
                    "must be a number (the change expected, in the KR's unit)",
                )
            )
            continue
        out.append((kr, float(imp["expected"]), (imp.get("rationale") or "").strip()))
    return out


def _save(actor: Actor, ini: Initiative, data: dict, errors: list) -> None:
    impacts = _impacts(actor, data["impacts"], errors) if data.get("impacts") is not None else None
    if errors:
        raise Invalid("invalid initiative", errors)
    require_initiative_writer(actor, ini.unit_id)
    ini.save()
    if impacts is not None:
        Impact.objects.filter(initiative=ini).delete()
        Impact.objects.bulk_create(
            [Impact(initiative=ini, key_result=k, expected=e, rationale=r) for k, e, r in impacts]
        )


@transaction.atomic
def create_initiative(actor: Actor, data: dict) -> Initiative:
    data = {
        **data,
        "key": made_key(Initiative, actor.organization, data.get("key"), data.get("title")),
    }
    errors = validate_key(data["key"])
    ini = Initiative(organization=actor.organization, key=data.get("key", ""))
    errors += _apply(actor, ini, {"title": data.get("title", ""), **data})
    if (
        not errors
        and Initiative.objects.filter(organization=actor.organization, key=ini.key).exists()
    ):
        raise Conflict(
            say("already_exists", what="initiative", key=ini.key), [("key", N_("already exists"))]
        )
    _save(actor, ini, data, errors)
    audit.record(actor, "create", AuditType.INITIATIVE, ini.key, after=initiative_snapshot(ini))
    return ini


@transaction.atomic
def update_initiative(
    actor: Actor, ini: Initiative, changes: dict, expected_version: int | None = None
) -> Initiative:
    ini = Initiative.objects.select_for_update().get(pk=ini.pk)
    require_initiative_writer(actor, ini.unit_id)
    check_version(ini, expected_version)
    before = initiative_snapshot(ini)
    errors = _apply(actor, ini, changes)
    bump(ini)
    _save(actor, ini, changes, errors)
    audit.record(
        actor,
        "update",
        AuditType.INITIATIVE,
        ini.key,
        *audit.changed(before, initiative_snapshot(ini)),
    )
    return ini


@transaction.atomic
def delete_initiative(actor: Actor, ini: Initiative) -> None:
    require_initiative_writer(actor, ini.unit_id)
    before = initiative_snapshot(ini)
    ini.delete()
    audit.record(actor, "delete", AuditType.INITIATIVE, before["key"], before=before)
