"""Every write on notifications: send (in the app, by e-mail, to webhooks), read, prefer.

``notify`` writes the in-app notifications in the caller's transaction and queues the
e-mails and webhook deliveries as background tasks after it commits: a slow mail
server or webhook receiver never holds up a check-in.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from pilote.errors import Invalid
from pilote.messages import say
from pilote.okr.text import N_, one_of
from pilote.orgs import audit
from pilote.orgs.access import Actor, require_admin, scoped
from pilote.orgs.audit import AuditType
from pilote.orgs.models import Membership, Organization, User

from . import messages
from .models import DEFAULT_EMAIL, Delivery, Kind, Notification, Preference, Webhook


def preferences_of(
    organization: Organization, users: Iterable[User]
) -> dict[tuple[int, str], tuple[bool, bool]]:
    """(user id, kind) -> (in app, e-mail), with the defaults filled in."""
    users = list(users)
    chosen = {
        (p.user_id, p.kind): (p.in_app, p.email)
        for p in Preference.objects.filter(organization=organization, user__in=users)
    }
    return {
        (u.pk, k.value): chosen.get((u.pk, k.value), (True, k in DEFAULT_EMAIL))
        for u in users
        for k in Kind
    }


def notify(
    organization: Organization,
    users: Iterable[User],
    kind: str,
    message: str,
    params: dict,
    link: str = "",
    dedupe: str = "",
) -> list[Notification]:
    """Tell each of ``users`` (once per ``dedupe`` key when given) the message of this code with
    these values (notify/messages.py), written in each one's language; returns those made."""
    from . import tasks

    users = {u.pk: u for u in users if u is not None and u.is_active}
    # A membership deactivated (by the directory, SCIM) hears nothing more from here.
    for gone in Membership.objects.filter(organization=organization, user_id__in=list(users),
                                          deactivated_at__isnull=False).values_list(
                                              "user_id", flat=True):  # fmt: skip
        users.pop(gone, None)
    users = users.values()
    prefs = preferences_of(organization, users)
    made = []
    for user in users:
        in_app, email = prefs[(user.pk, kind)]
        if not (in_app or email):
            continue
        title, body = messages.render(message, params, messages.language_of(user, organization))
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    organization=organization, user=user, kind=kind, title=title[:300],
                    body=body, link=link, in_app=in_app, dedupe=dedupe, message=message,
                    params=params,
                )  # fmt: skip
        except IntegrityError:
            continue  # already told for this period
        made.append(note)
        if email and settings.EMAIL_ENABLED and user.email:
            transaction.on_commit(lambda pk=note.pk: tasks.send_email.enqueue(pk))
    return made


def broadcast_message(
    organization: Organization, kind: str, message: str, params: dict, link: str, **extra
) -> list[Delivery]:
    """``broadcast`` a message, written in the organisation's language, with its code and
    values beside the words (integrations read those)."""
    title, text = messages.render(message, params, organization.locale)
    return broadcast(
        organization,
        kind,
        {"title": title, "text": text, "link": link, "message": message, "params": params,
         **extra},
    )  # fmt: skip


def broadcast(organization: Organization, kind: str, payload: dict) -> list[Delivery]:
    """Queue ``payload`` for every active webhook of the organisation that listens to ``kind``."""
    from . import tasks

    deliveries = []
    for hook in Webhook.objects.filter(organization=organization, active=True):
        if hook.kinds and kind not in hook.kinds:
            continue
        delivery = Delivery.objects.create(
            organization=organization, webhook=hook, kind=kind, payload=payload
        )
        transaction.on_commit(lambda pk=delivery.pk: tasks.deliver_webhook.enqueue(pk))
        deliveries.append(delivery)
    return deliveries


@transaction.atomic
def mark_read(actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read: the given ones, or all."""
    mine = scoped(actor, Notification.objects.filter(user=actor.user, read_at__isnull=True))
    if ids is not None:
        mine = mine.filter(pk__in=ids)
    return mine.update(read_at=timezone.now())


@transaction.atomic
def set_preferences(actor: Actor, choices: dict) -> None:
    """``choices``: {kind: {"in_app": bool, "email": bool}}; unknown kinds are refused."""
    errors = []
    for kind, channels in choices.items():
        if kind not in Kind.values:
            errors.append((kind, say("unknown_kind", known=", ".join(Kind.values))))
        elif not isinstance(channels, dict) or not all(
            k in ("in_app", "email") and isinstance(v, bool) for k, v in channels.items()
        ):
            errors.append((kind, "must be {in_app: true|false, email: true|false}"))
    if errors:
        raise Invalid("invalid preferences", errors)
    current = preferences_of(actor.organization, [actor.user])
    for kind, channels in choices.items():
        in_app, email = current[(actor.user.pk, kind)]
        Preference.objects.update_or_create(
            organization=actor.organization, user=actor.user, kind=kind,
            defaults={"in_app": channels.get("in_app", in_app), "email": channels.get("email", email)},
        )  # fmt: skip
    audit.record(actor, "update", AuditType.PREFERENCES, actor.user.email, after=choices)


def webhook_snapshot(hook: Webhook) -> dict:
    return {"name": hook.name, "url": hook.url, "format": hook.format, "kinds": hook.kinds,
            "allow_private": hook.allow_private, "active": hook.active}  # fmt: skip


@transaction.atomic
def create_webhook(actor: Actor, data: dict) -> Webhook:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    require_admin(actor)
    errors = []
    hook = Webhook(organization=actor.organization)
    hook.name = str(data.get("name") or "").strip()[:100]
    if not hook.name:
        errors.append(("name", N_("a name is required")))
    hook.url = str(data.get("url") or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(hook.url)
    except ValidationError:
        errors.append(("url", N_("must be an http(s) address")))
    hook.format = data.get("format") or "json"
    if hook.format not in Webhook.Format.values:
        errors.append(("format", one_of(Webhook.Format.values)))
    kinds = data.get("kinds") or []
    if not isinstance(kinds, list) or any(k not in Kind.values for k in kinds):
        errors.append(("kinds", say("kinds_among", known=", ".join(Kind.values))))
    hook.kinds = kinds if isinstance(kinds, list) else []
    hook.allow_private = bool(data.get("allow_private", False))
    if errors:
        raise Invalid("invalid webhook", errors)
    hook.save()
    audit.record(actor, "create", AuditType.WEBHOOK, hook.name, after=webhook_snapshot(hook))
    return hook


@transaction.atomic
def delete_webhook(actor: Actor, hook: Webhook) -> None:
    require_admin(actor)
    before = webhook_snapshot(hook)
    hook.delete()
    audit.record(actor, "delete", AuditType.WEBHOOK, before["name"], before=before)
