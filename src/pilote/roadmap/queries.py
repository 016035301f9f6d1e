"""Reads of initiatives, scoped by the access gate."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from pilote.orgs.access import Actor, get_scoped, scoped

from .models import Impact, Initiative


def initiatives(actor: Actor) -> QuerySet[Initiative]:
    return scoped(actor, Initiative.objects.select_related("unit", "owner")).prefetch_related(
        Prefetch("impacts", queryset=Impact.objects.select_related("key_result__objective"))
    )


def get_initiative(actor: Actor, key: str) -> Initiative:
    return get_scoped(actor, initiatives(actor), "initiative", key=key)
