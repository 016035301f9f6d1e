"""What-if (goals/whatif.py, POST /cycles/{key}/what-if): the figures hypothetical values give
equal those real check-ins of the same values give, and nothing is recorded."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import transaction

from pilote.errors import Invalid
from pilote.goals.keyresults import facts_of, record_check_in
from pilote.goals.models import CheckIn, Cycle, KeyResult
from pilote.goals.stored import Stored
from pilote.goals.whatif import what_if
from pilote.okr.types import Kind
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _value(rng: random.Random, kr: KeyResult) -> float:
    facts = facts_of(kr)
    if facts.kind == Kind.BOOLEAN:
        return float(rng.randint(0, 1))
    if facts.kind == Kind.MILESTONE:
        return float(rng.randint(0, facts.milestones))
    if facts.kind == Kind.MAINTAIN:
        low = facts.minimum if facts.minimum is not None else facts.maximum - 10
        high = facts.maximum if facts.maximum is not None else facts.minimum + 10
        return round(rng.uniform(low - 5, high + 5), 2)
    span = facts.target - facts.baseline
    return round(facts.baseline + span * rng.uniform(-0.3, 1.3), 2)


def _after_real_check_ins(actor, cycle, values: dict[str, float], day: date) -> dict:
    for key, value in values.items():
        kr = KeyResult.objects.select_related("objective__cycle").get(
            organization=actor.organization, key=key
        )
        record_check_in(actor, kr, value, None, "", day)
    reader = Stored(actor, day)
    out = {}
    for key in values:
        kr = KeyResult.objects.get(organization=actor.organization, key=key)
        f = reader.kr(reader.with_readings([kr])[0])
        out[("kr", key)] = {"current": f.current, "progress": f.progress, "status": f.status.value}
    return out, reader


def test_what_if_equals_what_real_check_ins_of_those_values_give(world):
    org = Organization.objects.get(name="Acme")
    actor = Actor.system(org)
    cycle = Cycle.objects.get(organization=org, key="q")
    keys = list(
        KeyResult.objects.filter(objective__cycle=cycle)
        .order_by("key")
        .values_list("key", flat=True)
    )
    assert len(keys) >= 3
    rng = random.Random(16)
    days = [date.today(), date.today().replace(day=1)]  # today, and a day in the past
    for trial in range(25):
        chosen = rng.sample(keys, rng.randint(1, min(4, len(keys))))
        krs = {k.key: k for k in KeyResult.objects.filter(organization=org, key__in=chosen)}
        values = {key: _value(rng, krs[key]) for key in chosen}
        day = days[trial % 2]
        before = CheckIn.every.count()
        answer = what_if(actor, cycle, values, day)
        assert CheckIn.every.count() == before  # nothing recorded
        with transaction.atomic():
            real, reader = _after_real_check_ins(actor, cycle, values, day)
            for item in answer["key_results"]:
                assert item["after"] == real[("kr", item["key"])], (values, item)
            assert answer["objectives"], "a KR has at least its own objective above it"
            for item in answer["objectives"]:
                o = reader.find(item["key"])
                f = reader.objective(o)
                assert item["after"] == {"progress": f.progress, "status": f.status.value}, (
                    values, day, item)  # fmt: skip
            transaction.set_rollback(True)


def test_what_if_names_each_wrong_key_and_value_and_records_nothing(world):
    org = Organization.objects.get(name="Acme")
    actor = Actor.system(org)
    cycle = Cycle.objects.get(organization=org, key="q")
    boolean = KeyResult.objects.filter(objective__cycle=cycle, kind="boolean").first()
    other = Cycle.objects.exclude(pk=cycle.pk).filter(organization=org).first()
    elsewhere = KeyResult.objects.filter(organization=org).exclude(objective__cycle=cycle).first()
    g_kr = KeyResult.objects.filter(organization__name="Globex").first()
    asked = {"nope": 1, g_kr.key: 1, "x": float("nan"), "nul\x00": 1}
    if boolean is not None:
        asked[boolean.key] = 0.5
    if elsewhere is not None:
        asked[elsewhere.key] = 1
    with pytest.raises(Invalid) as e:
        what_if(actor, cycle, asked)
    fields = dict(e.value.errors)
    assert fields["key_results.nope"] == "no such key result"
    assert fields[f"key_results.{g_kr.key}"] == "no such key result"  # another organisation's
    assert "key_results.x" in fields
    assert fields["key_results.nul\x00"] == "no such key result"
    if boolean is not None:
        assert "boolean" in fields[f"key_results.{boolean.key}"]
    if elsewhere is not None:
        assert "another cycle" in fields[f"key_results.{elsewhere.key}"]
    assert other is not None or elsewhere is None
    with pytest.raises(Invalid):
        what_if(actor, cycle, {})


def test_the_api_answers_the_figures_above_and_records_nothing(api, world):
    org = Organization.objects.get(name="Acme")
    kr = KeyResult.objects.filter(
        organization=org, objective__cycle__key="q", kind="increase"
    ).first()
    before = CheckIn.every.count()
    viewer = api("viewer")
    r = viewer.post("/cycles/q/what-if", {"key_results": {kr.key: kr.target}})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["key_results"][0]["key"] == kr.key
    assert body["key_results"][0]["after"]["progress"] == 1.0
    assert kr.objective.key in [o["key"] for o in body["objectives"]]
    assert CheckIn.every.count() == before
    # Another organisation's token does not see Acme's cycle; a wrong key is named.
    assert (
        api("viewer", "Globex").post("/cycles/q/what-if", {"key_results": {kr.key: 1}}).status_code
        == 404
    )
    wrong = viewer.post("/cycles/q/what-if", {"key_results": {"nope": 1}})
    assert wrong.status_code == 422
    assert "key_results.nope" in wrong.content.decode()
    assert viewer.post("/cycles/q/what-if", {"key_results": {}}).status_code == 422
    assert viewer.post("/cycles/q/what-if", {"key_results": {kr.key: "x"}}).status_code == 422


def test_the_objective_page_simulates_in_the_reader_s_words_and_records_nothing(world, api):
    import re

    from django.test import Client

    from pilote.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(email="viewer@acme.example"))
    client.cookies["django_language"] = "fr"
    page = client.get("/objectives/tact/").content.decode()
    assert 'hx-post="/objectives/tact/what-if/"' in page and "Et si… ?" in page
    before = CheckIn.objects.count()
    answer = client.post("/objectives/tact/what-if/", {"kr-tact-kr": "17,5"})
    html = answer.content.decode()
    assert answer.status_code == 200 and CheckIn.objects.count() == before
    # The page is live (hx-select="#live" is inherited): the form picks its own answer out.
    assert 'hx-select="#what-if-answer"' in page and 'id="what-if-answer"' in html
    # The same figures as the API's what-if of the same value.
    api_answer = api("viewer").post("/cycles/q/what-if", {"key_results": {"tact-kr": 17.5}}).json()
    tact = next(o for o in api_answer["objectives"] if o["key"] == "tact")
    shown = round(tact["after"]["progress"] * 100)
    row = html.split('class="table-active"', 1)[1].split("</tr>", 1)[0]
    assert re.search(rf"<strong>{shown}\s*%</strong>", row)
    assert "Grow" in html  # the strategic objective above it
    # Wrong input: said, nothing simulated.
    wrong = client.post("/objectives/tact/what-if/", {"kr-tact-kr": "beaucoup"})
    assert (
        wrong.status_code == 422
        and "Rating : ce n&#x27;est pas un nombre" in wrong.content.decode()
    )
    empty = client.post("/objectives/tact/what-if/", {})
    assert empty.status_code == 422 and "au moins un résultat clé" in empty.content.decode()
    other = Client()
    other.force_login(User.objects.get(email="viewer@globex.example"))
    assert other.post("/objectives/tact/what-if/", {"kr-tact-kr": "1"}).status_code == 404
