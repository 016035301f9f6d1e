"""Sign-in protection that holds behind a proxy and without one.

**The client's address.** ``X-Forwarded-For`` is written by whoever sends the request, so
it is believed only as far as the operator says reverse proxies stand in front of Pilote
(``PILOTE_TRUSTED_PROXIES``, default 0: the header is ignored and the address is the
connection's). With N trusted proxies, each appends the address it received from, so the
client is the Nth address from the right; anything left of it was written by the client.
``pilote serve`` runs uvicorn with its own proxy-header handling off, so this is the one
place that decides.

**Lockout** (django-axes): after ``AXES_FAILURE_LIMIT`` failures for one e-mail from one
address, that pair is locked out; and after ``PILOTE_LOGIN_ACCOUNT_FAILURE_LIMIT`` failures
for one e-mail from any addresses, the account is, for the same cool-off time, so that
spreading guesses over many addresses does not lift it.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_lockout_message
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def _address(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address of the person signing in, as far as the configured proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.PILOTE_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    chain = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(chain) < trusted:
        # Fewer hops than proxies: the request did not come through all of them.
        return remote
    return _address(chain[-trusted]) or remote


def account_failures(username: str) -> int:
    """Failed sign-ins for this e-mail from every address within the cool-off time."""
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    total = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


class SignInBackend(AxesStandaloneBackend):
    """django-axes' check per (e-mail, address), then the per-account check across addresses."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        super().authenticate(request, username=username, password=password, **kwargs)
        if username and account_failures(username) >= settings.PILOTE_LOGIN_ACCOUNT_FAILURE_LIMIT:
            response_context = kwargs.get("response_context", {})
            response_context["error"] = get_lockout_message()
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("this account is locked out")
        return None


def over_limit(scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Count one request of ``scope`` for ``key`` (an e-mail, an address); True, and nothing
    counted, when the key already made ``limit`` of them within ``window``.

    Kept in the database (``RateEvent``), so every process and host shares one count. Rows
    older than the window are dropped as new ones come: the table holds one window."""
    from .models import RateEvent

    now = timezone.now()
    since = now - window
    RateEvent.objects.filter(scope=scope, at__lt=since).delete()
    if RateEvent.objects.filter(scope=scope, key=key, at__gte=since).count() >= limit:
        return True
    RateEvent.objects.create(scope=scope, key=key, at=now)
    return False
