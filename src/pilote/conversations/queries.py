"""Reads of comments, scoped to the actor's organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from pilote.orgs.access import Actor, get_scoped, scoped

from .models import Comment


def comments_on(actor: Actor, target) -> QuerySet[Comment]:
    from .actions import _target_fields

    return (
        scoped(actor, Comment.objects.filter(**_target_fields(target)))
        .select_related("author", "reply_to", "objective", "key_result", "initiative")
        .prefetch_related("mentions")
        .order_by("created_at", "id")
    )


def get_comment(actor: Actor, pk: int) -> Comment:
    return get_scoped(
        actor,
        Comment.objects.select_related(
            "author", "objective", "key_result__objective", "initiative"
        ),
        "comment",
        pk=pk,
    )


def threads(comments) -> list[tuple[Comment, list[Comment]]]:
    """(first comment, its replies) in order: one level of replies."""
    firsts, replies = [], {}
    for c in comments:
        if c.reply_to_id is None:
            firsts.append(c)
        else:
            replies.setdefault(c.reply_to_id, []).append(c)
    return [(c, replies.get(c.pk, [])) for c in firsts]
