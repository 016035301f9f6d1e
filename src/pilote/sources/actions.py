"""Every write on data sources: set-up, sync (pull), push through a webhook, held readings.

A sync fetches outside any transaction (network time must not hold the database's
write lock), then applies the reading in one transaction: a check-in with its
provenance, or a held reading when the value jumps, or nothing when it did not change.
Every attempt leaves a run with its outcome and error.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilote import events
from pilote.errors import Conflict, Forbidden, Invalid
from pilote.goals.keyresults import check_in_errors, record_check_in
from pilote.goals.models import CheckIn, KeyResult
from pilote.messages import say, stored
from pilote.okr.freshness import judge_jump
from pilote.okr.text import N_, one_of
from pilote.orgs import audit
from pilote.orgs.access import Actor, can_check_in, can_manage_source, source_reaches_server
from pilote.orgs.actions import bump, check_version, made_key, validate_key
from pilote.orgs.audit import AuditType
from pilote.orgs.models import Role
from pilote.schedule import claim, next_slot
from pilote.signing import signature_of, verify  # noqa: F401  (signature_of: for senders)

from . import connectors
from .connectors.base import Param, Reading, SourceConfig, SourceError, param_errors, to_number
from .connectors.sql import query_errors
from .models import DataSource, HeldReading, SyncRun
from .paths import extract, path_errors
from .reach import database_url, local_path

PUSH_KINDS = ("webhook", "feedback_inbox")
# What the form asks of the kinds that are pushed to (no connector fetches them).
PUSH_PARAMETERS = {
    "webhook": (
        Param("path", _("a JMESPath expression selecting the number in the pushed body, "
                        "e.g. data.value"), label=_("Where the number is")),
        Param("date_path", _("where the value's date is, if the body says it"), required=False,
              label=_("Where the date is")),
    ),
    "feedback_inbox": (
        Param("items", _("where the list of feedback items is in the body (default: the body)"),
              required=False, label=_("Where the items are")),
        Param("channel", _("the channel of items that do not say theirs"), required=False,
              label=_("Channel")),
        Param("segment", _("the segment of items that do not say theirs"), required=False,
              label=_("Segment")),
    ),
}  # fmt: skip
PUSH_LABELS = {
    "webhook": _("Values pushed to a webhook"),
    "feedback_inbox": _("Feedback pushed to an inbox"),
}


def kind_label(kind: str) -> str:
    """A source kind's name for people ("CSV file", not "csv")."""
    if kind in PUSH_LABELS:
        return str(PUSH_LABELS[kind])
    connector = connectors.get(kind)
    return str(connector.label) if connector is not None else kind


def kind_parameters(kind: str) -> tuple[Param, ...]:
    if kind in PUSH_PARAMETERS:
        return PUSH_PARAMETERS[kind]
    connector = connectors.get(kind)
    return tuple(connector.parameters) if connector is not None else ()


FIELDS = (
    "name",
    "kind",
    "key_result",
    "params",
    "secrets",
    "interval_minutes",
    "expect_every_minutes",
    "allow_private",
    "jump_factor",
    "enabled",
)
HISTORY_FOR_JUMPS = 20


def kinds() -> list[str]:
    return sorted(connectors.connectors()) + list(PUSH_KINDS)


def source_snapshot(source: DataSource) -> dict:
    return {
        "key": source.key,
        "name": source.name,
        "kind": source.kind,
        "key_result": source.key_result.key if source.key_result_id else None,
        "params": source.params,
        "secrets": sorted(source.secrets),  # names only: values never leave the database
        "interval_minutes": source.interval_minutes,
        "expect_every_minutes": source.expect_every_minutes,
        "allow_private": source.allow_private,
        "jump_factor": source.jump_factor,
        "enabled": source.enabled,
    }


def _require_manager(actor: Actor, source: DataSource) -> None:
    """Who may set up a source: decided by the access gate (``can_manage_source``)."""
    if not can_manage_source(actor, source):
        if source_reaches_server(source.kind, source.params):
            raise Forbidden(
                N_("only admins set up sources that read a database or a file on the server")
            )
        if source.key_result_id is None:
            raise Forbidden(N_("only admins and executives manage sources that feed no key result"))
        raise Forbidden(N_("only whoever may edit the key result's objective manages its sources"))


def _apply(actor: Actor, source: DataSource, data: dict) -> None:
    errors: list[tuple[str, str]] = []
    # Where a source that may reach private addresses reads is an admin's decision: the
    # admin allowed that address, not whatever a lead types next (a lead renaming it, or
    # changing its schedule, keeps the admin's choice).
    reach_before = (dict(source.params), dict(source.secrets), source.allow_private)
    if "name" in data:
        source.name = str(data["name"] or "").strip()
        if not source.name:
            errors.append(("name", N_("a name is required")))
    if "kind" in data:
        source.kind = data["kind"]
    if source.kind not in kinds():
        errors.append(("kind", one_of(kinds())))
    if "key_result" in data:
        ref = data["key_result"]
        source.key_result = None
        if ref:
            found = KeyResult.objects.filter(organization=actor.organization, key=ref).first()
            if found is None:
                errors.append(("key_result", say("no_such", what="key result", ref=ref)))
            source.key_result = found
    for name in ("params", "secrets"):
        if name in data:
            value = data[name] or {}
            if not isinstance(value, dict):
                errors.append((name, N_("must be a mapping")))
            elif name == "secrets":
                # A secret left empty keeps the stored one: forms never show secrets back.
                source.secrets = {
                    **source.secrets,
                    **{k: v for k, v in value.items() if v not in (None, "")},
                }
            else:
                source.params = value
    for name in ("interval_minutes", "expect_every_minutes"):
        if name in data:
            value = data[name]
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                errors.append((name, N_("must be a whole number of minutes, at least 1")))
            else:
                setattr(source, name, value)
    if "jump_factor" in data:
        value = data["jump_factor"]
        if value is not None and (
            not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0
        ):
            errors.append(("jump_factor", N_("must be a number greater than 0")))
        else:
            source.jump_factor = value
    for name in ("allow_private", "enabled"):
        if name in data:
            if not isinstance(data[name], bool):
                errors.append((name, N_("must be true or false")))
            else:
                setattr(source, name, data[name])
    if (
        "allow_private" in data
        and data["allow_private"]
        and actor.role not in (Role.ADMIN, "system")
    ):
        errors.append(("allow_private", N_("only an admin may allow private addresses")))
    params_before, secrets_before, allowed_before = reach_before
    if (
        allowed_before
        and source.allow_private
        and actor.role not in (Role.ADMIN, "system")
        and (source.params != params_before or source.secrets != secrets_before)
    ):
        errors.append(
            ("params", N_("only an admin may change where a source allowed to reach private "
                          "addresses reads"))
        )  # fmt: skip
    if source.kind in kinds() and not errors:
        errors += _kind_errors(source)
    if source.kind != "feedback_inbox" and source.key_result_id is None and not errors:
        errors.append(("key_result", N_("the key result this source feeds is required")))
    if errors:
        raise Invalid("invalid data source", errors)
    if source.interval_minutes and source.kind not in PUSH_KINDS:
        if source.next_run_at is None or "interval_minutes" in data:
            source.next_run_at = timezone.now()
    else:
        source.next_run_at = None


def _kind_errors(source: DataSource) -> list[tuple[str, str]]:
    if source.kind == "webhook":
        errors = path_errors(source.params.get("path", ""), "params.path")
        if source.params.get("date_path"):
            errors += path_errors(source.params["date_path"], "params.date_path")
        return errors
    if source.kind == "feedback_inbox":
        return path_errors(source.params.get("items", "@"), "params.items")
    connector = connectors.get(source.kind)
    errors = param_errors(connector, source.params, source.secrets)
    if source.kind == "http_json" and source.params.get("path"):
        errors += path_errors(source.params["path"], "params.path")
    if source.kind == "sql" and source.params.get("query"):
        errors += query_errors(source.params["query"])
    errors += _reach_errors(source)
    return errors


def _reach_errors(source: DataSource) -> list[tuple[str, str]]:
    """What the source would reach that it may not, said at once (checked again at fetch)."""
    try:
        if source.kind == "sql" and source.secrets.get("url"):
            database_url(source.secrets["url"], source.allow_private)
        elif source_reaches_server(source.kind, source.params) and source.params.get("location"):
            local_path(source.params["location"])
    except SourceError as exc:
        return [("secrets.url" if source.kind == "sql" else "params.location", exc.message)]
    return []


@transaction.atomic
def create_source(actor: Actor, data: dict) -> DataSource:
    data = {
        **data,
        "key": made_key(DataSource, actor.organization, data.get("key"), data.get("name")),
    }
    errors = validate_key(data["key"])
    if errors:
        raise Invalid("invalid data source", errors)
    if DataSource.objects.filter(organization=actor.organization, key=data["key"]).exists():
        raise Conflict(
            say("already_exists", what="data source", key=data["key"]),
            [("key", N_("already exists"))],
        )
    source = DataSource(organization=actor.organization, key=data["key"], kind=data.get("kind", ""))
    _apply(actor, source, {k: v for k, v in data.items() if k in FIELDS})
    _require_manager(actor, source)
    source.save()
    audit.record(actor, "create", AuditType.DATA_SOURCE, source.key, after=source_snapshot(source))
    return source


@transaction.atomic
def update_source(
    actor: Actor, source: DataSource, changes: dict, expected_version: int | None = None
) -> DataSource:
    source = DataSource.objects.select_for_update().get(pk=source.pk)
    _require_manager(actor, source)
    check_version(source, expected_version)
    before = source_snapshot(source)
    _apply(actor, source, {k: v for k, v in changes.items() if k in FIELDS})
    _require_manager(actor, source)  # also allowed on the KR it now feeds
    bump(source)
    source.save()
    audit.record(
        actor,
        "update",
        AuditType.DATA_SOURCE,
        source.key,
        *audit.changed(before, source_snapshot(source)),
    )
    return source


@transaction.atomic
def delete_source(actor: Actor, source: DataSource) -> None:
    _require_manager(actor, source)
    before = source_snapshot(source)
    source.delete()
    audit.record(actor, "delete", AuditType.DATA_SOURCE, before["key"], before=before)


@transaction.atomic
def rotate_webhook_secret(actor: Actor, source: DataSource) -> str:
    from .models import new_webhook_secret

    _require_manager(actor, source)
    source.webhook_secret = new_webhook_secret()
    source.save(update_fields=["webhook_secret"])
    audit.record(actor, "rotate_secret", AuditType.DATA_SOURCE, source.key)
    return source.webhook_secret


# --- sync: fetch, then apply -----------------------------------------------------------


def _config(source: DataSource) -> SourceConfig:
    return SourceConfig(
        organization_id=source.organization_id,
        params=dict(source.params),
        secrets=dict(source.secrets),
        allow_private=source.allow_private,
    )


def try_source(actor: Actor, data: dict, source: DataSource | None = None) -> Reading:
    """Fetch once what this configuration reads (a new source's, or ``source`` with these
    changes), recording nothing: no run, no check-in, no change to the source. The same
    validation and access rules as saving it; a fetch that fails is an ``Invalid`` saying
    why, as a run would."""
    if source is None:
        candidate = DataSource(
            organization=actor.organization,
            key=data.get("key") or "test",
            kind=data.get("kind", ""),
        )
    else:
        candidate = DataSource.objects.get(pk=source.pk)  # a copy: nothing of it is saved
        _require_manager(actor, candidate)
    _apply(actor, candidate, {k: v for k, v in data.items() if k in FIELDS})
    _require_manager(actor, candidate)
    if candidate.kind in PUSH_KINDS:
        raise Invalid(
            "nothing to test",
            [("kind", N_("a pushed source has nothing to fetch: send it a value"))],
        )
    connector = connectors.get(candidate.kind)
    try:
        if connector is None:
            raise SourceError(say("no_connector", kind=candidate.kind))
        return connector.fetch(_config(candidate))
    except SourceError as exc:
        raise Invalid(N_("the test failed"), [("", exc.message)]) from None


def sync_now(actor: Actor, source: DataSource) -> SyncRun:
    """ "Sync now" by a person: whoever manages the source (the gate), then ``sync_source``."""
    _require_manager(actor, source)
    return sync_source(source, "manual", worker=actor.label)


def sync_source(
    source: DataSource,
    trigger: str = "manual",
    scheduled_for: datetime | None = None,
    worker: str = "",
) -> SyncRun:
    """Fetch the source's value and apply it. Never raises for a bad source: the run says why."""
    started = timezone.now()
    if source.kind in PUSH_KINDS:
        raise Invalid(
            "this source is pushed to Pilote", [("kind", N_("a webhook has nothing to sync"))]
        )
    connector = connectors.get(source.kind)
    try:
        if connector is None:
            raise SourceError(say("no_connector", kind=source.kind))
        reading = connector.fetch(_config(source))
    except SourceError as exc:
        return _failed(source, trigger, scheduled_for, worker, started, exc.message)
    except Exception as exc:  # noqa: BLE001 — a connector's bug must not stop the scheduler
        return _failed(
            source,
            trigger,
            scheduled_for,
            worker,
            started,
            say("unexpected", detail=type(exc).__name__),
        )
    return apply_reading(source, reading, trigger, scheduled_for, worker, started)


def _failed(
    source, trigger, scheduled_for, worker, started, error: str, value=None, raw=""
) -> SyncRun:
    with transaction.atomic():
        run = _new_run(source, trigger, scheduled_for, worker, started, SyncRun.Outcome.FAILED)
        code, params = stored(error)
        run.error, run.value, run.raw_value = error, value, raw
        run.error_code, run.error_params = code, params
        run.save()
        DataSource.objects.filter(pk=source.pk).update(
            last_run_at=run.finished_at, last_error=error, last_error_code=code,
            last_error_params=params,
        )  # fmt: skip
    _announce(source, "source.failed", {"error": error})
    return run


def _new_run(source, trigger, scheduled_for, worker, started, outcome) -> SyncRun:
    return SyncRun(
        organization_id=source.organization_id,
        source=source,
        trigger=trigger,
        scheduled_for=scheduled_for,
        worker=worker[:100],
        started_at=started,
        finished_at=timezone.now(),
        outcome=outcome,
    )


def _announce(source: DataSource, name: str, payload: dict) -> None:
    events.publish(source.organization_id, name, {"source": source.key, **payload})


def apply_reading(
    source: DataSource,
    reading: Reading,
    trigger: str,
    scheduled_for: datetime | None = None,
    worker: str = "",
    started: datetime | None = None,
    effective: date | None = None,
) -> SyncRun:
    """Record ``reading`` on the source's KR: applied, unchanged, held (a jump) or failed."""
    started = started or timezone.now()
    source = DataSource.objects.select_related("organization", "key_result__objective__cycle").get(
        pk=source.pk
    )
    kr = source.key_result
    effective = effective or timezone.localdate()
    errors = check_in_errors(kr, reading.value, None, effective)
    if errors:
        reason = errors[0][1] if len(errors) == 1 else "; ".join(m for _, m in errors)
        return _failed(
            source, trigger, scheduled_for, worker, started,
            say("value_refused", value=reading.value, key_result=kr.title, reason=reason),
            reading.value, reading.raw,
        )  # fmt: skip
    history = list(
        CheckIn.objects.filter(key_result=kr, effective__lte=effective)
        .order_by("-effective", "-id")
        .values_list("value", flat=True)[:HISTORY_FOR_JUMPS]
    )[::-1]
    actor = Actor.system(source.organization, label=f"source:{source.key}")
    try:
        with transaction.atomic():
            run = _new_run(source, trigger, scheduled_for, worker, started, SyncRun.Outcome.APPLIED)
            run.value, run.raw_value = reading.value, reading.raw
            if history and history[-1] == reading.value:
                run.outcome = SyncRun.Outcome.UNCHANGED
            else:
                kr_range = (
                    (kr.target - kr.baseline)
                    if kr.target is not None and kr.baseline is not None
                    else None
                )
                verdict = judge_jump(history, reading.value, source.jump_factor, kr_range)
                if verdict.jump:
                    run.outcome = SyncRun.Outcome.HELD
                    HeldReading.objects.create(
                        organization_id=source.organization_id,
                        source=source,
                        key_result=kr,
                        value=reading.value,
                        raw_value=reading.raw,
                        fetched_at=reading.fetched_at,
                        effective=effective,
                        reason=verdict.reason,
                        reason_code=verdict.code,
                        reason_params=verdict.params,
                    )
                else:
                    run.check_in, _ = record_check_in(
                        actor, kr, reading.value, effective=effective,
                        fetched_at=reading.fetched_at, raw_value=reading.raw,
                    )  # fmt: skip
            run.save()
            DataSource.objects.filter(pk=source.pk).update(
                last_run_at=run.finished_at, last_success_at=run.finished_at, last_error=""
            )
    except IntegrityError:
        if scheduled_for is None:
            raise
        # Another worker already ran this schedule slot: this one leaves no trace.
        return SyncRun.objects.get(source=source, scheduled_for=scheduled_for)
    if run.outcome == SyncRun.Outcome.HELD:
        _announce(source, "reading.held", {"key_result": kr.key, "value": reading.value})
    return run


# --- push: the inbound webhook ----------------------------------------------------------


def verify_signature(source: DataSource, body: bytes, header: str | None) -> bool:
    return verify(source.webhook_secret, body, header)


def receive_webhook(source: DataSource, body: bytes) -> SyncRun | list:
    """A signed JSON body pushed to a source: a value for its KR, or feedback items."""
    started = timezone.now()
    try:
        document = json.loads(body)
    except ValueError:
        raise Invalid("the body is not JSON", [("body", N_("must be a JSON document"))]) from None
    if source.kind == "feedback_inbox":
        from .feedback import items_from_document, record_feedback

        actor = Actor.system(source.organization, label=f"source:{source.key}")
        return record_feedback(actor, items_from_document(document, source.params))
    try:
        found = extract(source.params["path"], document)
        value = to_number(found, say("value_at", path=source.params["path"]))
        effective = None
        if source.params.get("date_path"):
            effective = _date(extract(source.params["date_path"], document))
    except SourceError as exc:
        _failed(
            source,
            "webhook",
            None,
            "",
            started,
            exc.message,
            raw=body[:500].decode("utf-8", "replace"),
        )
        raise Invalid(N_("the body does not hold a value"), [("body", exc.message)]) from None
    reading = Reading(value, json.dumps(found)[:500], started)
    return apply_reading(source, reading, "webhook", started=started, effective=effective)


def _date(raw: Any) -> date:
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise SourceError(say("not_a_date", raw=raw)) from None


# --- held readings: the owner decides ----------------------------------------------------


def _require_decider(actor: Actor, held: HeldReading) -> None:
    if not can_check_in(actor, held.key_result):
        raise Forbidden(N_("only the key result's owner, its unit's leads and executives decide"))


@transaction.atomic
def confirm_reading(actor: Actor, held: HeldReading) -> HeldReading:
    held = (
        HeldReading.objects.select_for_update()
        .select_related("source", "key_result__objective__cycle")
        .get(pk=held.pk)
    )
    _require_decider(actor, held)
    if held.status != HeldReading.Status.PENDING:
        raise Conflict(say("reading_already", status=say(f"reading_{held.status}")))
    source_actor = Actor.system(actor.organization, label=f"source:{held.source.key}")
    held.check_in, _ = record_check_in(
        source_actor, held.key_result, held.value, effective=held.effective,
        comment=f"confirmed by {actor.label}", fetched_at=held.fetched_at, raw_value=held.raw_value,
    )  # fmt: skip
    return _decide(actor, held, HeldReading.Status.CONFIRMED)


@transaction.atomic
def reject_reading(actor: Actor, held: HeldReading) -> HeldReading:
    held = (
        HeldReading.objects.select_for_update()
        .select_related("key_result__objective")
        .get(pk=held.pk)
    )
    _require_decider(actor, held)
    if held.status != HeldReading.Status.PENDING:
        raise Conflict(say("reading_already", status=say(f"reading_{held.status}")))
    return _decide(actor, held, HeldReading.Status.REJECTED)


def _decide(actor: Actor, held: HeldReading, status: str) -> HeldReading:
    held.status, held.decided_by, held.decided_at = status, actor.user, timezone.now()
    held.save(update_fields=["status", "decided_by", "decided_at", "check_in"])
    audit.record(
        actor, f"reading_{status}", AuditType.HELD_READING, held.key_result.key,
        after={"value": held.value, "source": held.source.key, "reason": held.reason},
    )  # fmt: skip
    events.publish(actor.organization.pk, "key_result.changed", {"key_result": held.key_result.key})
    return held


# --- scheduling: each slot claimed by exactly one worker --------------------------------


def claim_due_sources(now: datetime | None = None, limit: int = 100) -> list[tuple[int, datetime]]:
    """Move each due source's next run forward, keeping the ones this caller won.

    The conditional UPDATE (``WHERE next_run_at = <the value read>``) is atomic on
    SQLite and PostgreSQL alike: of several workers reading the same due source, one
    moves it and the others update no row. The winner runs the slot; the unique
    (source, slot) constraint on runs is the second lock.
    """
    now = now or timezone.now()
    due = (
        DataSource.objects.filter(
            enabled=True,
            next_run_at__isnull=False,
            next_run_at__lte=now,
            interval_minutes__isnull=False,
        )
        .order_by("next_run_at")
        .values_list("pk", "next_run_at", "interval_minutes")[:limit]
    )
    won = []
    for pk, slot, minutes in due:
        if claim(DataSource, pk, slot, next_slot(slot, timedelta(minutes=minutes), now)):
            won.append((pk, slot))
    return won
