"""The background worker: claims due schedule slots, then runs queued tasks.

One loop, the same in a ``pilote worker`` process on another host and in the thread
that ``pilote serve`` starts for the embedded default:

1. *tick*: every due data source and every due organisation job (reminders, digest) is
   claimed with a conditional UPDATE, so that of any number of workers exactly one
   wins each slot, and the winner queues its task;
2. *drain*: django-tasks' database worker runs queued tasks until none is ready
   (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, an exclusive transaction on
   SQLite: each task is claimed by one worker).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone

log = logging.getLogger("pilote.worker")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"


def ensure_schedules(now) -> None:
    """Every organisation has its reminders and digest jobs (first run: the next Monday 8:00 UTC)."""
    from pilote.notify.models import Schedule
    from pilote.orgs.models import Organization

    missing = Organization.objects.exclude(pk__in=Schedule.objects.values("organization_id"))
    monday = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    for org in missing:
        for job in ("reminders", "digest"):
            Schedule.objects.get_or_create(
                organization=org, job=job, defaults={"next_run_at": monday, "interval_days": 7}
            )


def claim_schedules(now) -> list[tuple[int, str]]:
    from pilote.notify.models import Schedule
    from pilote.schedule import claim, next_slot

    won = []
    for pk, org_id, job, slot, days in Schedule.objects.filter(next_run_at__lte=now).values_list(
        "pk", "organization_id", "job", "next_run_at", "interval_days"
    ):
        following = next_slot(slot, timedelta(days=days), now)
        if claim(Schedule, pk, slot, following, last_run_at=now):
            won.append((org_id, job))
    return won


CLAIMS_PER_TICK = 5  # a worker takes a few slots at a time, leaving the rest to the others


def tick(me: str) -> int:
    """Claim what is due and queue it; returns how many tasks were queued."""
    from pilote.notify import tasks
    from pilote.sources.actions import claim_due_sources

    now = timezone.now()
    ensure_schedules(now)
    queued = 0
    for source_id, slot in claim_due_sources(now, limit=CLAIMS_PER_TICK):
        tasks.sync_source.enqueue(source_id, slot.isoformat(), me)
        queued += 1
    for org_id, job in claim_schedules(now):
        tasks.run_schedule.enqueue(org_id, job)
        queued += 1
    return queued


def drain(me: str) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=me[:64],
        excluded_queue_names=[],
    ).run()


def run(
    interval: float = 1.0, stop: threading.Event | None = None, seconds: float | None = None
) -> None:
    """Tick and drain every ``interval`` seconds until ``stop`` is set or ``seconds`` ran out."""
    me = worker_id()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds if seconds else None
    log.info("worker %s started", me)
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        try:
            close_old_connections()
            tick(me)
            drain(me)
        except Exception:  # noqa: BLE001 — log and go on: one bad tick must not stop the worker
            log.exception("worker tick failed")
        finally:
            close_old_connections()
        stop.wait(interval)


def start_embedded(interval: float = 2.0) -> threading.Event:
    """The worker as a daemon thread of `pilote serve` (the embedded default)."""
    stop = threading.Event()
    threading.Thread(target=run, args=(interval, stop), name="pilote-worker", daemon=True).start()
    return stop
