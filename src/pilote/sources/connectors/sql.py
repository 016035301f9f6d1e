"""SQL: one read-only query against any database SQLAlchemy understands; one number back.

Read-only three ways: only a single SELECT/WITH statement is accepted, the transaction
is made read-only where the database can (PostgreSQL ``SET TRANSACTION READ ONLY``,
SQLite ``PRAGMA query_only``), and it is always rolled back. A statement time limit
applies (PostgreSQL ``statement_timeout``; SQLite an interrupt after the limit).
"""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa
from django.utils import timezone

from .base import Param, Reading, SourceConfig, SourceError, register, to_number

DEFAULT_LIMIT_SECONDS = 10.0
_START = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


def query_errors(query: str) -> list[tuple[str, str]]:
    text = (query or "").strip().rstrip(";")
    if not _START.match(text):
        return [("params.query", "must be one SELECT (or WITH … SELECT) statement")]
    if ";" in text:
        return [("params.query", "must be a single statement (no ';' inside)")]
    return []


class Sql:
    name = "sql"
    label = "SQL query"
    parameters = (
        Param("query", "one SELECT returning one row with one number"),
        Param("timeout", "statement time limit in seconds (default 10)", required=False),
        Param("url", "the database URL, e.g. postgresql+psycopg://user@host/db", secret=True),
    )

    def fetch(self, config: SourceConfig) -> Reading:
        query = str(config.params.get("query", "")).strip().rstrip(";")
        errors = query_errors(query)
        if errors:
            raise SourceError(errors[0][1])
        limit = float(config.params.get("timeout") or DEFAULT_LIMIT_SECONDS)
        try:
            engine = sa.create_engine(config.secrets["url"], poolclass=sa.pool.NullPool)
        except Exception as exc:  # noqa: BLE001 — any bad URL is the user's to fix
            raise SourceError(f"the database URL is not usable: {exc}") from None
        try:
            rows = self._run(engine, query, limit)
        finally:
            engine.dispose()
        if len(rows) != 1 or len(rows[0]) != 1:
            shape = f"{len(rows)} row(s)" + (f" of {len(rows[0])} column(s)" if rows else "")
            raise SourceError(f"the query must return one row with one column; it returned {shape}")
        raw = rows[0][0]
        return Reading(to_number(raw, "query's result"), str(raw)[:500], timezone.now())

    def _run(self, engine: sa.Engine, query: str, limit: float) -> list:
        dialect = engine.dialect.name
        timer = None
        try:
            with engine.connect() as conn:
                if dialect == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(limit * 1000)}")
                elif dialect == "sqlite":
                    conn.exec_driver_sql("PRAGMA query_only = ON")
                    raw = conn.connection.dbapi_connection
                    timer = threading.Timer(limit, raw.interrupt)
                    timer.start()
                try:
                    return [tuple(r) for r in conn.exec_driver_sql(query).fetchmany(2)]
                finally:
                    conn.rollback()
        except sa.exc.OperationalError as exc:
            text = str(exc.orig)
            if "timeout" in text or "interrupted" in text or "canceling statement" in text:
                raise SourceError(f"the query ran longer than its limit of {limit:g} s") from None
            raise SourceError(f"the database refused: {text.splitlines()[0]}") from None
        except sa.exc.DBAPIError as exc:
            raise SourceError(f"the database refused: {str(exc.orig).splitlines()[0]}") from None
        except sa.exc.ArgumentError as exc:
            raise SourceError(f"the database URL is not usable: {exc}") from None
        finally:
            if timer is not None:
                timer.cancel()


register(Sql())
