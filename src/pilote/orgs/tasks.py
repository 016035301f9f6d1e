"""E-mails about accounts, sent by the worker (django-tasks), as notifications are.

Arguments are ids: the link is made here, when the mail is written, so the task table never
holds one (an invitation's link from its nonce and the server's secret; a reset link from
Django's token generator).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import task

from pilote.words import ROLE_LABELS, long_date

from .models import Invitation, Membership, User


def _role(code: str) -> str:
    return str(ROLE_LABELS.get(code, code)).lower()  # mid-sentence: "as contributor"


@task()
def send_invitation(invitation_id: int) -> str:
    from .accounts import invitation_link

    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.expired:
        return "nothing to send"
    account = User.objects.filter(email=invitation.email).first()
    language = (account.language if account else "") or invitation.organization.locale
    inviter = invitation.invited_by
    with translation.override(language):
        params = {
            "org": invitation.organization.name,
            "who": (inviter.name or inviter.email) if inviter else _("An administrator"),
            "role": _role(invitation.role),
            "date": long_date(timezone.localtime(invitation.expires_at).date()),
        }
        subject = _("[Pilote] %(who)s invites you to %(org)s") % params
        body = "\n\n".join(
            [
                _("%(who)s invites you to join %(org)s on Pilote, as %(role)s.") % params,
                _("Open this link to accept (it works until %(date)s):") % params,
                invitation_link(invitation),
                _("If you did not expect this invitation, ignore this e-mail."),
            ]
        )
    send_mail(subject, body + "\n", None, [invitation.email])
    Invitation.objects.filter(pk=invitation.pk, nonce=invitation.nonce).update(
        sent_at=timezone.now(), sent_count=invitation.sent_count + 1
    )
    return f"sent to {invitation.email}"


@task()
def send_password_reset(user_id: int) -> str:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return "nothing to send"
    membership = Membership.objects.select_related("organization").filter(user=user).first()
    language = user.language or (
        membership.organization.locale if membership else settings.LANGUAGE_CODE
    )
    link = settings.PILOTE_BASE_URL + reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    with translation.override(language):
        subject = _("[Pilote] Choose a new password")
        body = "\n\n".join(
            [
                _("Someone asked to reset the password of %(email)s on Pilote.")
                % {"email": user.email},
                _("Open this link to choose a new one (it works for %(minutes)d minutes, once):")
                % {"minutes": minutes},
                link,
                _("If it was not you, ignore this e-mail: your password stays as it is."),
            ]
        )
    send_mail(subject, body + "\n", None, [user.email])
    return f"sent to {user.email}"
