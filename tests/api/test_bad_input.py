"""Bad input on every writing route: a clear 4xx problem naming the field, never a 500, nothing written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pilote.orgs.models import AuditEntry
from tests.api.test_authorization_matrix import ROUTES, _fill
from tests.conftest import Multipart

# The JSON bodies (a file upload's bad input is tested with it: tests/interchange/test_sheets.py).
WRITES = [
    (m, p, b, h, allowed)
    for (m, p, b, h, allowed) in ROUTES
    if m in ("POST", "PATCH", "PUT") and b and not isinstance(b, Multipart)
]


def _role(allowed: set[str]) -> str:
    return "executive" if "executive" in allowed else "admin"


def _raw(world, role, method, path, data: str, headers=None):
    h = {"Authorization": f"Bearer {world.tokens[('Acme', role)]}", **(headers or {})}
    return getattr(Client(), method.lower())(
        f"/api/v1{path}", data=data, content_type="application/json", headers=h
    )


def _problem(response) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "allowed"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES]
)
def test_malformed_json_is_a_4xx_problem_and_writes_nothing(
    api, world, method, path, body, headers, allowed
):
    before = AuditEntry.objects.count()
    r = _raw(
        world, _role(allowed), method, _fill(path, "", "acme.example", ""), "{not json", headers
    )
    _problem(r)
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "allowed"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES]
)
def test_an_unknown_field_is_named(api, world, method, path, body, headers, allowed):
    before = AuditEntry.objects.count()
    payload = {**_fill(body, "", "acme.example", ""), "colour": "blue"}
    r = _raw(
        world,
        _role(allowed),
        method,
        _fill(path, "", "acme.example", ""),
        json.dumps(payload),
        headers,
    )
    problem = _problem(r)
    assert r.status_code == 422
    assert any(e["path"] == "colour" for e in problem["errors"]), problem
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "allowed"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES]
)
def test_every_field_of_the_wrong_type_is_named(api, world, method, path, body, headers, allowed):
    before = AuditEntry.objects.count()
    filled = _fill(body, "", "acme.example", "")
    wrong = {
        k: ({"nested": True} if not isinstance(v, (dict, list)) else "text")
        for k, v in filled.items()
    }
    r = _raw(
        world,
        _role(allowed),
        method,
        _fill(path, "", "acme.example", ""),
        json.dumps(wrong),
        headers,
    )
    problem = _problem(r)
    named = {e["path"].split(".")[0].split("[")[0] for e in problem.get("errors", [])}
    assert set(filled) <= named, problem
    assert AuditEntry.objects.count() == before


def test_the_body_must_be_an_object(api, world):
    r = _raw(world, "lead", "POST", "/key-results/tact-kr/check-ins", "[1, 2]")
    _problem(r)


RULE_ERRORS = [
    (
        "lead",
        "POST",
        "/objectives/tact/key-results",
        {"key": "k", "title": "K", "baseline": 5, "target": 5},
        "target",
        "must differ from baseline",
    ),
    (
        "lead",
        "POST",
        "/objectives/tact/key-results",
        {"key": "k", "title": "K", "kind": "increase", "baseline": 5, "target": 1},
        "target",
        "must be above baseline for an increase key result",
    ),
    ("lead", "POST", "/objectives/tact/key-results", {"key": "k", "title": "K"}, "kind", None),
    (
        "lead",
        "POST",
        "/objectives/tact/key-results",
        {"key": "k", "title": "K", "kind": "maintain"},
        "min",
        None,
    ),
    (
        "lead",
        "POST",
        "/objectives/tact/key-results",
        {"key": "k", "title": "K", "baseline": 0, "target": 1, "weight": 0},
        "weight",
        "must be greater than 0",
    ),
    (
        "lead",
        "POST",
        "/objectives/tact/key-results",
        {"key": "Not a slug!", "title": "K", "baseline": 0, "target": 1},
        "key",
        None,
    ),
    (
        "lead",
        "POST",
        "/objectives/tact/key-results",
        {"key": "k", "title": "K", "baseline": 0, "target": 1, "owner": "stranger@else.example"},
        "owner",
        None,
    ),
    (
        "lead",
        "POST",
        "/objectives/tact/key-results",
        {"key": "tact-kr", "title": "dup", "baseline": 0, "target": 1},
        "key",
        "already exists",
    ),
    (
        "lead",
        "POST",
        "/key-results/tact-kr/check-ins",
        {"value": 1, "confidence": 11},
        "confidence",
        None,
    ),
    (
        "lead",
        "POST",
        "/objectives",
        {"key": "o", "title": "O", "level": "tactical", "cycle": "nope", "unit": "produit"},
        "cycle",
        "unknown cycle 'nope'",
    ),
    (
        "lead",
        "POST",
        "/objectives",
        {
            "key": "o",
            "title": "O",
            "level": "tactical",
            "cycle": "q",
            "unit": "produit",
            "aligns_to": [{"objective": "ghost"}],
        },
        "aligns_to[0].objective",
        "unknown objective 'ghost'",
    ),
    (
        "lead",
        "POST",
        "/objectives",
        {
            "key": "o",
            "title": "O",
            "level": "tactical",
            "cycle": "q",
            "unit": "produit",
            "aligns_to": [{"objective": "strat", "weight": -1}],
        },
        "aligns_to[0].weight",
        None,
    ),
    (
        "lead",
        "POST",
        "/objectives",
        {
            "key": "o",
            "title": "O",
            "level": "tactical",
            "cycle": "q",
            "unit": "produit",
            "key_results": [
                {"key": "a", "title": "A", "baseline": 1, "target": 2},
                {"key": "b", "title": "B", "baseline": 3, "target": 3},
            ],
        },
        "key_results[1].target",
        "must differ from baseline",
    ),
    (
        "admin",
        "POST",
        "/cycles",
        {"key": "c", "start": "2027-05-01", "end": "2027-04-01"},
        "end",
        None,
    ),
    (
        "admin",
        "POST",
        "/cycles",
        {"key": "c", "start": "2026-05-01", "end": "2027-04-01", "parent": "q"},
        "parent",
        None,
    ),
    ("admin", "POST", "/units", {"key": "u", "name": "U", "parent": "ghost"}, "parent", None),
    ("admin", "POST", "/people", {"email": "not-an-email"}, "email", None),
    (
        "admin",
        "POST",
        "/people",
        {"email": "x@acme.example", "password": "short"},
        "password",
        None,
    ),
    (
        "admin",
        "POST",
        "/people",
        {"email": "x@acme.example", "units": ["produit", "ghost"]},
        "units[1]",
        None,
    ),
    (
        "lead",
        "POST",
        "/initiatives",
        {"key": "i", "title": "I", "unit": "produit", "confidence": 2},
        "confidence",
        None,
    ),
    (
        "lead",
        "POST",
        "/initiatives",
        {
            "key": "i",
            "title": "I",
            "unit": "produit",
            "impacts": [{"key_result": "ghost", "expected": 1}],
        },
        "impacts[0].key_result",
        None,
    ),
    ("executive", "PUT", "/vision", {"statement": "  "}, "statement", None),
    ("lead", "POST", "/objectives/tact/grade", {"grade": 0.5, "reason": ""}, "reason", None),
    ("lead", "POST", "/objectives/tact/grade", {"grade": 1.5, "reason": "x"}, "grade", None),
    ("lead", "GET", "/cycles/q/tree?as_of=yesterday", None, "query.as_of", None),
]


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "field", "message"),
    RULE_ERRORS,
    ids=[f"{r[1]} {r[2]} {r[4]}" for r in RULE_ERRORS],
)
def test_a_broken_rule_is_a_422_naming_the_field_and_writes_nothing(
    api, role, method, path, body, field, message
):
    before = AuditEntry.objects.count()
    r = api(role).call(method, path, body)
    problem = _problem(r)
    assert r.status_code in (409, 422)
    paths = {e["path"]: e["message"] for e in problem["errors"]}
    assert field in paths, problem
    if message:
        assert paths[field] == message
    assert AuditEntry.objects.count() == before


def test_an_objective_with_a_bad_key_result_is_not_created_at_all(api):
    r = api("lead").post(
        "/objectives",
        {
            "key": "o",
            "title": "O",
            "level": "tactical",
            "cycle": "q",
            "unit": "produit",
            "key_results": [
                {"key": "ok", "title": "A", "baseline": 1, "target": 2},
                {"key": "bad", "title": "B", "kind": "maintain"},
            ],
        },
    )
    assert r.status_code == 422
    assert api("viewer").get("/objectives/o").status_code == 404
    assert api("viewer").get("/key-results/ok").status_code == 404


def test_an_alignment_cycle_is_refused(api):
    r = api("executive").patch(
        "/objectives/strat", {"aligns_to": [{"objective": "tact"}]}, headers={"If-Match": "*"}
    )
    assert r.status_code == 422
    assert "cycle" in r.json()["errors"][0]["message"]


def test_deleting_a_unit_in_use_is_a_409(api):
    r = api("admin").delete("/units/produit")
    assert r.status_code == 409


def test_unknown_objects_are_404_problems(api):
    for path in (
        "/objectives/ghost",
        "/key-results/ghost",
        "/units/ghost",
        "/cycles/ghost",
        "/initiatives/ghost",
        "/people/ghost@acme.example",
        "/cycles/ghost/tree",
        "/key-results/ghost/explain",
    ):
        assert _problem(api("viewer").get(path))["status"] == 404


def test_problem_details_speak_the_language_the_client_asks_for(api):
    client = api("lead")
    body = {"key": "same", "title": "", "kind": "increase", "baseline": 1, "target": 1}
    english = client.post("/objectives/tact/key-results", body).json()
    french = client.post(
        "/objectives/tact/key-results", body, headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    )
    assert french["Content-Language"] == "fr"
    french = french.json()
    assert english["title"] == "Invalid input" and french["title"] == "Saisie invalide"
    assert [e["path"] for e in english["errors"]] == [e["path"] for e in french["errors"]]
    # Each translated message keeps its English, for programs that match on it.
    for en, fr in zip(english["errors"], french["errors"], strict=True):
        assert fr.get("english", fr["message"]) == en["message"]
        assert "english" not in en
    assert any(e["message"] != e.get("english", e["message"]) for e in french["errors"])
    contributor = api("contributor")
    missing = contributor.post(
        "/key-results/tact-kr/check-ins", {}, headers={"Accept-Language": "fr"}
    )
    assert missing.json()["errors"] == [
        {"path": "value", "message": "est obligatoire", "english": "is required"}
    ]
    # A language Pilote does not speak: English, as before.
    other = contributor.post(
        "/key-results/tact-kr/check-ins", {}, headers={"Accept-Language": "de"}
    )
    assert other["Content-Language"] == "en" and other.json()["title"] == "Invalid input"


def test_messages_built_with_values_are_worded_in_french_too(api):
    lead = api("lead")
    fr = {"Accept-Language": "fr"}
    r = lead.post("/objectives", {"key": "x-obj", "title": "X", "level": "tactical",
                                  "cycle": "q", "unit": "nowhere"}, headers=fr)  # fmt: skip
    assert r.status_code == 422
    by_path = {e["path"]: e for e in r.json()["errors"]}
    assert by_path["unit"]["message"] == "unité « nowhere » inconnu(e)"
    assert by_path["unit"]["english"] == "unknown unit 'nowhere'"
    assert by_path["unit"]["code"] == "unknown"
    assert by_path["unit"]["params"] == {"what": "unit", "ref": "nowhere"}
    r = lead.get("/cycles/q/tree?level=galactic", headers=fr)
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["message"] == "doit être l'une de ces valeurs : strategic, tactical"
    assert error["english"] == "must be one of strategic, tactical"
