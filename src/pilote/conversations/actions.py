"""Every write on comments: post (with replies and @mentions), edit, delete — each through
the access gate (orgs/access.py), audited on what it is about (the objective's history shows
its conversation), and telling those mentioned or replied to through the notification
channels (in the app, by e-mail, to the organisation's webhooks)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pilote import events
from pilote.errors import Conflict, Invalid
from pilote.messages import say
from pilote.okr.mentions import body_errors, mentioned
from pilote.okr.text import N_
from pilote.orgs import audit
from pilote.orgs.access import Actor, require_comment_change, require_commenter
from pilote.orgs.audit import AuditType
from pilote.orgs.models import User

from .models import Comment

EXCERPT = 200
TYPES = {"objective": AuditType.OBJECTIVE, "key_result": AuditType.KEY_RESULT,
         "initiative": AuditType.INITIATIVE}  # fmt: skip


def _members(actor: Actor, emails: list[str]) -> list[User]:
    """The people mentioned, members of the actor's organisation; an unknown address is an
    error naming it (a mention of a stranger would tell nobody, or someone outside)."""
    found = {
        u.email.lower(): u
        for u in User.objects.filter(
            email__in=emails, memberships__organization=actor.organization, is_active=True
        )
    }
    unknown = [e for e in emails if e not in found]
    if unknown:
        raise Invalid(
            "unknown people mentioned",
            [("body", say("mentioned_stranger", email=e)) for e in unknown],
        )
    return [found[e] for e in emails]


def _target_fields(target) -> dict:
    from pilote.goals.models import KeyResult, Objective

    if isinstance(target, Objective):
        return {"objective": target}
    if isinstance(target, KeyResult):
        return {"key_result": target}
    return {"initiative": target}


def _link(comment: Comment) -> str:
    if comment.objective_id:
        return f"/objectives/{comment.objective.key}/#comment-{comment.pk}"
    if comment.key_result_id:
        return f"/objectives/{comment.key_result.objective.key}/#comment-{comment.pk}"
    return f"/initiatives/{comment.initiative.key}/#comment-{comment.pk}"


def _snapshot(c: Comment) -> dict:
    return {"id": c.pk, "body": c.body, "reply_to": c.reply_to_id,
            "mentions": sorted(u.email for u in c.mentions.all())}  # fmt: skip


def _tell(actor: Actor, comment: Comment, mentioned_now: list[User]) -> None:
    """Those newly mentioned, and the author replied to (once: a mention is enough)."""
    from pilote.notify import messages
    from pilote.notify.actions import broadcast_message, notify
    from pilote.notify.models import Kind

    me = actor.user.pk if actor.user else None
    by = (actor.user.name or actor.user.email) if actor.user else actor.label
    params = {"by": by, "about": comment.target.title,
              "excerpt": " ".join(comment.body.split())[:EXCERPT]}  # fmt: skip
    link = _link(comment)
    told = [u for u in mentioned_now if u.pk != me]
    if told:
        notify(actor.organization, told, Kind.MENTION, messages.MENTIONED, params, link,
               dedupe=f"mention:{comment.pk}")  # fmt: skip
        broadcast_message(actor.organization, Kind.MENTION, messages.MENTIONED, params, link,
                          mentioned=[u.email for u in told])  # fmt: skip
    parent = comment.reply_to
    if parent is not None and parent.author_id not in (None, me, *(u.pk for u in told)):
        notify(actor.organization, [parent.author], Kind.MENTION, messages.REPLIED, params,
               link, dedupe=f"reply:{comment.pk}")  # fmt: skip


def _changed(actor: Actor, comment: Comment) -> None:
    events.publish(actor.organization.pk, "comment.changed",
                   {"type": comment.target_type, "key": comment.target.key, "id": comment.pk})  # fmt: skip


@transaction.atomic
def post_comment(actor: Actor, target, body: str, reply_to: Comment | None = None) -> Comment:
    """``target``: an objective, a key result or an initiative of the actor's organisation
    (the caller read it scoped); ``reply_to``: a comment on the same target."""
    require_commenter(actor)
    errors = body_errors(body)
    if errors:
        raise Invalid("invalid comment", errors)
    fields = _target_fields(target)
    if reply_to is not None:
        if reply_to.organization_id != actor.organization.pk or reply_to.target != target:
            raise Invalid(
                "invalid reply", [("reply_to", N_("a reply answers a comment on the same thing"))]
            )
        if reply_to.deleted_at is not None:
            raise Conflict(say("comment_deleted"))
        reply_to = reply_to.reply_to or reply_to  # one level of replies: the thread's first
    people = _members(actor, mentioned(body))
    comment = Comment.objects.create(
        organization=actor.organization, author=actor.user, body=body.strip(),
        reply_to=reply_to, **fields,
    )  # fmt: skip
    comment.mentions.set(people)
    audit.record(actor, "comment", TYPES[comment.target_type], target.key,
                 after=_snapshot(comment))  # fmt: skip
    _tell(actor, comment, people)
    _changed(actor, comment)
    return comment


@transaction.atomic
def edit_comment(actor: Actor, comment: Comment, body: str) -> Comment:
    require_comment_change(actor, comment)
    if comment.deleted_at is not None:
        raise Conflict(say("comment_deleted"))
    errors = body_errors(body)
    if errors:
        raise Invalid("invalid comment", errors)
    before = _snapshot(comment)
    people = _members(actor, mentioned(body))
    already = {u.pk for u in comment.mentions.all()}
    comment.body = body.strip()
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    comment.mentions.set(people)
    audit.record(actor, "edit_comment", TYPES[comment.target_type], comment.target.key,
                 before=before, after=_snapshot(comment))  # fmt: skip
    _tell(actor, comment, [u for u in people if u.pk not in already])
    _changed(actor, comment)
    return comment


@transaction.atomic
def delete_comment(actor: Actor, comment: Comment) -> Comment:
    """Its words go (the audit keeps them for whoever reads the log); its place in the
    thread stays, saying it was deleted, so replies keep their meaning."""
    require_comment_change(actor, comment, deleting=True)
    if comment.deleted_at is not None:
        return comment
    before = _snapshot(comment)
    comment.body = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "deleted_at"])
    comment.mentions.clear()
    audit.record(actor, "delete_comment", TYPES[comment.target_type], comment.target.key,
                 before=before)  # fmt: skip
    _changed(actor, comment)
    return comment


@transaction.atomic
def restore_comments(actor: Actor, target, items: list[dict]) -> int:
    """An import's conversation (system actor only): each {by: User | None, at, body,
    reply_to: position | None} not already there (same author, time and words) is written
    back as it was, its mentions resolved, nobody notified again. Returns how many."""
    if actor.role != "system":
        from pilote.errors import Forbidden

        raise Forbidden(N_("only an import writes a conversation back"))
    fields = _target_fields(target)
    existing = {
        (c.author_id, c.created_at, c.body): c
        for c in Comment.objects.filter(organization=actor.organization, **fields)
    }
    made, written = 0, []
    for i, item in enumerate(items):
        errors = body_errors(item["body"])
        if errors:
            raise Invalid("invalid comment", [(f"comments[{i}].{p}", m) for p, m in errors])
        author = item.get("by")
        key = (author.pk if author else None, item["at"], item["body"].strip())
        comment = existing.get(key)
        if comment is None:
            parent = item.get("reply_to")
            reply_to = written[parent] if parent is not None and parent < len(written) else None
            comment = Comment.objects.create(
                organization=actor.organization, author=author, body=key[2],
                created_at=item["at"], reply_to=reply_to and (reply_to.reply_to or reply_to),
                **fields,
            )  # fmt: skip
            comment.mentions.set(_members(actor, mentioned(comment.body)))
            audit.record(actor, "comment", TYPES[comment.target_type], target.key,
                         after=_snapshot(comment))  # fmt: skip
            made += 1
        written.append(comment)
    return made
