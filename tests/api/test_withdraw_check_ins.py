"""Correcting and withdrawing check-ins: append-only, every figure recomputed, access checked."""

import pytest

from pilote.errors import Forbidden
from pilote.goals import figures, latest
from pilote.goals.keyresults import withdraw_check_in
from pilote.goals.models import CheckIn, KeyResult
from pilote.orgs.access import Actor
from pilote.orgs.models import AuditEntry, Organization, Unit, User

AS_OF = "?as_of=2027-04-01"


def _typo(api, role="contributor", value=99_999_999, day="2027-04-01"):
    r = api(role).post("/key-results/tact-kr/check-ins", {"value": value, "date": day})
    assert r.status_code == 201, r.content
    return r.json()["check_in"]["id"]


def _acme():
    return Organization.objects.get(name="Acme")


def test_a_withdrawn_check_in_counts_in_no_figure_and_stays_in_the_history(api):
    before = api("viewer").get("/key-results/tact-kr" + AS_OF).json()
    top_before = api("viewer").get("/objectives/strat" + AS_OF).json()
    pk = _typo(api)
    assert api("viewer").get("/key-results/tact-kr" + AS_OF).json()["current"] == 99_999_999
    r = api("contributor").post(f"/check-ins/{pk}/withdraw", {"reason": "typo: 15, not 99999999"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["withdrawn_by"] == "contributor@acme.example"
    assert body["withdrawal_reason"] == "typo: 15, not 99999999" and body["withdrawn_at"]
    # Back to the reading before it, the objectives above too, and nothing stored differs
    # from a recomputation from scratch (history rows included).
    after = api("viewer").get("/key-results/tact-kr" + AS_OF).json()
    assert (after["current"], after["progress"]) == (before["current"], before["progress"])
    top = api("viewer").get("/objectives/strat" + AS_OF).json()
    assert top["progress"] == top_before["progress"]
    assert figures.mismatches(_acme()) == [] and latest.mismatches(_acme().pk) == []
    # Listed only when asked for; the row itself is kept.
    counted = api("viewer").get("/key-results/tact-kr/check-ins").json()["items"]
    every = api("viewer").get("/key-results/tact-kr/check-ins?withdrawn=true").json()["items"]
    assert pk not in [c["id"] for c in counted]
    assert [c["id"] for c in every if c["withdrawn_at"]] == [pk]
    assert CheckIn.every.filter(pk=pk).exists() and not CheckIn.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.filter(action="withdraw_check_in").get()
    assert entry.object_key == "tact-kr" and entry.before["value"] == 99_999_999
    assert entry.comment == "typo: 15, not 99999999"


def test_a_correction_replaces_the_value_on_the_same_day(api):
    pk = _typo(api, value=48, day="2027-04-02")
    r = api("contributor").post(f"/check-ins/{pk}/correct", {"value": 18, "reason": "typo"})
    assert r.status_code == 201, r.content
    new = r.json()["check_in"]
    assert (new["value"], new["date"]) == (18, "2027-04-02")
    old = CheckIn.every.get(pk=pk)
    assert old.replaced_by_id == new["id"] and old.withdrawn_at is not None
    kr = api("viewer").get("/key-results/tact-kr?as_of=2027-04-02").json()
    assert kr["current"] == 18 and abs(kr["progress"] - 0.8) < 1e-9
    assert figures.mismatches(_acme()) == []


def test_bad_requests_change_nothing(api):
    pk = _typo(api)
    client = api("contributor")
    for body in ({"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {}):
        r = client.post(f"/check-ins/{pk}/withdraw", body)
        assert r.status_code == 422, (body, r.content)
    assert client.post(f"/check-ins/{pk}/correct", {"value": "NaN"}).status_code == 422
    assert client.post(f"/check-ins/{pk}/correct", {"value": 1e308 * 10}).status_code in (400, 422)
    assert CheckIn.objects.filter(pk=pk).exists()  # still counts
    assert client.post(f"/check-ins/{pk}/withdraw", {"reason": "typo"}).status_code == 200
    # Twice: a conflict, and nothing changes; nor can a withdrawn one be corrected.
    assert client.post(f"/check-ins/{pk}/withdraw", {"reason": "again"}).status_code == 409
    assert client.post(f"/check-ins/{pk}/correct", {"value": 15}).status_code == 409
    assert CheckIn.every.get(pk=pk).withdrawal_reason == "typo"


@pytest.mark.parametrize(
    ("org", "role", "status"),
    [("Acme", "viewer", 403), ("Acme", "lead-ventes", 403), ("Globex", "executive", 404)],
)
def test_only_those_who_may_check_in_on_it_withdraw_it(api, world, org, role, status):
    pk = _typo(api)
    if role == "lead-ventes":  # a lead of another unit: no token in the world, a person
        from django.test import Client

        c = Client()
        c.force_login(User.objects.get(email="lead-ventes@acme.example"))
        r = c.post(f"/check-ins/{pk}/fix/", {"action": "withdraw", "withdraw-reason": "no"})
        assert r.status_code == 403
    else:
        r = api(role, org).post(f"/check-ins/{pk}/withdraw", {"reason": "not mine"})
        assert r.status_code == status, r.content
        r = api(role, org).post(f"/check-ins/{pk}/correct", {"value": 1})
        assert r.status_code == status, r.content
    assert CheckIn.objects.filter(pk=pk).exists()


def test_a_lead_withdraws_a_contributors_check_in_and_a_contributor_only_their_own(api):
    pk = _typo(api)  # by the contributor, the KR's owner
    assert api("lead").post(f"/check-ins/{pk}/withdraw", {"reason": "typo"}).status_code == 200
    # A contributor of the KR's unit who neither owns it nor wrote the check-in may not.
    acme = _acme()
    kr = KeyResult.objects.select_related("objective").get(organization=acme, key="tact-kr")
    by_lead = CheckIn.objects.get(pk=_typo(api, role="lead", value=16))
    other = Actor(
        organization=acme,
        user=User.objects.get(email="viewer@acme.example"),
        role="contributor",
        unit_ids=frozenset(
            Unit.objects.filter(pk=kr.objective.unit_id).values_list("pk", flat=True)
        ),
    )
    with pytest.raises(Forbidden):
        withdraw_check_in(other, by_lead, "not mine")
    assert CheckIn.objects.filter(pk=by_lead.pk).exists()


def test_replaying_a_withdrawn_check_ins_idempotency_key_answers_it_and_records_nothing(api):
    client = api("contributor")
    headers = {"Idempotency-Key": "typo-1"}
    body = {"value": 999, "date": "2027-04-01"}
    pk = client.post("/key-results/tact-kr/check-ins", body, headers=headers).json()["check_in"][
        "id"
    ]
    assert client.post(f"/check-ins/{pk}/withdraw", {"reason": "typo"}).status_code == 200
    count = CheckIn.every.count()
    again = client.post("/key-results/tact-kr/check-ins", body, headers=headers)
    assert again.status_code == 201 and again.json()["check_in"]["id"] == pk
    assert again.json()["check_in"]["withdrawn_at"] is not None
    assert CheckIn.every.count() == count
