"""The roadmap over HTTP, on the shared fixture (docs/roadmap.md explains the numbers)."""

import pytest

from pilote.orgs.models import Organization

AS_OF = "?as_of=2027-04-01"


def row(rows, key):
    return next(r for r in rows if r["key"] == key)


def test_an_initiative_is_scored_as_the_formula_says(api):
    rows = api("viewer").get("/roadmap").json()["items"]
    ini = row(rows, "ini1")
    # +2 on a 10 -> 20 KR: 0.2 of its range; the KR is its objective's only one (share 1);
    # "tact" is one of the two equal children of the strategic objective (contribution 0.5);
    # confidence 0.5, effort 4, no reviewed bet yet (calibration 1).
    assert ini["score"] == pytest.approx(0.2 * 1 * 0.5 * 0.5 / 4)
    assert ini["rank"] == 1


def test_why_this_rank(api):
    ex = api("viewer").get("/initiatives/ini1/explain").json()
    assert ex["rank"] == 1 and ex["why_rank"] == "ranked 1 of 1 open initiatives by score"
    assert ex["terms"][0]["label"] == "key result tact-kr"
    assert ex["calibration"] == {"factor": 1.0, "from": "no reviewed bet yet"}


def _delivered(api, key, expected, delivered="2026-09-01", kr="tact-kr"):
    lead = api("lead")
    assert (
        lead.post(
            "/initiatives",
            {
                "key": key,
                "title": key,
                "unit": "produit",
                "status": "done",
                "delivered_on": delivered,
                "effort": 2,
                "confidence": 0.5,
                "impacts": [{"key_result": kr, "expected": expected}],
            },
        ).status_code
        == 201
    )


def test_a_delivered_bet_is_reviewed_and_calibrates_future_scores(api):
    lead = api("lead")
    lead.post("/key-results/tact-kr/check-ins", {"value": 10, "date": "2026-08-30"})
    lead.post("/key-results/tact-kr/check-ins", {"value": 13, "date": "2026-09-20"})
    _delivered(api, "shipped", 4)  # declared +4; measured 13 (on Sep 29) − 10 (on Sep 1) = +3
    review = api("viewer").get("/initiatives/shipped/review").json()
    assert review["impacts"] == [
        {
            "key_result": "tact-kr",
            "expected": 4.0,
            "measured": 3.0,
            "ratio": 0.75,
            "reason": "13 on 2026-09-29 − 10 on 2026-09-01",
        }
    ]
    ledger = api("viewer").get("/roadmap/ledger").json()["organization"]
    assert ledger == {"reviewed": 1, "delivered_half": 1.0, "mean_ratio": 0.75, "calibration": 0.75}
    rows = api("viewer").get("/roadmap").json()["items"]
    assert row(rows, "ini1")["score"] == pytest.approx(0.75 * 0.0125)
    assert "shipped" not in [r["key"] for r in rows]  # delivered bets leave the board


def test_a_review_waits_for_its_window(api):
    _delivered(api, "recent", 4, delivered="2026-11-20")
    review = api("viewer").get("/initiatives/recent/review?as_of=2026-11-30").json()
    assert (
        review["impacts"][0]["measured"] is None
        and "measurable from 2026-12-18" in review["impacts"][0]["reason"]
    )


def test_unaligned_work_is_listed(api):
    api("lead").post(
        "/initiatives",
        {
            "key": "side-project",
            "title": "Side project",
            "unit": "produit",
            "effort": 3,
            "confidence": 0.5,
        },
    )
    keys = [r["key"] for r in api("viewer").get("/roadmap/unaligned").json()]
    assert keys == ["side-project"]


def test_uncovered_results_are_krs_in_trouble_without_an_initiative(api):
    api("executive").post("/key-results/sales-kr/check-ins", {"value": 1, "date": "2027-03-30"})
    uncovered = api("viewer").get(f"/roadmap/uncovered{AS_OF}").json()
    assert [u["key_result"] for u in uncovered] == ["sales-kr"] and uncovered[0][
        "status"
    ] == "off_track"
    api("executive").post(
        "/initiatives",
        {
            "key": "deal-desk",
            "title": "Deal desk",
            "unit": "ventes",
            "impacts": [{"key_result": "sales-kr", "expected": 3}],
        },
    )
    assert api("viewer").get(f"/roadmap/uncovered{AS_OF}").json() == []


def test_the_roadmap_by_strategic_objective(api):
    groups = api("executive").get("/roadmap/by-objective").json()
    assert groups[0]["objective"] == "strat" and [i["key"] for i in groups[0]["initiatives"]] == [
        "ini1"
    ]


def test_an_organisation_may_rank_by_rice_instead(api):
    org = Organization.objects.get(name="Acme")
    org.policy_overrides = {"prioritisation": "rice"}
    org.save()
    api("lead").patch(
        "/initiatives/ini1", {"reach": 1000, "rice_impact": 2}, headers={"If-Match": "*"}
    )
    body = api("viewer").get("/roadmap").json()
    assert body["method"] == "rice" and row(body["items"], "ini1")["score"] == pytest.approx(
        1000 * 2 * 0.5 / 4
    )


def test_moving_an_initiative_changes_its_column(api):
    assert (
        api("lead")
        .patch("/initiatives/ini1", {"horizon": "now"}, headers={"If-Match": "*"})
        .status_code
        == 200
    )
    assert [r["key"] for r in api("viewer").get("/roadmap?horizon=now").json()["items"]] == ["ini1"]
    assert api("viewer").get("/roadmap?horizon=later").json()["items"] == []


def test_bad_roadmap_input_is_named(api):
    r = api("lead").post(
        "/initiatives",
        {
            "key": "x",
            "title": "X",
            "unit": "produit",
            "reach": -1,
            "impacts": [{"key_result": "tact-kr", "expected": "much"}],
        },
    )
    assert r.status_code == 422
    paths = {e["path"] for e in r.json()["errors"]}
    assert "impacts[0].expected" in paths
    r = api("lead").post("/initiatives", {"key": "x", "title": "X", "unit": "produit", "reach": -1})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reach"
