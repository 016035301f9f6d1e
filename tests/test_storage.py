"""Storage settings that matter for correctness."""

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


def test_sqlite_takes_the_write_lock_at_begin():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
