"""The API from a signed-in browser: session cookie, CSRF on writes, organisation choice."""

import pytest
from django.test import Client

from pilote.orgs.models import User


@pytest.fixture
def browser(world, db):
    user = User.objects.get(email="lead@acme.example")
    user.set_password("a-long-enough-passphrase")
    user.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_signed_in_browser_reads_the_api(browser):
    r = browser.get("/api/v1/me")
    assert r.status_code == 200
    assert r.json() == {
        "email": "lead@acme.example",
        "name": "Leo Lead",
        "organization": "Acme",
        "role": "lead",
        "units": ["produit"],
        "organizations": ["Acme"],
        "via_token": False,
    }


def test_a_write_without_the_csrf_token_is_refused_and_writes_nothing(browser):
    r = browser.post(
        "/api/v1/key-results/tact-kr/check-ins", {"value": 12}, content_type="application/json"
    )
    assert r.status_code == 403
    assert browser.get("/api/v1/key-results/tact-kr/check-ins").json()["count"] == 1


def test_a_write_with_the_csrf_token_goes_through(browser):
    browser.get("/")  # a page with forms sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    r = browser.post(
        "/api/v1/key-results/tact-kr/check-ins",
        {"value": 12},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert r.status_code == 201
    assert r.json()["check_in"]["source"] == "person:lead@acme.example"


def test_asking_for_an_organisation_you_do_not_belong_to_is_404(browser):
    r = browser.get("/api/v1/objectives", headers={"X-Pilote-Organization": "Globex"})
    assert r.status_code == 404 and b"g-" not in r.content


def test_a_revoked_token_no_longer_opens_the_api(api, world):
    client = api("viewer")
    prefix = world.tokens[("Acme", "viewer")].split("_")[1]
    assert client.delete(f"/tokens/{prefix}").status_code == 200
    assert client.get("/me").status_code == 401


def test_the_home_page_needs_a_sign_in_and_shows_the_strategy(browser):
    assert Client().get("/").status_code == 302
    page = browser.get("/").content.decode()
    assert "Acme vision" in page


def test_a_session_is_written_once_per_renewal_period_not_on_every_page(browser, settings):
    """Found in review: SESSION_SAVE_EVERY_REQUEST wrote a session row on every page."""
    from datetime import timedelta

    import time_machine
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client = browser
    client.get("/")  # the first request after sign-in renews
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    expiry = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as seen:
        for _ in range(3):
            assert client.get("/strategy/").status_code == 200
    writes = [q["sql"] for q in seen.captured_queries if "django_session" in q["sql"]
              and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]  # fmt: skip
    assert writes == []
    later = timezone.now() + timedelta(seconds=settings.SESSION_RENEW_SECONDS + 1)
    with time_machine.travel(later, tick=True):
        assert client.get("/strategy/").status_code == 200
        assert Session.objects.get(session_key=key).expire_date > expiry  # idle expiry moved


def test_a_token_s_last_use_is_written_at_most_once_a_minute(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = api("viewer")
    viewer.get("/me")
    with CaptureQueriesContext(connection) as seen:
        for _ in range(3):
            assert viewer.get("/me").status_code == 200
    assert not [q for q in seen.captured_queries if "last_used_at" in q["sql"]
                and q["sql"].lstrip().upper().startswith("UPDATE")]  # fmt: skip
