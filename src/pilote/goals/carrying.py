"""The end of a cycle's loop: each objective's decision and retrospective, and carrying over
what continues into the next cycle (the rules: ``pilote/okr/carry.py``).

``decide`` records a decision (keep, change, defer, drop) with what worked, what did not and
what was learnt; defer and drop make the objective ``deferred`` / ``dropped`` (out of the
roll-up: only approved objectives count), and a later decision gives it back the status
it had. ``carry_over`` creates the next cycle's objectives from those decided keep or
change, through the same actions as any new objective (the gate, validation, audit): a
carried tactical objective is a draft its owner submits — it counts for nothing until it is
approved — and a strategic one is approved at once, as any strategic objective.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pilote import events
from pilote.errors import Conflict, Invalid
from pilote.messages import say
from pilote.okr import carry as carry_rules
from pilote.okr.carry import (
    CARRIED,
    RETROSPECTIVE_FIELDS,
    Carried,
    Decision,
    KRToCarry,
    ToCarry,
    carry_plan,
    decided_status,
    retrospective_errors,
)
from pilote.okr.text import N_, listed_twice, one_of
from pilote.orgs import audit
from pilote.orgs.access import (
    Actor,
    can_write_objective,
    require_decider,
    require_objective_writer,
    require_some_objective_writer,
)
from pilote.orgs.actions import bump
from pilote.orgs.audit import AuditType

from . import figures
from .models import Alignment, Cycle, KeyResult, Objective


def decision_of(o: Objective, by: str | None = None) -> dict | None:
    """An objective's decision as the API and the export write it (None: none yet); ``by``:
    the decider's address when the caller read it already."""
    if not o.decision:
        return None
    if by is None and o.decided_by_id:
        by = o.decided_by.email
    return {
        "decision": o.decision,
        **{name: getattr(o, name) for name in RETROSPECTIVE_FIELDS},
        "by": by,
        "at": o.decided_at,
    }


@transaction.atomic
def decide(actor: Actor, objective: Objective, values: dict) -> Objective:
    """Record ``values``: {"decision", "what_worked", "what_did_not", "learnt"}."""
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    decision = values.get("decision")
    errors = retrospective_errors(values)
    if decision not in {d.value for d in Decision}:
        errors.insert(0, ("decision", one_of(d.value for d in Decision)))
    if errors:
        raise Invalid("invalid decision", errors)
    require_decider(actor, objective, decision)
    carried = Objective.objects.filter(carried_from=objective).first()
    if carried is not None and decision not in CARRIED:
        raise Conflict(say("already_carried", key=objective.key, to=carried.key))
    before = {"decision": objective.decision, "status": objective.status}
    status, objective.status_before_decision = decided_status(
        decision, objective.status, objective.status_before_decision
    )
    objective.decision = decision
    for name in RETROSPECTIVE_FIELDS:
        setattr(objective, name, (values.get(name) or "").strip())
    objective.decided_by = actor.user
    objective.decided_at = timezone.now()
    status_changed = status != objective.status
    objective.status = status
    bump(objective)
    objective.save()
    if status_changed:
        figures.refresh_parents(objective)  # it joins or leaves the roll-up above it
    audit.record(
        actor,
        "decide",
        AuditType.OBJECTIVE,
        objective.key,
        before=before,
        after={"decision": decision, "status": objective.status,
               **{n: getattr(objective, n) for n in RETROSPECTIVE_FIELDS}},
    )  # fmt: skip
    events.publish(
        actor.organization.pk,
        "objective.changed",
        {"objective": objective.key, "status": objective.status},
    )
    return objective


def later_cycle(cycle: Cycle, to: Cycle) -> bool:
    """Whether objectives of ``cycle`` may continue in ``to`` (pilote.okr.carry)."""
    return carry_rules.later_cycle(cycle.start, cycle.end, to.start, to.end)


def _family_up(cycle: Cycle) -> set[int]:
    """The cycle and the cycles that hold it (a year holds its quarters)."""
    ids, c = set(), cycle
    while c is not None and c.pk not in ids:
        ids.add(c.pk)
        c = c.parent
    return ids


@transaction.atomic
def carry_over(
    actor: Actor,
    cycle: Cycle,
    to: Cycle,
    keys: list[str] | None = None,
    targets: dict[str, float] | None = None,
) -> list[tuple[Objective, Carried]]:
    """Create in ``to`` the objectives of ``cycle`` named by ``keys`` (default: every one
    decided keep or change and not carried yet) with their KRs, each pointing to the one it
    came from. All or nothing: every problem is named (path, message) and nothing is made."""
    from .actions import create_objective
    from .keyresults import create_key_result

    require_some_objective_writer(actor)  # and each one carried is checked below
    if not later_cycle(cycle, to):
        raise Invalid("invalid carry-over", [("to", say("carry_same_cycle", key=cycle.key))])
    rows = {
        o.key: o
        for o in Objective.objects.filter(organization=actor.organization, cycle=cycle)
        .select_related("unit", "owner", "cycle")
        .order_by("id")
    }
    errors: list[tuple[str, str]] = []
    already = dict(
        Objective.objects.filter(carried_from__in=rows.values()).values_list(
            "carried_from__key", "key"
        )
    )
    if keys is None:
        chosen = [k for k, o in rows.items() if o.decision in CARRIED and k not in already]
    else:
        chosen = []
        for i, key in enumerate(keys):
            o = rows.get(key)
            if o is None:
                errors.append((f"objectives[{i}]", say("not_in_cycle", root=key)))
            elif key in already:
                errors.append(
                    (f"objectives[{i}]", say("already_carried", key=key, to=already[key]))
                )
            elif o.decision not in CARRIED:
                errors.append(
                    (f"objectives[{i}]",
                     say("not_carried_decision", key=key, decision=o.decision or "—"))
                )  # fmt: skip
            elif key in chosen:
                errors.append((f"objectives[{i}]", listed_twice(key)))
            else:
                chosen.append(key)
    for key in chosen:
        o = rows[key]
        if not can_write_objective(actor, o.level, o.unit_id):
            require_objective_writer(actor, o.level, o.unit_id)  # raises, with the reason
    # Two carry-overs of one objective at once: the second waits for the first's commit
    # (the rows locked), then finds it carried instead of failing on the one-to-one link.
    locked = Objective.objects.select_for_update().filter(pk__in=[rows[k].pk for k in chosen])
    list(locked.values_list("pk", flat=True))
    for key, to_key in Objective.objects.filter(
        carried_from__in=[rows[k].pk for k in chosen]
    ).values_list("carried_from__key", "key"):
        errors.append(("objectives", say("already_carried", key=key, to=to_key)))
    links: dict[int, list[tuple[Objective, float]]] = {}
    for link in Alignment.objects.filter(child__in=[rows[k] for k in chosen]).select_related(
        "parent__cycle"
    ):
        links.setdefault(link.child_id, []).append((link.parent, link.weight))
    later = _family_up(to)
    parents = {p.pk: p for ps in links.values() for p, _w in ps}
    carried_parents = dict(
        Objective.objects.filter(carried_from__in=parents).values_list("carried_from_id", "key")
    )
    parents_kept = {}
    for parent in parents.values():
        if parent.pk in carried_parents:  # carried earlier: align to where it went
            parents_kept[parent.key] = carried_parents[parent.pk]
        elif parent.cycle_id in later:  # it lives on in the next cycle (a year, say)
            parents_kept[parent.key] = parent.key
    krs: dict[int, list[KeyResult]] = {}
    for kr in KeyResult.objects.filter(objective__in=[rows[k] for k in chosen]).select_related(
        "owner"
    ):
        krs.setdefault(kr.objective_id, []).append(kr)
    todo = [
        ToCarry(
            key=k,
            decision=rows[k].decision,
            parents=tuple(p.key for p, _w in links.get(rows[k].pk, [])),
            key_results=tuple(
                KRToCarry(
                    kr.key,
                    kr.kind,
                    kr.baseline,
                    kr.target,
                    kr.minimum,
                    kr.maximum,
                    len(kr.milestones or []),
                    kr.last_value,
                )  # fmt: skip
                for kr in krs.get(rows[k].pk, [])
            ),
        )
        for k in chosen
    ]
    taken = set(
        Objective.objects.filter(organization=actor.organization).values_list("key", flat=True)
    )
    taken |= set(
        KeyResult.objects.filter(organization=actor.organization).values_list("key", flat=True)
    )
    plan, problems = carry_plan(
        todo, to.key, taken=taken, parents_kept=parents_kept, targets=targets or {}
    )
    known_krs = {kr.key for ks in krs.values() for kr in ks}
    for kr_key in targets or {}:
        if kr_key not in known_krs:
            errors.append((f"targets.{kr_key}", say("no_such", what="key result", ref=kr_key)))
    errors += problems
    if errors:
        raise Invalid("invalid carry-over: nothing was carried", errors)
    made: list[tuple[Objective, Carried]] = []
    new_keys = {c.came_from: c.key for c in plan}
    for c in _parents_first(plan):
        old = rows[c.came_from]
        weights = {p.key: w for p, w in links.get(old.pk, [])}
        aligns = []
        for parent_old, where in _targets_of(c, links.get(old.pk, []), new_keys, parents_kept):
            aligns.append({"objective": where, "weight": weights[parent_old]})
        o = create_objective(
            actor,
            {
                "key": c.key,
                "title": old.title,
                "description": old.description,
                "level": old.level,
                "cycle": to.key,
                "unit": old.unit.key,
                "owner": old.owner.email if old.owner_id else None,
                "progress_from": old.progress_from,
                "aligns_to": aligns,
            },
        )
        Objective.objects.filter(pk=o.pk).update(carried_from=old)
        o.carried_from = old
        by_key = {kr.key: kr for kr in krs.get(old.pk, [])}
        for ckr in c.key_results:
            kr = by_key[ckr.came_from]
            new = create_key_result(
                actor,
                o,
                {
                    "key": ckr.key,
                    "title": kr.title,
                    "kind": kr.kind,
                    "unit": kr.unit_label,
                    "baseline": ckr.baseline,
                    "target": ckr.target,
                    "min": kr.minimum,
                    "max": kr.maximum,
                    "milestones": list(kr.milestones or []),
                    "weight": kr.weight,
                    "owner": kr.owner.email if kr.owner_id else None,
                },
            )
            KeyResult.objects.filter(pk=new.pk).update(carried_from=kr)
        audit.record(
            actor,
            "carry_over",
            AuditType.OBJECTIVE,
            o.key,
            after={"from": old.key, "cycle": to.key, "unaligned": list(c.unaligned),
                   "key_results": {k.came_from: k.key for k in c.key_results}},
        )  # fmt: skip
        made.append((o, c))
    return made


def _targets_of(c: Carried, links, new_keys: dict[str, str], kept: dict[str, str]):
    """(old parent key, key aligned to) of each parent the carried objective still has."""
    for parent, _w in links:
        where = new_keys.get(parent.key) or kept.get(parent.key)
        if where:
            yield parent.key, where


def _parents_first(plan: list[Carried]) -> list[Carried]:
    """Carried parents before their carried children (a child aligns to its new parent)."""
    by_key = {c.key: c for c in plan}
    done: set[str] = set()
    out: list[Carried] = []

    def visit(c: Carried, path: frozenset[str]) -> None:
        if c.key in done or c.key in path:
            return
        for p in c.aligns_to:
            if p in by_key:
                visit(by_key[p], path | {c.key})
        done.add(c.key)
        out.append(c)

    for c in plan:
        visit(c, frozenset())
    return out


@transaction.atomic
def set_end_of_cycle_from_file(
    actor: Actor,
    objective: Objective,
    decision: dict | None,
    carried_from: str | None,
    krs_from: dict[str, str],
) -> None:
    """An import restores an objective's decision and lineage as a file states them (the
    system actor only, as ``set_status_from_file``; the workflow status comes with it)."""
    from pilote.errors import Forbidden, unknown
    from pilote.orgs.models import User

    if actor.role != "system":
        raise Forbidden(N_("only an import sets a decision or a lineage directly"))
    errors: list[tuple[str, str]] = []
    org = actor.organization
    source = None
    if carried_from:
        source = Objective.objects.filter(organization=org, key=carried_from).first()
        if source is None or source.pk == objective.pk:
            errors.append(("carried_from", unknown("objective", carried_from)))
    sources = {
        k.key: k for k in KeyResult.objects.filter(organization=org, key__in=set(krs_from.values()))
    }
    for kr_key, from_key in krs_from.items():
        if from_key not in sources or from_key == kr_key:
            errors.append((f"key_results.{kr_key}.carried_from", unknown("key result", from_key)))
    if decision is not None:
        errors += retrospective_errors(decision)
    if errors:
        raise Invalid("invalid end of cycle", errors)
    wanted_by = (decision or {}).get("by")
    same = (
        (decision is None
         or (objective.decision == decision["decision"]
             and all(getattr(objective, n) == (decision.get(n) or "") for n in RETROSPECTIVE_FIELDS)
             and (objective.decided_by.email if objective.decided_by_id else None)
             == (wanted_by.lower() if wanted_by else None)))
        and (source is None or objective.carried_from_id == source.pk)
        and all(
            KeyResult.objects.filter(organization=org, key=k, carried_from=sources[f]).exists()
            for k, f in krs_from.items()
        )
    )  # fmt: skip
    if same:
        return  # importing the same file again changes nothing
    before = {"decision": objective.decision, "carried_from": carried_from}
    if decision is not None:
        objective.decision = decision["decision"]
        for name in RETROSPECTIVE_FIELDS:
            setattr(objective, name, decision.get(name) or "")
        by = decision.get("by")
        objective.decided_by = User.objects.filter(email=by.lower()).first() if by else None
        objective.decided_at = objective.decided_at or timezone.now()
    if source is not None:
        Objective.objects.filter(carried_from=source).exclude(pk=objective.pk).update(
            carried_from=None
        )
        objective.carried_from = source
    objective.save(update_fields=["decision", *RETROSPECTIVE_FIELDS, "decided_by", "decided_at",
                                  "carried_from"])  # fmt: skip
    for kr_key, from_key in krs_from.items():
        kr = KeyResult.objects.get(organization=org, key=kr_key)
        KeyResult.objects.filter(carried_from=sources[from_key]).exclude(pk=kr.pk).update(
            carried_from=None
        )
        KeyResult.objects.filter(pk=kr.pk).update(carried_from=sources[from_key])
    audit.record(
        actor,
        "import",
        AuditType.OBJECTIVE,
        objective.key,
        before=before,
        after={
            "decision": objective.decision,
            "carried_from": carried_from,
            "key_results": krs_from,
        },
    )
