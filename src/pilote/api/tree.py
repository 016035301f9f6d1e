"""The strategy tree as the API writes it (the tree itself is pilote.goals.tree), from the
stored figures of the rows it shows."""

from __future__ import annotations

from pilote.goals.forecasting import objective_forecast
from pilote.goals.queries import Snapshot
from pilote.goals.tree import Node, Tree

from .serialize import kr_out


def _entry(snap: Snapshot, n: Node) -> dict:
    return entry(snap, n.objective, n.figures, n.parents, [kr for kr, _ in n.key_results], n.loaded)


def entry(snap: Snapshot, o, figures, parents, key_results, loaded: bool = True) -> dict:
    """One objective of the tree, without its children; a summary (not ``loaded``: its key
    results are not in the answer) has no forecast either."""
    n = figures
    return {
        "key": o.key,
        "title": o.title,
        "level": o.level,
        "unit": o.unit.key,
        "owner": o.owner.email if o.owner_id else None,
        "workflow_status": o.status,
        "progress": n.progress,
        "expected": n.expected,
        "status": n.status.value,
        "forecast": objective_forecast(snap, o) if loaded else None,
        "parents": [{"objective": p.key, "weight": w} for p, w in parents],
        "key_results": [kr_out(snap, kr) for kr in key_results],
    }


def node_out(snap: Snapshot, n: Node) -> dict:
    return {
        **_entry(snap, n),
        "children": [node_out(snap, c) for c in n.children],
        "loaded": n.loaded,
        "more": n.more,
        "hidden": n.hidden,
        "next_offset": n.next_offset,
    }


def tree_out(snap: Snapshot, tree: Tree) -> dict:
    return {
        "cycle": tree.cycle.key,
        "as_of": tree.as_of,
        "vision": tree.vision.statement if tree.vision else None,
        "objectives": [node_out(snap, n) for n in tree.roots],
    }
