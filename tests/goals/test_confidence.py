"""Calibrated confidence where people read it (goals/confidence.py): a unit's track record
over closed cycles (its page, the API), per person for who may read that, and each unit's at
the cycle's close."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from pilote.goals.closing import close_cycle
from pilote.goals.confidence import cycle_by_unit, unit_track_record
from pilote.goals.keyresults import record_check_in
from pilote.goals.models import Cycle, KeyResult
from pilote.orgs.access import Actor, actor_for
from pilote.orgs.models import Organization, Unit, User
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(world):
    """Acme's quarter closed after check-ins with confidences: the rating (produit, the
    contributor's) reaches its target saying 8, 8 and 9; the sales KR (ventes) misses it
    saying 9 and 9."""
    org = Organization.objects.get(name="Acme")
    contributor = actor_for(User.objects.get(email="contributor@acme.example"), org)
    sales = actor_for(User.objects.get(email="lead-ventes@acme.example"), org)
    rating = KeyResult.objects.get(organization=org, key="tact-kr")  # 10 → 20
    deals = KeyResult.objects.get(organization=org, key="sales-kr")  # 0 → 10
    for day, value, conf in ((date(2027, 4, 5), 16, 8), (date(2027, 5, 5), 18, 8),
                             (date(2027, 6, 5), 20, 9)):  # fmt: skip
        record_check_in(contributor, rating, value, conf, "", day)
    for day, value, conf in ((date(2027, 4, 5), 3, 9), (date(2027, 6, 5), 6, 9)):
        record_check_in(sales, deals, value, conf, "", day)
    with transaction.atomic():
        close_cycle(Actor.system(org), Cycle.objects.get(organization=org, key="q"))
    return org


def test_a_unit_s_track_record_scores_its_check_ins_against_its_grades(closed):
    org = closed
    produit = Unit.objects.get(organization=org, key="produit")
    record, people = unit_track_record(Actor.system(org), produit, people=True)
    # The rating's earlier check-in on 28 March (confidence 6) counts too: 4 said, all reached.
    assert record.count == 4
    want = ((0.6 - 1) ** 2 + 2 * (0.8 - 1) ** 2 + (0.9 - 1) ** 2) / 4
    assert record.brier == pytest.approx(want)
    assert {b.confidence: (b.count, b.reached) for b in record.buckets} == {
        6: (1, 1),
        8: (2, 2),
        9: (1, 1),
    }
    assert people[0].email == "contributor@acme.example" and people[0].calibration.count == 3
    ventes = Unit.objects.get(organization=org, key="ventes")
    missed, _ = unit_track_record(Actor.system(org), ventes)
    assert missed.count == 2 and missed.brier == pytest.approx(0.81)
    # A parent unit counts the units beneath it.
    top, _ = unit_track_record(Actor.system(org), Unit.objects.get(organization=org, key="dg"))
    assert top.count >= record.count + missed.count


def test_the_api_gives_the_record_and_each_person_s_only_to_who_may_read_it(closed, api):
    lead = api("lead").get("/units/produit/calibration").json()
    assert lead["count"] == 4 and lead["brier"] == pytest.approx(0.0625)
    assert {p["email"] for p in lead["people"]} >= {"contributor@acme.example"}
    assert lead["in_words"][0].startswith("quand cette équipe dit 8/10")  # Acme reads French
    # A viewer reads the unit's figure and no one's score but their own (none here).
    viewer = api("viewer").get("/units/produit/calibration").json()
    assert viewer["count"] == 4 and viewer["people"] == []
    # The contributor reads their own line.
    mine = api("contributor").get("/units/produit/calibration").json()
    assert [p["email"] for p in mine["people"]] == ["contributor@acme.example"]
    # The other unit's lead is not this unit's lead.
    other = api("lead", "Acme")  # leads produit
    assert other.get("/units/ventes/calibration").json()["people"] == []
    assert api("viewer", "Globex").get("/units/produit/calibration").status_code == 404


def test_the_unit_page_says_it_in_words_and_the_close_shows_each_unit(closed):
    page = signed_in("viewer@acme.example").get("/units/produit/").content.decode()
    assert "Sa confiance veut-elle dire quelque chose" in page
    assert "Quand cette équipe dit 8/10, la cible est atteinte 100 % du temps" in page
    assert "Score de Brier 0,062" in page or "Score de Brier 0,063" in page
    assert "Par personne" not in page
    lead_page = signed_in("lead@acme.example").get("/units/produit/").content.decode()
    assert "Par personne" in lead_page and "Cleo Contrib" in lead_page
    org = closed
    by_unit = dict(cycle_by_unit(Actor.system(org), Cycle.objects.get(organization=org, key="q")))
    assert by_unit[Unit.objects.get(organization=org, key="ventes").pk].brier == pytest.approx(0.81)
    close = signed_in("executive@acme.example").get("/cycles/q/close/").content.decode()
    assert "La confiance annoncée voulait-elle dire quelque chose" in close
    assert "Trop confiante" in close  # the sales team said 9 and missed
