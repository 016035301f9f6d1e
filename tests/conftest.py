"""Shared fixtures: two organisations (Acme and Globex) loaded once per test session
through the importer, one API token per role in each; every test runs in a
transaction that is rolled back."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

ROLES = ("admin", "executive", "lead", "contributor", "viewer")
# The suite's "now": the fixtures' quarter (2027-01-01 – 2027-06-30) lies ahead of it, as the
# tests were written. Frozen (time-machine, the clock then ticks on from it) so the suite means
# the same on any date; PILOTE_TEST_NOW moves it, to see which tests depend on it.
NOW = os.environ.get("PILOTE_TEST_NOW", "2026-12-01T09:00:00+00:00")


@pytest.fixture(autouse=True, scope="session")
def _frozen_clock():
    """Every in-process test runs at NOW (servers started in subprocesses keep the real
    clock: the demo they serve is built around their own today)."""
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield


def acme_document(
    prefix: str = "", name: str = "Acme", domain: str = "acme.example"
) -> dict[str, Any]:
    p = prefix
    return {
        "organization": name,
        "locale": "en",
        "vision": {"statement": f"{name} vision"},
        "units": [
            {"key": f"{p}dg", "name": "Management"},
            {"key": f"{p}produit", "name": "Product", "parent": f"{p}dg"},
            {"key": f"{p}equipe-app", "name": "App team", "parent": f"{p}produit"},
            {"key": f"{p}ventes", "name": "Sales", "parent": f"{p}dg"},
            {"key": f"{p}vide", "name": "Empty unit", "parent": f"{p}dg"},
        ],
        "people": [
            {"email": f"admin@{domain}", "name": "Ada Admin", "role": "admin", "units": [f"{p}dg"]},
            {
                "email": f"executive@{domain}",
                "name": "Eve Exec",
                "role": "executive",
                "units": [f"{p}dg"],
            },
            {
                "email": f"executive2@{domain}",
                "name": "Ed Exec",
                "role": "executive",
                "units": [f"{p}dg"],
            },
            {
                "email": f"lead@{domain}",
                "name": "Leo Lead",
                "role": "lead",
                "units": [f"{p}produit"],
            },
            {
                "email": f"lead-ventes@{domain}",
                "name": "Sam Sales",
                "role": "lead",
                "units": [f"{p}ventes"],
            },
            {
                "email": f"contributor@{domain}",
                "name": "Cleo Contrib",
                "role": "contributor",
                "units": [f"{p}equipe-app"],
            },
            {"email": f"viewer@{domain}", "name": "Vic Viewer", "role": "viewer", "units": []},
        ],
        "cycles": [
            {"key": f"{p}q", "start": "2027-01-01", "end": "2027-06-30"},
            {"key": f"{p}cycle-vide", "start": "2027-07-01", "end": "2027-09-30"},
        ],
        "objectives": [
            {
                "key": f"{p}strat",
                "level": "strategic",
                "cycle": f"{p}q",
                "unit": f"{p}dg",
                "owner": f"executive@{domain}",
                "title": "Grow",
                "progress_from": "both",
                "key_results": [
                    {
                        "key": f"{p}strat-kr",
                        "title": "Revenue",
                        "baseline": 0,
                        "target": 100,
                        "check_ins": [{"date": "2027-03-25", "value": 40, "confidence": 7}],
                    }
                ],
            },
            {
                "key": f"{p}tact",
                "level": "tactical",
                "cycle": f"{p}q",
                "unit": f"{p}produit",
                "owner": f"lead@{domain}",
                "title": "Ship a better app",
                "status": "approved",
                "aligns_to": [{"objective": f"{p}strat", "weight": 1}],
                "key_results": [
                    {
                        "key": f"{p}tact-kr",
                        "title": "Rating",
                        "baseline": 10,
                        "target": 20,
                        "owner": f"contributor@{domain}",
                        "check_ins": [{"date": "2027-03-28", "value": 15, "confidence": 6}],
                    }
                ],
            },
            {
                "key": f"{p}submitted-obj",
                "level": "tactical",
                "cycle": f"{p}q",
                "unit": f"{p}produit",
                "owner": f"lead@{domain}",
                "title": "Waiting for validation",
                "status": "submitted",
                "aligns_to": [{"objective": f"{p}strat"}],
                "key_results": [
                    {"key": f"{p}submitted-kr", "title": "Something", "baseline": 1, "target": 2}
                ],
            },
            {
                "key": f"{p}draft-obj",
                "level": "tactical",
                "cycle": f"{p}q",
                "unit": f"{p}produit",
                "owner": f"lead@{domain}",
                "title": "A draft",
                "status": "draft",
                "key_results": [
                    {"key": f"{p}draft-kr", "title": "Else", "baseline": 1, "target": 2}
                ],
            },
            {
                "key": f"{p}sales-obj",
                "level": "tactical",
                "cycle": f"{p}q",
                "unit": f"{p}ventes",
                "owner": f"lead-ventes@{domain}",
                "title": "Sell",
                "status": "approved",
                "key_results": [
                    {"key": f"{p}sales-kr", "title": "Deals", "baseline": 0, "target": 10}
                ],
            },
        ],
        "initiatives": [
            {
                "key": f"{p}ini1",
                "title": "Faster login",
                "unit": f"{p}produit",
                "status": "planned",
                "effort": 4,
                "confidence": 0.5,
                "impacts": [{"key_result": f"{p}tact-kr", "expected": 2}],
            },
        ],
    }


@dataclass
class World:
    tokens: dict[tuple[str, str], str]  # (org, role) -> secret
    ids: dict[tuple[str, str], int]  # (org, "held" | "feedback" | "webhook") -> primary key


def add_sources_and_feedback(org, p: str) -> dict[str, int]:
    """Each organisation gets a pulled source, a pushed one, a held value, feedback, a webhook."""
    from django.utils import timezone

    from pilote.goals.models import CheckIn, KeyResult, Objective
    from pilote.notify.actions import create_webhook
    from pilote.orgs.access import Actor
    from pilote.sources.actions import create_source
    from pilote.sources.feedback import record_feedback
    from pilote.sources.models import HeldReading

    system = Actor.system(org)
    pulled = create_source(
        system,
        {
            "key": f"{p}src",
            "name": "Store rating export",
            "kind": "csv",
            "key_result": f"{p}tact-kr",
            "params": {"location": "https://exports.example/ratings.csv", "column": "rating"},
        },
    )
    create_source(
        system,
        {
            "key": f"{p}hook",
            "name": "Pushed rating",
            "kind": "webhook",
            "key_result": f"{p}tact-kr",
            "params": {"path": "value"},
        },
    )
    held = HeldReading.objects.create(
        organization=org,
        source=pulled,
        key_result=KeyResult.objects.get(organization=org, key=f"{p}tact-kr"),
        value=18,
        raw_value="18",
        fetched_at=timezone.now(),
        effective=timezone.localdate(),
        reason="change 8 is beyond 2",
    )
    (item,) = record_feedback(
        system, [{"channel": "App Store", "text": f"{org.name} app is slow", "rating": 2}]
    )
    hook = create_webhook(system, {"name": "chat", "url": "https://chat.example/hook"})
    check_in = CheckIn.objects.get(key_result__organization=org, key_result__key=f"{p}tact-kr")
    # A grade proposed by the lead, for an executive to confirm or dismiss.
    for model, key in ((Objective, f"{p}draft-obj"), (KeyResult, f"{p}draft-kr")):
        model.objects.filter(organization=org, key=key).update(
            grade_proposal=0.6, grade_proposal_reason="late data"
        )
    from pilote.conversations.actions import post_comment
    from pilote.orgs.access import actor_for
    from pilote.orgs.models import User

    lead = actor_for(User.objects.get(email=f"lead@{org.name.lower()}.example"), org)
    comment = post_comment(lead, Objective.objects.get(organization=org, key=f"{p}tact"), "Noted")
    from pilote.orgs.accounts import invite

    # Someone the lead invited into their unit, who has not answered yet.
    invitation = invite(
        lead, f"invited@{org.name.lower()}.example", "Ines", "viewer", [f"{p}produit"]
    )
    return {"held": held.pk, "feedback": item.pk, "webhook": hook.pk, "check_in": check_in.pk,
            "comment": comment.pk, "invitation": invitation.pk}  # fmt: skip


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker) -> World:
    from pilote.interchange.importer import import_data
    from pilote.orgs.access import Actor
    from pilote.orgs.actions import create_token
    from pilote.orgs.models import Organization, User

    tokens = {}
    ids = {}
    with django_db_blocker.unblock():
        for doc, org_name, domain in (
            (acme_document(), "Acme", "acme.example"),
            (acme_document("g-", "Globex", "globex.example"), "Globex", "globex.example"),
        ):
            import_data(doc)
            org = Organization.objects.get(name=org_name)
            for role in (*ROLES, "executive2"):
                user = User.objects.get(email=f"{role}@{domain}")
                _, secret = create_token(Actor.system(org), user, f"tests {role}")
                tokens[(org_name, role)] = secret
            prefix = "g-" if org_name == "Globex" else ""
            for name, pk in add_sources_and_feedback(org, prefix).items():
                ids[(org_name, name)] = pk
    return World(tokens, ids)


class Multipart(dict):
    """A request body sent as multipart/form-data (a file upload: ``name=(filename, bytes)``)."""


class Api:
    """A JSON client for /api/v1 acting with one token."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def call(self, method: str, path: str, body: Any = None, headers: dict | None = None):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        fn = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"headers": h}
        if isinstance(body, Multipart):
            from django.core.files.uploadedfile import SimpleUploadedFile

            kwargs["data"] = {
                k: SimpleUploadedFile(*v) if isinstance(v, tuple) else v for k, v in body.items()
            }
        elif body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return fn(f"/api/v1{path}", **kwargs)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body if body is not None else {}, **kw)

    def patch(self, path, body, **kw):
        return self.call("PATCH", path, body, **kw)

    def put(self, path, body, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api(world, db):
    """api("lead") acts as Acme's lead; api("viewer", "Globex") as Globex's viewer."""

    def make(role: str, org: str = "Acme") -> Api:
        return Api(world.tokens[(org, role)])

    return make


def signed_in(email: str, language: str = "fr"):
    """A browser (Django's test client) signed in as this person, reading this language."""
    from django.test import Client

    from pilote.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    client.cookies["django_language"] = language
    return client


@pytest.fixture(autouse=True)
def _strategy_openings_forgotten():
    """Each process remembers whom it has kept opening the strategy (goals/reach.py); a test's
    database is rolled back after it, so the memory goes too."""
    from pilote.goals import reach

    reach._SEEN.clear()
    reach._FIGURES.clear()
    yield
    reach._SEEN.clear()
    reach._FIGURES.clear()


@pytest.fixture(autouse=True)
def _alerts_at_once(settings):
    """At-risk alerts are checked as soon as a worker runs (tests/notify sets the debounce)."""
    settings.PILOTE_ALERT_DEBOUNCE_SECONDS = 0


@pytest.fixture
def mail(settings):
    """A real SMTP server on loopback (aiosmtpd) that Pilote sends to: the messages it got."""
    from tests.loopback import smtp_sink

    with smtp_sink() as (port, messages):
        settings.EMAIL_ENABLED = True
        # pytest-django swaps in the in-memory backend; these tests go through real SMTP.
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield messages
