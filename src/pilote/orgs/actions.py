"""Every write on organisations, units, people and tokens (ARCHITECTURE.md rule 2)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from pilote.errors import Conflict, Forbidden, Invalid, NotFound, unknown
from pilote.messages import say
from pilote.okr.text import N_, one_of
from pilote.okr.types import policy_errors

from . import audit, versions
from .access import SYSTEM, Actor, require_admin, require_token_owner
from .audit import AuditType
from .models import ApiToken, Invitation, Membership, Organization, Role, Unit, User

TOKEN_PREFIX = "plt_"
LAST_USED_EVERY = timedelta(minutes=1)


def check_version(obj: Any, expected: int | None) -> None:
    """Optimistic concurrency: refuse a write based on a stale read."""
    from pilote.errors import PreconditionFailed

    if expected is not None and obj.version != expected:
        raise PreconditionFailed(
            f"this object changed since you read it (version {obj.version}, you sent {expected}); read it again"
        )


def bump(obj: Any) -> None:
    obj.version = (obj.version or 0) + 1


def validate_key(key: str, path: str = "key") -> list[tuple[str, str]]:
    if not key or slugify(key) != key.lower() or len(key) > 100:
        return [(path, "must be a slug: letters, digits, '-' or '_' (e.g. 'espace-client')")]
    return []


def made_key(model, organization, key: str | None, text: str | None) -> str:
    """``key`` when given; else one made from ``text`` (a title or a name) that no row of
    ``model`` in the organisation has: "Réduire l'abandon" → "reduire-labandon", then
    "reduire-labandon-2"… People leave keys empty in the pages; the API still asks for one."""
    if key:
        return key
    base = slugify(text or "")[:90].strip("-_") or model._meta.model_name
    taken = set(
        model.objects.filter(organization=organization, key__startswith=base).values_list(
            "key", flat=True
        )
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def create_organization(name: str, locale: str = "fr") -> Organization:
    name = (name or "").strip()
    errors = []
    if not name:
        errors.append(("organization", N_("a name is required")))
    if locale not in ("fr", "en"):
        errors.append(("locale", N_("must be fr or en")))
    if errors:
        raise Invalid("invalid organisation", errors)
    if Organization.objects.filter(name=name).exists():
        raise Conflict(
            f"an organisation named {name!r} already exists",
            [("organization", N_("already exists"))],
        )
    org = Organization.objects.create(name=name, locale=locale)
    audit.record(
        Actor.system(org),
        "create",
        AuditType.ORGANIZATION,
        name,
        after={"name": name, "locale": locale},
    )
    return org


@transaction.atomic
def update_organization(actor: Actor, org: Organization, changes: dict) -> Organization:
    require_admin(actor)
    before = {"name": org.name, "locale": org.locale, "policy": org.policy_overrides,
              "check_in_template": list(org.check_in_template or [])}  # fmt: skip
    if "locale" in changes:
        if changes["locale"] not in ("fr", "en"):
            raise Invalid("invalid organisation", [("locale", N_("must be fr or en"))])
        org.locale = changes["locale"]
    if "name" in changes:
        if not (changes["name"] or "").strip():
            raise Invalid("invalid organisation", [("name", N_("a name is required"))])
        org.name = changes["name"].strip()
    if "policy" in changes:
        errors = policy_errors(changes["policy"] or {})
        if errors:
            raise Invalid(
                "invalid policy", [(f"policy.{p}" if p else "policy", m) for p, m in errors]
            )
        org.policy_overrides = dict(changes["policy"] or {})
    if "check_in_template" in changes:
        from pilote.okr.checkin import template_errors

        prompts = changes["check_in_template"]
        if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
            raise Invalid(
                "invalid template", [("check_in_template", N_("must be a list of texts"))]
            )
        errors = template_errors(prompts)
        if errors:
            raise Invalid("invalid template", errors)
        org.check_in_template = [p.strip() for p in prompts]
    org.save()
    if org.policy != Organization(policy_overrides=before["policy"]).policy:
        from pilote.goals import figures

        figures.rebuild(org)  # every status plan follows the policy
    after = {"name": org.name, "locale": org.locale, "policy": org.policy_overrides,
             "check_in_template": list(org.check_in_template or [])}  # fmt: skip
    audit.record(actor, "update", AuditType.ORGANIZATION, org.name, *audit.changed(before, after))
    return org


def unit_snapshot(unit: Unit) -> dict:
    return {
        "key": unit.key,
        "name": unit.name,
        "parent": unit.parent.key if unit.parent_id else None,
    }


def _unit_parent(actor: Actor, parent_key: str | None, unit: Unit | None = None) -> Unit | None:
    if not parent_key:
        return None
    parent = Unit.objects.filter(organization=actor.organization, key=parent_key).first()
    if parent is None:
        raise Invalid("unknown parent", [("parent", unknown("unit", parent_key))])
    node: Unit | None = parent
    while unit is not None and node is not None:
        if node.pk == unit.pk:
            raise Invalid(
                "cycle in the unit tree", [("parent", N_("a unit cannot sit below itself"))]
            )
        node = node.parent
    return parent


@transaction.atomic
def create_unit(actor: Actor, key: str, name: str, parent: str | None = None) -> Unit:
    require_admin(actor)
    key = made_key(Unit, actor.organization, key, name)
    errors = validate_key(key)
    if not (name or "").strip():
        errors.append(("name", N_("a name is required")))
    if errors:
        raise Invalid("invalid unit", errors)
    if Unit.objects.filter(organization=actor.organization, key=key).exists():
        raise Conflict(say("already_exists", what="unit", key=key), [("key", N_("already exists"))])
    unit = Unit.objects.create(
        organization=actor.organization,
        key=key,
        name=name.strip(),
        parent=_unit_parent(actor, parent),
    )
    audit.record(actor, "create", AuditType.UNIT, key, after=unit_snapshot(unit))
    return unit


@transaction.atomic
def update_unit(
    actor: Actor, unit: Unit, changes: dict, expected_version: int | None = None
) -> Unit:
    require_admin(actor)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    check_version(unit, expected_version)
    before = unit_snapshot(unit)
    if "name" in changes:
        if not (changes["name"] or "").strip():
            raise Invalid("invalid unit", [("name", N_("a name is required"))])
        unit.name = changes["name"].strip()
    if "parent" in changes:
        unit.parent = _unit_parent(actor, changes["parent"], unit)
    bump(unit)
    unit.save()
    audit.record(
        actor, "update", AuditType.UNIT, unit.key, *audit.changed(before, unit_snapshot(unit))
    )
    return unit


@transaction.atomic
def delete_unit(actor: Actor, unit: Unit) -> None:
    require_admin(actor)
    if unit.children.exists() or unit.objectives.exists() or unit.initiatives.exists():
        raise Conflict(say("unit_in_use", key=unit.key))
    before = unit_snapshot(unit)
    unit.delete()
    audit.record(actor, "delete", AuditType.UNIT, before["key"], before=before)


def membership_snapshot(m: Membership) -> dict:
    return {
        "email": m.user.email,
        "name": m.user.name,
        "role": m.role,
        "units": sorted(m.units.values_list("key", flat=True)),
    }


def _units_by_key(actor: Actor, keys: list[str], path: str = "units") -> list[Unit]:
    found = {u.key: u for u in Unit.objects.filter(organization=actor.organization, key__in=keys)}
    missing = [(f"{path}[{i}]", unknown("unit", k)) for i, k in enumerate(keys) if k not in found]
    if missing:
        raise Invalid("unknown units", missing)
    return [found[k] for k in keys]


def check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise Invalid("weak password", [("password", m) for m in exc.messages]) from None


def person_fields(
    actor: Actor, email: str, name: str, role: str, units: list[str] | None
) -> tuple[str, str, list[Unit]]:
    """A person's address, name and units as typed, checked: every problem named by field."""
    email = (email or "").strip().lower()
    name = (name or "").strip()
    errors = []
    try:
        validate_email(email)
    except DjangoValidationError:
        errors.append(("email", N_("must be an e-mail address")))
    if role not in Role.values:
        errors.append(("role", one_of(Role.values)))
    try:
        unit_objs = _units_by_key(actor, units or [])
    except Invalid as exc:
        errors.extend(exc.errors)
    if errors:
        raise Invalid("invalid person", errors)
    return email, name, unit_objs


@transaction.atomic
def add_person(
    actor: Actor,
    email: str,
    name: str = "",
    role: str = Role.VIEWER,
    units: list[str] | None = None,
    password: str | None = None,
) -> Membership | Invitation:
    """Add a person to the organisation.

    A new address gets an account and a membership. An address that already has an
    account (in another organisation) gets an invitation (``accounts.create_invitation``,
    e-mailed when the server sends e-mail), which its owner accepts or declines; the answer
    is built from what the admin sent only, the same as for a new address, so adding a
    person reveals nothing of their account. A password given for such an address is not
    applied: they keep their own. The system actor (the operator's command line and
    imports) adds members directly.
    """
    from .accounts import create_invitation

    require_admin(actor)
    email, name, unit_objs = person_fields(actor, email, name, role, units)
    user = User.objects.filter(email=email).first()
    if (
        user is not None
        and Membership.objects.filter(user=user, organization=actor.organization).exists()
    ):
        raise Conflict(say("already_member", email=email), [("email", N_("already a member"))])
    if Invitation.objects.filter(organization=actor.organization, email=email).exists():
        raise Conflict(say("already_invited", email=email), [("email", N_("already invited"))])
    if password:
        check_password(password)
    if user is not None and actor.role != SYSTEM:
        return create_invitation(actor, email, name, role, unit_objs)
    if user is None:
        user = User.objects.create_user(email=email, name=name, password=password)
    membership = Membership.objects.create(organization=actor.organization, user=user, role=role)
    membership.units.set(unit_objs)
    audit.record(actor, "create", AuditType.PERSON, email, after=membership_snapshot(membership))
    return membership


def pending_invitations(user: User):
    """The invitations waiting for this person (matched by their account's address), but
    not those whose time is up."""
    return (
        Invitation.objects.filter(email=user.email)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("organization")
    )


@transaction.atomic
def accept_invitation(user: User, invitation_id: int) -> Membership:
    """The invited person joins: their membership is made as the admin set it."""
    invitation = (
        Invitation.objects.select_for_update().filter(pk=invitation_id, email=user.email).first()
    )
    if invitation is None:
        raise NotFound("invitation not found")
    if invitation.expired:
        from .accounts import EXPIRED

        raise Conflict(EXPIRED)
    return join_as_invited(invitation, user)


def join_as_invited(invitation: Invitation, user: User) -> Membership:
    """The membership an invitation makes (as the inviter set it), the invitation spent."""
    membership = Membership.objects.create(
        organization=invitation.organization, user=user, role=invitation.role
    )
    membership.units.set(invitation.units.all())
    invitation.delete()
    actor = Actor(organization=membership.organization, user=user, role=membership.role,
                  label=user.email)  # fmt: skip
    audit.record(
        actor, "accept", AuditType.PERSON, user.email, after=membership_snapshot(membership)
    )
    return membership


@transaction.atomic
def decline_invitation(user: User, invitation_id: int) -> None:
    invitation = Invitation.objects.filter(pk=invitation_id, email=user.email).first()
    if invitation is None:
        raise NotFound("invitation not found")
    invitation.delete()
    actor = Actor(organization=invitation.organization, user=user, role=Role.VIEWER,
                  label=user.email)  # fmt: skip
    audit.record(actor, "decline", AuditType.PERSON, user.email)


def revoke_invitation(actor: Actor, invitation: Invitation) -> None:
    from .accounts import revoke_invitation as revoke

    revoke(actor, invitation)


def is_last_admin(membership: Membership) -> bool:
    """The organisation's only active admin (its admins' rows locked meanwhile): a
    deactivated admin signs in nowhere, so does not count."""
    admins = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.ADMIN,
                deactivated_at__isnull=True)
        .values_list("pk", flat=True)
    )  # fmt: skip
    return admins == [membership.pk]


def _keep_an_admin(actor: Actor, membership: Membership) -> None:
    """An organisation always keeps at least one admin."""
    if is_last_admin(membership):
        raise Conflict(
            "an organisation keeps at least one admin: make someone else admin first",
            [("role", N_("the last admin"))],
        )


def account_is_shared(actor: Actor, user: User) -> bool:
    """The account belongs to another organisation too: this one's admin may not touch it."""
    return Membership.objects.filter(user=user).exclude(organization=actor.organization).exists()


@transaction.atomic
def update_person(
    actor: Actor, membership: Membership, changes: dict, expected_version: int | None = None
) -> Membership:
    """An admin changes a person's role and units here; the name is the account's.

    The name lives on the account, which other organisations may share: the person
    themselves (or the operator) changes it, and an admin only while the account belongs
    to their organisation alone. The change raises the data version of every
    organisation the person belongs to.
    """
    if "name" in changes and not _may_rename(actor, membership.user):
        raise Forbidden(N_("a person's name belongs to their account: only they change it"))
    if set(changes) - {"name"}:
        require_admin(actor)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    check_version(membership, expected_version)
    before = membership_snapshot(membership)
    if "role" in changes:
        if changes["role"] not in Role.values:
            raise Invalid("invalid role", [("role", one_of(Role.values))])
        if membership.role == Role.ADMIN and changes["role"] != Role.ADMIN:
            _keep_an_admin(actor, membership)
        membership.role = changes["role"]
    if "units" in changes:
        membership.units.set(_units_by_key(actor, changes["units"] or []))
    if "name" in changes:
        membership.user.name = (changes["name"] or "").strip()
        membership.user.save(update_fields=["name"])
        _touch_every_organisation_of(membership.user, actor)
    bump(membership)
    membership.save()
    audit.record(
        actor,
        "update",
        AuditType.PERSON,
        membership.user.email,
        *audit.changed(before, membership_snapshot(membership)),
    )
    return membership


def _may_rename(actor: Actor, user: User) -> bool:
    if actor.role == SYSTEM or (actor.user is not None and actor.user.pk == user.pk):
        return True
    return actor.role == Role.ADMIN and not account_is_shared(actor, user)


def _touch_every_organisation_of(user: User, actor: Actor) -> None:
    """A shared account changed: every organisation showing it has new data (its caches)."""
    for org_id in (
        Membership.objects.filter(user=user)
        .exclude(organization=actor.organization)
        .values_list("organization_id", flat=True)
    ):
        versions.bump(org_id)


@transaction.atomic
def set_password(actor: Actor, user: User, password: str) -> None:
    """An admin sets the password of an account that belongs to their organisation alone."""
    require_admin(actor)
    if actor.role != SYSTEM and account_is_shared(actor, user):
        raise Forbidden(N_("this account is also used elsewhere: its owner changes their password"))
    check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor, "set_password", AuditType.PERSON, user.email)


def set_language(user: User, language: str) -> None:
    """The language a person reads Pilote in (pages without a cookie, notifications, e-mails).
    An unknown code changes nothing: the menu offers only the known ones."""
    from django.conf import settings

    if language in dict(settings.LANGUAGES) and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


@transaction.atomic
def remove_person(actor: Actor, membership: Membership) -> None:
    require_admin(actor)
    if membership.role == Role.ADMIN:
        _keep_an_admin(actor, membership)
    before = membership_snapshot(membership)
    ApiToken.objects.filter(
        user=membership.user, organization=actor.organization, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    membership.delete()
    audit.record(actor, "delete", AuditType.PERSON, before["email"], before=before)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(
    actor: Actor, user: User, name: str, unit: Unit | None = None, key_result=None
) -> tuple[ApiToken, str]:
    """A new personal token; the secret is returned once and only its hash is kept.

    With ``unit`` or ``key_result`` the token is narrow: it may only record check-ins,
    on that unit's KRs (and the units' below) or on that one KR.
    """
    require_token_owner(actor, user.pk)
    if unit is not None and key_result is not None:
        raise Invalid(
            "invalid token", [("scope", N_("narrow a token to a unit or a key result, not both"))]
        )
    if not Membership.objects.filter(user=user, organization=actor.organization).exists():
        raise Invalid(
            "not a member",
            [("user", say("not_member", email=user.email, organization=actor.organization.name))],
        )
    if not (name or "").strip():
        raise Invalid("invalid token", [("name", N_("a name is required (what the token is for)"))])
    for _ in range(5):
        prefix = secrets.token_hex(4)
        secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    organization=actor.organization,
                    user=user,
                    name=name.strip(),
                    prefix=prefix,
                    digest=token_digest(secret),
                    scope_unit=unit,
                    scope_key_result_id=key_result.pk if key_result is not None else None,
                )
            break
        except IntegrityError:  # pragma: no cover - 32-bit prefix collision
            continue
    scope = {"unit": unit.key} if unit else {"key_result": key_result.key} if key_result else {}
    audit.record(
        actor,
        "create",
        AuditType.TOKEN,
        prefix,
        after={"name": token.name, "user": user.email, **scope},
    )
    return token, secret


@transaction.atomic
def revoke_token(actor: Actor, token: ApiToken) -> ApiToken:
    require_token_owner(actor, token.user_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor, "revoke", AuditType.TOKEN, token.prefix, after={"revoked_at": token.revoked_at}
        )
    return token


def authenticate_token(secret: str) -> ApiToken | None:
    """The live token whose hash matches, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "organization", "scope_unit")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is not None:
        # Written at most once a minute: one UPDATE per API call was a write (SQLite's lock)
        # on every read under load; "last used" to the minute is what people look at.
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def delete_organization(actor: Actor, org: Organization) -> None:
    """Delete an organisation and everything in it (system only: the CLI and the demo reset).

    Objects go leaves first: units, cycles and objectives protect each other on purpose,
    so that no single delete elsewhere can orphan an OKR.
    """
    from pilote.goals.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Vision
    from pilote.roadmap.models import Impact, Initiative

    if actor.role != "system":
        raise Forbidden(N_("only the command line deletes an organisation"))
    Impact.objects.filter(initiative__organization=org).delete()
    Initiative.objects.filter(organization=org).delete()
    CheckIn.every.filter(organization=org).delete()
    KeyResult.objects.filter(organization=org).delete()
    Alignment.objects.filter(child__organization=org).delete()
    Objective.objects.filter(organization=org).delete()
    for model in (Cycle, Unit):
        qs = model.objects.filter(organization=org)
        while qs.exists():  # leaves first
            qs.filter(children__isnull=True).delete()
    Vision.objects.filter(organization=org).delete()
    org.delete()
