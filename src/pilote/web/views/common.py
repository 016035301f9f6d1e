"""Helpers shared by the page views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pilote.errors import Conflict, Invalid, PiloteError, PreconditionFailed, TooMany

# Errors a person fixes in the form (or waits out); others (403, 404) become pages of their own.
FORM_ERRORS = (Invalid, Conflict, PreconditionFailed, TooMany)


def member_required(view: Callable) -> Callable:
    """Signed in and a member of an organisation; else the sign-in page or a friendly page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.actor is None:
            from pilote.orgs.actions import pending_invitations

            invitations = pending_invitations(request.user)
            return render(request, "pilote/no_org.html", {"invitations": invitations}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def form_errors(
    form: forms.Form, exc: PiloteError, prefix_map: dict[str, str] | None = None
) -> None:
    """Put an action's errors (field path -> message) on the form's fields; the rest on top."""
    prefix_map = prefix_map or {}
    errors = exc.errors or [("", exc.detail)]
    for path, english in errors:
        message = _t(english)  # marked N_ where it is raised: in the catalogue
        name = prefix_map.get(path, path.split(".")[0].split("[")[0])
        if name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, f"{path}: {message}" if path else message)


def describe(exc: PiloteError) -> str:
    """An action's error for a message on a page, each part in the reader's language."""
    return exc.describe(_t)


def _t(english: str) -> str:
    """The reader's words for a message of the rules and actions (pilote.words.message: the
    catalogue's, or a coded one's; as is otherwise, never gettext(""), the catalogue's
    header)."""
    from pilote.words import message

    return message(english)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the form's ``next`` when it is a path of this site, else to ``default``."""
    from django.shortcuts import redirect
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    ok = target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if ok else default)


def posted_version(request: HttpRequest, obj) -> int:
    """The version the form was built from (optimistic concurrency); garbage counts as stale."""
    try:
        return int(request.POST.get("version", obj.version))
    except (TypeError, ValueError):
        return -1


def paged(items: Sequence, size: int, number: str | None) -> tuple[Page, list]:
    """The page ``number`` of ``items`` (the last one past the end) and its items. The page
    counts positions and holds no item: a template's context is a reference cycle (Django's
    ContextDict points back at its Context), so a page over every row would keep them all
    for the cyclic collector (86-260 ms after a large roadmap or retrospective)."""
    page = Paginator(range(len(items)), size).get_page(number)
    return page, list(items[page.start_index() - 1 : page.end_index()]) if items else []
