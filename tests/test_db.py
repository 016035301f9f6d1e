"""pilote/db.py's bulk helpers on the suite's database (SQLite, and PostgreSQL in CI's
second pass: COPY there, multi-row INSERTs here)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from pilote.db import fast_values, insert_rows
from pilote.goals.models import KeyResult, Objective, ObjectiveHistory
from pilote.notify.models import PendingAlert
from pilote.orgs.models import AuditEntry, Organization

pytestmark = pytest.mark.django_db


def _acme():
    return Organization.objects.get(name="Acme")


def test_insert_rows_gives_the_ids_in_the_rows_order_and_writes_every_value(world):
    org = _acme()
    at = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    rows = [
        (org.pk, at, None, "bench", "check_in", "key_result", f"kr-{i}",
         json.dumps({"value": i, "date": "2027-01-02", "comment": "é « x »"}), "", 7)
        for i in range(1200)  # more than one SQLite statement's worth of parameters
    ]  # fmt: skip
    columns = ("organization_id", "at", "actor_id", "actor_label", "action", "object_type",
               "object_key", "after", "comment", "version")  # fmt: skip
    ids = insert_rows(AuditEntry._meta.db_table, columns, rows, returning_ids=True)
    assert len(ids) == 1200 and ids == sorted(ids) and len(set(ids)) == 1200
    stored = {e.pk: e for e in AuditEntry.objects.filter(pk__in=ids)}
    for pk, row in zip(ids, rows, strict=True):
        e = stored[pk]
        assert e.object_key == row[6] and e.at == at and e.version == 7
        assert e.after == {"value": int(row[6][3:]), "date": "2027-01-02", "comment": "é « x »"}


def test_insert_rows_without_ids_and_ignoring_conflicts_keeps_the_first(world):
    org = _acme()
    table = PendingAlert._meta.db_table
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    columns = ("organization_id", "key_result", "created_at")
    assert insert_rows(table, columns, [(org.pk, "a", now), (org.pk, "b", now)]) is None
    later = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    insert_rows(table, columns, [(org.pk, "b", later), (org.pk, "c", later)],
                ignore_conflicts=True)  # fmt: skip
    mine = PendingAlert.objects.filter(organization=org, key_result__in="abc")
    rows = dict(mine.values_list("key_result", "created_at"))
    assert rows == {"a": now, "b": now, "c": later}
    assert insert_rows(table, columns, []) is None
    assert insert_rows(table, columns, [], returning_ids=True) == []


def test_insert_rows_refuses_a_duplicate_without_ignore_conflicts(world):
    from django.db import IntegrityError, transaction

    org = _acme()
    objective = Objective.objects.filter(organization=org).first()
    columns = ("organization_id", "objective_id", "day", "progress", "plan")
    row = (org.pk, objective.pk, date(2027, 1, 5), 0.25, json.dumps([[None, "on_track"]]))
    table = ObjectiveHistory._meta.db_table
    with transaction.atomic():
        insert_rows(table, columns, [row])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(table, columns, [row])
    history = ObjectiveHistory.objects.get(objective=objective, day=date(2027, 1, 5))
    assert history.progress == 0.25 and history.plan == [[None, "on_track"]]


def test_fast_values_reads_json_and_dates_as_the_orm_does(world):
    org = _acme()
    columns = ("id", "key", "stored_plan", "milestones", "last_effective", "due",
               "objective__cycle__start")  # fmt: skip
    rows = KeyResult.objects.filter(organization=org).order_by("id")
    fast = [tuple(r) for r in fast_values(rows, columns, json=("stored_plan", "milestones"),
                                          dates=("last_effective", "due",
                                                 "objective__cycle__start"))]  # fmt: skip
    assert fast == list(rows.values_list(*columns))
    assert any(r[2] for r in fast) and all(isinstance(r[6], date) for r in fast)


def test_update_rows_writes_every_value_even_a_column_of_nulls_and_keeps_its_condition(world):
    from pilote.db import update_rows

    org = _acme()
    krs = list(KeyResult.objects.filter(organization=org).order_by("id"))
    assert len(krs) >= 3
    day = date(2027, 1, 15)
    # Every type the figures write: float, date, a column of NULLs, a big integer, JSON text;
    # rows given out of id order.
    update_rows(
        KeyResult,
        ("last_value", "last_effective", "last_confidence", "last_check_in_id", "stored_plan"),
        [(kr.pk, 1.5 + i, day, None, 10**12 + i, json.dumps([[None, "on_track"]]))
         for i, kr in reversed(list(enumerate(krs)))],
    )  # fmt: skip
    for i, kr in enumerate(KeyResult.objects.filter(pk__in=[k.pk for k in krs]).order_by("id")):
        assert (kr.last_value, kr.last_effective, kr.last_confidence) == (1.5 + i, day, None)
        assert kr.last_check_in_id == 10**12 + i and kr.stored_plan == [[None, "on_track"]]
    # The condition more: only the rows whose stored date is before the new one move.
    first, second = krs[0], krs[1]
    KeyResult.objects.filter(pk=first.pk).update(last_effective=date(2027, 2, 1))
    update_rows(
        KeyResult,
        ("last_value", "last_effective"),
        [(first.pk, 99.0, date(2027, 1, 20)), (second.pk, 98.0, date(2027, 1, 20))],
        only_if="t.last_effective IS NULL OR t.last_effective < v.last_effective",
    )
    assert KeyResult.objects.get(pk=first.pk).last_value == 1.5  # its reading is later: kept
    assert KeyResult.objects.get(pk=second.pk).last_value == 98.0
    other = KeyResult.objects.exclude(organization=org).first()
    assert other is None or other.last_value != 98.0  # only the rows named
