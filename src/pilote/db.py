"""Database helpers that are not tied to one app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


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
