"""Database helpers that are not tied to one app."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

import orjson
from django.db import connection, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast


@contextmanager
def consistent_read() -> Iterator[None]:
    """Every query inside sees one state of the database, as of its first read.

    A whole-organisation read (the figures snapshot) is several queries; in autocommit,
    a write committed between two of them left rows that point at rows the earlier queries
    did not see. PostgreSQL: one ``REPEATABLE READ READ ONLY`` transaction. SQLite: one
    deferred transaction (WAL readers see the database as of their first read and never
    block the writer; Django's own transactions are ``IMMEDIATE``, which would take the
    write lock, so this one is opened by hand). Inside an open transaction (a write that
    reads, or a test), that transaction already is the consistent view.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")  # nothing was written: ends the read


def fast_values(
    rows: QuerySet, columns: Iterable[str], json: Iterable[str] = (), dates: Iterable[str] = ()
) -> Iterator[list]:
    """``rows.values_list(*columns)`` for large reads: the ``json`` columns read as text and
    parsed by orjson (Django's own decoding was a fifth of a bulk of check-ins), and on
    SQLite the ``dates`` as text read by ``date.fromisoformat`` (Django's regular expression
    for SQLite's dates was a quarter of reading the KRs). PostgreSQL's driver gives dates."""
    columns = tuple(columns)
    json = set(json)
    dates = set(dates) if connection.vendor == "sqlite" else set()
    texts = [c for c in columns if c in json or c in dates]
    alias = {c: f"as_text_{i}" for i, c in enumerate(texts)}
    annotations = {alias[c]: Cast(c, TextField()) for c in texts}
    names = [alias.get(c, c) for c in columns]
    parse = [(i, orjson.loads if c in json else _day) for i, c in enumerate(columns) if c in texts]
    for row in rows.annotate(**annotations).values_list(*names):
        row = list(row)
        for i, read in parse:
            if row[i] is not None:
                row[i] = read(row[i])
        yield row


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def insert_rows(
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple],
    returning_ids: bool = False,
    ignore_conflicts: bool = False,
) -> list[int] | None:
    """Many rows into ``table`` at the database's own pace, without model instances
    (``bulk_create`` spent more time preparing instances than the database writing them):
    PostgreSQL's ``COPY … FROM STDIN`` (psycopg's copy support; with ``returning_ids`` the
    ids are taken from the table's sequence first, in the rows' order), SQLite's
    multi-row ``INSERT … VALUES (…), (…)`` (ids by ``RETURNING``). Values are Python's
    (dates, aware datetimes, numbers, text; JSON as text); returns the ids, in the rows'
    order, when asked. ``ignore_conflicts``: rows that would break a unique constraint are
    left out (``ON CONFLICT DO NOTHING``, multi-row statements on both databases)."""
    assert not (returning_ids and ignore_conflicts)
    if not rows:
        return [] if returning_ids else None
    ops = connection.ops
    quoted = ops.quote_name(table)
    names = ", ".join(ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            ids = None
            if returning_ids:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, len(rows)],
                )
                ids = [r[0] for r in cursor.fetchall()]
                names, rows = (
                    f"id, {names}",
                    [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
                )
            # psycopg's own cursor (Django's wrapper has no copy): its errors made Django's.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return ids
        adapt = _sqlite_adapter() if connection.vendor == "sqlite" else (lambda v: v)
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        ids: list[int] = []
        # SQLite allows 32,766 parameters a statement (PostgreSQL 65,535).
        batch = max(1, 30_000 // len(columns))
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            sql = f"INSERT INTO {quoted} ({names}) VALUES " + ", ".join([one] * len(chunk)) + tail
            params = [adapt(v) for row in chunk for v in row]
            if returning_ids:
                cursor.execute(sql + " RETURNING id", params)
                # Ids are handed out in the order of the VALUES rows; RETURNING may list
                # them in another order, so they are sorted first.
                ids += sorted(r[0] for r in cursor.fetchall())
            else:
                cursor.execute(sql, params)
        return ids if returning_ids else None


def _sqlite_adapter():
    """Python's values as SQLite stores them; dates and datetimes once each per statement
    (a bulk's rows share a few: Django's adapting of each was a tenth of the bulk)."""
    ops = connection.ops
    seen: dict = {}

    def adapt(value):
        if not isinstance(value, date):
            return value
        text = seen.get(value)
        if text is None:
            is_datetime = isinstance(value, datetime)
            text = seen[value] = (
                ops.adapt_datetimefield_value(value) if is_datetime
                else ops.adapt_datefield_value(value)
            )  # fmt: skip
        return text

    return adapt


def update_rows(model, fields: tuple[str, ...], rows: list[tuple], only_if: str = "") -> None:
    """Set ``fields`` of each row of ``model``'s table whose id is a row's first value to its
    other values (``rows``: ``(id, *values)``, values as Python's, JSON as text), in one
    ``UPDATE … FROM (VALUES …)`` per batch: ``executemany`` of an UPDATE per row cost a
    round trip each on PostgreSQL. ``only_if``: a condition more, over ``t`` (the table's row)
    and ``v`` (the row's values, by field name), e.g. ``"t.last_effective < v.last_effective"``.

    Rows are updated in id order (concurrent writers lock them in one order: no deadlock on
    PostgreSQL). Each value is cast to its column's type on PostgreSQL (a VALUES list infers
    a type from its values, and a column of NULLs would be text)."""
    if not rows:
        return
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    names = ("id", *fields)
    casts = [f"::{by_name[n].db_type(connection)}" if postgres else "" for n in names]
    one = "(" + ", ".join(f"%s{c}" for c in casts) + ")"
    columns = ", ".join(f"column{i + 1} AS {ops.quote_name(n)}" for i, n in enumerate(names))
    sets = ", ".join(f"{ops.quote_name(f)} = v.{ops.quote_name(f)}" for f in fields)
    table = ops.quote_name(model._meta.db_table)
    condition = f" AND ({only_if})" if only_if else ""
    adapt = _sqlite_adapter() if connection.vendor == "sqlite" else (lambda v: v)
    ordered = sorted(rows, key=lambda r: r[0])
    batch = max(1, 30_000 // len(names))  # SQLite's 32,766 parameters a statement
    with connection.cursor() as cursor:
        for i in range(0, len(ordered), batch):
            chunk = ordered[i : i + batch]
            if postgres:  # lock them in id order first (the join's order is the planner's)
                cursor.execute(
                    f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                    [[r[0] for r in chunk]],
                )
            values = ", ".join([one] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (SELECT {columns} FROM (VALUES {values})"
                f" AS x) AS v WHERE t.id = v.id{condition}",
                [adapt(value) for row in chunk for value in row],
            )
