"""Live updates: Server-Sent Events to open pages (htmx's SSE extension listens).

A check-in (or any OKR change) recorded anywhere in this process — API, CLI import
through the server, another browser — is published after its transaction commits
(pilote.events); every open page of the same organisation receives a ``changed``
event within moments and re-fetches its live region.

Changes made by another process (the CLI, a worker, another app process) are seen too.
On PostgreSQL every process sends its events with NOTIFY and each app process LISTENs
(pilote.fanout). On SQLite, while no event arrives, each stream looks once a second
at the organisation's newest audit entry (every write leaves one) and announces a change
when it moved: the embedded default stays complete with no broker.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from pilote import events, fanout

KEEPALIVE_SECONDS = 15
POLL_SECONDS = 1.0


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue, int]] = set()

    def add(self, entry) -> None:
        with self._lock:
            self._listeners.add(entry)

    def discard(self, entry) -> None:
        with self._lock:
            self._listeners.discard(entry)

    def publish(self, organization_id: int, name: str, payload: dict[str, Any]) -> None:
        """Called in whatever thread committed the change; hands the event to each page's loop."""
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue, org_id in listeners:
            if org_id == organization_id and not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, {"event": name, **payload})

    def __len__(self) -> int:
        return len(self._listeners)


hub = Hub()
events.subscribe(hub.publish)


def _actor(request: HttpRequest):
    from pilote.api.auth import session_actor

    return session_actor(request)


def _latest_change(actor) -> int:
    from pilote.orgs.access import scoped
    from pilote.orgs.models import AuditEntry

    return (
        scoped(actor, AuditEntry.objects.all()).order_by("-id").values_list("id", flat=True).first()
        or 0
    )


async def live(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=401)
    actor = await sync_to_async(_actor)(request)
    if actor is None:
        return HttpResponse(status=403)
    queue: asyncio.Queue = asyncio.Queue()
    entry = (asyncio.get_running_loop(), queue, actor.organization.pk)
    hub.add(entry)
    notified = await sync_to_async(fanout.ensure_listener)(hub.publish)

    latest = sync_to_async(_latest_change)

    async def stream():
        seen = await latest(actor)
        quiet = 0.0
        try:
            yield "retry: 2000\n: connected\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=POLL_SECONDS)
                except TimeoutError:
                    # Other processes' changes: through LISTEN/NOTIFY when on, else this poll.
                    now = seen if notified else await latest(actor)
                    if now != seen:
                        seen = now
                        yield f"event: changed\ndata: {json.dumps({'event': 'changed'})}\n\n"
                        quiet = 0.0
                        continue
                    quiet += POLL_SECONDS
                    if quiet >= KEEPALIVE_SECONDS:
                        quiet = 0.0
                        yield ": keep-alive\n\n"
                    continue
                if not notified:  # this process's own change: already announced
                    seen = await latest(actor)
                quiet = 0.0
                yield f"event: changed\ndata: {json.dumps(item)}\n\n"
        finally:
            hub.discard(entry)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a reverse proxy must not hold the stream back
    return response
