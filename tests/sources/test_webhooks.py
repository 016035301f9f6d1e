"""Pushing values: signed webhooks mapped with JMESPath, and narrow API tokens."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pilote.goals.models import CheckIn
from pilote.orgs.access import Actor
from pilote.orgs.actions import create_token
from pilote.orgs.models import Organization, Unit, User
from pilote.sources.actions import create_source, signature_of
from pilote.sources.models import DataSource, FeedbackItem, SyncRun
from tests.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(world):
    return Organization.objects.get(name="Acme")


def push(source: DataSource, body: bytes, signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        signature = signature_of(source.webhook_secret, body)
    if signature:
        headers["X-Pilote-Signature"] = signature
    return Client().post(
        f"/api/v1/hooks/{source.hook_id}", body, content_type="application/json", headers=headers
    )


def hook(acme, **params):
    return create_source(
        Actor.system(acme),
        {"key": "pushed", "name": "Pushed", "kind": "webhook", "key_result": "tact-kr",
         "params": {"path": "metrics[?name=='rating'].value | [0]", **params}},
    )  # fmt: skip


def count():
    return CheckIn.objects.filter(key_result__key="tact-kr", organization__name="Acme").count()


def test_a_signed_body_is_mapped_with_its_path_and_recorded_with_its_date(acme):
    source = hook(acme, date_path="at")
    body = json.dumps(
        {"at": "2027-04-02T10:00:00Z", "metrics": [{"name": "rating", "value": 16.5}]}
    ).encode()
    response = push(source, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"outcome": "applied", "value": 16.5, "recorded": None}
    ci = CheckIn.objects.filter(source="source:pushed").get()
    assert str(ci.effective) == "2027-04-02" and ci.raw_value == "16.5"


@pytest.mark.parametrize(
    ("body", "signature", "status", "words"),
    [
        (b'{"metrics": []}', None, 403, "bad or missing signature"),
        (b'{"metrics": []}', "sha256=00", 403, "bad or missing signature"),
        (b"not json", "sign", 422, "must be a JSON document"),
        (b'{"metrics": []}', "sign", 422, "found nothing"),
        (b'{"metrics": [{"name": "rating", "value": "high"}]}', "sign", 422, "not a number"),
    ],
    ids=["unsigned", "wrong-signature", "not-json", "wrong-schema", "non-numeric"],
)
def test_a_bad_push_is_refused_with_a_clear_error_and_records_nothing(
    acme, body, signature, status, words
):
    source = hook(acme)
    before = count()
    response = push(source, body, signature)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert words in response.content.decode()
    assert count() == before
    if status == 422 and words != "must be a JSON document":
        source.refresh_from_db()
        assert words in source.last_error
        assert SyncRun.objects.filter(source=source, outcome="failed").exists()


def test_an_unknown_or_pulled_source_has_no_webhook(acme):
    assert (
        Client().post("/api/v1/hooks/nope", b"{}", content_type="application/json").status_code
        == 404
    )
    pulled = DataSource.objects.get(key="src")
    assert push(pulled, b"{}").status_code == 404


def test_feedback_can_be_pushed_to_a_feedback_inbox(acme):
    inbox = create_source(
        Actor.system(acme),
        {"key": "reviews", "name": "Store reviews", "kind": "feedback_inbox",
         "params": {"items": "reviews", "channel": "App Store"}},
    )  # fmt: skip
    body = json.dumps({"reviews": [
        {"text": "Great", "rating": 5, "external_id": "r1"},
        {"text": "Slow login", "rating": 2, "tags": ["login"], "external_id": "r2"},
    ]}).encode()  # fmt: skip
    response = push(inbox, body)
    assert response.json()["recorded"] == 2
    assert push(inbox, body).json()["recorded"] == 0  # the same reviews again: skipped
    bad = json.dumps({"reviews": [{"text": "x", "rating": 9}]}).encode()
    response = push(inbox, bad)
    assert response.status_code == 422 and "items[0].rating" in response.content.decode()
    assert (
        FeedbackItem.objects.filter(organization=acme, channel="App Store").count() == 2 + 1
    )  # + world's


def test_a_token_narrowed_to_a_key_result_records_check_ins_there_and_nothing_else(acme):
    from pilote.goals.models import KeyResult

    lead = User.objects.get(email="lead@acme.example")
    kr = KeyResult.objects.get(organization=acme, key="tact-kr")
    _, secret = create_token(Actor.system(acme), lead, "pipeline", key_result=kr)
    client = Api(secret)
    assert client.post("/key-results/tact-kr/check-ins", {"value": 16}).status_code == 201
    bulk = {"check_ins": [{"key_result": "tact-kr", "value": 16.5}]}
    assert client.post("/check-ins/bulk", bulk).status_code in (200, 201)
    refused = client.post("/key-results/submitted-kr/check-ins", {"value": 1.5})
    assert refused.status_code == 403 and "within its scope" in refused.content.decode()
    for method, path in (
        ("GET", "/objectives"),
        ("GET", "/key-results/tact-kr"),
        ("POST", "/tokens"),
    ):
        response = client.call(method, path, {"name": "x"} if method == "POST" else None)
        assert response.status_code == 403, path
        assert "narrowed to recording check-ins" in response.content.decode()


def test_a_token_narrowed_to_a_unit_reaches_its_units_and_the_ones_below_only(acme):
    admin = User.objects.get(email="admin@acme.example")
    _, secret = create_token(
        Actor.system(acme),
        admin,
        "product feed",
        unit=Unit.objects.get(organization=acme, key="produit"),
    )
    client = Api(secret)
    assert client.post("/key-results/tact-kr/check-ins", {"value": 16}).status_code == 201
    assert client.post("/key-results/sales-kr/check-ins", {"value": 3}).status_code == 403


def test_a_narrow_token_is_made_through_the_api_and_shows_its_scope(api):
    response = api("lead").post("/tokens", {"name": "feed", "key_result": "tact-kr"})
    assert response.status_code == 201 and response.json()["key_result"] == "tact-kr"
    response = api("lead").post("/tokens", {"name": "feed", "key_result": "g-tact-kr"})
    assert response.status_code == 404
    both = api("lead").post("/tokens", {"name": "feed", "key_result": "tact-kr", "unit": "produit"})
    assert both.status_code == 422 and "not both" in both.content.decode()
