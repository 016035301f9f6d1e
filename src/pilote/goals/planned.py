"""Many KRs' statuses on one day from their stored plans, answered by the database.

A stored plan (``okr/plan.py``) gives a KR's status on any day; plans repeat (KRs read on
the same days with the same kind of figures share them: 145 distinct among 118,000 current
KRs at 100,000 people). So the rows are grouped by their plan's text (``GROUP BY``), each
distinct plan is read once in Python, and the rows of a status are then found by their
plan (``IN`` the plans of that status, ``ORDER BY`` … ``LIMIT``): counts and the first few
of a list without fetching a row per KR (the cockpit at 100,000 people fetched 139,000).

A row whose plan is not stored yet, or whose latest check-in is dated after the day read,
is not answered here (``later``): its figures come from the rules, by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import orjson
from django.db import connection
from django.db.models import QuerySet

from pilote.okr.plan import value_on
from pilote.okr.workflow import WorkflowStatus
from pilote.orgs.access import Actor

from .models import Cycle, KeyResult, Objective


def plan_status_reader(ordinal: int):
    """A plan's status on the day of ``ordinal`` from its JSON text, each distinct plan read
    once."""
    known: dict[str, str] = {}

    def status_of(plan: str) -> str:
        value = known.get(plan)
        if value is None:
            value = known[plan] = value_on(orjson.loads(plan), ordinal)
        return value

    return status_of


class PlannedKRs:
    """The KRs of approved objectives of ``cycle_ids`` in the actor's organisation (outside
    ``exclude``: a values query of KR ids, read as a subquery), as SQL, read on ``day``."""

    def __init__(
        self,
        actor: Actor,
        cycle_ids: Iterable[int],
        day: date,
        exclude: QuerySet | None = None,
    ):
        self.cycle_ids = sorted(cycle_ids)
        self.day = day
        self.status_of = plan_status_reader(day.toordinal())
        sqlite = connection.vendor == "sqlite"
        self._sqlite = sqlite
        kr, o, c = (
            connection.ops.quote_name(m._meta.db_table) for m in (KeyResult, Objective, Cycle)
        )
        # The plan as its text on both databases (PostgreSQL's is canonical jsonb text).
        self.plan = "k.stored_plan" if sqlite else "k.stored_plan::text"
        self.no_phases = (
            "(k.phases IS NULL OR k.phases = '[]')"
            if sqlite
            else "(k.phases IS NULL OR k.phases = '[]'::jsonb)"
        )
        marks = ", ".join(["%s"] * len(self.cycle_ids))
        # The cycles' table joined by the one query that reads a cycle's column (``oldest``).
        self.tables = f" FROM {kr} k JOIN {o} o ON o.id = k.objective_id"
        self.cycles = f" JOIN {c} c ON c.id = o.cycle_id"
        self.where = f" WHERE k.organization_id = %s AND o.status = %s AND o.cycle_id IN ({marks})"
        self.params: list = [
            actor.organization.pk,
            WorkflowStatus.APPROVED.value,
            *self.cycle_ids,
        ]
        if exclude is not None:
            sql, params = exclude.query.sql_with_params()
            self.where += f" AND k.id NOT IN ({sql})"
            self.params += list(params)
        self.source = self.tables + self.where
        # Rows whose stored plan says their status on the day read.
        self.applies = " AND k.stored_plan IS NOT NULL AND (k.last_effective IS NULL OR k.last_effective <= %s)"

    def _day(self, day: date):
        """A date as the database compares it (SQLite keeps ISO text)."""
        return day.isoformat() if self._sqlite else day

    def _rows(self, sql: str, params: list) -> list[tuple]:
        if not self.cycle_ids:
            return []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def groups(self, due_before: date) -> list[tuple[str, bool, int]]:
        """(status on the day, latest check-in before ``due_before`` or none, how many KRs) of
        the rows answered here, a line per plan and flag (with ``due_before`` from
        ``pilote.okr.pace.due_before``, the flag is ``check_in_due``). One pass over the rows,
        which also says whether any is ``later`` and, per status, how many have phased
        targets: the queries that would find none are not made."""
        # Grouped by the column itself (PostgreSQL casts a group's plan to text, not a row's).
        sql = (
            f"SELECT {self.plan},"
            " CASE WHEN k.last_effective IS NULL OR k.last_effective < %s THEN 1 ELSE 0 END,"
            f" CASE WHEN {self.no_phases} THEN 0 ELSE 1 END,"
            " CASE WHEN k.stored_plan IS NULL OR k.last_effective > %s THEN 1 ELSE 0 END,"
            f" COUNT(*){self.source} GROUP BY k.stored_plan, 2, 3, 4"
        )
        day = self._day(self.day)
        rows = self._rows(sql, [self._day(due_before), day, *self.params])
        self.plans_by_status: dict[str, set[str]] = {}
        self.phased_counts: dict[tuple[str, bool], int] = {}  # (status, phased): how many
        self.has_later = False
        out = []
        for plan, due, phased, later, count in rows:
            if later:
                self.has_later = True
                continue
            value = self.status_of(plan)
            self.plans_by_status.setdefault(value, set()).add(plan)
            key = (value, bool(phased))
            self.phased_counts[key] = self.phased_counts.get(key, 0) + count
            out.append((value, bool(due), count))
        return out

    def later(self) -> list[int]:
        """The KRs whose status the rules give (no stored plan, or a reading after the day),
        after ``groups``."""
        if not self.has_later:
            return []
        sql = (
            f"SELECT k.id{self.source} AND (k.stored_plan IS NULL OR k.last_effective > %s)"
            " ORDER BY k.id"
        )
        return [pk for (pk,) in self._rows(sql, [*self.params, self._day(self.day)])]

    def _among(self, value: str) -> tuple[str, list]:
        """``AND`` the row's plan is one of those whose status is ``value`` on the day, and
        its parameters; "" when no plan has it. An ``IN`` list, which both databases look up
        rather than compare one by one (a ``CASE`` over ~70 plans per row took 220 ms at
        100,000 people on PostgreSQL; a join to a table of values, 490 ms on SQLite)."""
        plans = sorted(self.plans_by_status.get(value, ()))
        if not plans:
            return "", []
        mark = "%s" if self._sqlite else "%s::jsonb"
        return f" AND k.stored_plan IN ({', '.join([mark] * len(plans))})", plans

    def first_by_status(  # after ``groups``
        self,
        ranks: dict[str, int],
        behind: dict[int, float] | None,
        limit: int | None,
        phased: bool,
    ) -> list[tuple[int, int, float, int]]:
        """(pk, rank, stored progress or 0, cycle) of the KRs whose status is one of ``ranks``
        on the day, by rank (a query per status, in rank order, until ``limit`` is reached).
        Within a rank: with ``behind`` (each cycle's expected progress) and ``phased``
        false, those without phased targets, the furthest behind their cycle's expected
        progress first, then by id; with ``phased``, every one with phased targets (their
        expected progress is their own); without ``behind``, by id."""
        out: list[tuple[int, int, float, int]] = []
        for value, rank in sorted(ranks.items(), key=lambda vr: vr[1]):
            if limit is not None and len(out) >= limit:
                break
            among, plans = self._among(value)
            wanted = [phased] if behind is not None else [False, True]
            if not among or not any(self.phased_counts.get((value, p)) for p in wanted):
                continue
            params = [rank, *self.params, self._day(self.day), *plans]
            where = self.source + self.applies + among
            if behind is None:
                order = " ORDER BY k.id"
            elif phased:
                where += f" AND NOT {self.no_phases}"
                order = " ORDER BY k.id"
            else:
                where += f" AND {self.no_phases}"
                cycles = sorted(behind)
                expected = "CASE o.cycle_id " + " ".join(["WHEN %s THEN %s"] * len(cycles))
                order = f" ORDER BY COALESCE(k.stored_progress, 0) - ({expected} END), k.id"
                params += [v for pk in cycles for v in (pk, behind[pk])]
            sql = f"SELECT k.id, %s, COALESCE(k.stored_progress, 0), o.cycle_id{where}{order}"
            if limit is not None:
                sql += " LIMIT %s"
                params.append(limit - len(out))
            out += self._rows(sql, params)
        return out

    def oldest(self, due_before: date, limit: int) -> list[tuple[str, int]]:
        """(ISO day of the latest check-in, or of the cycle's start without one; pk) of the
        first ``limit`` KRs waiting for a check-in, the oldest first."""
        sql = (
            f"SELECT COALESCE(k.last_effective, c.start), k.id{self.tables}{self.cycles}"
            f"{self.where}{self.applies}"
            " AND (k.last_effective IS NULL OR k.last_effective < %s) ORDER BY 1, 2 LIMIT %s"
        )
        rows = self._rows(sql, [*self.params, self._day(self.day), self._day(due_before), limit])
        return [(str(since), pk) for since, pk in rows]
