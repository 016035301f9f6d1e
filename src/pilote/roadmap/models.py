"""Initiatives and their declared impacts (data only here; ranking comes with the roadmap)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pilote.goals.models import KeyResult
from pilote.orgs.models import Organization, Unit


class InitiativeStatus(models.TextChoices):
    IDEA = "idea", "idea"
    PLANNED = "planned", "planned"
    IN_PROGRESS = "in_progress", "in_progress"
    DONE = "done", "done"
    DROPPED = "dropped", "dropped"


class Horizon(models.TextChoices):
    NOW = "now", "now"
    NEXT = "next", "next"
    LATER = "later", "later"


class Initiative(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="initiatives"
    )
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="initiatives"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.IDEA
    )
    horizon = models.CharField(max_length=6, choices=Horizon.choices, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    effort = models.FloatField(null=True, blank=True)  # person-weeks
    confidence = models.FloatField(null=True, blank=True)  # 0..1
    delivered_on = models.DateField(null=True, blank=True)
    # For organisations that rank by RICE or value ÷ effort instead of impact on the KRs.
    reach = models.FloatField(null=True, blank=True)
    rice_impact = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="initiative_key_unique")
        ]
        ordering = ["id"]


class Impact(models.Model):
    """The hypothesis: this initiative should move this KR by ``expected`` (in the KR's unit)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="impacts")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="impacts")
    expected = models.FloatField()
    rationale = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "key_result"], name="impact_unique")
        ]
        ordering = ["id"]
