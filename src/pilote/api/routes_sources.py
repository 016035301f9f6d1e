"""Routes: data sources (pull and push), their runs, held readings, the inbound webhook."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from pilote.errors import Forbidden, Invalid, NotFound
from pilote.sources import actions, queries
from pilote.sources.models import DataSource, HeldReading, SyncRun

from .schemas import Flag, In, Integer, Key, Name, Number, Ref, Text
from .serialize import actor, expected_version, set_etag

router = Router(tags=["data sources"])


class SourceCreate(In):
    key: Key
    name: Name
    kind: Annotated[str, Field(max_length=30)] = Field(
        description="sql, http_json, csv, feedback (pulled); webhook, feedback_inbox (pushed)"
    )
    key_result: Ref | None = Field(default=None, description="the key result it feeds")
    params: dict[Text, Any] = Field(default_factory=dict)
    secrets: dict[Text, Any] = Field(
        default_factory=dict, description="write-only (URLs with passwords, headers)"
    )
    interval_minutes: Integer | None = Field(
        default=None, description="pull schedule; empty: on demand"
    )
    expect_every_minutes: Integer | None = Field(
        default=None, description="pushed sources: stale after twice this"
    )
    allow_private: Flag = Field(
        default=False, description="admins only: reach private and loopback addresses"
    )
    jump_factor: Number | None = Field(
        default=None, description="hold values beyond this × the usual change (default 5)"
    )
    enabled: Flag = True


class SourceUpdate(In):
    name: Name | None = None
    key_result: Ref | None = None
    params: dict[Text, Any] | None = None
    secrets: dict[Text, Any] | None = None
    interval_minutes: Integer | None = None
    expect_every_minutes: Integer | None = None
    allow_private: Flag | None = None
    jump_factor: Number | None = None
    enabled: Flag | None = None


class RunOut(Schema):
    id: int
    trigger: str
    outcome: str
    value: float | None
    raw_value: str
    error: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    worker: str
    check_in: int | None


class SourceOut(Schema):
    key: str
    name: str
    kind: str
    key_result: str | None
    params: dict[str, Any]
    secrets: list[str] = Field(description="the names of the secrets set; values are never shown")
    interval_minutes: int | None
    expect_every_minutes: int | None
    allow_private: bool
    jump_factor: float | None
    enabled: bool
    webhook_url: str | None
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str
    stale: bool
    version: int


class SourceSecretOut(SourceOut):
    webhook_secret: str = Field(description="shown once; sign webhook bodies with it (HMAC-SHA256)")


class HeldOut(Schema):
    id: int
    source: str
    key_result: str
    value: float
    raw_value: str
    fetched_at: dt.datetime
    date: dt.date
    reason: str
    status: str


def run_out(r: SyncRun) -> dict:
    return {
        "id": r.pk, "trigger": r.trigger, "outcome": r.outcome, "value": r.value,
        "raw_value": r.raw_value, "error": r.error, "started_at": r.started_at,
        "finished_at": r.finished_at, "worker": r.worker, "check_in": r.check_in_id,
    }  # fmt: skip


def source_out(s: DataSource) -> dict:
    snap = actions.source_snapshot(s)
    return {
        **snap,
        "webhook_url": f"/api/v1/hooks/{s.hook_id}" if s.kind in actions.PUSH_KINDS else None,
        "next_run_at": s.next_run_at,
        "last_run_at": s.last_run_at,
        "last_success_at": s.last_success_at,
        "last_error": s.last_error,
        "stale": queries.stale(s),
        "version": s.version,
    }


def held_out(h: HeldReading) -> dict:
    return {
        "id": h.pk, "source": h.source.key, "key_result": h.key_result.key, "value": h.value,
        "raw_value": h.raw_value, "fetched_at": h.fetched_at, "date": h.effective,
        "reason": h.reason, "status": h.status,
    }  # fmt: skip


@router.get("/sources", response=list[SourceOut], summary="List data sources")
def list_sources(request: HttpRequest):
    return [source_out(s) for s in queries.sources(actor(request))]


@router.post("/sources", response={201: SourceSecretOut}, summary="Create a data source")
def create_source(request: HttpRequest, payload: SourceCreate, response: HttpResponse):
    source = actions.create_source(actor(request), payload.model_dump())
    set_etag(response, source)
    return Status(201, {**source_out(source), "webhook_secret": source.webhook_secret})


@router.get("/sources/{key}", response=SourceOut, summary="Read a data source")
def get_source(request: HttpRequest, key: str, response: HttpResponse):
    source = queries.get_source(actor(request), key)
    set_etag(response, source)
    return source_out(source)


@router.patch("/sources/{key}", response=SourceOut, summary="Update a data source (If-Match)")
def update_source(request: HttpRequest, key: str, payload: SourceUpdate, response: HttpResponse):
    a = actor(request)
    source = queries.get_source(a, key)
    source = actions.update_source(
        a, source, payload.model_dump(exclude_unset=True), expected_version(request, source)
    )
    set_etag(response, source)
    return source_out(queries.get_source(a, key))


@router.delete("/sources/{key}", response={204: None}, summary="Delete a data source")
def delete_source(request: HttpRequest, key: str):
    a = actor(request)
    actions.delete_source(a, queries.get_source(a, key))
    return Status(204, None)


@router.post("/sources/{key}/sync", response=RunOut, summary="Sync now: fetch and apply the value")
def sync_source(request: HttpRequest, key: str):
    a = actor(request)
    return run_out(actions.sync_now(a, queries.get_source(a, key)))


@router.post("/sources/{key}/rotate-secret", response=SourceSecretOut, summary="New webhook secret")
def rotate_secret(request: HttpRequest, key: str):
    a = actor(request)
    source = queries.get_source(a, key)
    secret = actions.rotate_webhook_secret(a, source)
    return {**source_out(source), "webhook_secret": secret}


@router.get("/sources/{key}/runs", response=list[RunOut], summary="The source's last 100 runs")
def list_runs(request: HttpRequest, key: str):
    a = actor(request)
    return [run_out(r) for r in queries.runs(a, queries.get_source(a, key))[:100]]


@router.get("/held-readings", response=list[HeldOut], summary="Values waiting for confirmation")
def list_held(request: HttpRequest):
    return [held_out(h) for h in queries.held_readings(actor(request))]


@router.post("/held-readings/{pk}/confirm", response=HeldOut, summary="Apply a held value")
def confirm_held(request: HttpRequest, pk: int):
    a = actor(request)
    return held_out(actions.confirm_reading(a, queries.get_held(a, pk)))


@router.post("/held-readings/{pk}/reject", response=HeldOut, summary="Discard a held value")
def reject_held(request: HttpRequest, pk: int):
    a = actor(request)
    return held_out(actions.reject_reading(a, queries.get_held(a, pk)))


# --- the inbound webhook: no token, an HMAC signature instead -------------------------

hooks = Router(tags=["data sources"], auth=None)


class HookOut(Schema):
    outcome: str
    value: float | None = None
    recorded: int | None = None


@hooks.post(
    "/hooks/{hook_id}",
    response={200: HookOut},
    summary="Push a value (or feedback) to a source, signed with X-Pilote-Signature",
    openapi_extra={"security": []},
)
def receive(request: HttpRequest, hook_id: str):
    source = DataSource.objects.select_related("organization").filter(hook_id=hook_id).first()
    if source is None or source.kind not in actions.PUSH_KINDS or not source.enabled:
        raise NotFound("no such webhook")
    header = request.headers.get("X-Pilote-Signature") or request.headers.get("X-Hub-Signature-256")
    if not actions.verify_signature(source, request.body, header):
        raise Forbidden(
            "bad or missing signature",
            [
                (
                    "X-Pilote-Signature",
                    "must be sha256=<HMAC-SHA256 of the body with the source's secret>",
                )
            ],
        )
    result = actions.receive_webhook(source, request.body)
    if isinstance(result, list):
        return {"outcome": "recorded", "recorded": len(result)}
    if result.outcome == SyncRun.Outcome.FAILED:
        raise Invalid("the value was refused", [("body", result.error)])
    return {"outcome": result.outcome, "value": result.value}
