"""Conversations on the pages (conversations/actions.py): a comment on an objective (or one
of its key results) or on an initiative, a reply, an @mention picked as one types; editing
and deleting one's own. Each form posts here and comes back to the page at the comment."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilote.conversations import actions, queries
from pilote.conversations.models import Comment
from pilote.goals import queries as goal_queries
from pilote.orgs.access import can_change_comment, can_comment, scoped
from pilote.roadmap.queries import get_initiative

from .common import FORM_ERRORS, describe, member_required


def conversation(actor, *, objective=None, initiative=None) -> dict:
    """What a page's conversation section reads: threads (an objective's holds its KRs'
    comments too, each saying which), who may write, edit and delete."""
    if objective is not None:
        rows = Comment.objects.filter(Q(objective=objective) | Q(key_result__objective=objective))
    else:
        rows = Comment.objects.filter(initiative=initiative)
    rows = (
        scoped(actor, rows)
        .select_related("author", "key_result")
        .prefetch_related("mentions")
        .order_by("created_at", "id")
    )
    threads = queries.threads(list(rows))
    for first, replies in threads:
        for c in (first, *replies):
            c.editable = can_change_comment(actor, c)
            c.deletable = can_change_comment(actor, c, deleting=True)
    return {"threads": threads, "can_comment": can_comment(actor)}


def _back(target_url: str, comment: Comment | None = None) -> HttpResponse:
    return redirect(target_url + (f"#comment-{comment.pk}" if comment else "#conversation"))


def _page_of(comment: Comment) -> str:
    if comment.initiative_id:
        return reverse("initiative", args=[comment.initiative.key])
    objective = comment.objective or comment.key_result.objective
    return reverse("objective", args=[objective.key])


@member_required
@require_POST
def objective_comment(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    objective = goal_queries.get_objective(actor, key)
    about = request.POST.get("about") or ""
    target = objective
    if about:  # one of its key results
        kr = goal_queries.get_key_result(actor, about)
        if kr.objective_id == objective.pk:
            target = kr
    return _post(request, target, reverse("objective", args=[objective.key]))


@member_required
@require_POST
def initiative_comment(request: HttpRequest, key: str) -> HttpResponse:
    ini = get_initiative(request.actor, key)
    return _post(request, ini, reverse("initiative", args=[ini.key]))


def _post(request: HttpRequest, target, url: str) -> HttpResponse:
    actor = request.actor
    reply_to = None
    try:
        if request.POST.get("reply_to"):
            reply_to = queries.get_comment(actor, int(request.POST["reply_to"]))
        comment = actions.post_comment(actor, target, request.POST.get("body") or "", reply_to)
    except (ValueError, *FORM_ERRORS) as exc:
        messages.error(
            request,
            _("This comment is not known.") if isinstance(exc, ValueError) else describe(exc),
        )
        request.session["comment_draft"] = (request.POST.get("body") or "")[:5000]
        return _back(url)
    messages.success(request, _("Comment posted."))
    return _back(url, comment)


@member_required
@require_POST
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor
    comment = queries.get_comment(actor, pk)
    url = _page_of(comment)
    try:
        actions.edit_comment(actor, comment, request.POST.get("body") or "")
        messages.success(request, _("Comment edited."))
    except FORM_ERRORS as exc:
        messages.error(request, describe(exc))
    return _back(url, comment)


@member_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor
    comment = queries.get_comment(actor, pk)
    url = _page_of(comment)
    try:
        actions.delete_comment(actor, comment)
        messages.success(request, _("Comment deleted."))
    except FORM_ERRORS as exc:
        messages.error(request, describe(exc))
    return _back(url, comment)
