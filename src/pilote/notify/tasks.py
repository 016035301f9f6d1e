"""Background tasks (django-tasks): run by `pilote worker` processes or `pilote serve`'s thread.

Arguments are ids and keys (JSON), never objects: a task may run on another host.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from pilote.db import insert_rows
from pilote.orgs.models import Organization

from . import jobs, payloads
from .models import Delivery, Notification

MAX_ATTEMPTS = 5


@task()
def send_email(notification_id: int) -> str:
    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or note.emailed_at is not None:
        return "nothing to send"
    link = f"{settings.PILOTE_BASE_URL}{note.link}" if note.link else ""
    send_mail(
        subject=f"[Pilote] {note.title}",
        message=f"{note.body}\n\n{link}".strip() + "\n",
        from_email=None,
        recipient_list=[note.user.email],
    )
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return f"sent to {note.user.email}"


@task()
def deliver_webhook(delivery_id: int) -> str:
    """POST one delivery; on failure, try again later (back-off doubling) up to MAX_ATTEMPTS."""
    from pilote.sources.connectors.base import SourceError

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("webhook")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return "nothing to deliver"
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    try:
        payloads.post(delivery)
    except SourceError as exc:
        delivery.last_error = str(exc)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
        delivery.save(update_fields=["last_error", "status"])
        if delivery.status == Delivery.Status.PENDING:
            wait = settings.PILOTE_WEBHOOK_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
            deliver_webhook.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(
                delivery.pk
            )
        return f"attempt {delivery.attempts} failed: {exc}"
    delivery.status, delivery.delivered_at, delivery.last_error = (
        Delivery.Status.DELIVERED,
        timezone.now(),
        "",
    )
    delivery.save(update_fields=["status", "delivered_at", "last_error"])
    return f"delivered on attempt {delivery.attempts}"


def queue_at_risk_alerts(organization_id: int, kr_keys: list[str]) -> None:
    """Note the KRs to check; the first note of a quiet organisation queues one task to run
    after ``PILOTE_ALERT_DEBOUNCE_SECONDS``, which checks every KR noted until then.

    A check-in every few seconds (a normal working day at scale) no longer costs a task and
    a figures computation each: KRs noted while a check is pending join it.
    """
    from .models import PendingAlert

    with transaction.atomic():
        quiet = not PendingAlert.objects.filter(organization_id=organization_id).exists()
        now = timezone.now()
        # Rows without model instances (a bulk of 1,000 check-ins notes 1,000 KRs).
        insert_rows(
            PendingAlert._meta.db_table,
            ("organization_id", "key_result", "created_at"),
            [(organization_id, k, now) for k in sorted(set(kr_keys))],
            ignore_conflicts=True,
        )
    if quiet:
        delay = settings.PILOTE_ALERT_DEBOUNCE_SECONDS
        when = timezone.now() + timedelta(seconds=delay) if delay > 0 else None
        at_risk_alerts.using(run_after=when).enqueue(organization_id)


@task()
def at_risk_alerts(organization_id: int) -> int:
    """The at-risk alerts of every KR noted since the last check, in one task."""
    from .models import PendingAlert

    organization = Organization.objects.get(pk=organization_id)
    with transaction.atomic():
        pending = PendingAlert.objects.select_for_update().filter(organization=organization)
        keys = sorted(set(pending.values_list("key_result", flat=True)))
        pending.delete()
    made = 0
    for key in keys:
        with transaction.atomic():
            made += jobs.at_risk_alert(organization, key)
    return made


@task()
def validation_request(organization_id: int, objective_key: str) -> int:
    with transaction.atomic():
        return jobs.validation_request(Organization.objects.get(pk=organization_id), objective_key)


@task()
def workflow_outcome(organization_id: int, objective_key: str) -> int:
    with transaction.atomic():
        return jobs.workflow_outcome(Organization.objects.get(pk=organization_id), objective_key)


@task()
def source_trouble(organization_id: int, source_key: str, message: str) -> int:
    with transaction.atomic():
        return jobs.source_trouble(
            Organization.objects.get(pk=organization_id), source_key, message
        )


@task()
def run_schedule(organization_id: int, job: str) -> int:
    organization = Organization.objects.get(pk=organization_id)
    with transaction.atomic():
        return {"reminders": jobs.weekly_reminders, "digest": jobs.digest}[job](organization)


@task()
def sync_source(source_id: int, scheduled_for: str | None = None, worker: str = "") -> str:
    from datetime import datetime

    from pilote.sources.actions import sync_source as sync
    from pilote.sources.models import DataSource

    source = DataSource.objects.filter(pk=source_id).first()
    if source is None:
        return "source deleted"
    slot = datetime.fromisoformat(scheduled_for) if scheduled_for else None
    run = sync(source, "schedule" if slot else "manual", slot, worker)
    return json.dumps({"outcome": run.outcome, "value": run.value, "error": run.error})
