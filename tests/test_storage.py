"""Storage settings that matter for correctness (IMMEDIATE transactions: test_sqlite_concurrency.py)."""

import pytest
from django.db import IntegrityError, connection, transaction


@pytest.mark.django_db
def test_foreign_keys_are_enforced():
    from pilote.orgs.models import Unit

    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {Unit._meta.db_table} (organization_id, key, name, version) VALUES (999999, 'x', 'x', 1)"
            )
        connection.check_constraints()
