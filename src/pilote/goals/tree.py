"""The strategy tree of a cycle: vision -> strategic -> tactical objectives -> KRs, with figures.

One read shared by the API (``/cycles/{key}/tree``) and the pages (strategy tree, one-page
strategy). Filters keep the nodes that match and their ancestors, so a filtered tree still
reads from the top; an objective aligned to several parents appears under each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pilote.orgs.access import Actor

from .models import Cycle, KeyResult, Objective, Vision
from .queries import KRFigures, ObjectiveFigures, Snapshot, current_vision


@dataclass
class Node:
    objective: Objective
    figures: ObjectiveFigures
    parents: list[tuple[Objective, float]]
    key_results: list[tuple[KeyResult, KRFigures]]
    children: list[Node] = field(default_factory=list)
    depth: int = 0


@dataclass
class Tree:
    cycle: Cycle
    as_of: date
    vision: Vision | None
    roots: list[Node]


def cycle_family(snap: Snapshot, cycle: Cycle) -> set[int]:
    """The cycle and the cycles nested in it (a semester shows its quarters' objectives)."""
    by_parent: dict[int | None, set[int]] = {}
    for o in snap.objectives.values():
        by_parent.setdefault(o.cycle.parent_id, set()).add(o.cycle_id)
    ids, frontier = {cycle.pk}, [cycle.pk]
    while frontier:
        nxt = [c for p in frontier for c in by_parent.get(p, ()) if c not in ids]
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
    snap: Snapshot | None = None,
) -> Tree:
    snap = snap or Snapshot(actor, as_of)
    family = cycle_family(snap, cycle)  # once: it walks every objective
    members = {pk: o for pk, o in snap.objectives.items() if o.cycle_id in family}

    def matches(o: Objective) -> bool:
        return (
            (unit is None or o.unit.key == unit)
            and (level is None or o.level == level)
            and (status is None or snap.objective(o).status.value == status)
            and (owner is None or (o.owner_id is not None and o.owner.email == owner.lower()))
        )

    def node(o: Objective, path: frozenset[int], depth: int) -> Node | None:
        children = [
            n
            for c, _ in snap.all_children(o)
            if c.pk in members and c.pk not in path
            for n in [node(c, path | {o.pk}, depth + 1)]
            if n is not None
        ]
        if not matches(o) and not children:
            return None
        return Node(
            objective=o,
            figures=snap.objective(o),
            parents=snap.parents_of(o),
            key_results=[(kr, snap.kr(kr)) for kr in snap.key_results_of(o)],
            children=children,
            depth=depth,
        )

    roots = [
        o
        for o in sorted(members.values(), key=lambda o: (o.level != "strategic", o.pk))
        if not any(p.pk in members for p, _ in snap.parents_of(o))
    ]
    return Tree(
        cycle=cycle,
        as_of=snap.as_of,
        vision=current_vision(actor),
        roots=[n for o in roots for n in [node(o, frozenset(), 0)] if n is not None],
    )
