"""Each organisation's data version: raised by every audited write, kept on its audit entry
(the order of an organisation's changes). The per-process figures cache that read it is gone.

``bump`` runs in the writer's transaction (``audit.record`` calls it): one UPDATE … RETURNING
of the organisation's row. ``current`` is one indexed read. See ``DataVersion``.
"""

from __future__ import annotations

import uuid

from django.db import connection

from .models import DataVersion


def _table() -> str:
    return connection.ops.quote_name(DataVersion._meta.db_table)


def bump(organization_id: int) -> int:
    """Raise the organisation's version by one and return the new value (same transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET value = value + 1 WHERE organization_id = %s RETURNING value",
            [organization_id],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    DataVersion.objects.get_or_create(organization_id=organization_id)
    return bump(organization_id)


def current(organization_id: int) -> tuple[uuid.UUID, int]:
    """(epoch, value) of the organisation's data version."""
    row = (
        DataVersion.objects.filter(organization_id=organization_id)
        .values_list("epoch", "value")
        .first()
    )
    if row is None:
        version, _ = DataVersion.objects.get_or_create(organization_id=organization_id)
        row = (version.epoch, version.value)
    return row
