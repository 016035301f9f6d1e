"""The strategy tree of a cycle: vision -> strategic -> tactical objectives -> KRs, with figures.

One read shared by the API (``/cycles/{key}/tree``) and the pages (strategy tree, one-page
strategy). Filters keep the nodes that match and their ancestors, so a filtered tree still
reads from the top; an objective aligned to several parents appears under each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pilote.errors import Invalid, NotFound, unknown
from pilote.messages import say
from pilote.okr.text import one_of
from pilote.okr.types import Status
from pilote.orgs.access import Actor, scoped

from .models import Cycle, KeyResult, Level, Objective, Vision
from .queries import Figures, KRFigures, ObjectiveFigures, Snapshot, current_vision


@dataclass
class Node:
    objective: Objective
    figures: ObjectiveFigures
    parents: list[tuple[Objective, float]]
    key_results: list[tuple[KeyResult, KRFigures]]
    children: list[Node] = field(default_factory=list)
    depth: int = 0
    # False beyond ``build_tree(depth=…)``: KRs and children not built; ``more`` says whether
    # there is anything to load (pages fetch it when the node is opened).
    loaded: bool = True
    more: bool = False
    # With ``build_tree(page=…)``: how many children are not shown, and where the next
    # page of them starts (pages fetch it with "show more").
    hidden: int = 0
    next_offset: int = 0


@dataclass
class Tree:
    cycle: Cycle
    as_of: date
    vision: Vision | None
    roots: list[Node]


def cycle_family(actor: Actor, cycle: Cycle) -> set[int]:
    """The cycle and the cycles nested in it (a semester shows its quarters' objectives)."""
    by_parent: dict[int | None, set[int]] = {}
    for pk, parent in scoped(actor, Cycle.objects.all()).values_list("pk", "parent_id"):
        by_parent.setdefault(parent, set()).add(pk)
    ids, frontier = {cycle.pk}, [cycle.pk]
    while frontier:
        nxt = [c for p in frontier for c in by_parent.get(p, ()) if c not in ids]
        ids.update(nxt)
        frontier = nxt
    return ids


@dataclass
class Members:
    """A cycle family's objectives, indexed once per set of rows (``snap.indexes``)."""

    by_pk: dict[int, Objective]
    by_unit: dict[str, list[Objective]]
    roots: list[Objective]


def members_of(snap: Snapshot, cycle: Cycle) -> Members:
    memo_key = ("tree-members", cycle.pk)
    if memo_key not in snap.indexes:
        family = cycle_family(snap.actor, cycle)
        by_pk = {pk: o for pk, o in snap.objectives.items() if o.cycle_id in family}
        by_unit: dict[str, list[Objective]] = {}
        for o in by_pk.values():
            by_unit.setdefault(o.unit.key, []).append(o)
        roots = [
            o
            for o in sorted(by_pk.values(), key=lambda o: (o.level != "strategic", o.pk))
            if not any(p in by_pk for p, _ in snap.parents.get(o.pk, ()))
        ]
        snap.indexes[memo_key] = Members(by_pk, by_unit, roots)
    return snap.indexes[memo_key]


def filter_errors(
    actor: Actor, unit: str | None, level: str | None, status: str | None, owner: str | None
) -> list[tuple[str, str]]:
    """Each filter names something that exists: an unknown one is the reader's mistake (422),
    not an empty tree (and not a new entry in any memo)."""
    from pilote.orgs.models import Membership, Unit

    errors = []
    if unit is not None and not scoped(actor, Unit.objects.filter(key=unit)).exists():
        errors.append(("unit", unknown("unit", unit)))
    if level is not None and level not in {lv.value for lv in Level}:
        errors.append(("level", one_of(lv.value for lv in Level)))
    if status is not None and status not in {st.value for st in Status}:
        errors.append(("status", one_of(st.value for st in Status)))
    if (
        owner is not None
        and not scoped(actor, Membership.objects.filter(user__email=owner.lower())).exists()
    ):
        errors.append(("owner", unknown("person", owner)))
    return errors


def stored_or_snapshot(actor: Actor, as_of: date | None = None) -> Figures:
    """The stored figures of the rows read, as of today or any day (goals/stored.py)."""
    from .stored import Stored

    return Stored(actor, as_of)


def build_tree(
    actor: Actor,
    cycle: Cycle,
    as_of: date | None = None,
    *,
    unit: str | None = None,
    level: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    snap: Figures | None = None,
    root: str | None = None,
    depth: int | None = None,
    page: int | None = None,
    offset: int = 0,
) -> Tree:
    """The tree (filtered), or with ``root`` the subtree under that objective's key; with
    ``depth``, nodes deeper than it are summaries only (``loaded`` False): a page shows the
    top levels and loads the rest when a node is opened. With ``page``, each node shows at
    most that many children (the root's from ``offset``), and says how many it hides."""
    errors = filter_errors(actor, unit, level, status, owner)
    if errors:
        raise Invalid("unknown filters", errors)
    snap = snap or stored_or_snapshot(actor, as_of)
    family = cycle_family(actor, cycle)
    filtered = any(f is not None for f in (unit, level, status, owner))

    # A filtered tree keeps the objectives that match and everything above them (so it still
    # reads from the top); found from the matches upwards, without walking the whole tree.
    keep: set[int] | None = None
    if filtered:
        keep = snap.matching(family, unit=unit, level=level, status=status, owner=owner)
        frontier = set(keep)
        while frontier:
            up = {p for ps in snap.parent_pks(frontier, family).values() for p in ps}
            frontier = up - keep
            keep |= frontier

    def below(o: Objective, path: frozenset[int]) -> list[int]:
        return [
            pk
            for pk, cycle_id in snap.child_keys(o)
            if cycle_id in family and pk not in path and (keep is None or pk in keep)
        ]

    if root is not None:
        start = snap.find(root)
        if (
            start is None
            or start.cycle_id not in family
            or (keep is not None and start.pk not in keep)
        ):
            raise NotFound(say("not_in_cycle", root=root))
        roots = [start]
    else:
        roots = [o for o in snap.family_roots(family) if keep is None or o.pk in keep]

    def shown(o: Objective, path: frozenset[int], level: int) -> tuple[list[int], int]:
        """The children shown under ``o`` (their keys), and how many more there are."""
        everyone = below(o, path)
        if page is None:
            return everyone, 0
        start = offset if level == 0 and root is not None else 0
        return everyone[start : start + page], max(0, len(everyone) - start - page)

    # Loaded a level at a time (a fixed number of queries per level, whatever its width);
    # the level of summaries below the last full one is read lightly.
    level_rows, seen, level = roots, set(), 0
    while level_rows:
        level_rows = [o for o in level_rows if o.pk not in seen]
        seen.update(o.pk for o in level_rows)
        if depth is not None and level > depth:
            snap.prefetch_summaries(level_rows)
            break
        snap.prefetch(level_rows)
        level_rows = snap.rows_of([c for o in level_rows for c in shown(o, frozenset(), level)[0]])
        level += 1

    def has_more(o: Objective, path: frozenset[int]) -> bool:
        return snap.has_key_results(o) or bool(below(o, path))

    def node(o: Objective, path: frozenset[int], level: int) -> Node:
        if depth is not None and level > depth:
            return Node(objective=o, figures=snap.objective(o), parents=snap.parents_of(o),
                        key_results=[], depth=level, loaded=False, more=has_more(o, path))  # fmt: skip
        children, hidden = shown(o, path, level)
        start = offset if level == 0 and root is not None else 0
        return Node(
            objective=o,
            figures=snap.objective(o),
            parents=snap.parents_of(o),
            key_results=[(kr, snap.kr(kr)) for kr in snap.key_results_of(o)],
            children=[node(c, path | {o.pk}, level + 1) for c in snap.rows_of(children)],
            depth=level,
            hidden=hidden,
            next_offset=start + len(children),
        )

    return Tree(
        cycle=cycle,
        as_of=snap.as_of,
        vision=current_vision(actor),
        roots=[node(o, frozenset(), 0) for o in roots],
    )
