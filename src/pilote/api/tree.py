"""The strategy tree as the API writes it (the tree itself is pilote.goals.tree).

Each objective's entry (without its children) is kept in the snapshot's ``render_memo``,
which a snapshot shares with the snapshots advanced from it, beside the figures it was
written from: it is written again only when those figures were recomputed (the objective
is above a new check-in, or the snapshot was rebuilt). A whole tree after one check-in
thus rewrites the few entries on the way to the top, not thousands.
"""

from __future__ import annotations

import orjson

from pilote.goals.queries import Snapshot
from pilote.goals.tree import Node, Tree, members_of

from .serialize import kr_out


def _entry(snap: Snapshot, n: Node) -> dict:
    return entry(snap, n.objective, n.figures, n.parents, [kr for kr, _ in n.key_results])


def entry(snap: Snapshot, o, figures, parents, key_results) -> dict:
    """One objective of the tree, without its children."""
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
        "parents": [{"objective": p.key, "weight": w} for p, w in parents],
        "key_results": [kr_out(snap, kr) for kr in key_results],
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


def whole_tree_json(snap: Snapshot, cycle, vision) -> bytes:
    """The unfiltered tree of a cycle as JSON bytes, equal to ``tree_out`` of ``build_tree``.

    Each objective's JSON, children included, is kept beside its figures: figures that are
    the same objects mean that nothing below the objective changed (a check-in drops the
    figures of every objective above it), so after one check-in only the objectives on the
    way up are written again and everything else is reused as bytes.
    """
    family = members_of(snap, cycle)
    members = family.by_pk

    def fragment(o, path: frozenset[int]) -> bytes:
        figures = snap.objective(o)
        kept = snap.render_memo.get(("json", o.pk))
        if kept is not None and kept[0] is figures:
            return kept[1]
        children = [
            fragment(c, path | {o.pk})
            for c, _ in snap.all_children(o)
            if c.pk in members and c.pk not in path
        ]
        own = orjson.dumps(entry(snap, o, figures, snap.parents_of(o), snap.key_results_of(o)))
        body = own[:-1] + b',"children":[' + b",".join(children) + b"]}"
        snap.render_memo[("json", o.pk)] = (figures, body)
        return body

    head = orjson.dumps(
        {"cycle": cycle.key, "as_of": snap.as_of, "vision": vision.statement if vision else None}
    )
    roots = b",".join(fragment(o, frozenset()) for o in family.roots)
    return head[:-1] + b',"objectives":[' + roots + b"]}"
