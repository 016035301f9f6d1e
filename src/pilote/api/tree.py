"""The strategy tree of a cycle: vision -> strategic -> tactical objectives -> KRs, with figures."""

from __future__ import annotations

from datetime import date

from pilote.goals.models import Cycle, Objective
from pilote.goals.queries import Snapshot, current_vision
from pilote.orgs.access import Actor

from .serialize import kr_out, objective_expected


def _cycle_family(snap: Snapshot, cycle: Cycle) -> set[int]:
    """The cycle and the cycles nested in it (a semester shows its quarters' objectives)."""
    ids = {cycle.pk}
    by_parent: dict[int | None, list[int]] = {}
    for o in snap.objectives.values():
        c = o.cycle
        by_parent.setdefault(c.parent_id, []).append(c.pk)
    frontier = [cycle.pk]
    while frontier:
        nxt = [c for p in frontier for c in by_parent.get(p, []) if c not in ids]
        ids.update(nxt)
        frontier = nxt
    return ids


def build_tree(
    actor: Actor,
    cycle: Cycle,
    as_of: date | None = None,
    *,
    unit: str | None = None,
    level: str | None = None,
    status: str | None = None,
    owner: str | None = None,
) -> dict:
    snap = Snapshot(actor, as_of)
    cycles = _cycle_family(snap, cycle)
    members = {pk: o for pk, o in snap.objectives.items() if o.cycle_id in cycles}

    def matches(o: Objective) -> bool:
        return (
            (unit is None or o.unit.key == unit)
            and (level is None or o.level == level)
            and (status is None or snap.objective(o).status.value == status)
            and (owner is None or (o.owner_id is not None and o.owner.email == owner.lower()))
        )

    def node(o: Objective, path: frozenset[int]) -> dict | None:
        children = [
            n
            for c, _ in snap.all_children(o)
            if c.pk in members and c.pk not in path
            for n in [node(c, path | {o.pk})]
            if n is not None
        ]
        if not matches(o) and not children:
            return None
        f = snap.objective(o)
        return {
            "key": o.key,
            "title": o.title,
            "level": o.level,
            "unit": o.unit.key,
            "owner": o.owner.email if o.owner_id else None,
            "workflow_status": o.status,
            "progress": f.progress,
            "expected": objective_expected(snap, o),
            "status": f.status.value,
            "parents": [{"objective": p.key, "weight": w} for p, w in snap.parents_of(o)],
            "key_results": [kr_out(snap, kr) for kr in snap.key_results_of(o)],
            "children": children,
        }

    roots = [
        o
        for o in sorted(members.values(), key=lambda o: (o.level != "strategic", o.pk))
        if not any(p.pk in members for p, _ in snap.parents_of(o))
    ]
    vision = current_vision(actor)
    return {
        "cycle": cycle.key,
        "as_of": snap.as_of,
        "vision": vision.statement if vision else None,
        "objectives": [n for o in roots for n in [node(o, frozenset())] if n is not None],
    }
