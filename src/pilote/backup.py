"""Back up and restore Pilote's database: SQLite's online backup, PostgreSQL's pg_dump.

- **SQLite**: the online backup API copies a consistent image of the live database while
  the server keeps serving (readers and the writer go on); ``restore`` copies a backup back
  the same way.
- **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore --clean --single-transaction``
  (Debian's postgresql-client), with the connection settings of ``PILOTE_DATABASE_URL``; the
  password travels in the environment, never on the command line.

Backups hold password hashes and secrets: they are written owner-only (0600). After a
restore, pending migrations are applied (a backup of an older release is upgraded) and
every organisation's data version gets a new epoch (the version numbers the restore reused
are never taken for the old ones).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """What went wrong, said for the operator."""


def _db() -> dict:
    return settings.DATABASES["default"]


def _kind() -> str:
    engine = _db()["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"no backup method for {engine}")


def _owner_only(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise BackupError(f"{path} exists already: choose a new file")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _pg(tool: str, *args: str) -> None:
    """Run pg_dump or pg_restore on Pilote's database; BackupError with its message if it fails."""
    found = shutil.which(tool)
    if found is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    db = _db()
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    command = [found, "--dbname", str(db["NAME"]), "--no-owner"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    done = subprocess.run([*command, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[:500]}")


def backup(destination: str | Path) -> str:
    """Write a backup of the whole database to ``destination``; returns its kind."""
    path = Path(destination)
    kind = _kind()
    _owner_only(path)
    try:
        if kind == "sqlite":
            source = sqlite3.connect(str(_db()["NAME"]))
            target = sqlite3.connect(str(path))
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            _pg("pg_dump", "--format=custom", "--file", str(path))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return kind


def restore(source: str | Path) -> str:
    """Replace the database with the backup at ``source``; returns its kind."""
    path = Path(source)
    kind = _kind()
    try:
        head = path.open("rb").read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from None
    if kind == "sqlite" and not head.startswith(SQLITE_MAGIC):
        raise BackupError(f"{path} is not a SQLite backup (this server runs on SQLite)")
    if kind == "postgresql" and not head.startswith(PGDUMP_MAGIC):
        raise BackupError(f"{path} is not a pg_dump backup (this server runs on PostgreSQL)")
    connections.close_all()
    if kind == "sqlite":
        backup_db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        live = sqlite3.connect(str(_db()["NAME"]))
        try:
            if not backup_db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone():
                raise BackupError(f"{path} is not a backup of Pilote")
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    else:
        _pg("pg_restore", "--clean", "--if-exists", "--single-transaction", str(path))
    _after_restore()
    return kind


def _after_restore() -> None:
    from django.core.management import call_command

    from pilote.orgs.models import DataVersion

    call_command("migrate", interactive=False, verbosity=0)
    for version in DataVersion.objects.all():
        DataVersion.objects.filter(pk=version.pk).update(epoch=uuid.uuid4())
