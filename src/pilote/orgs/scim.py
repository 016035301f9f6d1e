"""Provisioning from the company's directory: SCIM 2.0 (RFC 7643, 7644) at ``/scim/v2/``.

The protocol — routes, discovery documents, filters, PATCH, conditional requests, errors —
is scim2-server's (python-scim, the authors of scim2-models and scim2-tester): Pilote gives
it a storage (``PiloteStorage``) over its own tables, and every write goes through the
actions here, audited under the token's name:

- a **User** is a person's membership of the organisation: ``userName`` (the directory's,
  unique in the organisation), the person's e-mail (the primary of ``emails``, else the
  ``userName`` when it is one), the name (``displayName``, else ``name.formatted``, else
  given and family names), ``active``, ``externalId``; ``groups`` are read-only (SCIM sets
  them through the Groups). What else the directory sends (titles, phone numbers, the
  enterprise extension…) is kept as sent and given back; a password is never kept.
- a **Group** is a unit (``displayName`` its name; a new one is made at the top of the
  tree, where an admin can move it) and its ``members`` the people in it.
- **deprovisioning deactivates**: ``active: false`` deactivates the membership (the person
  acts nowhere in the organisation, their tokens are revoked; what they wrote, owned and
  recorded stays); ``DELETE`` deactivates it too and takes it out of SCIM. A unit is deleted
  only while nothing depends on it (otherwise 409, said in words).
- a new address gets an account without a password (single sign-on, or a reset by e-mail);
  when single sign-on is set up, only addresses of its domains are provisioned. An address
  whose account belongs to another organisation only (outside those domains) is refused:
  its owner is invited instead, from Pilote.

The token (``ScimToken``) is the organisation's, made by ``pilote token create --scim`` or
on the admin page; it reaches this organisation only.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pilote.errors import Invalid, NotFound
from pilote.okr.text import N_

from . import audit, versions
from .access import Actor, require_admin
from .actions import LAST_USED_EVERY, token_digest
from .audit import AuditType
from .models import ApiToken, Membership, Organization, Role, ScimToken, SingleSignOn, Unit, User
from .sso import domain_of

SCIM_PREFIX = "plscim_"
MAX_RESULTS = 200
# Attributes Pilote models itself (the rest of a resource is kept as sent).
USER_OWN = {"id", "meta", "userName", "externalId", "groups", "password"}
DISPLAY = "_display"  # in a unit's scim_data: each member's display, as the directory sent it
GROUP_OWN = {"id", "meta", "displayName", "externalId", "members"}


# --- tokens -------------------------------------------------------------------------------


@transaction.atomic
def create_token(actor: Actor, name: str) -> tuple[ScimToken, str]:
    """A directory's token for this organisation (admins); the secret is returned once."""
    require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise Invalid("invalid token", [("name", N_("a name is required (what the token is for)"))])
    prefix = secrets.token_hex(4)
    secret = f"{SCIM_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ScimToken.objects.create(organization=actor.organization, name=name[:100],
                                     prefix=prefix, digest=token_digest(secret))  # fmt: skip
    audit.record(actor, "create", AuditType.TOKEN, prefix, after={"name": token.name,
                                                                  "scim": True})  # fmt: skip
    return token, secret


@transaction.atomic
def revoke_token(actor: Actor, token: ScimToken) -> None:
    require_admin(actor)
    if token.organization_id != actor.organization.pk:
        raise NotFound("token not found")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "revoke", AuditType.TOKEN, token.prefix,
                     after={"revoked_at": token.revoked_at})  # fmt: skip


def authenticate(secret: str) -> ScimToken | None:
    """The live SCIM token whose hash matches (an API token never does), or None."""
    if not secret.startswith(SCIM_PREFIX):
        return None
    token = (ScimToken.objects.select_related("organization")
             .filter(digest=token_digest(secret), revoked_at__isnull=True).first())  # fmt: skip
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def actor_of(token: ScimToken) -> Actor:
    """The directory acting through its token: the organisation's, with an admin's reach
    over people and units, named in the audit by the token."""
    return Actor.system(token.organization, label=f"SCIM ({token.name})")


# --- people -------------------------------------------------------------------------------


def _people(org: Organization):
    return Membership.objects.filter(organization=org, scim_removed=False).select_related("user")


def _email_of(data: dict) -> str:
    emails = [e for e in data.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    primary = [e for e in emails if e.get("primary")] or emails
    for candidate in [*(e["value"] for e in primary), data.get("userName", "")]:
        candidate = str(candidate or "").strip().lower()
        try:
            validate_email(candidate)
            return candidate
        except DjangoValidationError:
            continue
    return ""


def _name_of(data: dict) -> str:
    name = data.get("name") or {}
    given = " ".join(x for x in (name.get("givenName"), name.get("familyName")) if x)
    return str(data.get("displayName") or name.get("formatted") or given or "").strip()[:200]


def _extra(data: dict, own: set[str]) -> dict:
    return {k: v for k, v in data.items() if k not in own}


def _refuse(code: str, message: str, field: str = "") -> Invalid:
    exc = Invalid(message, [(field or code, message)])
    exc.scim = code
    return exc


def _check_address(org: Organization, email: str, user: User | None) -> None:
    sso = SingleSignOn.objects.filter(organization=org).first()
    if sso is not None and domain_of(email) not in sso.domains:
        raise _refuse("invalidValue", N_("this address is not of a domain the organisation"
                                         " signs in with"), "emails")  # fmt: skip
    if (
        user is not None
        and sso is None
        and Membership.objects.filter(user=user).exclude(organization=org).exists()
    ):
        raise _refuse("uniqueness", N_("this address has an account in another organisation:"
                                       " invite it from Pilote"), "userName")  # fmt: skip


def _user_name_taken(org: Organization, user_name: str, email: str, exclude: int | None) -> bool:
    same = _people(org).filter(
        Q(scim_username__iexact=user_name) | Q(scim_username="", user__email__iexact=user_name)
        | Q(user__email__iexact=email)
    )  # fmt: skip
    return same.exclude(pk=exclude).exists()


def _identity(org: Organization, data: dict, exclude: int | None) -> tuple[str, str]:
    """The directory's user name and the person's address, checked: both given, and no
    other person of the organisation has them."""
    user_name = str(data.get("userName") or "").strip()
    email = _email_of(data)
    if not user_name:
        raise _refuse("invalidValue", N_("is required"), "userName")
    if not email:
        raise _refuse("invalidValue", N_("a person needs an e-mail address (in emails or as"
                                         " the userName)"), "emails")  # fmt: skip
    if _user_name_taken(org, user_name, email, exclude):
        raise _refuse("uniqueness", N_("already a member"), "userName")
    return user_name, email


def person_snapshot(m: Membership) -> dict:
    from .actions import membership_snapshot

    return {**membership_snapshot(m), "active": m.deactivated_at is None,
            "external_id": m.external_id}  # fmt: skip


@transaction.atomic
def provision_person(actor: Actor, data: dict) -> Membership:
    """A User the directory creates: a membership (and an account for a new address)."""
    org = actor.organization
    user_name, email = _identity(org, data, None)
    user = User.objects.filter(email=email).first()
    _check_address(org, email, user)
    sso = SingleSignOn.objects.filter(organization=org).first()
    membership = Membership.objects.filter(organization=org, user=user).first() if user else None
    if user is None:
        user = User.objects.create_user(email=email, name=_name_of(data))
    elif not user.name and _name_of(data):
        user.name = _name_of(data)
        user.save(update_fields=["name"])
    now = timezone.now()
    if membership is None:  # (a membership the directory had deleted comes back)
        membership = Membership(organization=org, user=user,
                                role=sso.default_role if sso else Role.VIEWER)  # fmt: skip
    membership.scim_username = user_name[:300]
    membership.external_id = str(data.get("externalId") or "")[:200]
    membership.scim_data = _extra(data, USER_OWN)
    membership.scim_removed = False
    membership.deactivated_at = None if data.get("active", True) is not False else now
    membership.created_at = membership.updated_at = now
    membership.save()
    audit.record(actor, "create", AuditType.PERSON, email, after=person_snapshot(membership))
    return membership


@transaction.atomic
def update_provisioned(actor: Actor, membership: Membership, data: dict) -> Membership:
    """A User replaced by the directory (PUT, or PATCH applied): what changed, changed."""
    org = actor.organization
    m = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    before = person_snapshot(m)
    user_name, email = _identity(org, data, m.pk)
    user = m.user
    if email != user.email:
        shared = Membership.objects.filter(user=user).exclude(organization=org).exists()
        if shared or User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise _refuse("mutability", N_("this account is also used elsewhere: its address"
                                           " stays"), "emails")  # fmt: skip
        _check_address(org, email, None)
        user.email = email
        user.save(update_fields=["email"])
    name = _name_of(data)
    if name and name != user.name:
        user.name = name
        user.save(update_fields=["name"])
        for other in Membership.objects.filter(user=user).exclude(organization=org):
            versions.bump(other.organization_id)
    m.scim_username = user_name[:300]
    m.external_id = str(data.get("externalId") or "")[:200]
    m.scim_data = _extra(data, USER_OWN)
    active = data.get("active", True) is not False
    if active and m.deactivated_at is not None:
        m.deactivated_at = None
        audit.record(actor, "reactivate", AuditType.PERSON, user.email)
    elif not active and m.deactivated_at is None:
        _deactivate(actor, m)
    m.version += 1
    m.updated_at = timezone.now()
    m.save()
    after = person_snapshot(m)
    if after != before:
        audit.record(actor, "update", AuditType.PERSON, user.email, *audit.changed(before, after))
    return m


def _deactivate(actor: Actor, m: Membership) -> None:
    """The person acts no longer in the organisation: their tokens here revoked; the rest
    (objectives owned, check-ins, comments, the audit) stays."""
    from .actions import is_last_admin

    if m.role == Role.ADMIN and is_last_admin(m):
        raise _refuse("mutability", N_("an organisation keeps at least one admin: make someone"
                                       " else admin first"), "active")  # fmt: skip
    m.deactivated_at = timezone.now()
    ApiToken.objects.filter(user=m.user, organization=m.organization,
                            revoked_at__isnull=True).update(revoked_at=m.deactivated_at)  # fmt: skip
    audit.record(actor, "deactivate", AuditType.PERSON, m.user.email)


@transaction.atomic
def deprovision(actor: Actor, membership: Membership) -> None:
    """A User the directory deletes: deactivated, and gone from SCIM (never deleted)."""
    m = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if m.deactivated_at is None:
        _deactivate(actor, m)
    m.scim_removed = True
    m.version += 1
    m.updated_at = timezone.now()
    m.save()
    versions.bump(m.organization_id)


# --- units --------------------------------------------------------------------------------


def _member_ids(org: Organization, data: dict) -> list[int]:
    values = [str((member or {}).get("value") or "") for member in data.get("members") or []]
    known = set(_people(org).filter(pk__in=[int(v) for v in values if v.isdigit()])
                .values_list("pk", flat=True))  # fmt: skip
    for i, value in enumerate(values):
        if not value.isdigit() or int(value) not in known:
            raise _refuse("invalidValue", N_("not a person of this organisation"),
                          f"members[{i}]")  # fmt: skip
    return list(dict.fromkeys(int(v) for v in values))


def _set_members(actor: Actor, unit: Unit, member_ids: list[int]) -> None:
    """The unit's people as the directory lists them: each one changed through
    ``update_person`` (its audit, its version)."""
    from .actions import update_person

    current = set(unit.members.filter(scim_removed=False).values_list("pk", flat=True))
    wanted = set(member_ids)
    for m in Membership.objects.filter(pk__in=current ^ wanted).prefetch_related("units"):
        keys = {u.key for u in m.units.all()}
        keys = keys | {unit.key} if m.pk in wanted else keys - {unit.key}
        update_person(actor, m, {"units": sorted(keys)})


def _group_extra(data: dict) -> dict:
    extra = _extra(data, GROUP_OWN)
    shown = {str(m.get("value")): str(m["display"])[:200] for m in data.get("members") or []
             if isinstance(m, dict) and m.get("display")}  # fmt: skip
    if shown:
        extra[DISPLAY] = shown
    return extra


@transaction.atomic
def provision_unit(actor: Actor, data: dict) -> Unit:
    from .actions import create_unit

    name = str(data.get("displayName") or "").strip()
    if not name:
        raise _refuse("invalidValue", N_("a name is required"), "displayName")
    if Unit.objects.filter(organization=actor.organization, name__iexact=name).exists():
        raise _refuse("uniqueness", N_("already exists"), "displayName")
    members = _member_ids(actor.organization, data)
    unit = create_unit(actor, "", name[:200])
    unit.external_id = str(data.get("externalId") or "")[:200]
    unit.scim_data = _group_extra(data)
    unit.save(update_fields=["external_id", "scim_data"])
    _set_members(actor, unit, members)
    return unit


@transaction.atomic
def update_provisioned_unit(actor: Actor, unit: Unit, data: dict) -> Unit:
    from .actions import update_unit

    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    name = str(data.get("displayName") or "").strip()
    if not name:
        raise _refuse("invalidValue", N_("a name is required"), "displayName")
    if Unit.objects.filter(organization=actor.organization,
                           name__iexact=name).exclude(pk=unit.pk).exists():  # fmt: skip
        raise _refuse("uniqueness", N_("already exists"), "displayName")
    members = _member_ids(actor.organization, data)
    if name != unit.name:
        unit = update_unit(actor, unit, {"name": name[:200]})
    unit.external_id = str(data.get("externalId") or "")[:200]
    unit.scim_data = _group_extra(data)
    unit.version += 1
    unit.updated_at = timezone.now()
    unit.save()
    _set_members(actor, unit, members)
    return unit


@transaction.atomic
def remove_unit(actor: Actor, unit: Unit) -> None:
    from pilote.errors import Conflict

    from .actions import delete_unit

    _set_members(actor, unit, [])
    try:
        delete_unit(actor, unit)
    except Conflict:
        raise _refuse("mutability", N_("the unit has objectives, initiatives or units below it:"
                                       " it stays in Pilote (an admin may remove it there)"),
                      "displayName") from None  # fmt: skip
    except IntegrityError:  # pragma: no cover - a protected row appeared meanwhile
        raise _refuse("mutability", N_("the unit is in use")) from None


def as_resource(obj: Any) -> dict[str, Any]:
    """A membership or a unit as its SCIM resource (the JSON, relative references)."""
    if isinstance(obj, Membership):
        # The directory's view, as it sent it; "active" false whenever Pilote deactivated.
        data = {**obj.scim_data, "userName": obj.scim_username or obj.user.email}
        if obj.deactivated_at is not None:
            data["active"] = False
        if not obj.scim_username and obj.user.name:
            data["displayName"] = obj.user.name  # (a person Pilote had before provisioning)
        if not data.get("emails"):
            data["emails"] = [{"value": obj.user.email, "primary": True, "type": "work"}]
        groups = [{"value": str(u.pk), "display": u.name, "$ref": f"Groups/{u.pk}"}
                  for u in obj.units.all()]  # fmt: skip
        if groups:
            data["groups"] = groups
        kind = "User"
    else:
        data = {**obj.scim_data, "displayName": obj.name}
        shown = obj.scim_data.get(DISPLAY) or {}
        members = [{"value": str(m.pk),
                    "display": shown.get(str(m.pk)) or m.user.name or m.user.email,
                    "$ref": f"Users/{m.pk}", "type": "User"}
                   for m in obj.members.all() if not m.scim_removed]  # fmt: skip
        if members:
            data["members"] = members
        kind = "Group"
    data.pop(DISPLAY, None)
    data["id"] = str(obj.pk)
    if obj.external_id:
        data["externalId"] = obj.external_id
    created = obj.created_at
    data["meta"] = {"resourceType": kind, "created": created.isoformat(),
                    "lastModified": max(created, obj.updated_at).isoformat(),
                    "version": f'W/"{obj.version}"'}  # fmt: skip
    return data
