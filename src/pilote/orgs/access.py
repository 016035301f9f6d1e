"""The one gate for access (ARCHITECTURE.md rule 3).

Every read and write of tenant data starts from an ``Actor``: a person (or the
system, for the CLI's set-up commands) acting inside one organisation with one
role. Queries scope to ``actor.organization``; actions call ``require``.
Another organisation's object is reported as missing (404), never as
forbidden, so nothing of it leaks.
"""

from __future__ import annotations

from collections import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from pilote.errors import Forbidden, NotFound
from pilote.messages import say
from pilote.okr.text import N_

from .models import ApiToken, Membership, Organization, Role, Unit, User

if TYPE_CHECKING:
    from pilote.goals.models import CheckIn, KeyResult, Objective
    from pilote.sources.models import DataSource

SYSTEM = "system"
WRITERS_OF_EVERYTHING = {Role.ADMIN, Role.EXECUTIVE, SYSTEM}


@dataclass(frozen=True)
class Actor:
    organization: Organization
    user: User | None
    role: str
    unit_ids: abc.Set[int] = field(default_factory=frozenset)
    token: ApiToken | None = None
    label: str = SYSTEM
    # A narrow token's unit and the units below it (None: the token is not narrowed to a unit).
    token_unit_ids: frozenset[int] | None = None

    @property
    def source(self) -> str:
        """Where a check-in comes from, for provenance."""
        if self.token is not None:
            return f"token:{self.token.prefix}"
        if self.user is not None:
            return f"person:{self.user.email}"
        return self.label

    @classmethod
    def system(cls, organization: Organization, label: str = SYSTEM) -> Actor:
        return cls(organization=organization, user=None, role=SYSTEM, label=label)


def _unit_children(organization: Organization) -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for uid, parent in Unit.objects.filter(organization=organization).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent, []).append(uid)
    return children


class _LazyDescendants(abc.Set):
    """A person's units and the units below them, read from the database on first use.

    Most requests never ask (executives and admins write everything; reads need no unit),
    and at 100,000 people reading the unit tree cost ~10 ms a request."""

    def __init__(self, organization: Organization, roots: set[int]):
        self._organization, self._roots = organization, roots
        self._value: frozenset[int] | None = None

    def _get(self) -> frozenset[int]:
        if self._value is None:
            self._value = (
                _descendants(self._organization, self._roots) if self._roots else frozenset()
            )
        return self._value

    def __contains__(self, item: object) -> bool:
        return item in self._get()

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __hash__(self) -> int:
        return hash(self._get())


def _descendants(
    organization: Organization,
    roots: set[int],
    children: dict[int | None, list[int]] | None = None,
) -> frozenset[int]:
    """A lead of a direction also leads the teams below it."""
    children = _unit_children(organization) if children is None else children
    seen, stack = set(), list(roots)
    while stack:
        uid = stack.pop()
        if uid not in seen:
            seen.add(uid)
            stack.extend(children.get(uid, []))
    return frozenset(seen)


def units_below(organization: Organization, unit_id: int) -> frozenset[int]:
    """The unit and every unit beneath it."""
    return _descendants(organization, {unit_id})


def can_read_people_calibration(actor: Actor, unit_id: int) -> bool:
    """Who may read how well each person's confidence predicted (Brier score by person) in a
    unit: executives and admins, and the leads of that unit (or of a unit above it). Anyone
    reads the unit's own figure, and their own."""
    if actor.role in ("admin", "executive", "system"):
        return True
    return actor.role == "lead" and unit_id in actor.unit_ids


def actor_for(user: User, organization: Organization, token: ApiToken | None = None) -> Actor:
    """The actor of ``user`` in ``organization``; NotFound when not a member (or no longer:
    a deactivated membership acts nowhere)."""
    try:
        membership = Membership.objects.get(
            user=user, organization=organization, deactivated_at__isnull=True
        )
    except Membership.DoesNotExist:
        raise NotFound("organisation not found") from None
    units = set(membership.units.values_list("id", flat=True))
    token_units = None
    if token is not None and token.scope_unit_id is not None:
        token_units = _descendants(organization, {token.scope_unit_id})
    return Actor(
        organization=organization,
        user=user,
        role=membership.role,
        unit_ids=_LazyDescendants(organization, units),
        token=token,
        token_unit_ids=token_units,
        label=user.email if token is None else f"{user.email} (token {token.prefix})",
    )


def organizations_of(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(
        memberships__user=user, memberships__deactivated_at__isnull=True
    ).order_by("name")


def scoped(actor: Actor, queryset: QuerySet) -> QuerySet:
    """The queryset reduced to the actor's organisation: every tenant read goes through here."""
    return queryset.filter(organization=actor.organization)


def get_scoped(actor: Actor, queryset: QuerySet, what: str, **lookup: Any) -> Any:
    try:
        return scoped(actor, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        ref = ", ".join(f"{v}" for v in lookup.values())
        raise NotFound(say("not_found", what=what, ref=ref)) from None


# --- what a role may do -----------------------------------------------------


def _deny(message: str) -> Forbidden:
    return Forbidden(message)


def require_admin(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, SYSTEM):
        raise _deny(N_("only admins manage units, people, cycles and settings"))


# A lead brings people into their own units, as contributors or viewers; admins anyone.
INVITED_BY_LEADS = frozenset({Role.CONTRIBUTOR, Role.VIEWER})


def can_invite(actor: Actor, role: str, unit_ids: abc.Collection[int]) -> bool:
    """May ``actor`` invite (or resend, or withdraw the invitation of) someone with this role
    into these units? Admins: anyone. Leads: contributors and viewers, into one or more of
    the units they lead (and the units below them)."""
    if actor.token is not None and actor.token.scoped:
        return False
    if actor.role in (Role.ADMIN, SYSTEM):
        return True
    return (
        actor.role == Role.LEAD
        and role in INVITED_BY_LEADS
        and bool(unit_ids)
        and all(u in actor.unit_ids for u in unit_ids)
    )


def require_inviter(actor: Actor, role: str, unit_ids: abc.Collection[int]) -> None:
    if not can_invite(actor, role, unit_ids):
        raise _deny(
            N_(
                "only admins invite anyone; a lead invites contributors and viewers into the"
                " units they lead"
            )
        )


def require_executive(actor: Actor) -> None:
    if actor.role not in WRITERS_OF_EVERYTHING:
        raise _deny(N_("only executives set the vision and the strategic objectives"))


def can_read_reach(actor: Actor) -> bool:
    """The strategy's reach (aggregates of who opened it) is for executives and admins."""
    return actor.role in WRITERS_OF_EVERYTHING


def require_reach_reader(actor: Actor) -> None:
    if not can_read_reach(actor):
        raise _deny(N_("only executives and admins read how far the strategy reaches"))


def can_write_objective(actor: Actor, level: str, unit_id: int | None) -> bool:
    if actor.role in WRITERS_OF_EVERYTHING:
        return True
    return actor.role == Role.LEAD and level == "tactical" and unit_id in actor.unit_ids


def require_objective_writer(actor: Actor, level: str, unit_id: int | None) -> None:
    if not can_write_objective(actor, level, unit_id):
        if level == "strategic":
            raise _deny(N_("only executives write strategic objectives"))
        raise _deny(N_("only the leads of this unit and executives write its tactical objectives"))


def require_objective_edit(actor: Actor, objective: Objective) -> None:
    require_objective_writer(actor, objective.level, objective.unit_id)


def within_token_scope(actor: Actor, kr: KeyResult) -> bool:
    """A narrow token reaches only its unit's KRs (and the units' below) or its one KR."""
    token = actor.token
    if token is None or not token.scoped:
        return True
    if token.scope_key_result_id is not None:
        return kr.pk == token.scope_key_result_id
    return kr.objective.unit_id in (actor.token_unit_ids or frozenset())


def can_check_in(actor: Actor, kr: KeyResult) -> bool:
    if not within_token_scope(actor, kr):
        return False
    if actor.role in WRITERS_OF_EVERYTHING:
        return True
    if actor.role not in (Role.LEAD, Role.CONTRIBUTOR):
        return False
    user_id = actor.user.pk if actor.user else None
    return kr.owner_id == user_id or kr.objective.unit_id in actor.unit_ids


def require_check_in(actor: Actor, kr: KeyResult) -> None:
    if not within_token_scope(actor, kr):
        raise _deny(N_("this token may record check-ins only within its scope"))
    if not can_check_in(actor, kr):
        raise _deny(N_("you may check in only on key results you or your unit own"))


def can_withdraw_check_in(actor: Actor, check_in: CheckIn) -> bool:
    """Who may withdraw (or correct) a check-in: whoever may check in on its KR, for their
    own check-ins; beyond their own, the KR's owner, the leads of its unit and executives."""
    kr = check_in.key_result
    if not can_check_in(actor, kr):
        return False
    user_id = actor.user.pk if actor.user else None
    if actor.role in WRITERS_OF_EVERYTHING or kr.owner_id == user_id:
        return True
    if check_in.author_id is not None and check_in.author_id == user_id:
        return True
    return actor.role == Role.LEAD and kr.objective.unit_id in actor.unit_ids


def require_withdraw_check_in(actor: Actor, check_in: CheckIn) -> None:
    require_check_in(actor, check_in.key_result)
    if not can_withdraw_check_in(actor, check_in):
        raise _deny(
            N_(
                "you may withdraw only your own check-ins, unless you own the key result or lead its unit"
            )
        )


def can_grade(actor: Actor, objective: Objective) -> bool:
    """Its owner (not a viewer), and those who write it (leads of its unit, executives)."""
    user_id = actor.user.pk if actor.user else None
    if user_id is not None and objective.owner_id == user_id and actor.role != Role.VIEWER:
        return True
    return can_write_objective(actor, objective.level, objective.unit_id)


def require_grader(actor: Actor, objective: Objective) -> None:
    if not can_grade(actor, objective):
        require_objective_edit(actor, objective)  # says why
        raise _deny(N_("only its owner, the leads of its unit and executives grade an objective"))


def grades_directly(actor: Actor) -> bool:
    """Executives set a grade override; the others allowed to grade (the objective's owner,
    its unit's leads) propose one, which an executive confirms or dismisses."""
    return actor.role in WRITERS_OF_EVERYTHING


def require_grade_confirmer(actor: Actor) -> None:
    if not grades_directly(actor):
        raise _deny(N_("only executives confirm or dismiss a proposed grade"))


def can_comment(actor: Actor) -> bool:
    """Every member but viewers writes comments (viewers read them)."""
    return actor.role != Role.VIEWER


def require_commenter(actor: Actor) -> None:
    if not can_comment(actor):
        raise _deny(N_("viewers read the conversations; they do not write in them"))


def can_change_comment(actor: Actor, comment, deleting: bool = False) -> bool:
    """Its author edits and deletes it; an administrator may delete any (moderation)."""
    if actor.user is not None and comment.author_id == actor.user.pk and can_comment(actor):
        return True
    return deleting and actor.role in (Role.ADMIN, SYSTEM)


def require_comment_change(actor: Actor, comment, deleting: bool = False) -> None:
    if not can_change_comment(actor, comment, deleting):
        raise _deny(
            N_("only its author edits a comment; its author or an administrator deletes it")
        )


def require_some_objective_writer(actor: Actor) -> None:
    """Leads and executives write objectives (each within their reach): others do not."""
    if actor.role not in WRITERS_OF_EVERYTHING and actor.role != Role.LEAD:
        raise _deny(N_("only the leads of a unit and executives write objectives"))


def require_decider(actor: Actor, objective: Objective, decision: str) -> None:
    """Who decides an objective's future at the end of its cycle (pilote/okr/carry.py): its
    owner (not a viewer), the leads of its unit and executives decide keep or change and
    write the retrospective; defer and drop take it out of the roll-up above it, so only
    those who write it (leads of its unit, executives) do that."""
    from pilote.okr.carry import CARRIED

    if can_write_objective(actor, objective.level, objective.unit_id):
        return
    user_id = actor.user.pk if actor.user else None
    owner = user_id is not None and objective.owner_id == user_id and actor.role != Role.VIEWER
    if owner and decision in CARRIED:
        return
    if owner:
        raise _deny(N_("only the leads of its unit and executives defer or drop an objective"))
    raise _deny(N_("only its owner, the leads of its unit and executives decide its future"))


def require_initiative_writer(actor: Actor, unit_id: int | None) -> None:
    if actor.role in WRITERS_OF_EVERYTHING:
        return
    if actor.role == Role.LEAD and unit_id is not None and unit_id in actor.unit_ids:
        return
    raise _deny(N_("only the leads of this unit and executives write its initiatives"))


def require_token_owner(actor: Actor, token_user_id: int) -> None:
    if actor.role in (Role.ADMIN, SYSTEM):
        return
    if actor.user is None or actor.user.pk != token_user_id:
        raise _deny(N_("you may manage only your own tokens"))


def source_reaches_server(kind: str, params: dict) -> bool:
    """A source that opens a database connection or reads a file on this server.

    Through either, a source could read Pilote's own data or the server's: only admins set
    them up, and only within what the operator opened (``sources.reach``).
    """
    if kind == "sql":
        return True
    if kind == "csv":
        return not str((params or {}).get("location", "")).startswith(("http://", "https://"))
    return False


def can_manage_source(actor: Actor, source: DataSource) -> bool:
    """Who may set up, change, sync or delete a source.

    A source reaching the server: admins only. Otherwise whoever may edit the objective of
    the KR it feeds; a source feeding no KR (a feedback inbox): admins and executives.
    """
    if source_reaches_server(source.kind, source.params):
        return actor.role in (Role.ADMIN, SYSTEM)
    if source.key_result_id is None:
        return actor.role in WRITERS_OF_EVERYTHING
    objective = source.key_result.objective
    return can_write_objective(actor, objective.level, objective.unit_id)
