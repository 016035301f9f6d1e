"""Reads of units, people, tokens and the audit trail, scoped by the access gate."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .access import Actor, get_scoped, scoped
from .models import ApiToken, AuditEntry, Invitation, Membership, Unit, User


def units(actor: Actor) -> QuerySet[Unit]:
    return scoped(actor, Unit.objects.select_related("parent"))


def search_units(actor: Actor, text: str, limit: int = 20) -> list[Unit]:
    """A unit picker's suggestions: the first units whose name or key holds what was typed."""
    text = (text or "").strip()
    if not text:
        return []
    found = scoped(actor, Unit.objects.all()).filter(
        Q(name__icontains=text) | Q(key__icontains=text)
    )
    return list(found.order_by("name", "id")[:limit])


def unit_named(actor: Actor, typed: str | None) -> Unit | None:
    """The unit a filter names: by its key, or else by its exact name (letter case aside)."""
    if not typed:
        return None
    units_ = scoped(actor, Unit.objects.all())
    return units_.filter(key=typed).first() or units_.filter(name__iexact=typed.strip()).first()


def units_below(actor: Actor, unit: Unit) -> frozenset[int]:
    """The unit and every unit below it (a direction's review holds its teams')."""
    from .access import _descendants

    return _descendants(actor.organization, {unit.pk})


def get_unit(actor: Actor, key: str) -> Unit:
    return get_scoped(actor, units(actor), "unit", key=key)


def people(actor: Actor) -> QuerySet[Membership]:
    return scoped(actor, Membership.objects.select_related("user")).prefetch_related("units")


def get_person(actor: Actor, email: str) -> Membership:
    return get_scoped(actor, people(actor), "person", user__email=email.lower())


def people_matching(actor: Actor, text: str) -> QuerySet[Membership]:
    """Members by name, only those whose name or e-mail contains ``text`` when one is given."""
    members = people(actor).order_by("user__name", "user__email")
    text = (text or "").strip()
    if text:
        members = members.filter(Q(user__name__icontains=text) | Q(user__email__icontains=text))
    return members


def search_people(actor: Actor, text: str, limit: int = 20) -> list[User]:
    """A picker's suggestions: the first members matching what was typed (none for nothing)."""
    if not (text or "").strip():
        return []
    return [m.user for m in people_matching(actor, text)[:limit]]


def person_named(actor: Actor, email: str | None) -> User | None:
    """The member with this address (a filter's current choice), or None."""
    if not email:
        return None
    m = (
        scoped(actor, Membership.objects.select_related("user"))
        .filter(user__email=email.lower())
        .first()
    )
    return m.user if m else None


def invitations(actor: Actor) -> QuerySet[Invitation]:
    """Invitations this organisation sent that are not yet accepted (admins' list)."""
    return scoped(actor, Invitation.objects.prefetch_related("units")).order_by("email")


def manageable_invitations(actor: Actor) -> list[Invitation]:
    """The invitations this person may resend or withdraw (a lead: those into their units)."""
    from .access import can_invite

    rows = invitations(actor).select_related("invited_by")
    if actor.role in ("admin", "system"):
        return list(rows)
    return [i for i in rows if can_invite(actor, i.role, [u.pk for u in i.units.all()])]


def get_invitation(actor: Actor, pk: int) -> Invitation:
    return get_scoped(actor, invitations(actor), "invitation", pk=pk)


def tokens(actor: Actor) -> QuerySet[ApiToken]:
    qs = scoped(actor, ApiToken.objects.select_related("user", "scope_unit"))
    if actor.role not in ("admin", "system"):
        qs = qs.filter(user=actor.user)
    return qs


def get_token(actor: Actor, prefix: str) -> ApiToken:
    return get_scoped(actor, tokens(actor), "token", prefix=prefix)


def audit_trail(
    actor: Actor, object_type: str | None = None, object_key: str | None = None
) -> QuerySet[AuditEntry]:
    qs = scoped(actor, AuditEntry.objects.all())
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_key:
        qs = qs.filter(object_key=object_key)
    return qs.order_by("-id")
