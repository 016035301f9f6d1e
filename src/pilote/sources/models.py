"""Data sources that feed key results, their runs, held readings, and market/user feedback."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from pilote.goals.models import CheckIn, KeyResult, Objective
from pilote.messages import said
from pilote.orgs.models import Organization
from pilote.roadmap.models import Initiative


def new_hook_id() -> str:
    return secrets.token_urlsafe(18)


def new_webhook_secret() -> str:
    return secrets.token_hex(24)


class DataSource(models.Model):
    """Where a key result's values come from automatically (pulled on a schedule, or pushed)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="data_sources"
    )
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30)  # a connector's name, or "webhook" / "feedback_inbox"
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="data_sources"
    )
    params = models.JSONField(default=dict, blank=True)
    secrets = models.JSONField(default=dict, blank=True)  # never shown back, never exported
    interval_minutes = models.PositiveIntegerField(null=True, blank=True)  # None: no schedule
    expect_every_minutes = models.PositiveIntegerField(null=True, blank=True)  # pushed sources
    allow_private = models.BooleanField(default=False)  # an admin's choice, per source
    jump_factor = models.FloatField(null=True, blank=True)  # None: the default, 5 × usual change
    enabled = models.BooleanField(default=True)
    hook_id = models.CharField(max_length=40, unique=True, default=new_hook_id)
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)  # in English (API, CLI)
    # the error as a code and its values (pilote.messages), worded where a person reads it
    last_error_code = models.CharField(max_length=40, blank=True)
    last_error_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="source_key_unique")
        ]
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    @property
    def last_error_said(self) -> str:
        """The last error, carrying its code and values (``pilote.messages.said``)."""
        return said(self.last_error, self.last_error_code, self.last_error_params)


class SyncRun(models.Model):
    """One attempt of a source to deliver a value: its outcome, value, raw text and error."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "applied"
        UNCHANGED = "unchanged", "unchanged"
        HELD = "held", "held"
        FAILED = "failed", "failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=20)  # schedule, manual, webhook, cli
    scheduled_for = models.DateTimeField(null=True, blank=True)  # the schedule slot it ran for
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    value = models.FloatField(null=True, blank=True)
    raw_value = models.TextField(blank=True)
    error = models.TextField(blank=True)  # in English
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    check_in = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # A schedule slot runs once, however many workers race for it.
            models.UniqueConstraint(
                fields=["source", "scheduled_for"],
                name="sync_run_slot_unique",
                condition=models.Q(scheduled_for__isnull=False),
            )
        ]

    @property
    def error_said(self) -> str:
        return said(self.error, self.error_code, self.error_params)


class HeldReading(models.Model):
    """A value that jumped beyond the usual change: it waits for the KR owner's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        CONFIRMED = "confirmed", "confirmed"
        REJECTED = "rejected", "rejected"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="held")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="held")
    value = models.FloatField()
    raw_value = models.TextField(blank=True)
    fetched_at = models.DateTimeField()
    effective = models.DateField()
    reason = models.TextField()  # in English (API, CLI)
    # The reason as a code and its values (pilote.okr.freshness.JumpVerdict), worded in the
    # reader's language where a person reads it.
    reason_code = models.CharField(max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    check_in = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-fetched_at", "-id"]


class FeedbackItem(models.Model):
    """A piece of market or user feedback: a store review, a survey answer, a support ticket."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="feedback"
    )
    channel = models.CharField(max_length=100)  # where it came from: "App Store", "NPS survey"
    received = models.DateField(db_index=True)
    text = models.TextField(blank=True)
    rating = models.FloatField(null=True, blank=True)  # 0..5 stars
    nps = models.PositiveSmallIntegerField(null=True, blank=True)  # 0..10
    segment = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    link = models.URLField(max_length=500, blank=True)
    external_id = models.CharField(
        max_length=200, blank=True
    )  # the origin's id: re-imports skip it
    created_at = models.DateTimeField(default=timezone.now)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="feedback")
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="feedback")

    class Meta:
        ordering = ["-received", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "external_id"],
                name="feedback_external_unique",
                condition=~models.Q(external_id=""),
            )
        ]
        indexes = [models.Index(fields=["organization", "received"])]
