"""The audit trail: every action writes one entry (who, when, what, before, after)."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.utils import timezone

from pilote.db import insert_rows

from . import versions
from .access import Actor
from .models import AuditEntry


class AuditType(StrEnum):
    """What an audit entry is about: an enumeration, never a string matched by text."""

    ORGANIZATION = "organization"
    UNIT = "unit"
    PERSON = "person"
    PREFERENCES = "preferences"  # a person's notification preferences
    TOKEN = "token"
    VISION = "vision"
    CYCLE = "cycle"
    OBJECTIVE = "objective"
    KEY_RESULT = "key_result"
    HELD_READING = "held_reading"
    DATA_SOURCE = "data_source"
    FEEDBACK = "feedback"
    INITIATIVE = "initiative"
    WEBHOOK = "webhook"


class AuditAction(StrEnum):
    """Actions programs read (the others are free text for people to read)."""

    CHECK_IN = "check_in"


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
    object_type: AuditType,
    object_key: str,
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
) -> AuditEntry:
    """One entry; it raises the organisation's data version in the caller's transaction."""
    object_type = AuditType(object_type)  # an unknown type is a bug: ValueError
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


def record_many(
    actor: Actor, action: str, object_type: AuditType, entries: list[tuple[str, dict]]
) -> int:
    """One entry per (object key, after) under one new data version, in one COPY or INSERT.

    For set-wise writes (bulk check-ins): ``bulk_create`` spent more time preparing 1,000
    model instances than the database spent writing them. Returns the version.
    """
    object_type = AuditType(object_type)
    version = versions.bump(actor.organization.pk)
    meta = AuditEntry._meta
    columns = ("organization_id", "at", "actor_id", "actor_label", "action", "object_type",
               "object_key", "after", "comment", "version")  # fmt: skip
    fixed = (actor.organization.pk, timezone.now(), actor.user.pk if actor.user else None,
             actor.label)  # fmt: skip
    encoder = meta.get_field("after").encoder
    rows = [
        (*fixed, str(action), object_type.value, key, json.dumps(_plain(after), cls=encoder), "",
         version)
        for key, after in entries
    ]  # fmt: skip
    insert_rows(meta.db_table, columns, rows)  # COPY on PostgreSQL (pilote/db.py)
    return version


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, for a readable audit entry."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
