"""Every write on key results and check-ins (rule 2)."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from pilote import events
from pilote.db import insert_rows
from pilote.errors import Conflict, Forbidden, Invalid
from pilote.messages import say
from pilote.okr.checkin import next_step_errors
from pilote.okr.grading import grade_errors
from pilote.okr.progress import definition_errors, resolve_kind, value_errors
from pilote.okr.rollup import weight_errors
from pilote.okr.text import N_
from pilote.okr.types import KeyResultFacts, Kind, Phase
from pilote.okr.workflow import REVALIDATED_FIELDS
from pilote.orgs import audit
from pilote.orgs.access import (
    Actor,
    grades_directly,
    require_check_in,
    require_grade_confirmer,
    require_grader,
    require_objective_edit,
    require_withdraw_check_in,
    scoped,
)
from pilote.orgs.actions import bump, check_version, made_key, validate_key
from pilote.orgs.audit import AuditAction, AuditType

from . import figures
from .actions import member_by_email, note_revalidation
from .latest import note_check_in, note_check_ins
from .models import BulkRequest, CheckIn, Cycle, KeyResult, Objective

KR_FIELDS = (
    "title",
    "kind",
    "unit",
    "baseline",
    "target",
    "min",
    "max",
    "milestones",
    "phases",
    "weight",
    "owner",
    "due",
)
# What a KR's figures (and its objective's) follow: a change of any other field (a title, an
# owner) touches no figure.
FIGURE_FIELDS = (
    "kind",
    "baseline",
    "target",
    "min",
    "max",
    "milestones",
    "phases",
    "weight",
    "due",
)
# API / YAML name -> model attribute
ATTR = {"unit": "unit_label", "min": "minimum", "max": "maximum"}


def facts_of(kr: KeyResult) -> KeyResultFacts:
    """The plain facts the rules need about a KR."""
    return facts_from(*(getattr(kr, f) for f in FACT_COLUMNS), kr.objective.cycle.end)


# The KR columns its facts come from, in facts_from's order (then its cycle's end).
FACT_COLUMNS = ("kind", "baseline", "target", "minimum", "maximum", "milestones", "due", "phases")


def facts_from(kind, baseline, target, minimum, maximum, milestones, due, phases, cycle_end):
    """The facts of a KR from its columns (a query's values, no model instance)."""
    return KeyResultFacts(
        kind=Kind(kind),
        baseline=baseline,
        target=target,
        minimum=minimum,
        maximum=maximum,
        milestones=len(milestones or []),
        due=due or cycle_end,
        phases=tuple(
            Phase(date.fromisoformat(str(p["date"])), float(p["value"])) for p in (phases or [])
        ),
    )


def kr_snapshot(kr: KeyResult) -> dict:
    return {
        "key": kr.key,
        "objective": kr.objective.key,
        "title": kr.title,
        "kind": kr.kind,
        "unit": kr.unit_label,
        "baseline": kr.baseline,
        "target": kr.target,
        "min": kr.minimum,
        "max": kr.maximum,
        "milestones": list(kr.milestones or []),
        "phases": list(kr.phases or []),
        "weight": kr.weight,
        "owner": kr.owner.email if kr.owner_id else None,
        "due": kr.due,
    }


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _apply_fields(actor: Actor, kr: KeyResult, data: dict) -> None:
    """Copy the given fields onto ``kr`` and check the whole definition; raise Invalid listing every error."""
    errors: list[tuple[str, str]] = []
    for name in ("baseline", "target", "min", "max", "weight"):
        if name in data and data[name] is not None and not _finite(data[name]):
            errors.append((name, N_("must be a number")))
    if "title" in data:
        if not (data["title"] or "").strip():
            errors.append(("title", N_("a title is required")))
        kr.title = (data["title"] or "").strip()
    if "unit" in data:
        kr.unit_label = (data["unit"] or "").strip()
    for name in ("baseline", "target", "min", "max"):
        if name in data and (data[name] is None or _finite(data[name])):
            setattr(kr, ATTR.get(name, name), None if data[name] is None else float(data[name]))
    if "weight" in data and data["weight"] is not None:
        problems = weight_errors(data["weight"])
        errors += [("weight", m) for m in problems]
        if not problems:
            kr.weight = float(data["weight"])
    if "milestones" in data:
        ms = data["milestones"] or []
        if not isinstance(ms, list) or not all(isinstance(m, str) and m.strip() for m in ms):
            errors.append(("milestones", N_("must be a list of milestone names")))
        else:
            kr.milestones = [m.strip() for m in ms]
    if "phases" in data:
        phases = data["phases"] or []
        for i, p in enumerate(phases):
            if not isinstance(p, dict) or not _finite(p.get("value")):
                errors.append((f"phases[{i}].value", N_("must be a number")))
            try:
                date.fromisoformat(str(p.get("date") if isinstance(p, dict) else ""))
            except ValueError:
                errors.append((f"phases[{i}].date", N_("must be a date (YYYY-MM-DD)")))
        if not any(path.startswith("phases") for path, _ in errors):
            kr.phases = [{"date": str(p["date"]), "value": float(p["value"])} for p in phases]
    if "due" in data:
        kr.due = data["due"]
    if "owner" in data:
        try:
            kr.owner = member_by_email(actor, data["owner"], "owner")
        except Invalid as exc:
            errors.extend(exc.errors)
    if "kind" in data:
        kind, kind_errors = resolve_kind(data["kind"], kr.baseline, kr.target)
        errors.extend(kind_errors)
        if kind is not None:
            kr.kind = kind.value
    if kr.kind and not errors:
        errors.extend(definition_errors(facts_of(kr)))
    if errors:
        raise Invalid("invalid key result", errors)


@transaction.atomic
def create_key_result(actor: Actor, objective: Objective, data: dict) -> KeyResult:
    require_objective_edit(actor, objective)
    data = {
        **data,
        "key": made_key(KeyResult, actor.organization, data.get("key"), data.get("title")),
    }
    errors = validate_key(data["key"])
    if errors:
        raise Invalid("invalid key result", errors)
    if KeyResult.objects.filter(organization=actor.organization, key=data["key"]).exists():
        raise Conflict(
            say("already_exists", what="key result", key=data["key"]),
            [("key", N_("already exists"))],
        )
    kr = KeyResult(organization=actor.organization, objective=objective, key=data["key"], kind="")
    payload = {**data, "kind": data.get("kind")}
    if not payload.get("title"):
        payload["title"] = ""
    _apply_fields(actor, kr, payload)
    kr.position = objective.key_results.count()
    kr.save()
    figures.refresh_key_results(actor.organization, [kr.pk])
    audit.record(actor, "create", AuditType.KEY_RESULT, kr.key, after=kr_snapshot(kr))
    events.publish(
        actor.organization.pk,
        "key_result.changed",
        {"key_result": kr.key, "objective": objective.key},
    )
    return kr


@transaction.atomic
def create_objective_with_key_results(
    actor: Actor, data: dict, key_results: list[dict]
) -> Objective:
    """An objective and its KRs in one go: all or nothing, every KR error with its path."""
    from .actions import create_objective

    objective = create_objective(actor, data)
    errors: list[tuple[str, str]] = []
    for i, kr in enumerate(key_results):
        try:
            with transaction.atomic():
                create_key_result(actor, objective, kr)
        except Invalid as exc:
            errors += [
                (f"key_results[{i}].{p}" if p else f"key_results[{i}]", m) for p, m in exc.errors
            ]
        except Conflict as exc:
            errors += [
                (f"key_results[{i}].{p}" if p else f"key_results[{i}]", m)
                for p, m in exc.errors or [("", exc.detail)]
            ]
    if errors:
        raise Invalid("invalid key results: nothing was created", errors)
    return objective


@transaction.atomic
def update_key_result(
    actor: Actor, kr: KeyResult, changes: dict, expected_version: int | None = None
) -> KeyResult:
    kr = KeyResult.objects.select_for_update().select_related("objective__cycle").get(pk=kr.pk)
    require_objective_edit(actor, kr.objective)
    check_version(kr, expected_version)
    before = kr_snapshot(kr)
    _apply_fields(actor, kr, {k: v for k, v in changes.items() if k in KR_FIELDS})
    bump(kr)
    kr.save()
    after = kr_snapshot(kr)
    if any(before[f] != after[f] for f in FIGURE_FIELDS):
        figures.refresh_key_results(actor.organization, [kr.pk])
    diff = {f: (before[f], after[f]) for f in REVALIDATED_FIELDS if before[f] != after[f]}
    if diff:
        note_revalidation(actor, kr.objective, kr.key, diff)
    audit.record(actor, "update", AuditType.KEY_RESULT, kr.key, *audit.changed(before, after))
    events.publish(
        actor.organization.pk,
        "key_result.changed",
        {"key_result": kr.key, "objective": kr.objective.key},
    )
    return kr


@transaction.atomic
def delete_key_result(actor: Actor, kr: KeyResult) -> None:
    require_objective_edit(actor, kr.objective)
    before = kr_snapshot(kr)
    objective_id = kr.objective_id
    kr.delete()
    figures.refresh_objectives([objective_id])
    audit.record(actor, "delete", AuditType.KEY_RESULT, before["key"], before=before)
    events.publish(
        actor.organization.pk,
        "key_result.changed",
        {"key_result": before["key"], "objective": before["objective"]},
    )


# --- check-ins ------------------------------------------------------------------


def check_in_errors(
    kr: KeyResult,
    value: Any,
    confidence: Any,
    effective: Any,
    path: str = "",
    next_step: str | None = None,
) -> list[tuple[str, str]]:
    """``next_step`` None: the check-in is not a person's (an import, a data source), which
    the next-step rule does not ask (pilote/okr/checkin.py)."""
    p = f"{path}." if path else ""
    errors = []
    if next_step is not None and isinstance(confidence, int):
        errors += [(f"{p}{f}", m) for f, m in next_step_errors(confidence, next_step)]
    if next_step is not None and len(next_step) > 2000:
        errors.append((f"{p}next_step", N_("at most 2,000 characters")))
    if not _finite(value):
        errors.append((f"{p}value", N_("must be a number")))
    else:
        errors += [(f"{p}value", m) for m in value_errors(facts_of(kr), float(value))]
    if confidence is not None and (
        not isinstance(confidence, int) or isinstance(confidence, bool) or not 0 <= confidence <= 10
    ):
        errors.append((f"{p}confidence", N_("must be a whole number from 0 to 10")))
    if not isinstance(effective, date):
        errors.append((f"{p}date", N_("must be a date (YYYY-MM-DD)")))
    return errors


def request_digest(
    kr_key: str, value: Any, confidence: Any, comment: str, effective: Any, next_step: str = ""
) -> str:
    fields = [kr_key, value, confidence, comment or "", str(effective)]
    body = json.dumps(fields + ([next_step] if next_step else []), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _asks_next_step(actor: Actor, author=None) -> bool:
    """People checking in are asked for a next step; an import's history and a data
    source's readings are not (pilote/okr/checkin.py)."""
    return actor.user is not None and author is None


def _record(
    actor: Actor,
    kr: KeyResult,
    value,
    confidence,
    comment,
    effective,
    idempotency_key,
    path="",
    author=None,
    provenance: dict | None = None,
    announce: bool = True,
    next_step: str = "",
    ask_next_step: bool = True,
) -> tuple[CheckIn, bool]:
    require_check_in(actor, kr)
    if author is not None and actor.role != "system":
        raise Forbidden(N_("only an import records a check-in in another person's name"))
    next_step = (next_step or "").strip()
    digest = request_digest(kr.key, value, confidence, comment, effective, next_step)
    _check_idempotency_key(idempotency_key or None)
    if idempotency_key:
        prior = (
            CheckIn.every.filter(  # a replay of a withdrawn check-in answers it, withdrawn
                organization=actor.organization,
                source=actor.source,
                idempotency_key=idempotency_key,
            )
            .select_related("key_result")
            .first()
        )
        if prior is not None:
            if prior.request_digest != digest:
                raise Invalid(
                    "idempotency key reused with another body",
                    [("Idempotency-Key", N_("this key was already used for a different check-in"))],
                )
            return prior, False
    asks = next_step if ask_next_step and _asks_next_step(actor, author) else None
    errors = check_in_errors(kr, value, confidence, effective, path, asks)
    if errors:
        raise Invalid("invalid check-in", errors)
    check_in = CheckIn.objects.create(
        organization=actor.organization,
        key_result=kr,
        value=float(value),
        confidence=confidence,
        comment=(comment or "").strip(),
        next_step=next_step,
        effective=effective,
        author=author or actor.user,
        source=actor.source,
        idempotency_key=idempotency_key or None,
        request_digest=digest,
        **(provenance or {}),
    )
    note_check_in(check_in)
    audit.record(
        actor,
        AuditAction.CHECK_IN,
        AuditType.KEY_RESULT,
        kr.key,
        after={
            "value": check_in.value,
            "confidence": confidence,
            "date": effective,
            "comment": check_in.comment,
            **({"next_step": check_in.next_step} if check_in.next_step else {}),
        },
    )
    if announce:
        events.publish(
            actor.organization.pk,
            "check_in.recorded",
            {"key_result": kr.key, "objective": kr.objective.key, "value": check_in.value},
        )
    return check_in, True


REASON_MAX = 500


@transaction.atomic
def withdraw_check_in(
    actor: Actor, check_in: CheckIn, reason: str, replaced_by: CheckIn | None = None
) -> CheckIn:
    """Take a wrong check-in out of every figure, keeping it (struck out, with who, when and
    why) in its KR's history: the KR's current reading and the figures above it are
    recomputed from the check-ins that still count, and their history rewritten."""
    kr = check_in.key_result
    require_withdraw_check_in(actor, check_in)
    reason = (reason or "").strip()
    if not reason and replaced_by is None:  # a correction says why by its new value
        raise Invalid(
            "a reason is required to withdraw a check-in",
            [("reason", N_("required: say why this value does not count"))],
        )
    if len(reason) > REASON_MAX:
        raise Invalid("reason too long", [("reason", N_("must be at most 500 characters"))])
    # The KR's row locked first: a check-in recorded meanwhile (its conditional UPDATE of
    # this row) waits, or has committed and is read below; its reading is never overwritten.
    list(KeyResult.objects.select_for_update().filter(pk=kr.pk).values_list("pk", flat=True))
    taken = CheckIn.every.filter(pk=check_in.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(),
        withdrawn_by=actor.user,
        withdrawal_reason=reason,
        replaced_by=replaced_by,
    )
    if not taken:  # withdrawn meanwhile (another tab, another person): nothing to do twice
        raise Conflict(
            "this check-in was already withdrawn",
            [("check_in", N_("this check-in was already withdrawn"))],
        )
    from . import latest

    reading = latest.recomputed([kr.pk]).get(kr.pk, (None, None, None, None))
    KeyResult.objects.filter(pk=kr.pk).update(**dict(zip(latest.FIELDS, reading, strict=True)))
    figures.refresh_key_results(actor.organization, [kr.pk])
    audit.record(
        actor,
        "withdraw_check_in",
        AuditType.KEY_RESULT,
        kr.key,
        before={"value": check_in.value, "date": check_in.effective, "check_in": check_in.pk},
        after={"replaced_by": replaced_by.pk} if replaced_by else None,
        comment=reason,
    )
    events.publish(
        actor.organization.pk,
        "check_in.recorded",  # pages and alerts hear it as they hear a new value
        {"key_result": kr.key, "objective": kr.objective.key, "withdrawn": check_in.pk},
    )
    check_in.refresh_from_db()
    return check_in


@transaction.atomic
def correct_check_in(
    actor: Actor,
    check_in: CheckIn,
    value: Any,
    confidence: int | None = None,
    comment: str | None = None,
    reason: str = "",
) -> CheckIn:
    """Replace a wrong value: a new check-in of the same day (its comment kept unless another
    is given) and the old one withdrawn, pointing to it. All or nothing."""
    require_withdraw_check_in(actor, check_in)
    if check_in.withdrawn_at is not None:
        raise Conflict(
            "this check-in was already withdrawn",
            [("check_in", N_("this check-in was already withdrawn"))],
        )
    kr = check_in.key_result
    new, _ = _record(
        actor,
        kr,
        value,
        check_in.confidence if confidence is None else confidence,
        check_in.comment if comment is None else comment,
        check_in.effective,
        None,
        announce=False,
        next_step=check_in.next_step,
        ask_next_step=False,  # a correction of a value keeps what the check-in said
    )
    withdraw_check_in(actor, check_in, reason, replaced_by=new)
    return new


def doubt_about_check_in(actor: Actor, kr: KeyResult, value: float):
    """Whether a value a person typed for this KR looks like a typo (pilote.okr.freshness.
    doubt_about: outside its bounds, or far beyond its usual change), from its last check-ins;
    None when plausible. Pages ask the person to confirm such a value before recording it."""
    from pilote.okr.freshness import doubt_about

    from .latest import CHECK_IN_ORDER

    recent = list(
        scoped(actor, CheckIn.objects.filter(key_result=kr))
        .order_by(*(f"-{f}" for f in CHECK_IN_ORDER))
        .values_list("value", flat=True)[:20]
    )
    kr_range = (
        kr.target - kr.baseline if kr.target is not None and kr.baseline is not None else None
    )
    return doubt_about(value, recent[::-1], kr.minimum, kr.maximum, kr_range)


def record_check_in(
    actor: Actor,
    kr: KeyResult,
    value: Any,
    confidence: int | None = None,
    comment: str = "",
    effective: date | None = None,
    idempotency_key: str | None = None,
    author=None,
    fetched_at=None,
    raw_value: str = "",
    next_step: str = "",
) -> tuple[CheckIn, bool]:
    """Append a check-in. Returns (check-in, created); a replay with the same key and body creates nothing.

    ``author`` (import only) names the person who made a check-in recorded from a file;
    ``fetched_at`` and ``raw_value`` record where a data source's value came from.
    """
    effective = effective or date.today()
    provenance = {"fetched_at": fetched_at, "raw_value": raw_value or ""}
    args = (
        actor,
        kr,
        value,
        confidence,
        comment,
        effective,
        idempotency_key,
        "",
        author,
        provenance,
    )
    try:
        with transaction.atomic():
            return _record(*args, next_step=next_step)
    except IntegrityError:
        # Two requests with one idempotency key raced: the other one won; answer as it did.
        with transaction.atomic():
            return _record(*args, next_step=next_step)


_COLUMNS = (
    "organization_id",
    "key_result_id",
    "value",
    "confidence",
    "comment",
    "next_step",
    "effective",
    "recorded_at",
    "author_id",
    "source",
    "idempotency_key",
    "request_digest",
    "fetched_at",
    "raw_value",
    "withdrawal_reason",
)


def _insert(rows: list[CheckIn]) -> None:
    """The check-ins in one COPY (PostgreSQL) or multi-row INSERT (SQLite): ``bulk_create``'s
    preparing of every field of every instance was two thirds of a 1,000-check-in request."""
    now = timezone.now()
    values = []
    for ci in rows:
        ci.recorded_at = now
        values.append(
            (ci.organization_id, ci.key_result_id, ci.value, ci.confidence, ci.comment,
             ci.next_step, ci.effective, now, ci.author_id, ci.source, None,
             ci.request_digest, None, "", "")
        )  # fmt: skip
    ids = insert_rows(CheckIn._meta.db_table, _COLUMNS, values, returning_ids=True)
    for ci, pk in zip(rows, ids, strict=True):
        ci.pk = pk
        ci._state.adding = False


# A check-in made without ``Model.__init__``'s keyword handling (53 µs each, a tenth of a
# bulk): its columns in the model's order, from these defaults.
_ORDER = [f.attname for f in CheckIn._meta.concrete_fields]
_BLANK = {"id": None, "recorded_at": None, "idempotency_key": None, "fetched_at": None,
          "raw_value": "", "withdrawn_at": None, "withdrawn_by_id": None,
          "withdrawal_reason": "", "replaced_by_id": None}  # fmt: skip


def _new_check_in(actor: Actor, kr: KeyResult, **values) -> CheckIn:
    values.update(organization_id=actor.organization.pk, key_result_id=kr.pk,
                  author_id=actor.user.pk if actor.user else None, source=actor.source)  # fmt: skip
    ci = CheckIn(*[values[a] if a in values else _BLANK[a] for a in _ORDER])
    ci.organization, ci.key_result, ci.author = actor.organization, kr, actor.user
    return ci


def by_keys(actor: Actor, keys: set[str]) -> dict[str, KeyResult]:
    """The actor's organisation's KRs named by ``keys``, with what checking in on them needs
    (objective, cycle) loaded once each and shared: a bulk of 1,000 check-ins built 3,000
    model instances where ~1,100 are needed. A check-in reading another column of these
    KRs would query it per KR: ``tests/api`` counts the bulk's queries."""
    # Only the columns a check-in reads (the gate, the value's rules, the answer's key).
    columns = ("id", "key", "organization_id", "objective_id", "owner_id", *FACT_COLUMNS)
    krs = list(scoped(actor, KeyResult.objects.filter(key__in=keys)).only(*columns))
    objectives = {
        o.pk: o
        for o in Objective.objects.filter(pk__in={kr.objective_id for kr in krs}).only(
            "pk", "key", "unit_id", "cycle_id", "organization_id", "owner_id", "level", "status"
        )
    }
    cycles = {
        c.pk: c for c in Cycle.objects.filter(pk__in={o.cycle_id for o in objectives.values()})
    }
    for o in objectives.values():
        o.cycle = cycles[o.cycle_id]
    for kr in krs:
        kr.objective = objectives[kr.objective_id]
    return {kr.key: kr for kr in krs}


@transaction.atomic
def record_check_ins(
    actor: Actor, items: list[dict], path: str = "check_ins", idempotency_key: str | None = None
) -> tuple[list[CheckIn], bool]:
    """Bulk: all or nothing. Each item: {key_result: KeyResult, value, confidence, comment, date}.

    The same rules as ``record_check_in`` (permission, validation, stored current reading,
    one audit entry per check-in), written set-wise: one INSERT of the check-ins, one
    batched conditional UPDATE of the KRs' stored readings, one INSERT of the audit entries
    under one data version, one event. With an ``idempotency_key``, the same key and body
    again answers the check-ins recorded the first time (``created`` False) and records
    nothing; the same key with another body is refused. Returns (check-ins, created).
    """
    claim = None
    _check_idempotency_key(idempotency_key)
    if idempotency_key:
        claim, prior = _claim_bulk(actor, idempotency_key, _bulk_digest(items))
        if prior is not None:
            return prior, False
    errors: list[tuple[str, str]] = []
    rows: list[CheckIn] = []
    today = date.today()
    for i, item in enumerate(items):
        kr = item["key_result"]
        require_check_in(actor, kr)
        value, confidence = item.get("value"), item.get("confidence")
        comment, effective = item.get("comment", "") or "", item.get("date") or today
        next_step = (item.get("next_step") or "").strip()
        asks = next_step if _asks_next_step(actor) else None
        problems = check_in_errors(kr, value, confidence, effective, f"{path}[{i}]", asks)
        if problems:
            errors.extend(problems)
            continue
        rows.append(
            _new_check_in(
                actor, kr, value=float(value), confidence=confidence, comment=comment.strip(),
                next_step=next_step, effective=effective,
                request_digest=request_digest(kr.key, value, confidence, comment, effective,
                                              next_step),
            )
        )  # fmt: skip
    if errors:
        raise Invalid("invalid check-ins: nothing was recorded", errors)
    if not rows:
        return [], True
    _insert(rows)
    if claim is not None:
        BulkRequest.objects.filter(pk=claim.pk).update(check_in_ids=[ci.pk for ci in rows])
    note_check_ins(rows)
    audit.record_many(
        actor,
        AuditAction.CHECK_IN,
        AuditType.KEY_RESULT,
        [
            (
                ci.key_result.key,
                {
                    "value": ci.value,
                    "confidence": ci.confidence,
                    "date": ci.effective,
                    "comment": ci.comment,
                    **({"next_step": ci.next_step} if ci.next_step else {}),
                },
            )
            for ci in rows
        ],
    )
    # One event for the batch: pages refresh once, alerts are checked in one task.
    events.publish(
        actor.organization.pk,
        "check_ins.recorded",
        {"key_results": sorted({ci.key_result.key for ci in rows}), "count": len(rows)},
    )
    return rows, True


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and (not key.strip() or len(key) > 200):
        raise Invalid(
            "invalid idempotency key",
            [("Idempotency-Key", N_("must be 1 to 200 characters (a UUID is a good choice)"))],
        )


def _bulk_digest(items: list[dict]) -> str:
    body = [
        request_digest(i["key_result"].key, i.get("value"), i.get("confidence"),
                       i.get("comment", "") or "", i.get("date"),
                       (i.get("next_step") or "").strip())
        for i in items
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(body).encode()).hexdigest()


def _claim_bulk(
    actor: Actor, key: str, digest: str
) -> tuple[BulkRequest | None, list[CheckIn] | None]:
    """(this request's claim on the key, None) or (None, the check-ins of the first request).

    The claim is a unique row written first: of two requests racing with one key, the
    second waits for the first's commit (PostgreSQL) or its turn (SQLite), then replays it.
    """
    try:
        with transaction.atomic():
            claim = BulkRequest.objects.create(
                organization=actor.organization, source=actor.source, key=key, digest=digest
            )
        return claim, None
    except IntegrityError:
        prior = BulkRequest.objects.get(
            organization=actor.organization, source=actor.source, key=key
        )
    if prior.digest != digest:
        raise Invalid(
            "idempotency key reused with another body",
            [("Idempotency-Key", N_("this key was already used for different check-ins"))],
        )
    recorded = CheckIn.every.filter(pk__in=prior.check_in_ids).select_related(
        "key_result", "author"
    )
    return None, sorted(recorded, key=lambda ci: ci.pk)


# --- grading ---------------------------------------------------------------------


def _grade_state(target: Objective | KeyResult) -> dict:
    return {
        "grade": target.grade,
        "grade_override": target.grade_override,
        "reason": target.grade_reason,
        "proposal": target.grade_proposal,
        "proposal_reason": target.grade_proposal_reason,
    }


def _graded(actor: Actor, target, action: str, before: dict, fields: list[str]):
    target.save(update_fields=fields)
    kind = "objective" if isinstance(target, Objective) else "key_result"
    audit.record(actor, action, kind, target.key, before=before, after=_grade_state(target))
    return target


def _objective_of(target: Objective | KeyResult) -> Objective:
    return target if isinstance(target, Objective) else target.objective


PROPOSAL_FIELDS = ["grade_proposal", "grade_proposal_reason", "grade_proposed_by"]


@transaction.atomic
def override_grade(
    actor: Actor, target: Objective | KeyResult, value: Any, reason: str
) -> Objective | KeyResult:
    """A person's grade beside the computed one (both kept), with a written reason. An
    executive's is the override; an owner's or a lead's is a proposal until an executive
    confirms it (``confirm_grade``) or dismisses it (``dismiss_grade``)."""
    require_grader(actor, _objective_of(target))
    if not _finite(value):
        raise Invalid("invalid grade", [("grade", N_("must be a number"))])
    errors = grade_errors(float(value), reason or "")
    if errors:
        raise Invalid("invalid grade", errors)
    before = _grade_state(target)
    if grades_directly(actor):
        target.grade_override = float(value)
        target.grade_reason = reason.strip()
        target.grade_proposal, target.grade_proposal_reason = None, ""
        target.grade_proposed_by = None
        return _graded(
            actor, target, "grade_override", before,
            ["grade_override", "grade_reason", *PROPOSAL_FIELDS],
        )  # fmt: skip
    target.grade_proposal = float(value)
    target.grade_proposal_reason = reason.strip()
    target.grade_proposed_by = actor.user
    return _graded(actor, target, "grade_proposal", before, PROPOSAL_FIELDS)


@transaction.atomic
def confirm_grade(actor: Actor, target: Objective | KeyResult) -> Objective | KeyResult:
    """An executive makes the proposed grade the override, with its proposer's reason."""
    require_grade_confirmer(actor)
    if target.grade_proposal is None:
        raise Conflict(say("no_grade_proposal", key=target.key))
    before = _grade_state(target)
    target.grade_override = target.grade_proposal
    target.grade_reason = target.grade_proposal_reason
    target.grade_proposal, target.grade_proposal_reason = None, ""
    target.grade_proposed_by = None
    return _graded(
        actor, target, "grade_confirm", before,
        ["grade_override", "grade_reason", *PROPOSAL_FIELDS],
    )  # fmt: skip


@transaction.atomic
def dismiss_grade(actor: Actor, target: Objective | KeyResult) -> Objective | KeyResult:
    """An executive turns a proposed grade down: the grade stays as it was."""
    require_grade_confirmer(actor)
    if target.grade_proposal is None:
        raise Conflict(say("no_grade_proposal", key=target.key))
    before = _grade_state(target)
    target.grade_proposal, target.grade_proposal_reason = None, ""
    target.grade_proposed_by = None
    return _graded(actor, target, "grade_dismiss", before, PROPOSAL_FIELDS)
