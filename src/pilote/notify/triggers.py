"""Domain events -> background tasks (alerts, validation requests, source trouble).

Subscribed once at start-up (apps.ready). Events are delivered after their transaction
commits, so a task never sees a change that was rolled back.
"""

from __future__ import annotations

from pilote import events


def on_event(organization_id: int, name: str, payload: dict) -> None:
    from . import messages, tasks

    if name == "check_in.recorded" and payload.get("key_result"):
        tasks.queue_at_risk_alerts(organization_id, [payload["key_result"]])
    elif name == "check_ins.recorded" and payload.get("key_results"):
        tasks.queue_at_risk_alerts(organization_id, payload["key_results"])
    elif name == "objective.changed" and payload.get("status") == "submitted":
        tasks.validation_request.enqueue(organization_id, payload["objective"])
    elif name == "objective.changed" and payload.get("status") in ("approved", "changes_requested"):
        tasks.workflow_outcome.enqueue(organization_id, payload["objective"])
    elif name == "source.failed":
        tasks.source_trouble.enqueue(organization_id, payload["source"], messages.SOURCE_FAILED)
    elif name == "reading.held":
        tasks.source_trouble.enqueue(organization_id, payload["source"], messages.SOURCE_HELD)


def install() -> None:
    events.subscribe(on_event)
