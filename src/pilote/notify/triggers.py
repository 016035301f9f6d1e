"""Domain events -> background tasks (alerts, validation requests, source trouble).

Subscribed once at start-up (apps.ready). Events are delivered after their transaction
commits, so a task never sees a change that was rolled back.
"""

from __future__ import annotations

from pilote import events


def on_event(organization_id: int, name: str, payload: dict) -> None:
    from . import tasks

    if name == "check_in.recorded" and payload.get("key_result"):
        tasks.queue_at_risk_alerts(organization_id, [payload["key_result"]])
    elif name == "check_ins.recorded" and payload.get("key_results"):
        tasks.queue_at_risk_alerts(organization_id, payload["key_results"])
    elif name == "objective.changed" and payload.get("status") == "submitted":
        tasks.validation_request.enqueue(organization_id, payload["objective"])
    elif name == "source.failed":
        tasks.source_trouble.enqueue(organization_id, payload["source"], "sync failed")
    elif name == "reading.held":
        tasks.source_trouble.enqueue(
            organization_id, payload["source"], "a value waits for confirmation"
        )


def install() -> None:
    events.subscribe(on_event)
