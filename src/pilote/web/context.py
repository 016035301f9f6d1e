"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings


def pilote(request) -> dict:
    actor = getattr(request, "actor", None)
    user = getattr(request, "user", None)
    orgs = []
    if user is not None and user.is_authenticated:
        from pilote.orgs.access import organizations_of

        orgs = list(organizations_of(user))
    role = actor.role if actor else None
    unread = 0
    if actor is not None and actor.user is not None:
        from pilote.notify.models import Notification
        from pilote.orgs.access import scoped

        unread = scoped(
            actor, Notification.objects.filter(user=actor.user, in_app=True, read_at__isnull=True)
        ).count()
    return {
        "unread": unread,
        "actor": actor,
        "organizations": orgs,
        "role": role,
        "is_executive": role == "executive",
        "can_admin": role == "admin",
        "can_write": role in ("admin", "executive", "lead"),
        "LANGUAGES": settings.LANGUAGES,
    }
