"""SQL: one read-only query against a database SQLAlchemy understands; one number back.

What the URL may reach is decided by ``sources.reach.database_url`` (never Pilote's own
database, SQLite files only under ``PILOTE_SOURCE_DIRS``, private servers only when an
admin allowed them). Read-only three ways: only a single SELECT/WITH statement is
accepted, the transaction is made read-only where the database can (PostgreSQL ``SET
TRANSACTION READ ONLY``, SQLite ``PRAGMA query_only`` on a file opened ``mode=ro``), and it
is always rolled back. The server's file and program functions are refused, and on
PostgreSQL a role that may read server files (a superuser, ``pg_read_server_files``) is
refused: sources connect with a read-only role (docs/sources.md). A statement time limit
applies (PostgreSQL ``statement_timeout``; SQLite an interrupt after the limit); two rows
at most are read, and only the first 100 characters of the value. Errors name the database's error class, never the values it quoted.
"""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilote.messages import say
from pilote.okr.text import N_

from .. import reach
from .base import Param, Reading, SourceConfig, SourceError, register, to_number

DEFAULT_LIMIT_SECONDS = 10.0
MAX_LIMIT_SECONDS = 60.0
_START = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)
# Functions that read or write the server's files, run programs, open other connections or
# run a query given as text (which could hide any of the others).
_SERVER_FUNCTIONS = re.compile(
    r"\b(pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_\w+|loread|lowrite"
    r"|dblink\w*|pg_execute_server_program|query_to_xml\w*|cursor_to_xml\w*|table_to_xml\w*"
    r"|schema_to_xml\w*|database_to_xml\w*|set_config|pg_terminate_backend|pg_cancel_backend"
    r"|pg_reload_conf|pg_rotate_logfile|load_extension|readfile|writefile|fts3_tokenizer"
    r"|load_file|into\s+outfile|into\s+dumpfile)\b",
    re.IGNORECASE,
)


def query_errors(query: str) -> list[tuple[str, str]]:
    text = (query or "").strip().rstrip(";")
    if not _START.match(text):
        return [("params.query", N_("must be one SELECT (or WITH … SELECT) statement"))]
    if ";" in text:
        return [("params.query", N_("must be a single statement (no ';' inside)"))]
    found = _SERVER_FUNCTIONS.search(text)
    if found:
        return [("params.query", say("query_calls", function=found.group(1).split()[0]))]
    return []


class Sql:
    name = "sql"
    label = _("SQL query")
    parameters = (
        Param("query", _("one SELECT returning one row with one number"), label=_("Query")),
        Param(
            "timeout",
            _("statement time limit in seconds (default 10)"),
            required=False,
            label=_("Time limit (seconds)"),
            number=True,
        ),
        Param(
            "url",
            _("the database address, e.g. postgresql+psycopg://user@host/db"),
            secret=True,
            label=_("Database address"),
        ),
    )

    def fetch(self, config: SourceConfig) -> Reading:
        query = str(config.params.get("query", "")).strip().rstrip(";")
        errors = query_errors(query)
        if errors:
            raise SourceError(errors[0][1])
        limit = min(float(config.params.get("timeout") or DEFAULT_LIMIT_SECONDS), MAX_LIMIT_SECONDS)
        url, connect_args = reach.database_url(config.secrets.get("url"), config.allow_private)
        try:
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=connect_args)
        except Exception as exc:  # noqa: BLE001 — any bad URL is the user's to fix
            raise SourceError(say("url_unusable", detail=type(exc).__name__)) from None
        try:
            rows = self._run(engine, query, limit)
        finally:
            engine.dispose()
        if len(rows) != 1 or len(rows[0]) != 1:
            raise SourceError(
                say("one_row_one_column_of", rows=len(rows), columns=len(rows[0]))
                if rows else say("one_row_one_column", rows=0)
            )  # fmt: skip
        raw = rows[0][0]
        # The raw text is kept only once it has proved to be a number.
        return Reading(to_number(raw, say("query_result")), str(raw)[:100], timezone.now())

    def _run(self, engine: sa.Engine, query: str, limit: float) -> list:
        dialect = engine.dialect.name
        timer = None
        try:
            with engine.connect() as conn:
                if dialect == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(limit * 1000)}")
                    _refuse_powerful_role(conn)
                elif dialect == "sqlite":
                    conn.exec_driver_sql("PRAGMA query_only = ON")
                    raw = conn.connection.dbapi_connection
                    timer = threading.Timer(limit, raw.interrupt)
                    timer.start()
                try:
                    return _fetch(conn, dialect, query)
                finally:
                    conn.rollback()
        except sa.exc.OperationalError as exc:
            text = str(exc.orig)
            if "timeout" in text or "interrupted" in text or "canceling statement" in text:
                raise SourceError(say("query_too_long", seconds=limit)) from None
            raise SourceError(say("database_refused", detail=_error_class(exc.orig))) from None
        except sa.exc.DBAPIError as exc:
            raise SourceError(say("database_refused", detail=_error_class(exc.orig))) from None
        except sa.exc.ArgumentError:
            raise SourceError(N_("the database URL is not usable")) from None
        finally:
            if timer is not None:
                timer.cancel()


MAX_VALUE_CHARS = 100


def _fetch(conn, dialect: str, query: str) -> list[tuple]:
    """At most two rows of the query, its one value cut to ``MAX_VALUE_CHARS`` by the database.

    A query may produce a value of any size (``repeat('x', 1e9)``, ``zeroblob``): on
    PostgreSQL and SQLite only its first characters cross the connection. The columns are
    read first from a plan that returns no row.
    """
    if dialect not in ("postgresql", "sqlite"):
        return [tuple(r) for r in conn.exec_driver_sql(query).fetchmany(2)]
    probe = conn.exec_driver_sql(f"SELECT * FROM ({query}) AS pilote_q LIMIT 0")
    columns = [d[0] for d in probe.cursor.description or ()]
    probe.close()
    if len(columns) != 1:
        raise SourceError(say("columns_returned", columns=len(columns)))
    name = '"' + str(columns[0]).replace('"', '""') + '"'
    bounded = (
        f"SELECT substr(CAST(pilote_q.{name} AS TEXT), 1, {MAX_VALUE_CHARS + 1})"
        f" FROM ({query}) AS pilote_q LIMIT 2"
    )
    return [tuple(r) for r in conn.exec_driver_sql(bounded).fetchall()]


def _refuse_powerful_role(conn) -> None:
    """A role that may read the server's files could read any of its databases: refused."""
    powerful = conn.exec_driver_sql(
        "SELECT rolsuper OR pg_has_role(current_user, 'pg_read_server_files', 'USAGE')"
        " OR pg_has_role(current_user, 'pg_execute_server_program', 'USAGE')"
        " FROM pg_roles WHERE rolname = current_user"
    ).scalar()
    if powerful:
        raise SourceError(
            N_(
                "the database role may read the server's files (a superuser, or a member of "
                "pg_read_server_files): connect with a read-only role (docs/sources.md)"
            )
        )


def _error_class(error: BaseException) -> str:
    """What kind of error the database gave, without its text: messages quote values.

    PostgreSQL (psycopg) names its SQLSTATE class (``InvalidTextRepresentation``); SQLite's
    messages speak of the query (no such table, a syntax error), never of the rows.
    """
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(error).__name__).lower()
        return f"{words} (SQLSTATE {sqlstate})"
    if type(error).__module__.startswith("sqlite3"):
        return str(error).splitlines()[0][:200]
    return type(error).__name__


register(Sql())
