"""Time the main reads and writes of one organisation, in-process, against two floors.

Each scenario runs ``repeat`` times through Django's full request stack (middleware,
authentication, the real views) after one warm-up. In the same run, each has two floors:

- **bare view**: ``/healthz``, a bare Django JSON view doing one query, through the same stack;
- **raw SQL**: the SQL that reads (or writes) the same rows as the scenario, with no model,
  no rule and no rendering — what the database alone costs. Writes are rolled back.

Medians, spread (min–max) and both ratios are reported. Scenarios marked "after a check-in"
post one check-in (not timed) before each timed read, so each read pays for bringing its
process's figures up to date (goals/cache.py); "cache cold" empties that cache first.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

import django
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from pilote.goals import cache
from pilote.goals.models import CheckIn, Cycle, KeyResult, Objective
from pilote.orgs.access import Actor
from pilote.orgs.actions import create_token
from pilote.orgs.models import Membership, Organization, Unit


@dataclass
class Timing:
    name: str
    samples_ms: list[float]
    sql_ms: float | None = None  # the raw-SQL floor's median
    median_ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    bare_ratio: float | None = None
    sql_ratio: float | None = None
    note: str = ""


@dataclass
class Report:
    organization: str
    database: str
    machine: dict
    counts: dict
    repeat: int
    floor_ms: float
    timings: list[Timing] = field(default_factory=list)


def _time(
    fn: Callable[[], object],
    repeat: int,
    before: Callable[[], object] | None = None,
    warm: bool = True,
):
    if warm:
        if before:
            before()
        fn()  # warm-up
    out = []
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _sql(query: str, params: list) -> Callable[[], object]:
    def run():
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    return run


def _rolled_back(fn: Callable[[], object]) -> Callable[[], object]:
    def run():
        with transaction.atomic():
            fn()
            transaction.set_rollback(True)

    return run


def machine() -> dict:
    import os

    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"{vendor} {version}",
        "date": date.today().isoformat(),
    }


def run(org_name: str, repeat: int = 5, skip: tuple[str, ...] = ()) -> Report:
    org = Organization.objects.get(name=org_name)
    member = (
        Membership.objects.filter(organization=org, role="executive").select_related("user").first()
    )
    _, secret = create_token(Actor.system(org, "bench"), member.user, "bench")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    browser = Client()
    browser.force_login(member.user)
    cycle = (
        Cycle.objects.filter(organization=org, parent__isnull=False).first()
        or Cycle.objects.filter(organization=org).first()
    )
    unit = (
        Unit.objects.filter(organization=org, parent__parent__isnull=False).order_by("id").first()
    )
    kr = (
        KeyResult.objects.filter(organization=org, kind="increase", objective__level="tactical")
        .select_related("objective")
        .first()
    )
    top = (
        Objective.objects.filter(organization=org, level="strategic", cycle=cycle)
        .order_by("id")
        .first()
    )
    krs = list(
        KeyResult.objects.filter(organization=org, kind="increase").values_list("key", "id")[:1000]
    )
    counter = iter(range(10**9))
    t_obj, t_kr, t_ci = (
        connection.ops.quote_name(m._meta.db_table) for m in (Objective, KeyResult, CheckIn)
    )
    today = date.today()

    def ok(response):
        assert response.status_code < 300, response.content[:300]
        return response

    def check_in():
        return ok(
            api.post(
                f"/api/v1/key-results/{kr.key}/check-ins",
                json.dumps({"value": 50 + next(counter) % 10}),
                content_type="application/json",
            )
        )

    def bulk():
        body = {"check_ins": [{"key_result": k, "value": 40 + next(counter) % 10} for k, _ in krs]}
        return ok(
            api.post("/api/v1/check-ins/bulk", json.dumps(body), content_type="application/json")
        )

    tree = lambda: ok(api.get(f"/api/v1/cycles/{cycle.key}/tree"))  # noqa: E731
    subtree = lambda: ok(api.get(f"/api/v1/cycles/{cycle.key}/tree?unit={unit.key}"))  # noqa: E731
    cockpit = lambda: ok(browser.get("/"))  # noqa: E731
    objective_page = lambda: ok(browser.get(f"/objectives/{kr.objective.key}/"))  # noqa: E731

    cycle_rows = _sql(
        f"SELECT o.id, o.key, o.title, o.level, o.unit_id, o.owner_id, o.status, k.id, k.key,"
        f" k.kind, k.baseline, k.target, k.weight, k.last_value, k.last_effective"
        f" FROM {t_obj} o LEFT JOIN {t_kr} k ON k.objective_id = o.id WHERE o.cycle_id = %s",
        [cycle.pk],
    )
    unit_rows = _sql(
        f"SELECT o.id, o.key, o.title, o.level, o.unit_id, o.owner_id, o.status, k.id, k.key,"
        f" k.kind, k.baseline, k.target, k.weight, k.last_value, k.last_effective"
        f" FROM {t_obj} o LEFT JOIN {t_kr} k ON k.objective_id = o.id"
        f" WHERE o.cycle_id = %s AND o.unit_id = %s",
        [cycle.pk, unit.pk],
    )
    cockpit_rows = _sql(
        f"SELECT k.id, k.key, k.kind, k.baseline, k.target, k.last_value, k.last_effective,"
        f" k.last_confidence FROM {t_kr} k JOIN {t_obj} o ON o.id = k.objective_id"
        f" WHERE o.organization_id = %s AND o.status = 'approved' AND o.cycle_id IN"
        f" (SELECT id FROM {connection.ops.quote_name(Cycle._meta.db_table)}"
        f' WHERE organization_id = %s AND start <= %s AND "end" >= %s)',
        [org.pk, org.pk, today, today],
    )
    objective_rows = _sql(
        f"SELECT k.id, k.key, k.kind, k.baseline, k.target, c.value, c.effective, c.comment"
        f" FROM {t_kr} k LEFT JOIN {t_ci} c ON c.key_result_id = k.id WHERE k.objective_id = %s"
        f" ORDER BY k.id, c.effective, c.id",
        [kr.objective_id],
    )
    insert = (
        f"INSERT INTO {t_ci} (organization_id, key_result_id, value, confidence, comment,"
        f" effective, recorded_at, author_id, source, request_digest, raw_value)"
        f" VALUES (%s, %s, %s, NULL, '', %s, %s, NULL, 'bench', '', '')"
    )
    update = (
        f"UPDATE {t_kr} SET last_value = %s, last_effective = %s WHERE id = %s"
        f" AND (last_effective IS NULL OR last_effective <= %s)"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    day = connection.ops.adapt_datefield_value(today)

    def one_write():
        with connection.cursor() as cursor:
            cursor.execute(insert, [org.pk, kr.pk, 55, day, now])
            cursor.execute(update, [55, day, kr.pk, day])

    def bulk_write():
        with connection.cursor() as cursor:
            cursor.executemany(insert, [[org.pk, pk, 45, day, now] for _, pk in krs])
            cursor.executemany(update, [[45, day, pk, day] for _, pk in krs])

    export_rows = _sql(
        f"SELECT c.key_result_id, c.value, c.effective, c.confidence, c.comment, c.author_id"
        f" FROM {t_ci} c WHERE c.organization_id = %s ORDER BY c.key_result_id, c.effective",
        [org.pk],
    )
    top_read = lambda: ok(api.get(f"/api/v1/objectives/{top.key}"))  # noqa: E731

    def check_in_and_top():
        check_in()
        top_read()

    # (name, timed call, its raw-SQL floor, prepare before each sample, note)
    scenarios = [
        ("strategy tree of the cycle (API)", tree, cycle_rows, None, ""),
        ("one unit's subtree (API)", subtree, unit_rows, None, ""),
        ("cockpit page", cockpit, cockpit_rows, None, ""),
        ("objective page", objective_page, objective_rows, None, ""),
        ("one check-in (API)", check_in, _rolled_back(one_write), None, ""),
        (
            "one check-in + its roll-up read at the top (API)",
            check_in_and_top,
            _rolled_back(one_write),
            None,
            f"POST a check-in, then GET the strategic objective above it ({top.key})",
        ),
        ("bulk: 1,000 check-ins (API)", bulk, _rolled_back(bulk_write), None, ""),
        (
            "strategy tree, after a check-in",
            tree,
            cycle_rows,
            check_in,
            "each sample follows an untimed check-in: the cache advances",
        ),
        (
            "cockpit page, after a check-in",
            cockpit,
            cockpit_rows,
            check_in,
            "each sample follows an untimed check-in",
        ),
        (
            "one unit's subtree, after a check-in",
            subtree,
            unit_rows,
            check_in,
            "each sample follows an untimed check-in",
        ),
        (
            "strategy tree, cache cold",
            tree,
            cycle_rows,
            cache.clear,
            "the process's cached figures emptied before each sample: a full rebuild",
        ),
        ("YAML export of the organisation", lambda: _export(org), export_rows, None, ""),
    ]
    report = Report(
        organization=org_name,
        database=connection.vendor,
        machine=machine(),
        counts=_counts(org),
        repeat=repeat,
        floor_ms=0.0,
    )
    floor = _time(lambda: ok(api.get("/healthz")), repeat)
    report.floor_ms = statistics.median(floor)
    for name, fn, sql, before, note in scenarios:
        if any(word.lower() in name.lower() for word in skip):
            continue
        # The slow rows (seconds each at 100,000 people) take a third of the samples and no
        # warm-up (a cold cache is their point, or they warm nothing).
        slow = "bulk" in name or "YAML" in name or "cold" in name
        n = max(1, repeat // 3) if slow else repeat
        samples = _time(fn, n, before, warm=not slow)
        sql_samples = _time(sql, n)
        t = Timing(name, [round(s, 2) for s in samples], statistics.median(sql_samples), note=note)
        t.median_ms = statistics.median(samples)
        t.min_ms, t.max_ms = min(samples), max(samples)
        t.bare_ratio = t.median_ms / report.floor_ms if report.floor_ms else None
        t.sql_ratio = t.median_ms / t.sql_ms if t.sql_ms else None
        report.timings.append(t)
    return report


def _counts(org) -> dict:
    return {
        "people": Membership.objects.filter(organization=org).count(),
        "units": Unit.objects.filter(organization=org).count(),
        "objectives": Objective.objects.filter(organization=org).count(),
        "key_results": KeyResult.objects.filter(organization=org).count(),
        "check_ins": CheckIn.objects.filter(organization=org).count(),
    }


def _export(org):
    from pilote.interchange import exporter

    return exporter.to_yaml(exporter.build(Actor.system(org, "bench")))


def markdown(report: Report) -> str:
    m, c = report.machine, report.counts
    lines = [
        f"**{report.organization}** on {m['database']} — {c['people']:,} people, "
        f"{c['units']:,} units, {c['objectives']:,} objectives, {c['key_results']:,} KRs, "
        f"{c['check_ins']:,} check-ins; {m['cpus']} CPUs, Python {m['python']}, "
        f"Django {m['django']}, {m['date']}; bare-view floor (`/healthz`) "
        f"{report.floor_ms:.2f} ms; medians of {report.repeat} after a warm-up (bulk, cold cache "
        f"and export rows: {max(1, report.repeat // 3)} without warm-up).",
        "",
        "| scenario | median ms | min–max ms | × bare view | raw SQL ms | × raw SQL |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in report.timings:
        lines.append(
            f"| {t.name} | {t.median_ms:.1f} | {t.min_ms:.1f}–{t.max_ms:.1f} | "
            f"{t.bare_ratio:.1f} | {t.sql_ms:.1f} | {t.sql_ratio:.1f} |"
        )
    return "\n".join(lines)


def as_json(report: Report) -> str:
    return json.dumps(asdict(report), indent=2)
