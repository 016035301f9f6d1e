"""API authentication: personal tokens (Bearer) and browser sessions (with CSRF).

Both resolve to an ``Actor`` (pilote.orgs.access), which every route uses.
A token is scoped to the one organisation it was made for; a session acts in
the organisation chosen with the ``X-Pilote-Organization`` header (its name),
else the one chosen in the browser, else the person's first.
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from pilote.errors import Forbidden, NotFound
from pilote.okr.text import N_
from pilote.orgs.access import Actor, actor_for, organizations_of
from pilote.orgs.actions import authenticate_token

ORG_HEADER = "X-Pilote-Organization"
SESSION_ORG = "pilote_organization_id"
# What a narrow token (scoped to a unit or a KR) may call: recording check-ins, nothing else.
NARROW_TOKEN_ROUTES = re.compile(r"^/api/v1/(key-results/[^/]+/check-ins|check-ins/bulk)/?$")


class TokenAuth(HttpBearer):
    openapi_description = (
        "A personal API token: `Authorization: Bearer plt_…` (pilote token create)."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        found = authenticate_token(token)
        if found is None:
            return None
        if found.scoped and not (
            request.method == "POST" and NARROW_TOKEN_ROUTES.match(request.path)
        ):
            raise Forbidden(
                N_("this token is narrowed to recording check-ins; use a personal token")
            )
        return actor_for(found.user, found.organization, token=found)


def session_actor(request: HttpRequest) -> Actor | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    orgs = organizations_of(user)
    wanted = request.headers.get(ORG_HEADER)
    if wanted:
        org = orgs.filter(name=wanted).first()
        if org is None:
            raise NotFound(
                "organisation not found", [(ORG_HEADER, f"you are not a member of {wanted!r}")]
            )
    else:
        org = orgs.filter(pk=request.session.get(SESSION_ORG)).first() or orgs.first()
    if org is None:
        return None
    return actor_for(user, org)


class SessionAuth(APIKeyCookie):
    """Django's session cookie; unsafe methods also need the CSRF token (as Django's forms do)."""

    param_name = "sessionid"
    openapi_description = (
        "The browser session of a signed-in person (CSRF token required on writes)."
    )

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie: not a browser request; let the other schemes answer (401, not a CSRF 403).
        if not request.COOKIES.get(self.param_name):
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if key is None:
            return None
        return session_actor(request)
