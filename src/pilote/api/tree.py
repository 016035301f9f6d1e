"""The strategy tree as the API writes it (the tree itself is pilote.goals.tree)."""

from __future__ import annotations

from pilote.goals.queries import Snapshot
from pilote.goals.tree import Node, Tree

from .serialize import kr_out


def node_out(snap: Snapshot, n: Node) -> dict:
    o = n.objective
    return {
        "key": o.key,
        "title": o.title,
        "level": o.level,
        "unit": o.unit.key,
        "owner": o.owner.email if o.owner_id else None,
        "workflow_status": o.status,
        "progress": n.figures.progress,
        "expected": n.figures.expected,
        "status": n.figures.status.value,
        "parents": [{"objective": p.key, "weight": w} for p, w in n.parents],
        "key_results": [kr_out(snap, kr) for kr, _ in n.key_results],
        "children": [node_out(snap, c) for c in n.children],
    }


def tree_out(snap: Snapshot, tree: Tree) -> dict:
    return {
        "cycle": tree.cycle.key,
        "as_of": tree.as_of,
        "vision": tree.vision.statement if tree.vision else None,
        "objectives": [node_out(snap, n) for n in tree.roots],
    }
