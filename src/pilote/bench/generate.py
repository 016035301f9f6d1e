"""A synthetic organisation of N employees, deterministic for a seed.

About one unit per ten employees in a realistic tree (general management, directions,
departments, teams), 3–5 objectives per unit for the quarter, 2–5 KRs each of every kind,
weekly check-ins over the quarter, initiatives with declared impacts.

Rows are written with ``bulk_create`` in large batches, not through the actions: this is
synthetic data for measuring reads, and a 1.8-million-check-in load through per-row actions
(each with its audit entry) would take hours instead of minutes. Everything it writes passes
the same rules (the check at the end recomputes figures through the normal reads).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction

from pilote.errors import Conflict
from pilote.goals.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Vision
from pilote.okr.text import N_
from pilote.orgs.models import Membership, Organization, Unit, User
from pilote.roadmap.models import Impact, Initiative

BATCH = 5000
KINDS = ("increase", "increase", "decrease", "boolean", "milestone", "maintain")


@dataclass
class Generated:
    organization: str
    units: int
    people: int
    objectives: int
    key_results: int
    check_ins: int
    initiatives: int
    seconds: float


def _bulk(model, rows: list) -> list:
    out = []
    for i in range(0, len(rows), BATCH):
        out += model.objects.bulk_create(rows[i : i + BATCH], batch_size=BATCH)
    return out


def default_start(today: date | None = None) -> date:
    """The quarter starts 12 weeks ago: its weekly check-ins end today, as in a live organisation."""
    return (today or date.today()) - timedelta(days=84)


def generate(
    employees: int, seed: int = 1, start: date | None = None, name: str | None = None
) -> Generated:
    rng = random.Random(seed)
    start = start or default_start()
    began = time.perf_counter()
    name = name or f"Synthetic {employees}"
    if Organization.objects.filter(name=name).exists():
        raise Conflict(
            f"an organisation named {name!r} already exists", [("--name", N_("already exists"))]
        )
    domain = f"s{seed}-n{employees}-{Organization.objects.count()}.synthetic.example"
    with transaction.atomic():
        org = Organization.objects.create(name=name, locale="en")
        Vision.objects.create(
            organization=org, number=1, statement=f"{name}: serve every customer online"
        )
        year = Cycle.objects.create(
            organization=org,
            key="year",
            name="Year",
            start=start,
            end=start.replace(year=start.year + 1) - timedelta(days=1),
        )
        q_end = start + timedelta(days=90)
        quarter = Cycle.objects.create(
            organization=org, key="q1", name="Q1", start=start, end=q_end, parent=year
        )

        # units: root, directions (~1 % of units), departments, teams
        n_units = max(3, employees // 10)
        root = Unit.objects.create(organization=org, key="u0", name="General management")
        n_dirs = max(2, n_units // 100)
        n_depts = max(2, n_units // 12)
        units = [root]
        dirs = _bulk(
            Unit,
            [
                Unit(organization=org, key=f"u{i}", name=f"Direction {i}", parent=root)
                for i in range(1, n_dirs + 1)
            ],
        )
        units += dirs
        depts = _bulk(
            Unit,
            [
                Unit(
                    organization=org,
                    key=f"u{n_dirs + i}",
                    name=f"Department {i}",
                    parent=dirs[i % len(dirs)],
                )
                for i in range(1, n_depts + 1)
            ],
        )
        units += depts
        rest = n_units - len(units)
        teams = _bulk(
            Unit,
            [
                Unit(
                    organization=org,
                    key=f"u{len(units) + i}",
                    name=f"Team {i}",
                    parent=depts[i % len(depts)],
                )
                for i in range(rest)
            ],
        )
        units += teams

        # people
        users = _bulk(
            User,
            [
                User(email=f"p{i}@{domain}", name=f"Person {i}", password="!")
                for i in range(employees)
            ],
        )
        roles = ["executive"] * 5 + ["admin"] * 2
        memberships = _bulk(
            Membership,
            [
                Membership(
                    organization=org,
                    user=u,
                    role=roles[i]
                    if i < len(roles)
                    else ("lead" if i % 10 == 0 else "contributor" if i % 3 else "viewer"),
                )
                for i, u in enumerate(users)
            ],
        )
        through = Membership.units.through
        _bulk(
            through,
            [
                through(membership_id=m.pk, unit_id=units[min(i // 10, len(units) - 1)].pk)
                for i, m in enumerate(memberships)
            ],
        )
        lead_of = {
            units[min(i // 10, len(units) - 1)].pk: u for i, u in enumerate(users) if i % 10 == 0
        }

        # objectives: 5 strategic at the root, 3-5 per other unit, aligned upwards
        objectives: list[Objective] = []
        parents_of: dict[int, list[Objective]] = {}
        strategic = [
            Objective(
                organization=org,
                key=f"s{i}",
                cycle=quarter,
                level="strategic",
                unit=root,
                owner=users[i % 5],
                title=f"Strategic objective {i}",
                status="approved",
                progress_from="both",
            )
            for i in range(5)
        ]
        objectives += strategic
        tactical = []
        for u in units[1:]:
            for j in range(rng.randint(3, 5)):
                tactical.append(
                    Objective(
                        organization=org,
                        key=f"o{u.pk}-{j}",
                        cycle=quarter,
                        level="tactical",
                        unit=u,
                        owner=lead_of.get(u.pk),
                        title=f"Objective {j} of {u.name}",
                        status=rng.choices(["approved", "submitted", "draft"], [85, 10, 5])[0],
                    )
                )
        objectives = _bulk(Objective, strategic + tactical)
        strategic, tactical = objectives[:5], objectives[5:]
        by_unit: dict[int, list[Objective]] = {}
        for o in tactical:
            by_unit.setdefault(o.unit_id, []).append(o)
        unit_parent = {u.pk: u.parent_id for u in units}
        links = []
        for o in tactical:
            parent_unit = unit_parent[o.unit_id]
            candidates = (
                by_unit.get(parent_unit) if parent_unit and parent_unit != root.pk else None
            )
            parents = [rng.choice(candidates)] if candidates else [rng.choice(strategic)]
            if rng.random() < 0.15:
                parents.append(rng.choice(strategic))
            for p in {p.pk: p for p in parents}.values():
                links.append(Alignment(child=o, parent=p, weight=rng.choice([0.5, 1, 1, 2])))
                parents_of.setdefault(o.pk, []).append(p)
        _bulk(Alignment, links)

        # key results and check-ins
        krs = []
        for o in objectives:
            for j in range(rng.randint(2, 5)):
                kind = rng.choice(KINDS)
                kr = KeyResult(
                    organization=org,
                    objective=o,
                    key=f"k{o.pk}-{j}",
                    title=f"KR {j} of {o.key}",
                    kind=kind,
                    weight=rng.choice([1, 1, 2]),
                    owner=o.owner,
                    position=j,
                )
                if kind in ("increase", "decrease"):
                    base = round(rng.uniform(10, 100), 1)
                    delta = round(rng.uniform(5, 50), 1)
                    kr.baseline, kr.target = (
                        (base, base + delta) if kind == "increase" else (base + delta, base)
                    )
                elif kind == "milestone":
                    kr.milestones = [f"Step {m}" for m in range(1, rng.randint(3, 6))]
                elif kind == "maintain":
                    kr.minimum = 95.0
                krs.append(kr)
        krs = _bulk(KeyResult, krs)
        weeks = 13
        check_ins = []
        for kr in krs:
            pace = rng.uniform(0.4, 1.2)
            stop = 0 if rng.random() > 0.1 else rng.randint(3, 6)
            for w in range(1, weeks - stop):
                on = start + timedelta(days=7 * w)
                share = min(1.0, pace * 7 * w / 90)
                if kr.kind in ("increase", "decrease"):
                    value = kr.baseline + share * (kr.target - kr.baseline)
                elif kr.kind == "boolean":
                    value = 1.0 if share > 0.8 else 0.0
                elif kr.kind == "milestone":
                    value = float(int(share * len(kr.milestones)))
                else:
                    value = 95.0 + rng.uniform(-1, 2)
                check_ins.append(
                    CheckIn(
                        organization=org,
                        key_result=kr,
                        value=round(value, 2),
                        confidence=rng.randint(3, 9),
                        effective=on,
                        source="synthetic",
                    )
                )
                if len(check_ins) >= BATCH * 4:
                    _bulk(CheckIn, check_ins)
                    check_ins = []
        _bulk(CheckIn, check_ins)
        from pilote.goals.latest import refresh

        refresh(org.pk)  # bulk rows bypass the check-in action: store each KR's current reading
        n_check_ins = CheckIn.objects.filter(organization=org).count()

        # initiatives: one per unit, most with 1-2 declared impacts
        inis = _bulk(
            Initiative,
            [
                Initiative(
                    organization=org,
                    key=f"i{u.pk}",
                    title=f"Initiative of {u.name}",
                    unit=u,
                    status=rng.choice(["idea", "planned", "in_progress", "done"]),
                    horizon=rng.choice(["now", "next", "later"]),
                    effort=rng.randint(1, 20),
                    confidence=round(rng.uniform(0.2, 0.9), 2),
                )
                for u in units
            ],
        )
        kr_by_unit: dict[int, list[KeyResult]] = {}
        for kr in krs:
            kr_by_unit.setdefault(kr.objective.unit_id, []).append(kr)
        impacts = []
        for ini in inis:
            options = kr_by_unit.get(ini.unit_id, [])
            for kr in rng.sample(options, k=min(len(options), rng.choice([0, 1, 1, 2]))):
                span = (
                    (kr.target - kr.baseline)
                    if kr.target is not None and kr.baseline is not None
                    else 1.0
                )
                impacts.append(
                    Impact(
                        initiative=ini,
                        key_result=kr,
                        expected=round(span * rng.uniform(0.05, 0.3), 2),
                    )
                )
        _bulk(Impact, impacts)
    # Fresh statistics for the query planner: PostgreSQL's autovacuum may take its time (or be
    # off) after millions of bulk rows, and plans made on empty-table statistics scan them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Generated(
        name,
        len(units),
        employees,
        len(objectives),
        len(krs),
        n_check_ins,
        len(inis),
        time.perf_counter() - began,
    )
