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


def test_the_data_folder_the_database_and_the_secret_key_are_owner_only(tmp_path):
    """Found in review: the SQLite file was created 0644 (it holds password hashes)."""
    import os
    import stat
    import subprocess
    import sys

    data = tmp_path / "data"
    env = {**os.environ, "PILOTE_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "pilote.settings"}
    env.pop("PILOTE_DATABASE_URL", None)
    env.pop("PILOTE_SECRET_KEY", None)
    subprocess.run(
        [sys.executable, "-m", "pilote.cli", "migrate"], env={**env, "UMASK": "022"},
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from pilote.orgs.models import "
         "Organization; Organization.objects.create(name='x')"],
        env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("pilote.sqlite3", "secret_key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    for extra in ("pilote.sqlite3-wal", "pilote.sqlite3-shm"):
        if (data / extra).exists():
            assert stat.S_IMODE((data / extra).stat().st_mode) & 0o077 == 0, extra


def test_django_admin_is_not_mounted(client):
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404


@pytest.mark.django_db
def test_postgresql_connections_come_from_a_pool():
    """Opening a PostgreSQL connection per request cost ~7.5 ms (issue 12's load test)."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of scripts/test")
    assert connection.pool is not None and connection.pool.max_size == 8
