"""The end of a cycle's loop through the API: decisions, retrospectives, carry-over with
lineage (issue 14; the rules: pilote/okr/carry.py, tests/okr/test_carry.py)."""

from __future__ import annotations

import pytest

from pilote.goals import figures
from pilote.goals.models import KeyResult, Objective
from pilote.orgs.models import AuditEntry, Organization

RETRO = {"what_worked": "Weekly demos", "what_did_not": "Late design", "learnt": "Ship smaller"}


def _acme():
    return Organization.objects.get(name="Acme")


def test_an_owner_decides_keep_with_a_retrospective_and_reads_it_back(api):
    lead = api("lead")  # owns "tact"
    r = lead.post("/objectives/tact/decision", {"decision": "keep", **RETRO})
    assert r.status_code == 200, r.content
    body = lead.get("/objectives/tact").json()
    assert body["decision"]["decision"] == "keep" and body["decision"]["learnt"] == "Ship smaller"
    assert body["decision"]["by"] == "lead@acme.example" and body["decision"]["at"]
    assert body["workflow_status"] == "approved"  # keep leaves the status as it was
    assert body["carried_from"] is None and body["carried_to"] is None
    entry = AuditEntry.objects.filter(organization=_acme(), action="decide").get()
    assert entry.object_key == "tact" and entry.after["learnt"] == "Ship smaller"


def test_a_dropped_objective_leaves_the_roll_up_and_comes_back_when_kept(api):
    executive = api("executive")
    before = executive.get("/objectives/strat?as_of=2027-04-01").json()["progress"]
    r = executive.post("/objectives/tact/decision", {"decision": "drop", "what_did_not": "No"})
    assert r.status_code == 200 and r.json()["workflow_status"] == "dropped"
    dropped = executive.get("/objectives/strat?as_of=2027-04-01").json()["progress"]
    assert dropped != before  # "strat" counts its KR and its approved children: tact is out
    assert figures.mismatches(_acme()) == []
    assert (
        executive.post("/objectives/tact/decision", {"decision": "keep"}).json()["workflow_status"]
        == "approved"
    )
    assert executive.get("/objectives/strat?as_of=2027-04-01").json()["progress"] == before
    assert figures.mismatches(_acme()) == []


@pytest.mark.parametrize(
    "role, key, decision, status",
    [
        ("viewer", "tact", "keep", 403),
        ("contributor", "tact", "keep", 403),  # owns none of it
        ("lead-ventes", "tact", "keep", 403),  # another unit's lead
        ("lead", "sales-obj", "drop", 403),
        ("lead", "g-tact", "keep", 404),  # another organisation's
        ("lead", "tact", "drop", 200),  # the unit's lead writes it: any decision
    ],
)
def test_who_decides(api, role, key, decision, status):
    client = _sales_lead() if role == "lead-ventes" else api(role)
    assert client.post(f"/objectives/{key}/decision", {"decision": decision}).status_code == (
        status
    )


def _sales_lead():
    from pilote.orgs.access import Actor
    from pilote.orgs.actions import create_token
    from pilote.orgs.models import User
    from tests.conftest import Api

    user = User.objects.get(email="lead-ventes@acme.example")
    return Api(create_token(Actor.system(_acme()), user, "sales lead")[1])


def test_an_owner_who_does_not_write_it_keeps_or_changes_but_neither_drops_nor_defers(api):
    from pilote.goals import actions
    from pilote.orgs.access import Actor

    sales = Objective.objects.get(organization=_acme(), key="sales-obj")
    actions.update_objective(Actor.system(_acme()), sales, {"owner": "contributor@acme.example"})
    contributor = api("contributor")
    assert contributor.post("/objectives/sales-obj/decision", {"decision": "drop"}).status_code == (
        403
    )
    assert contributor.post("/objectives/sales-obj/decision", {"decision": "keep"}).status_code == (
        200
    )


def test_a_wrong_decision_is_explained_and_changes_nothing(api):
    lead = api("lead")
    for body, path in (
        ({"decision": "maybe"}, "decision"),
        ({"decision": "keep", "learnt": "x" * 5001}, "learnt"),
        ({"decision": "keep", "extra": 1}, "extra"),
    ):
        r = lead.post("/objectives/tact/decision", body)
        assert r.status_code == 422 and path in r.content.decode(), (body, r.content)
    assert Objective.objects.get(organization=_acme(), key="tact").decision == ""


def test_carry_over_makes_the_next_cycle_s_objectives_from_their_last_values(api):
    executive = api("executive")
    executive.post("/objectives/strat/decision", {"decision": "keep"})
    executive.post("/objectives/tact/decision", {"decision": "change"})
    executive.post("/objectives/sales-obj/decision", {"decision": "drop"})
    r = executive.post("/cycles/q/carry-over", {"to": "cycle-vide"})
    assert r.status_code == 201, r.content
    carried = {c["came_from"]: c for c in r.json()}
    assert set(carried) == {"strat", "tact"}  # not the dropped one
    strat, tact = carried["strat"]["objective"], carried["tact"]["objective"]
    assert (strat, tact) == ("strat-cycle-vide", "tact-cycle-vide")
    new_strat = executive.get(f"/objectives/{strat}").json()
    new_tact = executive.get(f"/objectives/{tact}").json()
    assert new_strat["cycle"] == new_tact["cycle"] == "cycle-vide"
    # The strategic one is approved at once; the tactical one waits for its owner to submit.
    assert new_strat["workflow_status"] == "approved" and new_tact["workflow_status"] == "draft"
    # Aligned to the parent's carried objective, with its weight.
    assert new_tact["aligns_to"] == [{"objective": strat, "weight": 1.0}]
    # Baselines are the last measured values; targets are kept.
    (kr,) = new_tact["key_results"]
    assert (kr["baseline"], kr["target"], kr["title"]) == (15, 20, "Rating")
    strat_krs = {k["title"]: k for k in new_strat["key_results"]}
    assert (strat_krs["Revenue"]["baseline"], strat_krs["Revenue"]["target"]) == (40, 100)
    # Lineage both ways, objectives and KRs.
    assert new_tact["carried_from"] == "tact"
    assert executive.get("/objectives/tact").json()["carried_to"] == tact
    old_kr = KeyResult.objects.get(organization=_acme(), key="tact-kr")
    assert KeyResult.objects.get(organization=_acme(), key=kr["key"]).carried_from == old_kr
    assert figures.mismatches(_acme()) == []
    # Again: nothing left to carry by default, and naming one is refused.
    assert executive.post("/cycles/q/carry-over", {"to": "cycle-vide"}).json() == []
    again = executive.post("/cycles/q/carry-over", {"to": "cycle-vide", "objectives": ["tact"]})
    assert again.status_code == 422 and "already carried" in again.content.decode()
    # A carried objective can no longer be dropped from under its continuation.
    assert executive.post("/objectives/tact/decision", {"decision": "drop"}).status_code == 409


def test_a_parent_left_behind_is_said_and_a_reached_target_asks_for_a_new_one(api):
    lead, executive = api("lead"), api("executive")
    lead.post("/objectives/tact/decision", {"decision": "keep"})
    assert (
        lead.post("/key-results/tact-kr/check-ins", {"value": 21, "date": "2027-06-29"}).status_code
        == 201
    )
    count = Objective.objects.count()
    r = lead.post("/cycles/q/carry-over", {"to": "cycle-vide"})
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["path"] == "key_results.tact-kr.target" and "21" in error["message"]
    assert Objective.objects.count() == count  # nothing made
    r = lead.post("/cycles/q/carry-over", {"to": "cycle-vide", "targets": {"tact-kr": 25}})
    assert r.status_code == 201, r.content
    (made,) = r.json()
    assert made["unaligned"] == ["strat"]  # "strat" was not carried and stays in "q"
    new = executive.get(f"/objectives/{made['objective']}").json()
    assert new["aligns_to"] == [] and new["key_results"][0]["baseline"] == 21
    assert new["key_results"][0]["target"] == 25


@pytest.mark.parametrize(
    "body, path",
    [
        ({"to": "q"}, "to"),  # not a later cycle
        ({"to": "cycle-vide", "objectives": ["nope"]}, "objectives[0]"),
        ({"to": "cycle-vide", "objectives": ["tact"]}, "objectives[0]"),  # no decision yet
        ({"to": "cycle-vide", "targets": {"nope": 3}}, "targets.nope"),
    ],
)
def test_a_wrong_carry_over_names_what_is_wrong_and_makes_nothing(api, body, path):
    count = Objective.objects.count()
    r = api("executive").post("/cycles/q/carry-over", body)
    assert r.status_code == 422, r.content
    assert path in [e["path"] for e in r.json()["errors"]]
    assert Objective.objects.count() == count


def test_carry_over_goes_through_the_gate(api):
    api("executive").post("/objectives/strat/decision", {"decision": "keep"})
    # A lead does not write strategic objectives: nothing carried.
    assert api("lead").post("/cycles/q/carry-over", {"to": "cycle-vide"}).status_code == 403
    assert api("viewer").post("/cycles/q/carry-over", {"to": "cycle-vide"}).status_code == 403
    assert (
        api("executive", "Globex").post("/cycles/q/carry-over", {"to": "cycle-vide"}).status_code
        == 404
    )


RACE = r"""
import json, threading
import django
django.setup()
from django.db import connection, transaction
from pilote.goals import carrying
from pilote.goals.models import Cycle, Objective
from pilote.interchange.importer import import_data
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization

import_data({
    "organization": "Race", "locale": "en",
    "units": [{"key": "dg", "name": "DG"}],
    "cycles": [{"key": "q1", "start": "2027-01-01", "end": "2027-03-31"},
               {"key": "q2", "start": "2027-04-01", "end": "2027-06-30"}],
    "objectives": [{"key": "o", "level": "strategic", "cycle": "q1", "unit": "dg", "title": "O",
                    "key_results": [{"key": "a", "title": "A", "baseline": 0, "target": 10}]}],
})
org = Organization.objects.get(name="Race")
carrying.decide(Actor.system(org), Objective.objects.get(key="o"), {"decision": "keep"})
barrier = threading.Barrier(2, timeout=10)
gate = carrying.require_some_objective_writer

def both_in(actor):
    gate(actor)
    barrier.wait()  # both inside their transaction, neither has read what is carried yet

carrying.require_some_objective_writer = both_in
results = []

def carry():
    try:
        with transaction.atomic():
            cycles = {c.key: c for c in Cycle.objects.filter(organization=org)}
            made = carrying.carry_over(Actor.system(org), cycles["q1"], cycles["q2"], ["o"])
            results.append(["made", [o.key for o, _ in made]])
    except Exception as exc:
        results.append([type(exc).__name__, str(exc), [p for p, _ in getattr(exc, "errors", [])]])
    finally:
        connection.close()

threads = [threading.Thread(target=carry) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"results": sorted(results),
                  "carried": Objective.objects.filter(carried_from__key="o").count()}))
"""


def test_two_carry_overs_of_one_objective_at_once_make_one(tmp_path):
    """Real connections on the PostgreSQL pass (the test's own transaction would hide the
    race): the second waits for the first's commit, then says it is carried already."""
    from tests.e2e.conftest import race_on_postgres

    found = race_on_postgres(tmp_path, "pilote_carry_race", RACE)
    assert found["carried"] == 1, found
    failed, made = found["results"]
    assert made == ["made", ["o-q2"]], found
    assert failed[0] == "Invalid" and failed[2] == ["objectives"], found


def test_a_cycle_that_holds_this_one_is_not_a_later_cycle(api):
    from datetime import date

    from pilote.goals import actions
    from pilote.orgs.access import Actor

    actions.create_cycle(Actor.system(_acme()), "year", date(2027, 1, 1), date(2027, 12, 31))
    api("executive").post("/objectives/strat/decision", {"decision": "keep"})
    r = api("executive").post("/cycles/q/carry-over", {"to": "year"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "to"
    assert "starts and ends after" in r.json()["errors"][0]["message"]
