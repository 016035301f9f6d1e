"""Models (plus computed figures) into the API's Out schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse

from pilote.errors import PreconditionFailed, PreconditionRequired
from pilote.goals.actions import objective_fields
from pilote.goals.forecasting import forecast_fields, objective_forecast
from pilote.goals.keyresults import kr_snapshot
from pilote.goals.models import CheckIn, Cycle, KeyResult, Objective, Vision
from pilote.goals.queries import KeyResultFiguresOnly, Snapshot
from pilote.messages import say
from pilote.okr.grading import effective_grade
from pilote.okr.text import N_
from pilote.orgs.access import Actor
from pilote.orgs.models import ApiToken, AuditEntry, Invitation, Membership, Unit
from pilote.roadmap.actions import initiative_snapshot
from pilote.roadmap.models import Initiative


def actor(request: HttpRequest) -> Actor:
    return request.auth  # set by pilote.api.auth


def page(items: list | Any, limit: int, offset: int) -> dict:
    items = list(items)
    return {"count": len(items), "items": items[offset : offset + limit]}


# --- optimistic concurrency --------------------------------------------------------


def etag(obj: Any) -> str:
    return f'"{type(obj).__name__.lower()}-{obj.pk}-v{obj.version}"'


def set_etag(response: HttpResponse, obj: Any) -> None:
    response["ETag"] = etag(obj)


def expected_version(request: HttpRequest, obj: Any) -> int:
    """The version the client read, from If-Match; 428 without it, 412 when stale."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            "send If-Match with the ETag you read (GET the object first)",
            [("If-Match", N_("is required on updates"))],
        )
    tags = [t.strip() for t in header.split(",")]
    if "*" in tags:
        return obj.version
    if etag(obj) not in [t.removeprefix("W/") for t in tags]:
        raise PreconditionFailed(
            "the object changed since you read it; GET it again and retry",
            [("If-Match", say("stale_etag", etag=etag(obj)))],
        )
    return obj.version


# --- objects -------------------------------------------------------------------------


def unit_out(u: Unit) -> dict:
    return {
        "key": u.key,
        "name": u.name,
        "parent": u.parent.key if u.parent_id else None,
        "version": u.version,
    }


def person_out(m: Membership | Invitation) -> dict:
    """A member, or an invitation to someone who has an account: the same shape, so that
    adding a person answers alike whether or not the address is known (orgs.actions)."""
    if isinstance(m, Invitation):
        return {"email": m.email, "name": m.name, "role": m.role,
                "units": sorted(u.key for u in m.units.all()), "version": m.version}  # fmt: skip
    return {
        "email": m.user.email,
        "name": m.user.name,
        "role": m.role,
        "units": sorted(u.key for u in m.units.all()),
        "version": m.version,
    }


def cycle_out(c: Cycle) -> dict:
    return {
        "key": c.key,
        "name": c.name,
        "start": c.start,
        "end": c.end,
        "parent": c.parent.key if c.parent_id else None,
        "closed": c.closed_at is not None,
        "version": c.version,
    }


def vision_out(v: Vision) -> dict:
    return {
        "version": v.number,
        "statement": v.statement,
        "description": v.description,
        "created_at": v.created_at,
        "created_by": v.created_by.email if v.created_by_id else None,
    }


def kr_out(snap: Snapshot | KeyResultFiguresOnly, kr: KeyResult) -> dict:
    f = snap.kr(kr)
    return {
        **kr_snapshot(kr),
        "due": kr.due or kr.objective.cycle.end,
        "current": f.current,
        "progress": f.progress,
        "expected": f.expected,
        "status": f.status.value,
        "last_check_in": f.latest.effective if f.latest else None,
        "grade": effective_grade(kr.grade, kr.grade_override),
        "grade_proposal": grade_proposal(kr),
        **forecast_fields(snap, kr),
        "version": kr.version,
    }


def objective_out(snap: Snapshot, o: Objective) -> dict:
    o = snap.row(o)
    f = snap.objective(o)
    fields = objective_fields(o)
    workflow = fields.pop("status")  # here "status" is the computed health
    return {
        **fields,
        "workflow_status": workflow,
        "aligns_to": [{"objective": p.key, "weight": w} for p, w in snap.parents_of(o)],
        "progress": f.progress,
        "expected": f.expected,
        "status": f.status.value,
        "forecast": objective_forecast(snap, o),
        "pending_changes": list(o.pending_changes or []),
        "review_comment": o.review_comment,
        "grade": effective_grade(o.grade, o.grade_override),
        "grade_proposal": grade_proposal(o),
        **lineage(snap, o),
        "key_results": [kr_out(snap, kr) for kr in snap.key_results_of(o)],
        "version": o.version,
    }


def grade_proposal(target: Objective | KeyResult) -> dict | None:
    if target.grade_proposal is None:
        return None
    return {"grade": target.grade_proposal, "reason": target.grade_proposal_reason}


def lineage(snap: Snapshot, o: Objective) -> dict:
    """Its decision, and the objectives it was carried from and to: read once for every
    objective the reader holds (a page of the list API is one query, not one per row)."""
    from pilote.goals.carrying import decision_of

    memo = snap.memo.setdefault("lineage", {})
    if o.pk not in memo:
        held = [pk for pk in snap.objectives if pk not in memo]
        pks = {o.pk, *(held if len(held) <= 1000 else ())}
        found = {pk: [None, None, None] for pk in pks}
        rows = Objective.objects.filter(pk__in=pks).exclude(carried_from=None, decision="")
        for pk, came_from, by in rows.values_list("pk", "carried_from__key", "decided_by__email"):
            found[pk][0], found[pk][2] = came_from, by
        for pk, key in Objective.objects.filter(carried_from__in=pks).values_list(
            "carried_from_id", "key"
        ):
            found[pk][1] = key
        memo.update(found)
    came_from, carried_to, by = memo[o.pk]
    decision = decision_of(o, by)
    return {"decision": decision, "carried_from": came_from, "carried_to": carried_to}


def check_in_out(ci: CheckIn) -> dict:
    return {
        "id": ci.pk,
        "key_result": ci.key_result.key,
        "value": ci.value,
        "confidence": ci.confidence,
        "comment": ci.comment,
        "next_step": ci.next_step,
        "date": ci.effective,
        "recorded_at": ci.recorded_at,
        "author": ci.author.email if ci.author_id else None,
        "source": ci.source,
        "fetched_at": ci.fetched_at,
        "raw_value": ci.raw_value,
        "withdrawn_at": ci.withdrawn_at,
        "withdrawn_by": ci.withdrawn_by.email if ci.withdrawn_by_id else None,
        "withdrawal_reason": ci.withdrawal_reason,
        "replaced_by": ci.replaced_by_id,
    }


def initiative_out(i: Initiative) -> dict:
    return {**initiative_snapshot(i), "version": i.version}


def invitation_out(i: Invitation) -> dict:
    return {
        "id": i.pk,
        "email": i.email,
        "name": i.name,
        "role": i.role,
        "units": sorted(u.key for u in i.units.all()),
        "invited_by": i.invited_by.email if i.invited_by_id else None,
        "created_at": i.created_at,
        "expires_at": i.expires_at,
        "expired": i.expired,
        "sent_at": i.sent_at,
        "sent_count": i.sent_count,
    }


def token_out(t: ApiToken, kr_keys: dict[int, str] | None = None) -> dict:
    return {
        "prefix": t.prefix,
        "name": t.name,
        "user": t.user.email,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
        "unit": t.scope_unit.key if t.scope_unit_id else None,
        "key_result": _scoped_kr_key(t, kr_keys),
    }


def scoped_kr_keys(tokens: list[ApiToken]) -> dict[int, str]:
    """The keys of the KRs some tokens are narrowed to, in one query (lists stay flat)."""
    ids = {t.scope_key_result_id for t in tokens if t.scope_key_result_id is not None}
    return dict(KeyResult.objects.filter(pk__in=ids).values_list("pk", "key")) if ids else {}


def _scoped_kr_key(t: ApiToken, kr_keys: dict[int, str] | None) -> str | None:
    if t.scope_key_result_id is None:
        return None
    keys = kr_keys if kr_keys is not None else scoped_kr_keys([t])
    return keys.get(t.scope_key_result_id, "(deleted)")


def audit_out(a: AuditEntry) -> dict:
    return {
        "id": a.pk,
        "at": a.at,
        "actor": a.actor_label,
        "action": a.action,
        "object_type": a.object_type,
        "object_key": a.object_key,
        "before": a.before,
        "after": a.after,
        "comment": a.comment,
    }


class ApiJSONEncoder(DjangoJSONEncoder):
    """JSON as the response schemas write it, for routes that skip them for speed: datetimes
    keep their microseconds (Django's encoder cuts them to milliseconds), UTC as ``Z``."""

    def default(self, o):
        if isinstance(o, datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def hits_out(h) -> dict:
    return {"objectives": h.objectives, "graded": h.graded, "hits": h.hits,
            "hit_rate": h.hit_rate, "mean_grade": h.mean}  # fmt: skip


def retrospective_out(r) -> dict:
    """A cycle's retrospective (goals/retrospective.py)."""
    return {
        "cycle": r.cycle.key,
        "closed": r.cycle.closed_at is not None,
        "provisional": r.provisional,
        "as_of": r.as_of,
        "retrospective": r.cycle.retrospective,
        "total": hits_out(r.total),
        "units": [
            {
                "unit": u.key,
                "name": u.name,
                **hits_out(u.hits),
                "deferred": u.deferred,
                "dropped": u.dropped,
            }  # fmt: skip
            for u in r.units
        ],
        "grades": [
            {
                "objective": g.objective.key,
                "title": g.objective.title,
                "unit": g.objective.unit.key,
                "level": g.objective.level,
                "workflow_status": g.objective.status,
                "owner": g.objective.owner.email if g.objective.owner_id else None,
                "grade": g.grade,
                "computed": g.computed,
                "color": g.color,
                "counted": g.counted,
                "decision": g.objective.decision or None,
            }
            for g in r.graded
        ],
        "learnings": [
            {
                "objective": g.objective.key,
                "title": g.objective.title,
                "decision": g.objective.decision or None,
                "what_worked": g.objective.what_worked,
                "what_did_not": g.objective.what_did_not,
                "learnt": g.objective.learnt,
            }
            for g in r.learnings
        ],
        "impact": {
            "reviewed": r.ledger.reviewed,
            "delivered_half": r.ledger.delivered_half,
            "mean_ratio": r.ledger.mean_ratio,
            "initiatives": [
                {
                    "initiative": d.key,
                    "title": d.title,
                    "delivered_on": d.delivered_on,
                    "unit": d.unit,
                    "reviews": [
                        {
                            "key_result": v.key_result,
                            "expected": v.expected,
                            "measured": v.measured,
                            "ratio": v.ratio,
                        }  # fmt: skip
                        for v in d.reviews
                    ],
                }
                for d in r.delivered
            ],
        },
    }
