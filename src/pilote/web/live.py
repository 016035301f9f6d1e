"""Live updates: Server-Sent Events to open pages (htmx's SSE extension listens).

A check-in (or any OKR change) recorded anywhere in this process — API, CLI import
through the server, another browser — is published after its transaction commits
(pilote.events); every open page of the same organisation receives a ``changed``
event within moments and re-fetches its live region.

This is the embedded, in-process fan-out of ARCHITECTURE.md. Fan-out between several
app processes (PostgreSQL LISTEN/NOTIFY) comes with the data-sources issue.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from pilote import events

KEEPALIVE_SECONDS = 15


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

    async def stream():
        try:
            yield "retry: 2000\n: connected\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: changed\ndata: {json.dumps(item)}\n\n"
        finally:
            hub.discard(entry)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a reverse proxy must not hold the stream back
    return response
