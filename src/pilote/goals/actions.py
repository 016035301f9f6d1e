"""Every write on the vision, cycles and objectives, workflow included (rule 2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from pilote import events
from pilote.errors import Conflict, Forbidden, Invalid, unknown
from pilote.messages import say
from pilote.okr.rollup import weight_errors
from pilote.okr.text import N_, listed_twice, one_of
from pilote.okr.workflow import Transition, WorkflowStatus, target_status, transition_error
from pilote.orgs import audit
from pilote.orgs.access import (
    Actor,
    require_admin,
    require_executive,
    require_objective_edit,
    require_objective_writer,
)
from pilote.orgs.actions import bump, check_version, made_key, validate_key
from pilote.orgs.audit import AuditType
from pilote.orgs.models import Membership, Role, Unit, User

from . import contributions, figures
from .models import Alignment, Cycle, Level, Objective, ProgressFrom, Vision

# --- vision -------------------------------------------------------------------


@transaction.atomic
def set_vision(actor: Actor, statement: str, description: str = "") -> Vision:
    """A new version of the vision (older versions are kept)."""
    require_executive(actor)
    if not (statement or "").strip():
        raise Invalid("invalid vision", [("statement", N_("a statement is required"))])
    last = Vision.objects.filter(organization=actor.organization).order_by("-number").first()
    if (
        last
        and last.statement == statement.strip()
        and last.description == (description or "").strip()
    ):
        return last
    vision = Vision.objects.create(
        organization=actor.organization,
        number=(last.number + 1) if last else 1,
        statement=statement.strip(),
        description=(description or "").strip(),
        created_by=actor.user,
    )
    audit.record(
        actor,
        "update" if last else "create",
        AuditType.VISION,
        str(vision.number),
        before={"statement": last.statement, "description": last.description} if last else None,
        after={"statement": vision.statement, "description": vision.description},
    )
    return vision


# --- cycles -------------------------------------------------------------------


def cycle_snapshot(c: Cycle) -> dict:
    return {
        "key": c.key,
        "name": c.name,
        "start": c.start,
        "end": c.end,
        "parent": c.parent.key if c.parent_id else None,
    }


def _cycle_errors(
    actor: Actor, start: date | None, end: date | None, parent: Cycle | None
) -> list[tuple[str, str]]:
    errors = []
    if start is None:
        errors.append(("start", N_("a start date is required")))
    if end is None:
        errors.append(("end", N_("an end date is required")))
    if start and end and end < start:
        errors.append(("end", N_("must be on or after start")))
    if parent and start and end and (start < parent.start or end > parent.end):
        errors.append(
            (
                "parent",
                f"a nested cycle must lie inside {parent.key} ({parent.start} to {parent.end})",
            )
        )
    return errors


def _cycle_by_key(actor: Actor, key: str | None, path: str) -> Cycle | None:
    if not key:
        return None
    cycle = Cycle.objects.filter(organization=actor.organization, key=key).first()
    if cycle is None:
        raise Invalid("unknown cycle", [(path, unknown("cycle", key))])
    return cycle


@transaction.atomic
def create_cycle(
    actor: Actor, key: str, start: date, end: date, name: str = "", parent: str | None = None
) -> Cycle:
    require_admin(actor)
    parent_obj = _cycle_by_key(actor, parent, "parent")
    key = made_key(Cycle, actor.organization, key, name or (start.isoformat() if start else ""))
    errors = validate_key(key) + _cycle_errors(actor, start, end, parent_obj)
    if errors:
        raise Invalid("invalid cycle", errors)
    if Cycle.objects.filter(organization=actor.organization, key=key).exists():
        raise Conflict(
            say("already_exists", what="cycle", key=key), [("key", N_("already exists"))]
        )
    cycle = Cycle.objects.create(
        organization=actor.organization,
        key=key,
        name=(name or "").strip(),
        start=start,
        end=end,
        parent=parent_obj,
    )
    audit.record(actor, "create", AuditType.CYCLE, key, after=cycle_snapshot(cycle))
    return cycle


@transaction.atomic
def update_cycle(
    actor: Actor, cycle: Cycle, changes: dict, expected_version: int | None = None
) -> Cycle:
    require_admin(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    check_version(cycle, expected_version)
    before = cycle_snapshot(cycle)
    if "parent" in changes:
        parent = _cycle_by_key(actor, changes["parent"], "parent")
        if parent is not None and parent.pk == cycle.pk:
            raise Invalid("invalid cycle", [("parent", N_("a cycle cannot nest in itself"))])
        cycle.parent = parent
    for f in ("name", "start", "end"):
        if f in changes and changes[f] is not None:
            setattr(cycle, f, changes[f])
    errors = _cycle_errors(actor, cycle.start, cycle.end, cycle.parent)
    if errors:
        raise Invalid("invalid cycle", errors)
    bump(cycle)
    cycle.save()
    if (before["start"], before["end"]) != (cycle.start, cycle.end):
        figures.refresh_cycle(cycle)
    audit.record(
        actor, "update", AuditType.CYCLE, cycle.key, *audit.changed(before, cycle_snapshot(cycle))
    )
    return cycle


@transaction.atomic
def delete_cycle(actor: Actor, cycle: Cycle) -> None:
    require_admin(actor)
    if cycle.objectives.exists() or cycle.children.exists():
        raise Conflict(say("cycle_in_use", key=cycle.key))
    before = cycle_snapshot(cycle)
    cycle.delete()
    audit.record(actor, "delete", AuditType.CYCLE, before["key"], before=before)


# --- objectives ---------------------------------------------------------------


def objective_fields(o: Objective) -> dict:
    """An objective's own fields as the outside world names them (no alignment: it needs a query)."""
    return {
        "key": o.key,
        "title": o.title,
        "description": o.description,
        "level": o.level,
        "cycle": o.cycle.key,
        "unit": o.unit.key,
        "owner": o.owner.email if o.owner_id else None,
        "status": o.status,
        "progress_from": o.progress_from,
    }


def objective_snapshot(o: Objective) -> dict:
    return {
        **objective_fields(o),
        "aligns_to": [
            {"objective": a.parent.key, "weight": a.weight}
            for a in o.parent_links.select_related("parent")
        ],
    }


def member_by_email(actor: Actor, email: str | None, path: str) -> User | None:
    if not email:
        return None
    m = (
        Membership.objects.select_related("user")
        .filter(organization=actor.organization, user__email=email.lower())
        .first()
    )
    if m is None:
        raise Invalid(
            "unknown person",
            [(path, unknown("person", email) + " (not a member of this organisation)")],
        )
    return m.user


def _unit_by_key(actor: Actor, key: str | None, path: str) -> Unit:
    unit = Unit.objects.filter(organization=actor.organization, key=key or "").first()
    if unit is None:
        raise Invalid("unknown unit", [(path, unknown("unit", key))])
    return unit


def _ancestors(objective_ids: set[int]) -> set[int]:
    seen, frontier = set(), set(objective_ids)
    while frontier:
        seen |= frontier
        frontier = (
            set(Alignment.objects.filter(child_id__in=frontier).values_list("parent_id", flat=True))
            - seen
        )
    return seen


def set_alignments(
    actor: Actor, objective: Objective, aligns_to: list[dict], path: str = "aligns_to"
) -> None:
    """Replace the objective's parents: [{"objective": key, "weight": w}]."""
    errors, parents = [], []
    seen_keys = set()
    for i, link in enumerate(aligns_to):
        key, weight = link.get("objective"), link.get("weight", 1.0)
        parent = Objective.objects.filter(organization=actor.organization, key=key).first()
        if parent is None:
            errors.append((f"{path}[{i}].objective", unknown("objective", key)))
            continue
        if key in seen_keys:
            errors.append((f"{path}[{i}].objective", listed_twice(key)))
        seen_keys.add(key)
        errors += [(f"{path}[{i}].weight", m) for m in weight_errors(weight)]
        if parent.pk == objective.pk or objective.pk in _ancestors({parent.pk}):
            errors.append(
                (
                    f"{path}[{i}].objective",
                    "an objective cannot contribute to itself (alignment cycle)",
                )
            )
        parents.append((parent, weight))
    if errors:
        raise Invalid("invalid alignment", errors)
    before = figures.parent_ids(objective.pk)
    Alignment.objects.filter(child=objective).delete()
    Alignment.objects.bulk_create(
        [Alignment(child=objective, parent=p, weight=w) for p, w in parents]
    )
    figures.refresh_objectives({objective.pk, *before, *(p.pk for p, _ in parents)}, force=True)
    # Its share of the strategy, and its siblings' (old and new: a parent's children share it).
    contributions.refresh(
        {objective.pk} | contributions.children_of(before | {p.pk for p, _ in parents})
    )


def _what_figures_follow(o: Objective) -> tuple:
    """What an objective's stored figures, and its parents', depend on besides its terms."""
    links = frozenset(Alignment.objects.filter(child=o).values_list("parent_id", "weight"))
    return (o.progress_from, o.status, o.cycle_id, links)


def _objective_fields(actor: Actor, data: dict, errors: list) -> dict:
    out: dict[str, Any] = {}
    if "title" in data:
        if not (data["title"] or "").strip():
            errors.append(("title", N_("a title is required")))
        out["title"] = (data["title"] or "").strip()
    if "description" in data:
        out["description"] = (data["description"] or "").strip()
    if "level" in data:
        if data["level"] not in Level.values:
            errors.append(("level", N_("must be strategic or tactical")))
        out["level"] = data["level"]
    if "progress_from" in data and data["progress_from"] is not None:
        if data["progress_from"] not in ProgressFrom.values:
            errors.append(("progress_from", N_("must be key_results, children or both")))
        out["progress_from"] = data["progress_from"]
    for name, fn in (("cycle", _cycle_by_key), ("unit", _unit_by_key), ("owner", member_by_email)):
        if name in data:
            try:
                out[name] = fn(actor, data[name], name)
            except Invalid as exc:
                errors.extend(exc.errors)
    return out


@transaction.atomic
def create_objective(actor: Actor, data: dict, *, status: str | None = None) -> Objective:
    """Create an objective. Strategic ones are approved at once; tactical ones start as drafts.

    ``status`` is for the importer (system actor) only: a YAML file states where each OKR stands.
    """
    data = {
        **data,
        "key": made_key(Objective, actor.organization, data.get("key"), data.get("title")),
    }
    errors = validate_key(data["key"])
    for required in ("title", "level", "cycle", "unit"):
        if not data.get(required):
            errors.append((required, N_("is required")))
    fields = _objective_fields(actor, data, errors)
    if errors:
        raise Invalid("invalid objective", errors)
    require_objective_writer(actor, fields["level"], fields["unit"].pk)
    if Objective.objects.filter(organization=actor.organization, key=data["key"]).exists():
        raise Conflict(
            say("already_exists", what="objective", key=data["key"]),
            [("key", N_("already exists"))],
        )
    if status is not None and actor.role != "system":
        raise Forbidden(N_("only an import sets a workflow status directly"))
    if status is None:
        status = WorkflowStatus.DRAFT
    if fields["level"] == Level.STRATEGIC:  # strategic OKRs need no validation
        status = WorkflowStatus.APPROVED
    if status not in {s.value for s in WorkflowStatus}:
        raise Invalid(
            "invalid objective",
            [("status", one_of(s.value for s in WorkflowStatus))],
        )
    objective = Objective(organization=actor.organization, key=data["key"], status=status, **fields)
    if status == WorkflowStatus.SUBMITTED:
        _submitted_by(objective, actor)
    objective.save()
    if data.get("aligns_to"):
        set_alignments(actor, objective, data["aligns_to"])
    else:
        contributions.refresh([objective.pk])  # 1 if strategic, else 0 until aligned
    figures.refresh_objectives([objective.pk])
    audit.record(
        actor, "create", AuditType.OBJECTIVE, objective.key, after=objective_snapshot(objective)
    )
    events.publish(actor.organization.pk, "objective.changed", {"objective": objective.key})
    return objective


@transaction.atomic
def update_objective(
    actor: Actor, objective: Objective, changes: dict, expected_version: int | None = None
) -> Objective:
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    require_objective_edit(actor, objective)
    check_version(objective, expected_version)
    before = objective_snapshot(objective)
    feeds = _what_figures_follow(objective)
    errors: list = []
    fields = _objective_fields(
        actor, {k: v for k, v in changes.items() if k != "aligns_to"}, errors
    )
    if errors:
        raise Invalid("invalid objective", errors)
    for name, value in fields.items():
        setattr(objective, name, value)
    if objective.status == WorkflowStatus.SUBMITTED:
        _note_interested(objective, objective.owner_id)
    # Moving the objective (level or unit) must stay within what the actor may write.
    require_objective_edit(actor, objective)
    if objective.level == Level.STRATEGIC:
        objective.status = WorkflowStatus.APPROVED
    if "aligns_to" in changes and changes["aligns_to"] is not None:
        set_alignments(actor, objective, changes["aligns_to"])
    bump(objective)
    objective.save()
    if objective.level != before["level"]:
        contributions.refresh([objective.pk])  # strategic: 1; else its parents' shares
    now = _what_figures_follow(objective)
    if now != feeds:
        if now[2] != feeds[2]:  # another cycle: its KRs' expected progress follows its dates
            figures.refresh_key_results(
                actor.organization, objective.key_results.values_list("pk", flat=True)
            )
        figures.refresh_objectives(
            {objective.pk} | {p for p, _ in feeds[3]} | {p for p, _ in now[3]}, force=True
        )
    audit.record(
        actor,
        "update",
        AuditType.OBJECTIVE,
        objective.key,
        *audit.changed(before, objective_snapshot(objective)),
    )
    events.publish(actor.organization.pk, "objective.changed", {"objective": objective.key})
    return objective


@transaction.atomic
def delete_objective(actor: Actor, objective: Objective) -> None:
    require_objective_edit(actor, objective)
    if objective.child_links.exists():
        raise Conflict(
            f"objective {objective.key!r} has objectives aligned to it; realign them first"
        )
    before = objective_snapshot(objective)
    parents = figures.parent_ids(objective.pk)
    objective.delete()
    figures.refresh_objectives(parents)
    contributions.refresh(contributions.children_of(parents))  # its share is theirs now
    audit.record(actor, "delete", AuditType.OBJECTIVE, before["key"], before=before)
    events.publish(actor.organization.pk, "objective.changed", {"objective": before["key"]})


def _note_interested(objective: Objective, *user_ids: int | None) -> None:
    """Remember who may not validate the current submission (see ``interested_user_ids``)."""
    ids = list(objective.interested_user_ids or [])
    objective.interested_user_ids = ids + [u for u in user_ids if u and u not in ids]


def _submitted_by(objective: Objective, actor: Actor) -> None:
    """A new submission: its submitter and the current owner may not validate it."""
    objective.interested_user_ids = []
    _note_interested(objective, actor.user.pk if actor.user else None, objective.owner_id)


def _transition(
    actor: Actor, objective: Objective, transition: Transition, comment: str = ""
) -> Objective:
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    if objective.level == Level.STRATEGIC:
        raise Conflict("strategic objectives need no validation")
    if transition in (Transition.SUBMIT, Transition.BACK_TO_DRAFT):
        require_objective_edit(actor, objective)
    is_exec = actor.role == Role.EXECUTIVE
    # Nobody validates an objective they own, submitted, or owned since it was submitted.
    owns = actor.user is not None and (
        objective.owner_id == actor.user.pk or actor.user.pk in objective.interested_user_ids
    )
    error = transition_error(
        transition,
        WorkflowStatus(objective.status),
        actor_is_executive=is_exec,
        actor_owns=owns,
        comment=comment,
    )
    if error:
        if "comment" in error:
            raise Invalid(error, [("comment", error)])
        if "only executives" in error or "nobody validates" in error:
            raise Forbidden(error)
        raise Conflict(error)
    before = {"status": objective.status, "pending_changes": objective.pending_changes}
    objective.status = target_status(transition).value
    if transition == Transition.SUBMIT:
        _submitted_by(objective, actor)
        objective.review_comment = ""  # answered by this submission; kept in the history
    if transition == Transition.APPROVE:
        objective.pending_changes = []
        objective.review_comment = ""
    elif transition == Transition.REQUEST_CHANGES:
        objective.review_comment = comment.strip()
    bump(objective)
    objective.save()
    figures.refresh_parents(objective)
    audit.record(
        actor,
        transition.value,
        AuditType.OBJECTIVE,
        objective.key,
        before=before,
        after={"status": objective.status},
        comment=comment.strip(),
    )
    events.publish(
        actor.organization.pk,
        "objective.changed",
        {"objective": objective.key, "status": objective.status},
    )
    return objective


@transaction.atomic
def submit_objective(actor: Actor, objective: Objective) -> Objective:
    """Submit for validation, unless a rule the organisation made blocking fires on it
    (``goals.coaching``)."""
    from .coaching import check_submission

    check_submission(actor, objective)
    return _transition(actor, objective, Transition.SUBMIT)


@transaction.atomic
def approve_objective(actor: Actor, objective: Objective, comment: str = "") -> Objective:
    return _transition(actor, objective, Transition.APPROVE, comment)


@transaction.atomic
def request_changes(actor: Actor, objective: Objective, comment: str) -> Objective:
    return _transition(actor, objective, Transition.REQUEST_CHANGES, comment)


@transaction.atomic
def back_to_draft(actor: Actor, objective: Objective) -> Objective:
    return _transition(actor, objective, Transition.BACK_TO_DRAFT)


def note_revalidation(
    actor: Actor, objective: Objective, kr_key: str, diff: dict[str, tuple]
) -> None:
    """An approved KR's target or baseline changed: back to submitted, with the diff for the approver."""
    if objective.level != Level.TACTICAL or objective.status != WorkflowStatus.APPROVED:
        return
    at = timezone.now().isoformat()
    who = actor.label
    objective.pending_changes = list(objective.pending_changes) + [
        {"key_result": kr_key, "field": f, "before": b, "after": a, "at": at, "by": who}
        for f, (b, a) in diff.items()
    ]
    objective.status = WorkflowStatus.SUBMITTED.value
    _submitted_by(objective, actor)
    bump(objective)
    objective.save()
    figures.refresh_parents(objective)
    audit.record(
        actor,
        "revalidate",
        AuditType.OBJECTIVE,
        objective.key,
        before={"status": WorkflowStatus.APPROVED.value},
        after={"status": objective.status, "changes": objective.pending_changes[-len(diff) :]},
    )


@transaction.atomic
def set_status_from_file(actor: Actor, objective: Objective, status: str) -> Objective:
    """An import states where each OKR stands; only the system actor (CLI import) may do this."""
    if actor.role != "system":
        raise Forbidden(N_("only an import sets a workflow status directly"))
    if status not in {s.value for s in WorkflowStatus}:
        raise Invalid(
            "invalid status",
            [("status", one_of(s.value for s in WorkflowStatus))],
        )
    if objective.level == Level.STRATEGIC and status not in ("deferred", "dropped"):
        status = WorkflowStatus.APPROVED.value  # no validation; a decision may still drop it
    if objective.status != status:
        before = objective.status
        objective.status = status
        if status == WorkflowStatus.SUBMITTED:
            _submitted_by(objective, actor)
        if status == WorkflowStatus.APPROVED:
            objective.pending_changes = []
        bump(objective)
        objective.save()
        figures.refresh_parents(objective)
        audit.record(
            actor,
            "set_status",
            AuditType.OBJECTIVE,
            objective.key,
            before={"status": before},
            after={"status": status},
        )
    return objective
