"""Notifications in the app, per-person preferences, outgoing webhooks and their deliveries."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from pilote.orgs.models import Organization


class Kind(models.TextChoices):
    REMINDER = "reminder", "Check-in reminder"
    AT_RISK = "at_risk", "Key result at risk"
    VALIDATION = "validation", "Validation request"
    DIGEST = "digest", "Weekly digest"
    SOURCE = "source", "Data source needs attention"
    MENTION = "mention", "Mention or reply"


# What a person gets when they never chose: everything in the app, e-mail for what needs
# them to act (reminders, validations, at-risk alerts) and the weekly digest.
DEFAULT_EMAIL = {Kind.REMINDER, Kind.AT_RISK, Kind.VALIDATION, Kind.DIGEST, Kind.MENTION}


class Notification(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    in_app = models.BooleanField(default=True)  # False: the person chose e-mail only
    emailed_at = models.DateTimeField(null=True, blank=True)
    dedupe = models.CharField(max_length=200, blank=True)  # one reminder per person per period
    # What it says, as data (notify/messages.py): the title and body are this message written
    # in the recipient's language when it was made.
    message = models.CharField(max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "organization", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "dedupe"],
                name="notification_dedupe_unique",
                condition=~models.Q(dedupe=""),
            )
        ]


class Preference(models.Model):
    """One person's choice for one kind of notification in one organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "kind"], name="preference_unique"
            )
        ]


def new_secret() -> str:
    return secrets.token_hex(24)


class Webhook(models.Model):
    """An outgoing webhook: the organisation's events, signed, as generic JSON, Slack or Teams."""

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.JSON)
    kinds = models.JSONField(default=list, blank=True)  # empty: every kind
    secret = models.CharField(max_length=64, default=new_secret)
    allow_private = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]


class Delivery(models.Model):
    """One event to send to one webhook; retried with back-off until it succeeds or gives up."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=20)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Schedule(models.Model):
    """An organisation's recurring job (reminders, digest): claimed by one worker per slot."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    job = models.CharField(max_length=20)  # "reminders" | "digest"
    interval_days = models.PositiveSmallIntegerField(default=7)
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "job"], name="schedule_unique")
        ]


class PendingAlert(models.Model):
    """A KR whose at-risk alert is due to be checked: check-ins arriving every few seconds
    are checked together, once per ``PILOTE_ALERT_DEBOUNCE_SECONDS`` per organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key_result = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key_result"], name="one_pending_alert_per_kr"
            )
        ]
