"""Forecasts where people read them (goals/forecasting.py): the API's key results, objectives
and tree, and the JSON export, each equal to the rule (pilote.okr.forecast) on the KR's
check-ins up to the day read."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pilote.goals.keyresults import facts_of, record_check_in, withdraw_check_in
from pilote.goals.models import CheckIn, KeyResult
from pilote.interchange.exporter import build, to_json
from pilote.okr.forecast import Forecast, forecast, objective_probability, progress_moments
from pilote.okr.types import Reading
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization

pytestmark = pytest.mark.django_db
DAY = date(2027, 4, 20)


def _acme():
    org = Organization.objects.get(name="Acme")
    return org, Actor.system(org)


def _kr(org, key) -> KeyResult:
    return KeyResult.objects.select_related("objective__cycle").get(organization=org, key=key)


def _expected(kr: KeyResult, as_of: date):
    readings = [
        Reading(c.value, c.effective, c.confidence, c.pk)
        for c in CheckIn.objects.filter(key_result=kr)
    ]
    facts = facts_of(kr)
    return forecast(facts, readings, kr.objective.cycle.start, facts.due, as_of)


def test_the_api_gives_each_key_result_its_forecast_or_why_not(world, api):
    org, system = _acme()
    kr = _kr(org, "tact-kr")  # 15 on 28 March, baseline 10, target 20
    viewer = api("viewer")
    one = viewer.get(f"/key-results/{kr.key}?as_of={DAY}").json()
    assert one["forecast"] is None
    assert one["forecast_reason"]["code"] == "too_few_check_ins"
    fr = viewer.get(f"/key-results/{kr.key}?as_of={DAY}", headers={"Accept-Language": "fr"}).json()
    assert (
        fr["forecast_reason"]["message"]
        == "il faut des points d'avancement à deux dates différentes"
    )

    record_check_in(system, kr, 16, 6, "", date(2027, 4, 10))
    record_check_in(system, kr, 17, 7, "", date(2027, 4, 18))
    later = record_check_in(system, kr, 30, 9, "", date(2027, 5, 2))[0]  # after the day read
    wrong = record_check_in(system, kr, 99, 9, "", date(2027, 4, 19))[0]
    withdraw_check_in(system, wrong, "typed 99 for 19")
    want = _expected(kr, DAY)
    assert isinstance(want, Forecast) and want.points == 4  # the baseline + 3 days
    got = viewer.get(f"/key-results/{kr.key}?as_of={DAY}").json()
    assert got["forecast_reason"] is None
    assert got["forecast"] == pytest.approx(want.as_dict())
    assert 0 < got["forecast"]["probability"] < 1
    assert got["forecast"]["low"] < got["forecast"]["projected"] < got["forecast"]["high"]
    # Read later, the check-in of 2 May counts.
    may = viewer.get(f"/key-results/{kr.key}?as_of=2027-05-10").json()
    assert may["forecast"] == pytest.approx(_expected(kr, date(2027, 5, 10)).as_dict())
    assert may["forecast"] != got["forecast"] and later.value == 30

    # The list and the objective say the same; the objective's odds come from its KRs'.
    listed = viewer.get(f"/key-results?objective=tact&as_of={DAY}").json()
    assert listed["items"][0]["forecast"] == got["forecast"]
    objective = viewer.get(f"/objectives/tact?as_of={DAY}").json()
    assert objective["key_results"][0]["forecast"] == got["forecast"]
    terms = [(kr.weight, *progress_moments(facts_of(kr), want))]
    assert objective["forecast"] == {
        "probability": pytest.approx(objective_probability(terms, 0.7)),
        "grade": 0.7,
    }
    # The strategic objective: one KR with one check-in (none) and nothing else of its own.
    strat = viewer.get(f"/objectives/strat?as_of={DAY}").json()
    assert strat["key_results"][0]["forecast"] is None and strat["forecast"] is None

    # The tree carries them too, for the objectives and KRs it shows.
    tree = viewer.get(f"/cycles/q/tree?as_of={DAY}").json()
    found = {}

    def walk(nodes):
        for n in nodes:
            found[n["key"]] = n
            walk(n["children"])

    walk(tree["objectives"])
    assert found["tact"]["forecast"] == objective["forecast"]
    assert found["tact"]["key_results"][0]["forecast"] == got["forecast"]


def test_the_json_export_carries_the_forecasts_and_imports_back(world):
    org, system = _acme()
    kr = _kr(org, "tact-kr")
    record_check_in(system, kr, 16, 6, "", date(2027, 4, 10))
    doc = json.loads(to_json(build(system, computed=True, as_of=DAY)))
    tact = next(o for o in doc["objectives"] if o["key"] == "tact")
    entry = tact["key_results"][0]
    assert entry["forecast"] == pytest.approx(_expected(kr, DAY).as_dict())
    assert 0 <= tact["forecast"]["probability"] <= 1
    strat = next(o for o in doc["objectives"] if o["key"] == "strat")
    assert strat["forecast"] is None
    assert strat["key_results"][0]["forecast"] is None
    assert strat["key_results"][0]["forecast_reason"]["code"] == "too_few_check_ins"
    # The YAML export (no computed figures) has none.
    plain = build(system)
    assert "forecast" not in next(o for o in plain["objectives"] if o["key"] == "tact")


def test_the_objective_page_shows_each_forecast_its_cone_and_the_odds(world, client, settings):
    import time_machine

    org, system = _acme()
    kr = _kr(org, "tact-kr")
    record_check_in(system, kr, 16, 6, "", date(2027, 4, 10))
    with time_machine.travel("2027-04-20T09:00:00+00:00", tick=False):
        client.force_login(kr.owner)
        page = client.get("/objectives/tact/", headers={})
        strat = client.get("/objectives/strat/", headers={"Accept-Language": "fr"})
        f = _expected(kr, DAY)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Forecast for 06/30/2027" in html and "chance of reaching the target" in html
    assert "Odds of ending at grade 0.7 or more" in html  # Acme reads English
    chart = json.loads(
        next(
            c.split('data-chart="', 1)[1].split('"', 1)[0].replace("&quot;", '"')
            for c in html.split("<canvas")
            if 'id="chart-tact-kr"' in c
        )
    )
    assert chart["forecast"]["from"] == {"x": "2027-04-10", "y": 16.0}
    assert chart["forecast"]["to"] == "2027-06-30"
    assert chart["forecast"]["projected"] == pytest.approx(f.projected)
    assert chart["forecast"]["low"] == pytest.approx(f.low)
    # The strategic objective's KR has one check-in: said, and no cone.
    assert "check-ins on two different days are needed" in strat.content.decode()


def test_a_reader_s_forecasts_read_check_ins_a_batch_at_a_time(world, monkeypatch):
    """Each forecast of the KRs a reader holds reads the check-ins of the next ones too
    (``BATCH`` KRs a query), and every KR's forecast is its own."""
    from types import SimpleNamespace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pilote.goals import forecasting
    from pilote.goals.forecasting import TRENDED

    org, actor = _acme()
    krs = list(KeyResult.objects.filter(organization=org).select_related("objective__cycle"))
    held: dict[int, list] = {}
    for kr in krs:
        held.setdefault(kr.objective_id, []).append(kr)
    trended = [kr for kr in krs if kr.kind in TRENDED]
    assert len(trended) >= 4
    monkeypatch.setattr(forecasting, "BATCH", 2)
    reader = SimpleNamespace(actor=actor, as_of=DAY, memo={}, krs_by_objective=held)
    with CaptureQueriesContext(connection) as ctx:
        got = {kr.pk: forecasting.kr_forecast(reader, kr) for kr in krs}
    reads = [q for q in ctx.captured_queries if '"goals_checkin"' in q["sql"]]
    assert len(reads) == -(-len(trended) // 2)  # ⌈trended ÷ 2⌉
    assert got == {kr.pk: _expected(kr, DAY) for kr in krs}
