"""Request plumbing for pages: the acting person's ``Actor`` and the session's absolute expiry."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

from pilote.api.auth import session_actor

SESSION_STARTED = "pilote_session_started"
SESSION_RENEWED = "pilote_session_renewed"


class ActorMiddleware:
    """``request.actor``: the signed-in person in their current organisation (None when signed out)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API resolves its own actor (token or session); pages need theirs.
        wanted = (
            not request.path.startswith(("/api/", "/static/")) and request.user.is_authenticated
        )
        request.actor = _actor_or_none(request) if wanted else None
        return self.get_response(request)


def _actor_or_none(request):
    from pilote.errors import NotFound

    try:
        return session_actor(request)
    except NotFound:
        return None


class SessionExpiryMiddleware:
    """Close a session older than SESSION_ABSOLUTE_SECONDS, however active it is; renew an
    active one's idle expiry by saving it at most every SESSION_RENEW_SECONDS (saving it on
    every page was a database write per page view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault(SESSION_STARTED, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
            elif now - session.get(SESSION_RENEWED, 0) >= settings.SESSION_RENEW_SECONDS:
                session[SESSION_RENEWED] = now  # modified: saved, expiry moved forward
        return self.get_response(request)


class DomainErrorMiddleware:
    """A domain error escaping a page (403, 404, 409...) becomes a page with its status, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from pilote.errors import PiloteError

        if isinstance(exception, PiloteError) and not request.path.startswith("/api/"):
            from pilote.words import message

            return render(
                request,
                "pilote/error.html",
                # the reason in the reader's words: every reason is in the catalogue (N_)
                {"error": exception, "reason": exception.describe(message)},
                status=exception.status,
            )
        return None


class OrganizationLanguageMiddleware:
    """Without a language of the reader's own choosing (cookie), pages speak the organisation's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and not request.path.startswith(
            "/api/"
        ):
            actor = request.actor
            if actor is not None:
                translation.activate(actor.organization.locale)
                request.LANGUAGE_CODE = actor.organization.locale
        return self.get_response(request)


class RejectNulMiddleware:
    """No NUL character gets in through a path, a query string or a JSON body.

    PostgreSQL cannot store or even compare text holding one (a key ``%00`` reached the
    database as a 500). The API answers a problem (404 for a path: nothing is named so;
    422 otherwise); pages answer 404 or 400. Forms already refuse them (Django's validators),
    and ``pilote.guards`` refuses them on every save.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from urllib.parse import unquote_plus

        where = None
        if "\x00" in request.path:
            where = "path"
        elif "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            where = "query"
        elif request.method in ("POST", "PUT", "PATCH") and _json_has_nul(request):
            where = "body"
        if where is None:
            return self.get_response(request)
        status = 404 if where == "path" else 422 if request.path.startswith("/api/") else 400
        if request.path.startswith("/api/"):
            from pilote.api.problems import problem

            return problem(request, status, f"NUL characters are not accepted in the {where}",
                           [(where, "may not contain NUL characters")])  # fmt: skip
        from django.http import HttpResponse
        from django.utils.translation import gettext as _

        return HttpResponse(_("NUL characters are not accepted."), status=status,
                            content_type="text/plain; charset=utf-8")  # fmt: skip


def _json_has_nul(request) -> bool:
    if not (request.content_type or "").endswith("json"):
        return False
    try:
        body = request.body
    except Exception:  # noqa: BLE001 — too large: the API answers that itself
        return False
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body.lower():
        return False
    import json

    from pilote.guards import has_nul

    try:
        return has_nul(json.loads(body))
    except ValueError:
        return False
