"""Input edges the fuzzer found, each a clear 4xx and nothing written (a 500 before)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pilote.goals.models import Objective
from pilote.orgs.actions import validate_key
from pilote.orgs.models import ApiToken

pytestmark = pytest.mark.django_db


def test_nul_characters_are_refused_in_paths_queries_and_bodies(api):
    admin = api("admin")
    assert admin.get("/objectives/a%00b").status_code == 404
    r = admin.get("/feedback?q=x%00y")
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "query"
    r = admin.post("/objectives", {"key": "nul", "title": "A\u0000B", "level": "strategic",
                                   "cycle": "q", "unit": "dg"})  # fmt: skip
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert not Objective.objects.filter(key="nul").exists()


def test_text_longer_than_its_column_is_a_clear_error(api):
    r = api("admin").post("/tokens", {"name": "x" * 101})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "name"
    assert not ApiToken.objects.filter(name="x" * 101).exists()


def test_the_guard_under_every_entry_point_refuses_what_a_column_cannot_hold(world):
    from pilote.errors import Invalid
    from pilote.goals.actions import update_objective
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization

    actor = Actor.system(Organization.objects.get(name="Acme"))
    o = Objective.objects.get(organization=actor.organization, key="tact")
    with pytest.raises(Invalid) as exc:
        update_objective(actor, o, {"title": "t" * 301})
    assert exc.value.errors == [("title", "must be at most 300 characters")]
    o.refresh_from_db()
    assert o.title == "Ship a better app"


@pytest.mark.parametrize(
    ("query", "path"),
    [("as_of=0", "as_of"), ("as_of=20270101", "as_of"), ("as_of=9999-12-31", "as_of"),
     ("as_of=2027-02-30", "as_of"), ("as_of=1960-01-01", "as_of")],
)  # fmt: skip
def test_dates_are_written_yyyy_mm_dd_within_a_sane_range(api, query, path):
    r = api("viewer").get(f"/objectives?{query}")
    assert r.status_code == 422 and r.json()["errors"][0]["path"].endswith(path)


@pytest.mark.parametrize("value", [True, "16", "1e400", None])
def test_numbers_are_json_numbers_never_booleans_or_strings(api, value):
    r = api("lead").post("/key-results/tact-kr/check-ins", {"value": value})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "value"


def test_a_body_over_the_limit_is_a_413_problem(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = api("lead").post("/check-ins/bulk", {"check_ins": [
        {"key_result": "tact-kr", "value": 1, "comment": "x" * 2000}]})  # fmt: skip
    assert r.status_code == 413 and r["Content-Type"] == "application/problem+json"


def test_the_problem_answers_of_every_operation_are_in_the_openapi_document(api):
    schema = api("viewer").get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, op in item.items():
            assert {"401", "403", "404", "422"} <= set(op["responses"]), (method, path)


@given(st.text(alphabet="aZ09-_ é.", max_size=8))
def test_the_key_pattern_in_the_schema_is_the_key_rule(key):
    assert bool(re.fullmatch(_pattern(), key)) == (not validate_key(key) and bool(key))


def _pattern() -> str:
    from pydantic import TypeAdapter

    from pilote.api.schemas import Key

    return TypeAdapter(Key).json_schema()["pattern"]


def test_an_idempotency_key_is_one_to_two_hundred_characters(api):
    lead = api("lead")
    long = {"Idempotency-Key": "k" * 201}
    r = lead.post("/key-results/tact-kr/check-ins", {"value": 16}, headers=long)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "Idempotency-Key"
    r = lead.post("/check-ins/bulk", {"check_ins": [{"key_result": "tact-kr", "value": 16}]},
                  headers=long)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "Idempotency-Key"
