"""Live updates between app processes through PostgreSQL LISTEN/NOTIFY.

Every domain event committed in any process (an app worker, `pilote worker`, the CLI)
is sent with ``pg_notify`` on one channel; each app process that has open pages
LISTENs on a connection of its own and hands the events to its in-process hub
(pilote.web.live), which streams them to the pages. A process ignores its own
notifications: its hub already had them. SQLite has no such channel: there the pages
look at the newest audit entry once a second instead (live.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid

from django.db import connections

log = logging.getLogger("pilote.live")
CHANNEL = "pilote_events"
_TOKEN = uuid.uuid4().hex[:8]


def origin() -> str:
    """This process: the pid is read at each call, so forked app workers differ."""
    return f"{os.getpid()}-{_TOKEN}"


_listener: threading.Thread | None = None
_lock = threading.Lock()


def enabled() -> bool:
    return connections["default"].vendor == "postgresql"


def forward(organization_id: int, name: str, payload: dict) -> None:
    """An events subscriber: runs after the change committed; tells the other processes."""
    if not enabled():
        return
    message = json.dumps(
        {"origin": origin(), "org": organization_id, "name": name, "payload": payload}
    )
    if len(message) > 7900:  # NOTIFY payloads stop at 8000 bytes: the page re-reads anyway
        message = json.dumps(
            {"origin": origin(), "org": organization_id, "name": name, "payload": {}}
        )
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, message])
    except Exception:  # noqa: BLE001 — a lost live update must never fail the write that caused it
        log.exception("pg_notify failed")


def _listen(publish) -> None:
    import psycopg

    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    delay = 0.5
    while True:
        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                delay = 0.5
                for note in conn.notifies():
                    try:
                        event = json.loads(note.payload)
                    except ValueError:
                        continue
                    if event.get("origin") != origin():
                        publish(event["org"], event["name"], event.get("payload") or {})
        except Exception:  # noqa: BLE001 — the database restarted: listen again shortly
            log.warning("LISTEN connection lost; retrying in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 10)


def ensure_listener(publish) -> bool:
    """Start this process's listener once (PostgreSQL only); True when live fan-out is on."""
    global _listener
    if not enabled():
        return False
    with _lock:
        if _listener is None:
            _listener = threading.Thread(
                target=_listen, args=(publish,), name="pilote-listen", daemon=True
            )
            _listener.start()
    return True
