"""The audit trail: every action writes one entry (who, when, what, before, after)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from . import versions
from .access import Actor
from .models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_key: str,
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
) -> AuditEntry:
    """One entry; it raises the organisation's data version in the caller's transaction."""
    return AuditEntry.objects.create(
        version=versions.bump(actor.organization.pk),
        organization=actor.organization,
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_key=object_key,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        comment=comment,
    )


def entry(
    actor: Actor,
    action: str,
    object_type: str,
    object_key: str,
    after: dict | None = None,
    version: int | None = None,
) -> AuditEntry:
    """An unsaved entry, for writes that save many at once (``bulk_create``) under one version."""
    return AuditEntry(
        organization=actor.organization,
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_key=object_key,
        after=_plain(after) if after is not None else None,
        version=version,
    )


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, for a readable audit entry."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
