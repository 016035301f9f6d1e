"""Sign-in lockout holds behind a proxy and without one, and per account across addresses.

Found in review: any ``X-Forwarded-For`` header lifted the lockout (uvicorn believed it
from loopback, and each new value made a new (e-mail, address) pair).
"""

from __future__ import annotations

import pytest
from django.test import Client

from pilote.orgs.models import User

EMAIL = "lead@acme.example"
PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def account(world, db):
    user = User.objects.get(email=EMAIL)
    user.set_password(PASSWORD)
    user.save()
    return user


def attempt(password: str, remote: str = "203.0.113.7", forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post("/login/", {"username": EMAIL, "password": password}, **headers)


def signed_in(response) -> bool:
    return response.status_code == 302


def test_without_a_trusted_proxy_a_forwarded_header_does_not_lift_the_lockout(account, settings):
    settings.PILOTE_TRUSTED_PROXIES = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("wrong", forwarded=f"198.51.100.{n}")
    r = attempt(PASSWORD, forwarded="198.51.100.250")
    assert r.status_code == 429 and not signed_in(r)
    # Another address entirely is another pair: it may still sign in.
    assert signed_in(attempt(PASSWORD, remote="203.0.113.99"))


def test_behind_one_trusted_proxy_the_client_is_the_address_the_proxy_saw(account, settings):
    settings.PILOTE_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    # The attacker writes whatever it likes left of what the proxy appends: ignored.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("wrong", remote=proxy, forwarded=f"192.0.2.{n}, 203.0.113.7")
    r = attempt(PASSWORD, remote=proxy, forwarded="192.0.2.200, 203.0.113.7")
    assert r.status_code == 429
    # Another person behind the same proxy is not locked out with them.
    assert signed_in(attempt(PASSWORD, remote=proxy, forwarded="203.0.113.8"))
    # A request that did not come through the proxy (no header) is judged by its connection.
    assert signed_in(attempt(PASSWORD, remote="203.0.113.50"))


def test_an_account_is_locked_after_guesses_spread_over_many_addresses(account, settings):
    settings.PILOTE_LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    for n in range(8):  # under the per-address limit (5) each time: two guesses per address
        attempt("wrong", remote=f"198.51.100.{n // 2}")
    r = attempt(PASSWORD, remote="198.51.100.200")
    assert r.status_code == 429 and not signed_in(r)
    assert "_auth_user_id" not in Client().session


def test_pilote_serve_leaves_forwarded_headers_to_the_sign_in_rule(monkeypatch):
    import uvicorn

    from pilote import cli

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    cli.main(["serve", "--no-migrate", "--no-worker", "--port", "0"])
    assert seen["proxy_headers"] is False
