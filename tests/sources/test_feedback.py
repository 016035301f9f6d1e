"""Market and user feedback: recorded all or nothing, searched, measured, linked, fed to a KR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pilote.okr.feedback import average_rating, nps, volume_by_tag
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from pilote.sources.actions import create_source, sync_source
from pilote.sources.feedback import items_from_csv, record_feedback
from pilote.sources.models import FeedbackItem

pytestmark = pytest.mark.django_db


def test_nps_is_promoters_minus_detractors_in_percent():
    assert nps([10, 9, 8, 7, 6, 0]) == pytest.approx(100 * (2 - 2) / 6)
    assert nps([10, 10, 3, None]) == pytest.approx(100 / 3)
    assert nps([]) is None and average_rating([None]) is None
    assert average_rating([4, 5, None]) == 4.5
    assert volume_by_tag([["a", "b"], ["a"], ["a", "a"]]) == {"a": 3, "b": 1}


def test_feedback_is_recorded_all_or_nothing_with_every_error_named(api, world):
    before = FeedbackItem.objects.count()
    bad = {"items": [
        {"channel": "App Store", "rating": 4, "text": "ok"},
        {"channel": "", "rating": 7, "date": "yesterday", "link": "ftp://x", "colour": "red"},
        {"channel": "Survey", "nps": 11},
        {"channel": "Survey"},
    ]}  # fmt: skip
    response = api("contributor").post("/feedback", bad)
    assert response.status_code == 422
    paths = {e["path"] for e in response.json()["errors"]}
    assert paths == {"items[1].channel", "items[1].rating", "items[1].date", "items[1].link",
                     "items[1].colour", "items[2].nps", "items[3]"}  # fmt: skip
    assert FeedbackItem.objects.count() == before
    good = {
        "items": [
            {"channel": "App Store", "rating": "4,5", "tags": "Login; speed", "external_id": "a1"}
        ]
    }
    assert api("contributor").post("/feedback", good).json() == {"recorded": 1, "skipped": 0}
    assert api("contributor").post("/feedback", good).json() == {"recorded": 0, "skipped": 1}
    item = FeedbackItem.objects.get(external_id="a1")
    assert item.rating == 4.5 and item.tags == ["login", "speed"]
    assert api("viewer").post("/feedback", good).status_code == 403


def test_feedback_is_searched_and_measured(api, world):
    today = timezone.localdate()
    api("lead").post("/feedback", {"items": [
        {"channel": "NPS survey", "nps": 10, "segment": "pro", "text": "Love the new app", "date": str(today)},
        {"channel": "NPS survey", "nps": 3, "segment": "retail", "text": "Login keeps failing",
         "tags": ["login"], "date": str(today - timedelta(days=40))},
        {"channel": "App Store", "rating": 5, "text": "Fast login", "tags": ["login"], "date": str(today)},
    ]})  # fmt: skip
    found = api("viewer").get("/feedback?q=login").json()
    assert found["count"] == 2
    assert {i["channel"] for i in found["items"]} == {"NPS survey", "App Store"}
    assert api("viewer").get("/feedback?tag=login&channel=App%20Store").json()["count"] == 1
    m = api("viewer").get("/feedback/metrics?channel=NPS%20survey").json()
    assert m["nps"] == 0.0 and m["nps_answers"] == 2
    recent = api("viewer").get("/feedback/metrics?channel=NPS%20survey&window_days=30").json()
    assert recent["nps"] == 100.0 and recent["count"] == 1
    tags = api("viewer").get("/feedback/metrics?q=login").json()["volume_by_tag"]
    assert tags == {"login": 2}
    # Another organisation's feedback is never counted: the world gave Globex a slow-app review.
    assert api("viewer").get("/feedback?q=Globex").json()["count"] == 0


def test_feedback_is_linked_as_evidence_to_objectives_and_initiatives(api, world):
    pk = world.ids[("Acme", "feedback")]
    response = api("lead").put(
        f"/feedback/{pk}/links", {"objectives": ["tact"], "initiatives": ["ini1"]}
    )
    assert response.status_code == 200
    assert response.json()["objectives"] == ["tact"] and response.json()["initiatives"] == ["ini1"]
    bad = api("lead").put(f"/feedback/{pk}/links", {"objectives": ["nope", "g-tact"]})
    assert bad.status_code == 422
    assert [e["path"] for e in bad.json()["errors"]] == ["objectives[0]", "objectives[1]"]
    assert api("viewer").get(f"/feedback/{pk}").json()["objectives"] == ["tact"]


def test_a_feedback_metric_feeds_a_key_result(world):
    acme = Organization.objects.get(name="Acme")
    system = Actor.system(acme)
    today = timezone.localdate()
    record_feedback(system, [
        {"channel": "Play Store", "rating": r, "date": str(today - timedelta(days=d))}
        for r, d in ((4.8, 1), (4.2, 5), (3.0, 200))
    ])  # fmt: skip
    src = create_source(system, {"key": "stores", "name": "Store ratings", "kind": "feedback",
                                 "key_result": "tact-kr",
                                 "params": {"metric": "average_rating", "channel": "Play Store",
                                            "window_days": 90}})  # fmt: skip
    run = sync_source(src)
    assert run.outcome == "applied" and run.value == 4.5  # the 200-day-old 3.0 is out
    assert run.check_in.source == "source:stores"
    assert run.raw_value == "average_rating over 2 items, 90 days"
    empty = create_source(system, {"key": "none", "name": "None", "kind": "feedback", "key_result": "tact-kr",
                                   "params": {"metric": "nps", "channel": "Nowhere"}})  # fmt: skip
    assert "no feedback item with a nps" in sync_source(empty).error


def test_a_csv_export_reads_as_feedback_items():
    rows = items_from_csv("channel;date;rating;tags\nApp Store;2027-01-02;4,5;login, speed\n")
    assert rows == [
        {"channel": "App Store", "date": "2027-01-02", "rating": "4,5", "tags": "login, speed"}
    ]
