"""Backups and upgrades: a backup restores every row (the JSON export before and after is the
same), and a database made by the previous release upgrades without losing a row."""

from __future__ import annotations

import gzip
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import _database_url

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release-449f5fc-demo.sqlite3.gz"


def _env(tmp: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PILOTE_DATABASE_URL",)}
    env.update(PILOTE_DATA_DIR=str(tmp), DJANGO_SETTINGS_MODULE="pilote.settings")
    if url:
        env["PILOTE_DATABASE_URL"] = url
    return env


def _cli(env, *args, ok=True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "pilote.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def test_a_backup_restores_every_row(tmp_path):
    """On the pass's kind of database: a SQLite file, or on the PostgreSQL pass a scratch one."""
    env = _env(tmp_path, _database_url(tmp_path, "pilote_backup"))
    _cli(env, "demo", "--no-serve")
    export = ("export", "--org", "Banque Exemple", "--format", "json")
    before = _cli(env, *export).stdout
    file = tmp_path / "pilote.backup"
    _cli(env, "backup", str(file))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # it holds password hashes
    assert "exists already" in _cli(env, "backup", str(file), ok=False).stderr
    # Work goes on after the backup, then is lost by the restore.
    _cli(env, "checkin", "--org", "Banque Exemple", "note-espace-client", "4.7")
    assert _cli(env, *export).stdout != before
    assert "--yes" in _cli(env, "restore", str(file), ok=False).stderr  # no prompt without a tty
    _cli(env, "restore", str(file), "--yes")
    after = _cli(env, *export).stdout
    assert after == before
    assert _cli(env, "check", "--org", "Banque Exemple").returncode == 0
    wrong = tmp_path / "not-a-backup"
    wrong.write_bytes(b"hello")
    assert "is not a" in _cli(env, "restore", str(wrong), "--yes", ok=False).stderr
    assert _cli(env, *export).stdout == before  # a refused restore changes nothing


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_a_database_of_the_previous_release_upgrades_without_losing_a_row(tmp_path):
    """The fixture is the demo as the previous release (449f5fc) made it, migrations and all."""
    db = tmp_path / "pilote.sqlite3"
    db.write_bytes(gzip.decompress(FIXTURE.read_bytes()))
    before = _counts(db)
    env = _env(tmp_path, None)
    _cli(env, "migrate")
    after = _counts(db)
    # Django's own registries grow with the new models; every other table keeps its rows.
    grows = {"django_migrations", "django_content_type", "auth_permission"}
    kept = {t: n for t, n in before.items() if t not in grows}
    assert {t: after[t] for t in kept} == kept, "a table lost or gained rows"
    assert all(after[t] >= before[t] for t in grows & set(before))
    assert after["django_migrations"] > before["django_migrations"]  # something was upgraded
    print(
        f"{sum(kept.values())} rows in {len(kept)} tables kept; "
        f"{after['django_migrations'] - before['django_migrations']} migrations applied"
    )
    # And the upgraded data is whole: figures recompute, the export reads every object.
    assert _cli(env, "check", "--org", "Banque Exemple").returncode == 0
    assert "espace-client" in _cli(env, "export", "--org", "Banque Exemple").stdout
