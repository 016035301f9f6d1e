"""Request plumbing for pages: the acting person's ``Actor`` and the session's absolute expiry."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

from pilote.api.auth import session_actor

SESSION_STARTED = "pilote_session_started"


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
    """Close a session older than SESSION_ABSOLUTE_SECONDS, however active it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED, int(time.time()))
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
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
            return render(
                request, "pilote/error.html", {"error": exception}, status=exception.status
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
