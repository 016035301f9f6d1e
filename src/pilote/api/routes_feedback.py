"""Routes: market and user feedback; notifications, preferences and outgoing webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Body, Field, Query, Router, Schema, Status

from pilote.notify import actions as notify_actions
from pilote.notify.models import Notification, Webhook
from pilote.orgs.access import get_scoped, require_admin, scoped
from pilote.sources import feedback
from pilote.sources.models import FeedbackItem
from pilote.sources.queries import get_feedback

from .routes_org import Paging, _limit
from .schemas import Date, Flag, In, Integer, Page, QueryInt, Ref, ShortName, Text
from .serialize import actor

router = Router()


class FeedbackIn(In):
    items: list[dict[Text, Any]] = Field(
        description="each: channel, date, text, rating (0–5), nps (0–10), segment, tags, link, external_id"
    )


class FeedbackOut(Schema):
    id: int
    channel: str
    date: dt.date
    text: str
    rating: float | None
    nps: int | None
    segment: str
    tags: list[str]
    link: str
    external_id: str
    objectives: list[str]
    initiatives: list[str]


class RecordedOut(Schema):
    recorded: int
    skipped: int


class LinksIn(In):
    objectives: list[Text] | None = None
    initiatives: list[Text] | None = None


class FeedbackFilter(Paging):
    q: str = ""
    channel: str = ""
    segment: str = ""
    tag: str = ""
    since: Date | None = None
    until: Date | None = None


class MetricsFilter(FeedbackFilter):
    window_days: QueryInt | None = Field(default=None, ge=1, le=3660)


def feedback_out(f: FeedbackItem) -> dict:
    return {
        "id": f.pk, "channel": f.channel, "date": f.received, "text": f.text, "rating": f.rating,
        "nps": f.nps, "segment": f.segment, "tags": f.tags, "link": f.link,
        "external_id": f.external_id,
        "objectives": sorted(o.key for o in f.objectives.all()),
        "initiatives": sorted(i.key for i in f.initiatives.all()),
    }  # fmt: skip


def _filtered(request, f: FeedbackFilter):
    return feedback.search(actor(request), f.q, f.channel, f.segment, f.tag, f.since, f.until)


@router.get("/feedback", response=Page, tags=["feedback"], summary="Search feedback")
def list_feedback(request: HttpRequest, filters: Query[FeedbackFilter]):
    items = _filtered(request, filters).prefetch_related("objectives", "initiatives")
    limit, offset = _limit(filters)
    return {
        "count": items.count(),
        "items": [feedback_out(f) for f in items[offset : offset + limit]],
    }


@router.post("/feedback", response={201: RecordedOut}, tags=["feedback"],
             summary="Record feedback items: all or nothing; known external ids are skipped")  # fmt: skip
def record_feedback(request: HttpRequest, payload: FeedbackIn):
    created = feedback.record_feedback(actor(request), payload.items)
    return Status(201, {"recorded": len(created), "skipped": len(payload.items) - len(created)})


@router.get("/feedback/metrics", response=dict[str, Any], tags=["feedback"],
            summary="Average rating, NPS and volume by tag over the matching feedback")  # fmt: skip
def feedback_metrics(request: HttpRequest, filters: Query[MetricsFilter]):
    return feedback.metrics(_filtered(request, filters), filters.window_days)


@router.get(
    "/feedback/{pk}", response=FeedbackOut, tags=["feedback"], summary="Read a feedback item"
)
def get_feedback_item(request: HttpRequest, pk: int):
    return feedback_out(get_feedback(actor(request), pk))


@router.put("/feedback/{pk}/links", response=FeedbackOut, tags=["feedback"],
            summary="Link a feedback item as evidence to objectives and initiatives")  # fmt: skip
def link_feedback(request: HttpRequest, pk: int, payload: LinksIn):
    a = actor(request)
    item = feedback.link_feedback(a, get_feedback(a, pk), payload.objectives, payload.initiatives)
    return feedback_out(get_feedback(a, item.pk))


# --- notifications -------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class ReadIn(In):
    ids: list[Integer] | None = Field(default=None, description="empty: all")


class WebhookIn(In):
    name: ShortName
    url: Text
    format: Ref = Field(default="json", description="json, slack or teams")
    kinds: list[Text] = Field(default_factory=list, description="empty: every kind")
    allow_private: Flag = False


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    format: str
    kinds: list[str]
    allow_private: bool
    active: bool


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="shown once: verify X-Pilote-Signature with it")


def _mine(request):
    a = actor(request)
    return scoped(a, Notification.objects.filter(user=a.user, in_app=True))


@router.get("/notifications", response=Page, tags=["notifications"], summary="Your notifications")
def list_notifications(request: HttpRequest, paging: Query[Paging]):
    """Newest first, paged in the database; ``message`` and ``params`` say what the words
    say, as a stable code and its values (docs/notifications.md)."""
    limit, offset = _limit(paging)
    mine = _mine(request)
    rows = [
        {
            "id": n.pk,
            "kind": n.kind,
            "title": n.title,
            "body": n.body,
            "link": n.link,
            "message": n.message or None,
            "params": n.params or {},
            "created_at": n.created_at,
            "read_at": n.read_at,
        }  # fmt: skip
        for n in mine[offset : offset + limit]
    ]
    return {"count": mine.count(), "items": rows}


@router.post("/notifications/read", response=dict[str, int], tags=["notifications"],
             summary="Mark notifications read")  # fmt: skip
def read_notifications(request: HttpRequest, payload: ReadIn):
    return {"marked": notify_actions.mark_read(actor(request), payload.ids)}


@router.get("/notifications/preferences", response=dict[str, dict[str, bool]],
            tags=["notifications"], summary="Your channels per kind of notification")  # fmt: skip
def get_preferences(request: HttpRequest):
    a = actor(request)
    prefs = notify_actions.preferences_of(a.organization, [a.user])
    return {kind: {"in_app": v[0], "email": v[1]} for (_, kind), v in prefs.items()}


@router.put("/notifications/preferences", response=dict[str, dict[str, bool]],
            tags=["notifications"], summary="Choose your channels per kind")  # fmt: skip
def put_preferences(request: HttpRequest, payload: Body[dict[str, dict[str, bool]]]):
    notify_actions.set_preferences(actor(request), payload)
    return get_preferences(request)


def webhook_out(w: Webhook) -> dict:
    return {"id": w.pk, **notify_actions.webhook_snapshot(w)}


@router.get("/webhooks", response=list[WebhookOut], tags=["notifications"],
            summary="Outgoing webhooks (admins)")  # fmt: skip
def list_webhooks(request: HttpRequest):
    a = actor(request)
    require_admin(a)
    return [webhook_out(w) for w in scoped(a, Webhook.objects.all())]


@router.post("/webhooks", response={201: WebhookSecretOut}, tags=["notifications"],
             summary="Add an outgoing webhook (admins)")  # fmt: skip
def create_webhook(request: HttpRequest, payload: WebhookIn):
    hook = notify_actions.create_webhook(actor(request), payload.model_dump())
    return Status(201, {**webhook_out(hook), "secret": hook.secret})


@router.delete("/webhooks/{pk}", response={204: None}, tags=["notifications"],
               summary="Remove an outgoing webhook (admins)")  # fmt: skip
def delete_webhook(request: HttpRequest, pk: int):
    a = actor(request)
    notify_actions.delete_webhook(a, get_scoped(a, Webhook.objects.all(), "webhook", pk=pk))
    return Status(204, None)
