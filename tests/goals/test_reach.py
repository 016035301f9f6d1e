"""Strategy reach (goals/reach.py): who opened the strategy this cycle, counted once per
person, kept without naming anyone, shown in aggregate to executives (small units merged
upwards), and a reminder from the system to those who have not looked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pilote.goals.models import Cycle, StrategyOpening
from pilote.goals.reach import reach
from pilote.notify import jobs
from pilote.notify.models import Notification
from pilote.orgs.access import Actor
from pilote.orgs.models import Membership, Organization, Unit, User
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def _people(org, unit, names):
    for name in names:
        user = User.objects.create(email=f"{name}@acme.example", name=name.title())
        Membership.objects.create(organization=org, user=user, role="viewer").units.add(unit)


@pytest.fixture
def acme(world):
    """Acme with a unit of 6 people ("Big", under the top) and one of 2 beneath it ("Tiny")."""
    org = Organization.objects.get(name="Acme")
    dg = Unit.objects.get(organization=org, key="dg")
    big = Unit.objects.create(organization=org, key="big", name="Big", parent=dg)
    tiny = Unit.objects.create(organization=org, key="tiny", name="Tiny", parent=big)
    _people(org, big, ["b1", "b2", "b3", "b4", "b5", "b6"])
    _people(org, tiny, ["t1", "t2"])
    return org


def test_an_opening_is_kept_once_per_person_and_cycle_and_names_nobody(acme):
    viewer = signed_in("b1@acme.example")
    assert viewer.get("/strategy/one-page/?cycle=q").status_code == 200
    assert viewer.get("/strategy/?cycle=q").status_code == 200
    assert viewer.get("/strategy/one-page/?cycle=q").status_code == 200
    (row,) = StrategyOpening.objects.filter(organization=acme)
    fields = {f.name for f in StrategyOpening._meta.get_fields()}
    assert fields == {"id", "organization", "cycle", "digest", "day"}
    user = User.objects.get(email="b1@acme.example")
    assert len(row.digest) == 64 and user.email not in row.digest
    # The digest is keyed by the server's secret: not a plain hash of who and which cycle.
    import hashlib

    plain = f"{acme.pk}:{user.pk}:{row.cycle_id}".encode()
    assert row.digest != hashlib.sha256(plain).hexdigest()
    # Another browser of the same person, served by another process: still one opening.
    from pilote.goals import reach as module

    module._SEEN.clear()
    signed_in("b1@acme.example").get("/strategy/one-page/?cycle=q")
    assert StrategyOpening.objects.filter(organization=acme).count() == 1
    # Another cycle is another opening.
    viewer.get("/strategy/one-page/?cycle=cycle-vide")
    assert StrategyOpening.objects.filter(organization=acme).count() == 2


def test_the_reach_is_an_aggregate_with_small_units_merged_upwards(acme, api):
    for email in ("b1", "b2", "t1", "viewer"):
        signed_in(f"{email}@acme.example").get("/strategy/one-page/?cycle=q")
    cycle = Cycle.objects.get(organization=acme, key="q")
    whole, units = reach(Actor.system(acme), cycle)
    members = Membership.objects.filter(organization=acme, deactivated_at__isnull=True).count()
    assert (whole.people, whole.opened) == (members, 4)
    # Acme's own units are each under 5 people: merged into the top one (Management), whose
    # 6 people opened nothing (the viewer belongs to no unit: counted in the whole only).
    top, big = units  # the lowest share first
    assert (top.key, top.people, top.opened) == ("dg", 6, 0)
    assert set(top.merged) == {"Product", "App team", "Sales"}
    assert (big.key, big.people, big.opened, big.merged) == ("big", 8, 3, ("Tiny",))
    # The API: executives and admins only; numbers, never names.
    answer = api("executive").get("/cycles/q/reach")
    assert answer.status_code == 200
    body = answer.json()
    assert body["organization"]["opened"] == 4
    assert body["units"][1] == {"unit": "big", "name": "Big", "people": 8, "opened": 3,
                                "share": 3 / 8, "merged": ["Tiny"]}  # fmt: skip
    assert "@" not in answer.content.decode()
    assert api("lead").get("/cycles/q/reach").status_code == 403
    assert api("executive", "Globex").get("/cycles/q/reach").status_code == 404


def test_the_cockpit_shows_it_to_executives_only(acme):
    signed_in("b1@acme.example").get("/strategy/one-page/?cycle=q")
    page = signed_in("executive@acme.example").get("/?cycle=q").content.decode()
    assert (
        "Jusqu&#x27;où la stratégie est connue" in page
        or "Jusqu'où la stratégie est connue" in page
    )
    assert "des personnes ont ouvert la stratégie" in page
    lead = signed_in("lead@acme.example").get("/").content.decode()
    assert "data-reach" not in lead


def test_those_who_have_not_looked_get_a_reminder_from_the_system(acme):
    cycle = Cycle.objects.get(organization=acme, key="q")
    signed_in("b1@acme.example").get("/strategy/one-page/?cycle=q")
    assert jobs.strategy_reminders(acme, cycle.start + timedelta(days=3)) == 0  # too early
    made = jobs.strategy_reminders(acme, cycle.start + timedelta(days=15))
    reminded = set(
        Notification.objects.filter(organization=acme, message="strategy_reminder").values_list(
            "user__email", flat=True
        )
    )
    members = set(
        Membership.objects.filter(organization=acme).values_list("user__email", flat=True)
    )
    assert reminded == members - {"b1@acme.example"} and made == len(reminded)
    note = Notification.objects.filter(message="strategy_reminder").first()
    assert note.link == "/strategy/one-page/?cycle=q" and "b1" not in note.body
    # Once a cycle.
    assert jobs.strategy_reminders(acme, cycle.start + timedelta(days=22)) == 0


def test_a_small_unit_under_an_empty_one_merges_on_up(acme):
    # Tiny2 (3 people) under Empty (no member of its own) under Big: Empty gets 3, still
    # small, and merges into Big.
    org = acme
    big = Unit.objects.get(organization=org, key="big")
    empty = Unit.objects.create(organization=org, key="empty", name="Empty", parent=big)
    tiny2 = Unit.objects.create(organization=org, key="tiny2", name="Tiny2", parent=empty)
    _people(org, tiny2, ["u1", "u2", "u3"])
    signed_in("u1@acme.example").get("/strategy/one-page/?cycle=q")
    cycle = Cycle.objects.get(organization=org, key="q")
    _whole, units = reach(Actor.system(org), cycle, fresh=True)
    found = {s.key: s for s in units}
    assert "empty" not in found and "tiny2" not in found
    assert (found["big"].people, found["big"].opened) == (11, 1)
    assert set(found["big"].merged) == {"Tiny", "Empty", "Tiny2"}
