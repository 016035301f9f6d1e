"""The strategy tree as the API writes it (the tree itself is pilote.goals.tree).

Each objective's entry (without its children) is kept in the snapshot's ``render_memo``,
which a snapshot shares with the snapshots advanced from it, beside the figures it was
written from: it is written again only when those figures were recomputed (the objective
is above a new check-in, or the snapshot was rebuilt). A whole tree after one check-in
thus rewrites the few entries on the way to the top, not thousands.
"""

from __future__ import annotations

from pilote.goals.queries import Snapshot
from pilote.goals.tree import Node, Tree

from .serialize import kr_out


def _entry(snap: Snapshot, n: Node) -> dict:
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
    }


def node_out(snap: Snapshot, n: Node) -> dict:
    memo = snap.render_memo
    kept = memo.get(n.objective.pk)
    if kept is None or kept[0] is not n.figures:
        kept = (n.figures, _entry(snap, n))
        memo[n.objective.pk] = kept
    return {**kept[1], "children": [node_out(snap, c) for c in n.children]}


def tree_out(snap: Snapshot, tree: Tree) -> dict:
    return {
        "cycle": tree.cycle.key,
        "as_of": tree.as_of,
        "vision": tree.vision.statement if tree.vision else None,
        "objectives": [node_out(snap, n) for n in tree.roots],
    }
