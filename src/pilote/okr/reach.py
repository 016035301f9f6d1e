"""Strategy reach's aggregation rule (PRODUCT.md "Strategy reach"): a figure never points at
a handful of people — a unit of fewer than ``SMALL_UNIT`` members is merged into its
parent's figure, and so on up (at the top, into the organisation's only)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

SMALL_UNIT = 5


def merge_small_units(
    parents: Mapping[int, int | None], people: Mapping[int, set[Hashable]], small: int = SMALL_UNIT
) -> dict[int, tuple[set[Hashable], list[int]]]:
    """The units whose figure is shown, each with the people it counts (its own and those of
    the small units merged into it) and the units merged into it. ``parents``: every unit's
    parent (None at the top); ``people``: each unit's own members."""
    depth: dict[int, int] = {}

    def level(u: int) -> int:
        if u not in depth:
            parent = parents[u]
            depth[u] = 0 if parent is None or parent not in parents else level(parent) + 1
        return depth[u]

    counted = {u: set(ps) for u, ps in people.items()}
    merged: dict[int, list[int]] = {}
    # Every unit, deepest first: a parent with no member of its own that a small unit was
    # merged into is small in turn, and merges on up.
    for u in sorted(parents, key=level, reverse=True):
        if u not in counted or len(counted[u]) >= small:
            continue
        parent = parents[u]
        if parent in parents:
            counted.setdefault(parent, set()).update(counted[u])
            merged.setdefault(parent, []).extend([u, *merged.get(u, [])])
        del counted[u]
    return {u: (ps, merged.get(u, [])) for u, ps in counted.items() if len(ps) >= small}
