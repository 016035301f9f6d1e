"""A cycle's retrospective through the API: hit rate per unit, grades, learnings, and the
impact ledger of the initiatives delivered during it (issue 14; rules: pilote/okr/grading.py
and pilote/okr/impact.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine


def _units(body: dict) -> dict:
    return {u["unit"]: u for u in body["units"]}


def test_a_closed_cycle_s_retrospective_counts_hits_per_unit_with_overrides(api):
    executive, lead = api("executive"), api("lead")
    lead.post("/objectives/tact/decision", {"decision": "keep", "learnt": "Ship smaller"})
    executive.post("/objectives/sales-obj/decision", {"decision": "drop", "what_did_not": "No"})
    executive.post("/cycles/q/close", {"retrospective": "A slow start"})
    body = api("viewer").get("/cycles/q/retrospective").json()
    assert body["closed"] is True and body["provisional"] is False
    assert body["retrospective"] == "A slow start" and body["as_of"] == "2026-12-01"
    grades = {g["objective"]: g for g in body["grades"]}
    # strat: its KR (40 of 100) and its child tact (0.5), weighted alike.
    assert grades["strat"]["grade"] == pytest.approx(0.45)
    assert grades["strat"]["color"] == "yellow"
    assert grades["tact"]["grade"] == pytest.approx(0.5) and grades["tact"]["color"] == "yellow"
    assert grades["tact"]["decision"] == "keep" and grades["tact"]["counted"] is True
    assert grades["draft-obj"]["counted"] is False  # a draft is in no roll-up
    assert (
        grades["sales-obj"]["workflow_status"] == "dropped" and not grades["sales-obj"]["counted"]
    )
    # Counted: the approved ones (strat, tact); none in the green.
    assert body["total"] == {"objectives": 2, "graded": 2, "hits": 0, "hit_rate": 0.0,
                             "mean_grade": pytest.approx(0.475)}  # fmt: skip
    units = _units(body)
    assert units["ventes"]["objectives"] == 0 and units["ventes"]["dropped"] == 1
    assert units["ventes"]["hit_rate"] is None  # nothing graded there: no rate, not 0
    assert units["produit"]["objectives"] == 1 and units["produit"]["hits"] == 0
    learnt = {entry["objective"]: entry for entry in body["learnings"]}
    assert learnt["tact"]["learnt"] == "Ship smaller" and learnt["sales-obj"]["decision"] == "drop"
    assert "strat" not in learnt  # nothing written: not a learning
    # An executive's override counts: tact is now a hit.
    executive.post("/objectives/tact/grade", {"grade": 0.8, "reason": "the store lagged"})
    body = api("viewer").get("/cycles/q/retrospective").json()
    assert body["total"]["hits"] == 1 and body["total"]["hit_rate"] == 0.5
    tact = next(g for g in body["grades"] if g["objective"] == "tact")
    assert tact["grade"] == 0.8 and tact["computed"] == pytest.approx(0.5)
    assert tact["color"] == "green"
    # One unit only.
    one = api("viewer").get("/cycles/q/retrospective?unit=produit").json()
    assert {g["unit"] for g in one["grades"]} == {"produit"} and len(one["units"]) == 1


def test_before_the_cycle_closes_the_grades_are_provisional_as_of_today(api):
    with time_machine.travel(datetime(2027, 4, 1, 9, tzinfo=UTC), tick=True):
        body = api("viewer").get("/cycles/q/retrospective").json()
    assert body["closed"] is False and body["provisional"] is True
    assert body["as_of"] == "2027-04-01"
    grades = {g["objective"]: g for g in body["grades"]}
    assert grades["strat"]["grade"] == pytest.approx(0.45)
    assert grades["tact"]["grade"] == pytest.approx(0.5)


def test_the_impact_ledger_reviews_the_initiatives_delivered_during_the_cycle(api):
    contributor, lead = api("contributor"), api("lead")
    for value, day in ((12, "2027-02-20"), (16, "2027-03-29")):
        r = contributor.post("/key-results/tact-kr/check-ins", {"value": value, "date": day})
        assert r.status_code in (200, 201), r.content
    r = lead.patch(
        "/initiatives/ini1",
        {"status": "done", "delivered_on": "2027-03-01"},
        headers={"If-Match": "*"},
    )
    assert r.status_code == 200, r.content
    with time_machine.travel(datetime(2027, 7, 10, 9, tzinfo=UTC), tick=True):
        impact = api("viewer").get("/cycles/q/retrospective").json()["impact"]
        later = api("viewer").get("/cycles/cycle-vide/retrospective").json()["impact"]
        units = {
            u: api("viewer").get(f"/cycles/q/retrospective?unit={u}").json()["impact"]
            for u in ("produit", "ventes")
        }
    (ini,) = impact["initiatives"]
    assert ini["initiative"] == "ini1" and ini["delivered_on"] == "2027-03-01"
    (review,) = ini["reviews"]
    # 16 on 2027-03-29 (28 days on) − 12 at delivery = 4, declared 2: twice what was said.
    assert review == {"key_result": "tact-kr", "expected": 2.0, "measured": 4.0, "ratio": 2.0}
    assert impact["reviewed"] == 1 and impact["mean_ratio"] == 2.0
    assert later["initiatives"] == [] and later["reviewed"] == 0  # delivered in another cycle
    # One unit's retrospective: its own delivered initiatives only.
    assert [i["initiative"] for i in units["produit"]["initiatives"]] == ["ini1"]
    assert units["ventes"]["initiatives"] == [] and units["ventes"]["reviewed"] == 0


def test_another_organisation_s_retrospective_is_not_found(api):
    assert api("executive").get("/cycles/g-q/retrospective").status_code == 404
    body = api("executive").get("/cycles/q/retrospective").json()
    assert all(not g["objective"].startswith("g-") for g in body["grades"])
