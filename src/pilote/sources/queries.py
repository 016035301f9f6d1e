"""Reads of sources, runs, held readings and feedback, scoped to the actor's organisation."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from pilote.okr.freshness import is_stale
from pilote.orgs.access import Actor, get_scoped, scoped

from .models import DataSource, FeedbackItem, HeldReading, SyncRun


def sources(actor: Actor) -> QuerySet[DataSource]:
    return scoped(actor, DataSource.objects.select_related("key_result__objective"))


def get_source(actor: Actor, key: str) -> DataSource:
    return get_scoped(actor, sources(actor), "data source", key=key)


def runs(actor: Actor, source: DataSource) -> QuerySet[SyncRun]:
    return scoped(actor, SyncRun.objects.filter(source=source))


def held_readings(actor: Actor, pending_only: bool = True) -> QuerySet[HeldReading]:
    qs = scoped(actor, HeldReading.objects.select_related("source", "key_result__objective"))
    return qs.filter(status=HeldReading.Status.PENDING) if pending_only else qs


def get_held(actor: Actor, pk: int) -> HeldReading:
    return get_scoped(actor, held_readings(actor, pending_only=False), "held reading", pk=pk)


def get_feedback(actor: Actor, pk: int) -> FeedbackItem:
    return get_scoped(
        actor,
        FeedbackItem.objects.prefetch_related("objectives", "initiatives"),
        "feedback item",
        pk=pk,
    )


def evidence(actor: Actor, **linked) -> QuerySet[FeedbackItem]:
    """The feedback linked as evidence to an objective or an initiative (``objectives=o``)."""
    return scoped(actor, FeedbackItem.objects.filter(**linked))[:20]


def expected_every(source: DataSource) -> timedelta | None:
    minutes = source.interval_minutes or source.expect_every_minutes
    return timedelta(minutes=minutes) if minutes else None


def stale(source: DataSource, now: datetime | None = None) -> bool:
    return source.enabled and is_stale(
        source.last_success_at, expected_every(source), now or timezone.now()
    )
