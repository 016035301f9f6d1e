"""Accounts people manage themselves: invitations by e-mail, joining by the link, password
reset, signing out everywhere.

**Invitations.** An admin (anyone, any role) or a lead (contributors and viewers, into the
units they lead; ``access.can_invite``) invites an address. The e-mail carries a link
signed with the server's secret over the invitation's id and a nonce: a resend makes a new
nonce and a new expiry, so only the latest link works, and the database holds nothing that
opens it. The link's page lets a new address set its name and password and join; an
address that already has an account signs in and accepts, as before. The inviter's answer
is the same either way, so an invitation reveals nothing of someone's account.

**Password reset** is Django's (its token generator: a link made from the account's
password hash and a time, useless once the password changed or the hour passed), sent by
the worker; requests are limited per e-mail and per address like sign-ins, and the answer
never says whether an account exists.

**Signing out everywhere** raises the account's ``session_epoch``, which its session hash
carries (``User._get_session_auth_hash``): every session made before ends at its next
request, on every process and host. API tokens are not sessions: they stay until revoked.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from pilote.errors import Conflict, Invalid, NotFound, TooMany
from pilote.messages import say
from pilote.okr.text import N_

from . import audit
from .access import SYSTEM, Actor, _deny, require_inviter
from .audit import AuditType
from .models import Invitation, Membership, Role, User
from .signin import over_limit

SALT = "pilote.invitation"
BAD_LINK = N_(
    "this invitation link is not valid (a newer one may have been sent): ask for a new one"
)
EXPIRED = N_("this invitation has expired: ask the person who invited you to send it again")


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps([invitation.pk, invitation.nonce], salt=SALT)


def invitation_link(invitation: Invitation) -> str:
    return settings.PILOTE_BASE_URL + reverse("join", args=[invitation_token(invitation)])


def invitation_by_token(token: str, lock: bool = False) -> Invitation:
    """The invitation a link opens; NotFound for a forged, altered, replaced or withdrawn one
    (all answer alike). Expiry is the caller's to say (``Invitation.expired``)."""
    try:
        pk, nonce = signing.loads(token, salt=SALT)
        pk, nonce = int(pk), str(nonce)
    except (signing.BadSignature, TypeError, ValueError):
        raise NotFound(BAD_LINK) from None
    qs = Invitation.objects.select_related("organization", "invited_by")
    invitation = (qs.select_for_update(of=("self",)) if lock else qs).filter(pk=pk).first()
    if (
        invitation is None
        or not invitation.nonce
        or not secrets.compare_digest(invitation.nonce, nonce)
    ):
        raise NotFound(BAD_LINK)
    return invitation


def invitation_snapshot(invitation: Invitation, unit_keys: list[str]) -> dict:
    return {"email": invitation.email, "name": invitation.name, "role": invitation.role,
            "units": sorted(unit_keys), "invited": True}  # fmt: skip


def _renew(invitation: Invitation) -> None:
    invitation.nonce = secrets.token_urlsafe(18)[:32]
    invitation.expires_at = timezone.now() + timedelta(days=settings.PILOTE_INVITATION_DAYS)


def _send(invitation: Invitation) -> None:
    """Queue the e-mail after the commit, when this server sends e-mail."""
    if settings.EMAIL_ENABLED:
        from .tasks import send_invitation

        transaction.on_commit(lambda pk=invitation.pk: send_invitation.enqueue(pk))


def _count_sending(actor: Actor) -> None:
    """A person sends at most PILOTE_INVITATIONS_PER_HOUR invitations (and resends) an hour:
    the server's mail is nobody's megaphone. The operator's command line is not counted."""
    if actor.role == SYSTEM or actor.user is None:
        return
    if over_limit("invite", actor.user.email, settings.PILOTE_INVITATIONS_PER_HOUR,
                  timedelta(hours=1)):  # fmt: skip
        raise TooMany(N_("too many invitations sent in the last hour: try again later"))


def create_invitation(actor: Actor, email: str, name: str, role: str, units: list) -> Invitation:
    """The row and its e-mail (checked by the caller: ``invite`` or ``actions.add_person``)."""
    invitation = Invitation(
        organization=actor.organization, email=email, name=name, role=role, invited_by=actor.user
    )
    _renew(invitation)
    invitation.save()
    invitation.units.set(units)
    _send(invitation)
    audit.record(actor, "invite", AuditType.PERSON, email,
                 after=invitation_snapshot(invitation, [u.key for u in units]))  # fmt: skip
    return invitation


@transaction.atomic
def invite(
    actor: Actor,
    email: str,
    name: str = "",
    role: str = Role.VIEWER,
    units: list[str] | None = None,
) -> Invitation:
    """Invite an address into the organisation, by e-mail (the same answer whether or not the
    address already has an account)."""
    from .actions import person_fields

    if actor.role not in (Role.ADMIN, Role.LEAD, SYSTEM):
        require_inviter(actor, role, [])
    email, name, unit_objs = person_fields(actor, email, name, role, units)
    require_inviter(actor, role, [u.pk for u in unit_objs])
    user = User.objects.filter(email=email).first()
    if (
        user is not None
        and Membership.objects.filter(user=user, organization=actor.organization).exists()
    ):
        raise Conflict(say("already_member", email=email), [("email", N_("already a member"))])
    if Invitation.objects.filter(organization=actor.organization, email=email).exists():
        raise Conflict(say("already_invited", email=email), [("email", N_("already invited"))])
    _count_sending(actor)
    return create_invitation(actor, email, name, role, unit_objs)


def _require_invitation_rights(actor: Actor, invitation: Invitation) -> None:
    require_inviter(actor, invitation.role, [u.pk for u in invitation.units.all()])


@transaction.atomic
def resend_invitation(actor: Actor, invitation: Invitation) -> Invitation:
    """A new link (the old one stops working) valid PILOTE_INVITATION_DAYS more days."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_invitation_rights(actor, invitation)
    _count_sending(actor)
    _renew(invitation)
    invitation.version += 1
    invitation.save()
    _send(invitation)
    audit.record(actor, "resend", AuditType.PERSON, invitation.email)
    return invitation


@transaction.atomic
def revoke_invitation(actor: Actor, invitation: Invitation) -> None:
    """Withdraw an invitation: its link answers as if it never existed."""
    _require_invitation_rights(actor, invitation)
    invitation.delete()
    audit.record(actor, "delete", AuditType.PERSON, invitation.email, before={"invited": True})


@transaction.atomic
def join(token: str, name: str, password: str) -> Membership:
    """A new address accepts its invitation by the e-mailed link: its account (the name and
    password it chose) and its membership (as the inviter set it) are made at once."""
    from .actions import check_password, join_as_invited

    invitation = invitation_by_token(token, lock=True)
    if invitation.expired:
        raise Conflict(EXPIRED)
    if User.objects.filter(email=invitation.email).exists():
        raise Conflict(N_("this address already has an account: sign in to accept"))
    from .sso import password_refused

    if password_refused(invitation.email):
        raise Invalid("single sign-on required", [("password", N_(
            "this organisation signs in with single sign-on: continue with it"))])  # fmt: skip
    name = (name or "").strip()[:200] or invitation.name
    check_password(password, User(email=invitation.email, name=name))
    user = User.objects.create_user(email=invitation.email, name=name, password=password)
    return join_as_invited(invitation, user)


# --- password reset and sessions -------------------------------------------------------


def reset_accounts(email: str):
    """The accounts a reset for this address may reach: active, with a password of their own
    (Django's rule: an account made without one signs in some other way)."""
    from .sso import password_refused

    return [
        u
        for u in User.objects.filter(email__iexact=(email or "").strip(), is_active=True)
        if u.has_usable_password() and not password_refused(u.email)
    ]


def request_password_reset(email: str, address: str | None) -> None:
    """Queue a reset link to ``email`` if an account has it; say nothing either way.

    Limited like sign-ins: per e-mail (PILOTE_RESET_LIMIT_PER_EMAIL an hour) and per address
    (PILOTE_RESET_LIMIT_PER_ADDRESS), counted whether or not the account exists."""
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise Invalid("invalid e-mail", [("email", N_("must be an e-mail address"))])
    hour = timedelta(hours=1)
    if over_limit("reset-address", address or "?", settings.PILOTE_RESET_LIMIT_PER_ADDRESS, hour) \
            or over_limit("reset-email", email, settings.PILOTE_RESET_LIMIT_PER_EMAIL, hour):  # fmt: skip
        raise TooMany(N_("too many password resets asked: try again in an hour"))
    if not settings.EMAIL_ENABLED:
        return
    from .tasks import send_password_reset

    for user in reset_accounts(email):
        transaction.on_commit(lambda pk=user.pk: send_password_reset.enqueue(pk))


def password_was_reset(user: User) -> None:
    """After a reset: the sign-in lockouts of this address are lifted (the person proved they
    hold its mailbox); Django has already ended the account's other sessions."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=user.email).delete()


def sign_out_everywhere(user: User) -> None:
    """End every session of this account, on every device (the caller's too)."""
    if user is None or not user.pk:
        raise _deny(N_("sign in first"))
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
