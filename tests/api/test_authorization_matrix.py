"""Every API route x every role x own or other organisation.

Own organisation: the roles listed may act (2xx), the others get 403.
Other organisation: every object route answers 404 and leaks nothing.
A test also checks that this table names every route of the OpenAPI document.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROLES, Multipart

ALL = set(ROLES)
ADMIN = {"admin"}
EXECS = {"admin", "executive"}
ONLY_EXECUTIVE = {"executive"}
WRITERS = {"admin", "executive", "lead"}  # lead of the Product unit, where the objects below live
CHECKERS = WRITERS | {"contributor"}
STAR = {"If-Match": "*"}

# (method, path, body, headers, roles allowed). "{p}" is the key prefix: "" for Acme, "g-" for Globex.
ROUTES = [
    ("GET", "/me", None, None, ALL),
    ("GET", "/check", None, None, ADMIN),
    ("GET", "/units", None, None, ALL),
    ("POST", "/units", {"key": "new-unit", "name": "New"}, None, ADMIN),
    ("GET", "/units/{p}dg", None, None, ALL),
    ("PATCH", "/units/{p}ventes", {"name": "Sales EMEA"}, STAR, ADMIN),
    ("DELETE", "/units/{p}vide", None, None, ADMIN),
    ("GET", "/people", None, None, ALL),
    ("POST", "/people", {"email": "new@acme.example", "role": "viewer"}, None, ADMIN),
    ("GET", "/people/lead@{d}", None, None, ALL),
    ("PATCH", "/people/viewer@{d}", {"role": "contributor"}, STAR, ADMIN),
    ("DELETE", "/people/executive2@{d}", None, None, ADMIN),
    ("GET", "/invitations", None, None, {"admin", "lead"}),
    (
        "POST",
        "/invitations",
        {"email": "new@invited.example", "role": "viewer", "units": ["{p}produit"]},
        None,
        {"admin", "lead"},
    ),
    ("POST", "/invitations/{invitation}/resend", None, None, {"admin", "lead"}),
    ("DELETE", "/invitations/{invitation}", None, None, {"admin", "lead"}),
    ("GET", "/tokens", None, None, ALL),
    ("POST", "/tokens", {"name": "ci"}, None, ALL),
    ("DELETE", "/tokens/{own_token}", None, None, ALL),
    ("GET", "/audit", None, None, ALL),
    ("GET", "/vision", None, None, ALL),
    ("PUT", "/vision", {"statement": "A new vision"}, None, EXECS),
    ("GET", "/vision/history", None, None, ALL),
    ("GET", "/cycles", None, None, ALL),
    ("POST", "/cycles", {"key": "q3", "start": "2027-07-01", "end": "2027-09-30"}, None, ADMIN),
    ("GET", "/cycles/{p}q", None, None, ALL),
    ("PATCH", "/cycles/{p}q", {"name": "H1"}, STAR, ADMIN),
    ("DELETE", "/cycles/{p}cycle-vide", None, None, ADMIN),
    ("POST", "/cycles/{p}q/close", {"retrospective": "ok"}, None, EXECS),
    ("GET", "/cycles/{p}q/tree", None, None, ALL),
    ("POST", "/cycles/{p}q/what-if", {"key_results": {"{p}tact-kr": 16}}, None, ALL),
    ("GET", "/objectives/{p}tact/coach", None, None, ALL),
    ("GET", "/cycles/{p}q/reach", None, None, EXECS),
    ("GET", "/units/{p}produit/calibration", None, None, ALL),
    ("GET", "/cycles/{p}q/retrospective", None, None, ALL),
    (
        "POST",
        "/cycles/{p}q/import",
        Multipart(
            file=("okr.csv", b"Objective,Key result,Target\nMatrix,Sales,10\n"), dry_run="true"
        ),
        None,
        WRITERS,
    ),
    ("GET", "/cycles/{p}q/export", None, None, ALL),
    ("GET", "/objectives", None, None, ALL),
    (
        "POST",
        "/objectives",
        {"key": "new-tact", "title": "T", "level": "tactical", "cycle": "q", "unit": "produit"},
        None,
        WRITERS,
    ),
    ("GET", "/objectives/{p}tact", None, None, ALL),
    ("PATCH", "/objectives/{p}tact", {"title": "Ship a much better app"}, STAR, WRITERS),
    ("DELETE", "/objectives/{p}draft-obj", None, None, WRITERS),
    ("POST", "/objectives/{p}draft-obj/submit", {}, None, WRITERS),
    ("POST", "/objectives/{p}submitted-obj/approve", {}, None, ONLY_EXECUTIVE),
    (
        "POST",
        "/objectives/{p}submitted-obj/request-changes",
        {"comment": "Sharper KRs"},
        None,
        ONLY_EXECUTIVE,
    ),
    ("POST", "/objectives/{p}submitted-obj/back-to-draft", {}, None, WRITERS),
    ("POST", "/objectives/{p}tact/grade", {"grade": 0.6, "reason": "late data"}, None, WRITERS),
    ("POST", "/objectives/{p}draft-obj/grade/confirm", None, None, EXECS),
    ("POST", "/objectives/{p}draft-obj/grade/dismiss", None, None, EXECS),
    ("POST", "/objectives/{p}tact/decision", {"decision": "keep"}, None, WRITERS),
    ("POST", "/cycles/{p}q/carry-over", {"to": "{p}cycle-vide"}, None, WRITERS),
    ("GET", "/objectives/{p}tact/explain", None, None, ALL),
    ("GET", "/key-results", None, None, ALL),
    (
        "POST",
        "/objectives/{p}tact/key-results",
        {"key": "new-kr", "title": "K", "baseline": 0, "target": 1},
        None,
        WRITERS,
    ),
    ("GET", "/key-results/{p}tact-kr", None, None, ALL),
    ("PATCH", "/key-results/{p}tact-kr", {"title": "Store rating"}, STAR, WRITERS),
    ("DELETE", "/key-results/{p}tact-kr", None, None, WRITERS),
    ("POST", "/key-results/{p}tact-kr/grade", {"grade": 0.5, "reason": "partial"}, None, WRITERS),
    ("POST", "/key-results/{p}draft-kr/grade/confirm", None, None, EXECS),
    ("POST", "/key-results/{p}draft-kr/grade/dismiss", None, None, EXECS),
    ("GET", "/key-results/{p}tact-kr/explain", None, None, ALL),
    ("GET", "/key-results/{p}tact-kr/check-ins", None, None, ALL),
    (
        "POST",
        "/key-results/{p}tact-kr/check-ins",
        {"value": 16, "confidence": 7, "date": "2027-04-01"},
        None,
        CHECKERS,
    ),
    (
        "POST",
        "/check-ins/bulk",
        {"check_ins": [{"key_result": "{p}tact-kr", "value": 17, "date": "2027-04-02"}]},
        None,
        CHECKERS,
    ),
    ("POST", "/check-ins/{check_in}/correct", {"value": 14, "reason": "typo"}, None, CHECKERS),
    ("POST", "/check-ins/{check_in}/withdraw", {"reason": "wrong KR"}, None, CHECKERS),
    ("GET", "/initiatives", None, None, ALL),
    ("POST", "/initiatives", {"key": "new-ini", "title": "I", "unit": "produit"}, None, WRITERS),
    ("GET", "/initiatives/{p}ini1", None, None, ALL),
    ("PATCH", "/initiatives/{p}ini1", {"status": "in_progress"}, STAR, WRITERS),
    ("DELETE", "/initiatives/{p}ini1", None, None, WRITERS),
    ("GET", "/initiatives/{p}ini1/explain", None, None, ALL),
    ("GET", "/initiatives/{p}ini1/review", None, None, ALL),
    ("GET", "/roadmap", None, None, ALL),
    ("GET", "/roadmap/unaligned", None, None, ALL),
    ("GET", "/roadmap/uncovered", None, None, ALL),
    ("GET", "/roadmap/by-objective", None, None, ALL),
    ("GET", "/roadmap/ledger", None, None, ALL),
    ("GET", "/sources", None, None, ALL),
    (
        "POST",
        "/sources",
        {
            "key": "new-src",
            "name": "N",
            "kind": "webhook",
            "key_result": "{p}tact-kr",
            "params": {"path": "value"},
        },
        None,
        WRITERS,
    ),
    ("GET", "/sources/{p}src", None, None, ALL),
    ("PATCH", "/sources/{p}src", {"name": "Renamed"}, STAR, WRITERS),
    ("DELETE", "/sources/{p}hook", None, None, WRITERS),
    ("POST", "/sources/{p}src/sync", None, None, WRITERS),
    ("POST", "/sources/{p}hook/rotate-secret", None, None, WRITERS),
    ("GET", "/sources/{p}src/runs", None, None, ALL),
    ("GET", "/held-readings", None, None, ALL),
    ("POST", "/held-readings/{held}/confirm", None, None, CHECKERS),
    ("POST", "/held-readings/{held}/reject", None, None, CHECKERS),
    ("GET", "/feedback", None, None, ALL),
    ("POST", "/feedback", {"items": [{"channel": "App Store", "rating": 4}]}, None, CHECKERS),
    ("GET", "/feedback/metrics", None, None, ALL),
    ("GET", "/feedback/{feedback}", None, None, ALL),
    ("PUT", "/feedback/{feedback}/links", {"objectives": ["{p}tact"]}, None, WRITERS),
    ("GET", "/notifications", None, None, ALL),
    ("POST", "/notifications/read", {}, None, ALL),
    ("GET", "/notifications/preferences", None, None, ALL),
    ("PUT", "/notifications/preferences", {"digest": {"email": False}}, None, ALL),
    ("GET", "/webhooks", None, None, ADMIN),
    ("POST", "/webhooks", {"name": "n", "url": "https://chat.example/x"}, None, ADMIN),
    ("DELETE", "/webhooks/{webhook}", None, None, ADMIN),
    ("GET", "/objectives/{p}tact/comments", None, None, ALL),
    ("POST", "/objectives/{p}tact/comments", {"body": "Hello"}, None, CHECKERS),
    ("GET", "/key-results/{p}tact-kr/comments", None, None, ALL),
    ("POST", "/key-results/{p}tact-kr/comments", {"body": "Hello"}, None, CHECKERS),
    ("GET", "/initiatives/{p}ini1/comments", None, None, ALL),
    ("POST", "/initiatives/{p}ini1/comments", {"body": "Hello"}, None, CHECKERS),
    ("PATCH", "/comments/{comment}", {"body": "Edited"}, None, {"lead"}),  # its author
    ("DELETE", "/comments/{comment}", None, None, {"lead", "admin"}),
]
# Signed, not authenticated: the inbound webhook answers to its HMAC signature alone
# (tests/sources/test_webhooks.py proves a missing or wrong signature is refused).
SIGNED_ROUTES = {("POST", "/hooks/{}")}
ID_PLACEHOLDERS = ("held", "feedback", "webhook", "check_in", "comment", "invitation")


def _fill(value, prefix: str, domain: str, own_token: str, ids: dict | None = None):
    if isinstance(value, str):
        value = value.replace("{p}", prefix).replace("{d}", domain)
        for name, pk in (ids or {}).items():
            value = value.replace("{" + name + "}", str(pk))
        return value.replace("{own_token}", own_token)
    if isinstance(value, list):
        return [_fill(v, prefix, domain, own_token, ids) for v in value]
    if isinstance(value, dict):
        filled = {
            _fill(k, prefix, domain, own_token, ids): _fill(v, prefix, domain, own_token, ids)
            for k, v in value.items()
        }
        return Multipart(filled) if isinstance(value, Multipart) else filled
    return value


def _ids(world, org: str) -> dict:
    return {name: world.ids[(org, name)] for name in ID_PLACEHOLDERS}


def _prefix(token: str) -> str:
    return token.split("_")[1]


CASES = [
    (m, path, body, h, allowed, role) for (m, path, body, h, allowed) in ROUTES for role in ROLES
]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "allowed", "role"),
    CASES,
    ids=[f"{c[0]} {c[1]} as {c[5]}" for c in CASES],
)
def test_a_role_may_act_in_its_organisation_only_where_the_rules_allow(
    api, world, method, path, body, headers, allowed, role
):
    client = api(role)
    own = _prefix(world.tokens[("Acme", role)])
    ids = _ids(world, "Acme")
    response = client.call(
        method,
        _fill(path, "", "acme.example", own, ids),
        _fill(body, "", "acme.example", own, ids),
        headers,
    )
    if role in allowed:
        assert 200 <= response.status_code < 300, response.content
    else:
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"


OBJECT_ROUTES = [r for r in ROUTES if "{" in r[1]]
OTHER = [(m, path, body, h, role) for (m, path, body, h, _) in OBJECT_ROUTES for role in ROLES]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "role"),
    OTHER,
    ids=[f"{c[0]} {c[1]} as {c[4]}" for c in OTHER],
)
def test_another_organisations_objects_answer_404_and_leak_nothing(
    api, world, method, path, body, headers, role
):
    client = api(role)
    other_token = _prefix(world.tokens[("Globex", role)])
    ids = _ids(world, "Globex")
    url = _fill(path, "g-", "globex.example", other_token, ids)
    response = client.call(
        method, url, _fill(body, "g-", "globex.example", other_token, ids), headers
    )
    assert response.status_code == 404, (url, response.content)
    # Nothing but what the client itself sent may name the other organisation.
    body = response.content.decode()
    for sent in url.split("/"):
        body = body.replace(sent, "")
    assert "globex" not in body.lower()
    for secret in ("Grow", "Ship a better app", "Faster login", "Leo Lead", "Management"):
        assert secret not in body


def test_lists_show_nothing_of_another_organisation(api):
    client = api("admin")
    for path in (
        "/roadmap",
        "/roadmap/unaligned",
        "/roadmap/uncovered",
        "/roadmap/by-objective",
        "/roadmap/ledger",
        "/units",
        "/people",
        "/objectives",
        "/key-results",
        "/initiatives",
        "/audit?limit=1000",
        "/cycles",
        "/tokens",
        "/vision/history",
        "/cycles/q/tree",
        "/sources",
        "/held-readings",
        "/feedback",
        "/feedback/metrics",
        "/webhooks",
    ):
        body = client.get(path).content
        assert b"g-" not in body and b"globex" not in body.lower(), path


def test_every_route_of_the_openapi_document_is_in_the_matrix(api):
    schema = api("viewer").get("/openapi.json").json()
    documented = {
        (m.upper(), re.sub(r"\{[^}]+\}", "{}", p.removeprefix("/api/v1")))
        for p, ops in schema["paths"].items()
        for m in ops
    }
    covered = {(m, re.sub(r"[^/]*\{[^}]*\}[^/]*", "{}", p)) for m, p, *_ in ROUTES}
    assert documented - covered - SIGNED_ROUTES == set()


def test_a_contributor_checks_in_only_on_key_results_of_their_unit_or_their_own(api):
    contributor = api("contributor")
    assert contributor.post("/key-results/sales-kr/check-ins", {"value": 1}).status_code == 403
    assert contributor.post("/key-results/tact-kr/check-ins", {"value": 12}).status_code == 201


def test_a_lead_writes_only_the_tactical_objectives_of_their_own_unit(api):
    lead = api("lead")
    body = {"key": "x", "title": "X", "level": "tactical", "cycle": "q", "unit": "ventes"}
    assert lead.post("/objectives", body).status_code == 403
    assert (
        lead.post("/objectives", {**body, "unit": "equipe-app"}).status_code == 201
    )  # a team below their unit
    assert (
        lead.post(
            "/objectives", {**body, "key": "y", "level": "strategic", "unit": "produit"}
        ).status_code
        == 403
    )
    assert (
        lead.patch("/objectives/sales-obj", {"title": "Mine now"}, headers=STAR).status_code == 403
    )


def test_a_lead_cannot_move_an_objective_out_of_their_reach(api):
    lead = api("lead")
    response = lead.patch("/objectives/tact", {"unit": "ventes"}, headers=STAR)
    assert response.status_code == 403
    assert api("viewer").get("/objectives/tact").json()["unit"] == "produit"


def test_no_token_or_a_bad_token_is_401(api):
    from tests.conftest import Api

    assert Api(None).get("/objectives").status_code == 401
    response = Api("plt_deadbeef_nope").get("/objectives")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
