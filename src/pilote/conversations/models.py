"""Comments on objectives, key results and initiatives, with replies and @mentions
(conversations/actions.py writes them; pilote/okr/mentions.py reads the mentions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilote.orgs.models import Organization


class Comment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # What it is about: exactly one of the three.
    objective = models.ForeignKey(
        "goals.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    key_result = models.ForeignKey(
        "goals.KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    initiative = models.ForeignKey(
        "roadmap.Initiative",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # its words gone, its place kept

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(objective__isnull=False, key_result__isnull=True, initiative__isnull=True)
                    | Q(objective__isnull=True, key_result__isnull=False, initiative__isnull=True)
                    | Q(objective__isnull=True, key_result__isnull=True, initiative__isnull=False)
                ),
                name="comment_has_one_target",
            )
        ]
        indexes = [models.Index(fields=["organization", "created_at"])]

    @property
    def target(self):
        return self.objective or self.key_result or self.initiative

    @property
    def target_type(self) -> str:
        if self.objective_id:
            return "objective"
        return "key_result" if self.key_result_id else "initiative"
