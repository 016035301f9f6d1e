"""Routes: conversations — comments on objectives, key results and initiatives, with
replies and @mentions (conversations/actions.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from pilote.conversations import actions, queries
from pilote.goals import queries as goal_queries
from pilote.roadmap.queries import get_initiative

from .schemas import In
from .serialize import actor

router = Router(tags=["conversations"])


class CommentIn(In):
    body: str = Field(
        max_length=5000,
        description="the comment; `@person@example.com` mentions (and notifies) a member",
    )
    reply_to: int | None = Field(None, description="the comment this one answers")


class CommentEdit(In):
    body: str = Field(max_length=5000)


class CommentOut(Schema):
    id: int
    about: Literal["objective", "key_result", "initiative"]
    key: str
    body: str
    author: str | None
    reply_to: int | None
    mentions: list[str]
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool


def comment_out(c) -> dict:
    return {
        "id": c.pk,
        "about": c.target_type,
        "key": c.target.key,
        "body": c.body,
        "author": c.author.email if c.author_id else None,
        "reply_to": c.reply_to_id,
        "mentions": sorted(u.email for u in c.mentions.all()),
        "created_at": c.created_at,
        "edited_at": c.edited_at,
        "deleted": c.deleted_at is not None,
    }


TARGETS = {
    "objectives": goal_queries.get_objective,
    "key-results": goal_queries.get_key_result,
    "initiatives": get_initiative,
}


def _list(request: HttpRequest, kind: str, key: str) -> list[dict]:
    a = actor(request)
    target = TARGETS[kind](a, key)
    return [comment_out(c) for c in queries.comments_on(a, target)]


def _post(request: HttpRequest, kind: str, key: str, payload: CommentIn):
    a = actor(request)
    target = TARGETS[kind](a, key)
    reply_to = queries.get_comment(a, payload.reply_to) if payload.reply_to else None
    return Status(201, comment_out(actions.post_comment(a, target, payload.body, reply_to)))


def _routes(kind: str, label: str) -> None:
    """The two routes of one kind of thing (a closure: no parameter for clients to set)."""

    def listing(request: HttpRequest, key: str):
        return _list(request, kind, key)

    def posting(request: HttpRequest, key: str, payload: CommentIn):
        return _post(request, kind, key, payload)

    name = kind.replace("-", "_")
    router.get(
        f"/{kind}/{{key}}/comments",
        response=list[CommentOut],
        summary=f"The conversation on {label}",
        operation_id=f"list_{name}_comments",
    )(listing)
    router.post(
        f"/{kind}/{{key}}/comments",
        response={201: CommentOut},
        summary=f"Comment on {label} (mentions notify)",
        operation_id=f"post_{name}_comment",
    )(posting)


_routes("objectives", "an objective")
_routes("key-results", "a key result")
_routes("initiatives", "an initiative")


@router.patch("/comments/{comment_id}", response=CommentOut, summary="Edit your comment")
def edit(request: HttpRequest, comment_id: int, payload: CommentEdit):
    a = actor(request)
    return comment_out(actions.edit_comment(a, queries.get_comment(a, comment_id), payload.body))


@router.delete("/comments/{comment_id}", response={204: None}, summary="Delete your comment")
def delete(request: HttpRequest, comment_id: int):
    a = actor(request)
    actions.delete_comment(a, queries.get_comment(a, comment_id))
    return Status(204, None)
