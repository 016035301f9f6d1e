"""Each objective's contribution to the strategy, stored on its row and kept by the actions.

The rule is ``pilote.okr.impact.contribution``: 1 for a strategic objective, else the sum
over its parents of (link weight ÷ the parent's total of child link weights) × the parent's
contribution; 0 for an objective aligned to nothing. The roadmap scores every initiative by
the contribution of the objectives its KRs belong to: read from the rows, it replaced a walk
of the alignment graph above every KR the roadmap names on each of its pages (12,000
objectives and 14,000 links at 100,000 people, a third of the board).

What changes it, and what the actions refresh (the objectives named, then every one beneath
them, top-down from the graph above them):

- an objective's links (``set_alignments``): it, and every child of its old and new parents
  (their share of a parent is their weight over all of its children's);
- an objective's level (strategic or not): it;
- a deleted objective (it has no children, or the deletion is refused): its parents' other
  children.

``pilote check`` compares the rows with a recomputation from scratch (``figures.mismatches``)
and ``--fix`` rewrites them (``figures.rebuild``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from pilote.db import update_rows
from pilote.okr.impact import contribution

from .models import Alignment, Objective

FIELD = "stored_contribution"


def beneath(objective_ids: Iterable[int]) -> set[int]:
    """The objectives and every one aligned beneath them, at any depth."""
    seen = set(objective_ids)
    frontier = set(seen)
    while frontier:
        children = set(
            Alignment.objects.filter(parent_id__in=frontier).values_list("child_id", flat=True)
        )
        frontier = children - seen
        seen |= frontier
    return seen


def children_of(objective_ids: Iterable[int]) -> set[int]:
    return set(
        Alignment.objects.filter(parent_id__in=list(objective_ids)).values_list(
            "child_id", flat=True
        )
    )


def graph_above(
    objective_ids: Iterable[int], objectives: QuerySet | None = None
) -> tuple[dict[int, str], dict[int, list[tuple[int, float]]]]:
    """The objectives and every one above them: each one's level (among ``objectives``, the
    caller's scoped rows; every one by default) and its parent links in the order they were
    made, as every reader sums them (a float sum depends on its order). A query per level."""
    rows = Objective.objects.all() if objectives is None else objectives
    levels: dict[int, str] = {}
    parents: dict[int, list[tuple[int, float]]] = defaultdict(list)
    frontier, seen = set(objective_ids), set()
    while frontier:
        seen |= frontier
        ids = list(frontier)
        levels.update(rows.filter(pk__in=ids).order_by().values_list("pk", "level"))
        above = set()
        for child, parent, weight in (
            Alignment.objects.filter(child_id__in=ids)
            .order_by("id")
            .values_list("child_id", "parent_id", "weight")
        ):
            parents[child].append((parent, weight))
            if parent not in seen:
                above.add(parent)
        frontier = above
    return levels, parents


def computed(objective_ids: Iterable[int]) -> dict[int, float]:
    """Each objective's contribution by the rule, from the graph above it."""
    start = set(objective_ids)
    levels, parents = graph_above(start)
    children_weights: dict[int, float] = defaultdict(float)
    for parent, weight in (
        Alignment.objects.filter(parent_id__in={p for ps in parents.values() for p, _ in ps})
        .order_by("id")
        .values_list("parent_id", "weight")
    ):
        children_weights[parent] += weight
    strategic = {pk for pk, level in levels.items() if level == "strategic"}
    return {
        pk: contribution(parents, children_weights, strategic, pk) for pk in start & set(levels)
    }


def refresh(objective_ids: Iterable[int]) -> int:
    """Recompute the stored contribution of these objectives and of every one beneath them;
    returns how many rows changed."""
    ids = beneath(objective_ids)
    if not ids:
        return 0
    values = computed(ids)
    changed = [
        (pk, values[pk])
        for pk, stored in Objective.objects.filter(pk__in=list(ids)).values_list("pk", FIELD)
        if stored != values[pk]
    ]
    update_rows(Objective, (FIELD,), changed)
    return len(changed)
