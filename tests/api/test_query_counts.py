"""House rule 8: a list's query count does not grow with the number of rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pilote.goals import actions as goals
from pilote.goals import keyresults
from pilote.orgs import actions as orgs
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from pilote.roadmap.actions import create_initiative

LISTS = [
    "/units",
    "/people",
    "/cycles",
    "/objectives",
    "/key-results",
    "/initiatives",
    "/audit",
    "/cycles/q/tree",
    "/cycles/q/tree?unit=produit",
    "/cycles/q/tree?status=on_track",
    "/objectives/strat",
    "/key-results/tact-kr/check-ins",
    "/vision/history",
    "/tokens",
    "/roadmap",
    "/roadmap/unaligned",
    "/roadmap/uncovered",
    "/roadmap/by-objective",
    "/roadmap/ledger",
    "/sources",
    "/held-readings",
    "/feedback",
    "/feedback/metrics",
    "/notifications",
]


def grow(n: int, start: int) -> None:
    actor = Actor.system(Organization.objects.get(name="Acme"))
    for i in range(start, start + n):
        orgs.create_unit(actor, f"u{i}", f"Unit {i}", "produit")
        orgs.add_person(actor, f"p{i}@acme.example", f"P {i}", "contributor", [f"u{i}"])
        o = goals.create_objective(
            actor,
            {
                "key": f"o{i}",
                "title": f"O {i}",
                "level": "tactical",
                "cycle": "q",
                "unit": f"u{i}",
                "owner": f"p{i}@acme.example",
                "aligns_to": [{"objective": "strat", "weight": 1}],
            },
            status="approved",
        )
        for j in range(2):
            kr = keyresults.create_key_result(
                actor,
                o,
                {
                    "key": f"k{i}-{j}",
                    "title": "K",
                    "baseline": 0,
                    "target": 10,
                    "owner": f"p{i}@acme.example",
                },
            )
            keyresults.record_check_in(actor, kr, 3, 6, "", None)
        create_initiative(
            actor,
            {
                "key": f"i{i}",
                "title": "I",
                "unit": f"u{i}",
                "owner": f"p{i}@acme.example",
                "effort": 2,
                "confidence": 0.5,
                # half of them delivered long ago, so that the impact review runs too
                "status": "done" if i % 2 else "planned",
                "delivered_on": datetime.date(2026, 1, 5) if i % 2 else None,
                "impacts": [{"key_result": f"k{i}-0", "expected": 1}],
            },
        )
        _grow_sources(actor, i)


def _grow_sources(actor, i: int) -> None:
    """A source, a held value, linked feedback, a notification and a narrow token per row."""
    from django.utils import timezone

    from pilote.goals.models import KeyResult
    from pilote.notify.models import Notification
    from pilote.orgs.actions import create_token
    from pilote.orgs.models import User
    from pilote.sources.actions import create_source
    from pilote.sources.feedback import link_feedback, record_feedback
    from pilote.sources.models import HeldReading

    source = create_source(
        actor,
        {"key": f"s{i}", "name": "S", "kind": "webhook", "key_result": f"k{i}-0",
         "params": {"path": "v"}, "expect_every_minutes": 60},
    )  # fmt: skip
    kr = KeyResult.objects.get(organization=actor.organization, key=f"k{i}-0")
    HeldReading.objects.create(organization=actor.organization, source=source, key_result=kr, value=9,
                               fetched_at=timezone.now(), effective=timezone.localdate(), reason="r")  # fmt: skip
    (item,) = record_feedback(
        actor, [{"channel": "App Store", "rating": 4, "text": f"t{i}", "tags": ["a"]}]
    )
    link_feedback(actor, item, [f"o{i}"], [f"i{i}"])
    viewer = User.objects.get(email="viewer@acme.example")
    Notification.objects.create(
        organization=actor.organization, user=viewer, kind="digest", title="d"
    )
    create_token(actor, User.objects.get(email="admin@acme.example"), f"narrow {i}", key_result=kr)


def count(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{path}{'&' if '?' in path else '?'}limit=1000")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", LISTS)
def test_the_query_count_stays_the_same_as_rows_grow(api, path):
    client = api("admin" if path == "/tokens" else "viewer")
    grow(2, 0)
    client.get("/me")  # the token's "last used" (written once a minute) is not the list's
    small = count(client, path)
    grow(10, 100)
    assert count(client, path) == small


def test_the_tree_written_straight_to_json_equals_what_its_schema_would_write(api):
    from pilote.api.schemas import TreeOut

    grow(3, 0)
    body = api("viewer").get("/cycles/q/tree").json()
    assert body["objectives"], "the fixture has a tree"
    assert TreeOut.model_validate(body).model_dump(mode="json") == body
