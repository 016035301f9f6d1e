"""A confidence under 4 asks for a next step (PRODUCT.md "Confidence"; pilote/okr/checkin.py),
through the API, in bulk, and not for an import's history."""

from __future__ import annotations

from pilote.goals.models import CheckIn


def test_a_low_confidence_check_in_needs_a_next_step(api):
    c = api("contributor")
    r = c.post(
        "/key-results/tact-kr/check-ins", {"value": 16, "confidence": 3, "date": "2027-04-01"}
    )
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["next_step"]
    assert not CheckIn.objects.filter(key_result__key="tact-kr", value=16).exists()
    r = c.post(
        "/key-results/tact-kr/check-ins",
        {
            "value": 16,
            "confidence": 3,
            "date": "2027-04-01",
            "next_step": "Pair with the store team",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["check_in"]["next_step"] == "Pair with the store team"
    history = c.get("/key-results/tact-kr/check-ins").json()["items"]
    assert any(h["next_step"] == "Pair with the store team" for h in history)
    # 4 and above, or no confidence at all: no next step asked.
    assert (
        c.post("/key-results/tact-kr/check-ins", {"value": 17, "confidence": 4}).status_code == 201
    )
    assert c.post("/key-results/tact-kr/check-ins", {"value": 17}).status_code == 201


def test_bulk_check_ins_name_the_item_without_a_next_step_and_record_none(api):
    r = api("contributor").post(
        "/check-ins/bulk",
        {"check_ins": [
            {"key_result": "tact-kr", "value": 16, "confidence": 8},
            {"key_result": "tact-kr", "value": 17, "confidence": 1},
        ]},
    )  # fmt: skip
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["check_ins[1].next_step"]
    assert not CheckIn.objects.filter(key_result__key="tact-kr", value__in=(16, 17)).exists()


def test_an_import_brings_back_low_confidence_history_and_the_next_steps(api, db):
    from pilote.interchange.exporter import build
    from pilote.interchange.importer import import_data
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization

    api("contributor").post(
        "/key-results/tact-kr/check-ins",
        {"value": 12, "confidence": 2, "date": "2027-04-02", "next_step": "Call the vendor"},
    )
    doc = build(Actor.system(Organization.objects.get(name="Acme")))
    (kr,) = [k for o in doc["objectives"] for k in o["key_results"] if k["key"] == "tact-kr"]
    assert {"date": "2027-04-02", "value": 12, "confidence": 2, "next_step": "Call the vendor"}.items() <= {
        **kr["check_ins"][-1], "date": str(kr["check_ins"][-1]["date"])}.items()  # fmt: skip
    kr["check_ins"].append({"date": "2027-04-03", "value": 11, "confidence": 1})  # no next step
    report = import_data(doc)
    assert report.counts["check-ins"] == 1  # the new one only; history as it was
    assert CheckIn.objects.filter(key_result__key="tact-kr", value=11, next_step="").exists()
