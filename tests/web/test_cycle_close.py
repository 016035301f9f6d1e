"""The end of a cycle in the browser: every objective with its grade and decision, carrying
over the ticked ones, closing the cycle (issue 14)."""

from __future__ import annotations

import re

from django.test import Client

from pilote.goals import carrying
from pilote.goals.models import Cycle, Objective
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization, User


def _client(email: str, language: str = "fr") -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    client.cookies["django_language"] = language
    return client


def _acme():
    return Organization.objects.get(name="Acme")


def _decide(key: str, decision: str) -> None:
    o = Objective.objects.get(organization=_acme(), key=key)
    carrying.decide(Actor.system(_acme()), o, {"decision": decision})


def test_the_screen_lists_the_cycle_s_objectives_with_grades_and_decisions(world, db):
    _decide("tact", "keep")
    page = _client("lead@acme.example").get("/cycles/q/close/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fin de cycle : q" in html and "Ship a better app" in html and "Sell" in html
    assert html.index(">Grow<") < html.index(">Ship a better app<")  # strategic first
    assert 'name="objective" value="tact"' in html  # decided keep: can be carried
    assert 'name="objective" value="sales-obj"' not in html  # no decision yet
    assert "objectifs n’ont pas encore de décision" in html
    assert "Clore le cycle" not in html  # a lead does not close a cycle
    assert (
        "Clore le cycle"
        in _client("executive@acme.example").get("/cycles/q/close/").content.decode()
    )
    assert (
        "/cycles/q/close/"
        in _client("lead@acme.example").get("/strategy/?cycle=q").content.decode()
    )


def test_who_opens_the_screen(world, db):
    assert _client("viewer@acme.example").get("/cycles/q/close/").status_code == 403
    assert _client("contributor@acme.example").get("/cycles/q/close/").status_code == 403
    assert _client("executive@acme.example").get("/cycles/g-q/close/").status_code == 404


def test_the_ticked_objectives_are_carried_over_and_shown_as_continued(world, db):
    _decide("strat", "keep")
    _decide("tact", "change")
    executive = _client("executive@acme.example")
    r = executive.post(
        "/cycles/q/close/", {"action": "carry", "to": "cycle-vide", "objective": ["strat", "tact"]}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Objective.objects.filter(organization=_acme(), cycle__key="cycle-vide").count() == 2
    page = executive.get(r["Location"]).content.decode()
    assert "2 objectifs reconduits" in page and "Prolongé dans" in page
    assert 'name="objective" value="tact"' not in page  # carried: no second time
    tree = executive.get("/strategy/?cycle=cycle-vide").content.decode()
    assert tree.count("data-lineage") == 2 and "prolonge un objectif d’un cycle précédent" in tree
    # The carried KR's chart shows the values of the cycle it continues.
    new = Objective.objects.get(
        organization=_acme(), cycle__key="cycle-vide", carried_from__key="tact"
    )
    chart = executive.get(f"/objectives/{new.key}/").content.decode()
    assert (
        "&quot;earlier&quot;: [{&quot;x&quot;: &quot;2027-03-28&quot;, &quot;y&quot;: 15.0}]"
        in chart
    )
    assert "&quot;earlier_start&quot;: &quot;2027-01-01&quot;" in chart


def test_a_wrong_carry_over_is_said_on_the_screen_and_makes_nothing(world, db):
    _decide("strat", "keep")
    _decide("tact", "keep")
    lead, count = _client("lead@acme.example"), Objective.objects.count()
    none = lead.post("/cycles/q/close/", {"action": "carry", "to": "cycle-vide"})
    assert none.status_code == 422 and "Cochez les objectifs" in none.content.decode()
    nowhere = lead.post("/cycles/q/close/", {"action": "carry", "to": "nope", "objective": "tact"})
    assert nowhere.status_code == 422 and "Choisissez le cycle" in nowhere.content.decode()
    # A lead does not write strategic objectives: the reason, and nothing carried.
    strat = lead.post(
        "/cycles/q/close/", {"action": "carry", "to": "cycle-vide", "objective": ["strat", "tact"]}
    )
    assert (
        strat.status_code == 422
        and "seule la direction écrit les objectifs stratégiques" in strat.content.decode()
    )
    assert Objective.objects.count() == count


def test_an_executive_closes_the_cycle_and_the_grades_stay(world, db):
    executive = _client("executive@acme.example")
    assert (
        _client("lead@acme.example").post("/cycles/q/close/", {"action": "close"}).status_code
        == 422
    )
    assert Cycle.objects.get(organization=_acme(), key="q").closed_at is None
    r = executive.post("/cycles/q/close/", {"action": "close", "retrospective": "Bon trimestre"})
    assert r.status_code == 302
    cycle = Cycle.objects.get(organization=_acme(), key="q")
    assert cycle.closed_at is not None
    tact = Objective.objects.get(organization=_acme(), key="tact")
    assert tact.grade is not None and tact.retrospective == "Bon trimestre"
    page = executive.get("/cycles/q/close/").content.decode()
    assert "Clos le" in page and 'value="close"' not in page
    again = executive.post("/cycles/q/close/", {"action": "close"})
    assert again.status_code == 422 and "le cycle « q » est déjà clos" in again.content.decode()


def test_a_lead_proposes_a_grade_and_an_executive_confirms_it_on_the_close_screen(world, db):
    executive, lead = _client("executive@acme.example"), _client("lead@acme.example")
    executive.post("/cycles/q/close/", {"action": "close"})
    computed = Objective.objects.get(organization=_acme(), key="tact").grade
    form = lead.get("/objectives/tact/grade/?next=/cycles/q/close/").content.decode()
    assert "Proposer une note" in form and 'name="next" value="/cycles/q/close/"' in form
    # Bad input: said on the form in French, nothing recorded.
    bad = lead.post("/objectives/tact/grade/", {"grade": "1,5", "reason": "x"})
    assert bad.status_code == 422 and "doit être entre 0,0 et 1,0" in bad.content.decode()
    bad = lead.post("/objectives/tact/grade/", {"grade": "0,5", "reason": ""})
    assert bad.status_code == 422 and "Ce champ est obligatoire" in bad.content.decode()
    assert Objective.objects.get(organization=_acme(), key="tact").grade_proposal is None
    r = lead.post(
        "/objectives/tact/grade/",
        {"grade": "0,8", "reason": "la donnée arrive avec un mois de retard",
         "next": "/cycles/q/close/"},
    )  # fmt: skip
    assert r.status_code == 302 and r["Location"] == "/cycles/q/close/"
    tact = Objective.objects.get(organization=_acme(), key="tact")
    assert tact.grade_proposal == 0.8 and tact.grade_override is None and tact.grade == computed
    # The lead sees the proposal, without the executive's buttons.
    page = lead.get("/cycles/q/close/").content.decode()
    assert "propose 0,8" in page and 'name="confirm"' not in page  # no buttons for a lead
    assert lead.post("/cycles/q/close/", {"confirm": "tact"}).status_code == 422
    # The executive confirms it: it becomes the grade that counts, the computed one kept.
    page = executive.get("/cycles/q/close/").content.decode()
    assert 'name="confirm" value="tact"' in page and "la donnée arrive" in page
    assert executive.post("/cycles/q/close/", {"confirm": "tact"}).status_code == 302
    tact = Objective.objects.get(organization=_acme(), key="tact")
    assert (tact.grade_override, tact.grade_proposal, tact.grade) == (0.8, None, computed)
    assert tact.grade_reason == "la donnée arrive avec un mois de retard"
    page = executive.get("/cycles/q/close/").content.decode()
    assert "remplacée (calculée" in page and 'name="confirm" value="tact"' not in page


def test_an_executive_dismisses_a_proposal_and_a_viewer_may_not_grade(world, db):
    executive = _client("executive@acme.example")
    _client("lead@acme.example").post("/objectives/tact/grade/", {"grade": "0,9", "reason": "x"})
    assert executive.post("/cycles/q/close/", {"dismiss": "tact"}).status_code == 302
    tact = Objective.objects.get(organization=_acme(), key="tact")
    assert tact.grade_proposal is None and tact.grade_override is None
    again = executive.post("/cycles/q/close/", {"dismiss": "tact"})
    assert again.status_code == 422 and "aucune note proposée" in again.content.decode()
    assert _client("viewer@acme.example").get("/objectives/tact/grade/").status_code == 403
    assert _client("executive@acme.example").get("/objectives/g-tact/grade/").status_code == 404


def test_the_objective_page_shows_its_grade_its_override_and_the_way_to_propose_one(world, db):
    executive, lead = _client("executive@acme.example"), _client("lead@acme.example")
    assert "data-grade" not in lead.get("/objectives/tact/").content.decode()  # not graded yet
    executive.post("/cycles/q/close/", {"action": "close"})
    lead.post("/objectives/tact/grade/", {"grade": "0,8", "reason": "en retard"})
    page = lead.get("/objectives/tact/").content.decode()
    assert "data-grade" in page and "Note proposée : 0,8 — en retard" in page
    assert "/objectives/tact/grade/" in page and "Proposer une note" in page
    executive.post("/cycles/q/close/", {"confirm": "tact"})
    page = _client("viewer@acme.example").get("/objectives/tact/").content.decode()
    assert "remplacée (calculée" in page and "/objectives/tact/grade/" not in page


def test_the_retrospective_page_shows_hit_rates_grades_and_learnings(world, db):
    lead, executive = _client("lead@acme.example"), _client("executive@acme.example")
    lead.post(
        "/objectives/tact/decision/",
        {"decision": "keep", "learnt": "Livrer plus petit <b>souvent</b>"},
    )
    before = _client("viewer@acme.example").get("/cycles/q/retrospective/")
    assert before.status_code == 200
    assert "Le cycle n’est pas clos" in before.content.decode()
    executive.post("/cycles/q/close/", {"action": "close", "retrospective": "Un départ lent"})
    page = _client("viewer@acme.example").get("/cycles/q/retrospective/").content.decode()
    assert "Rétrospective : q" in page and "Un départ lent" in page and "Clos le" in page
    assert "Taux d’atteinte" in page and "0 sur 2" in page and "0,47" in page  # mean 0.475
    assert "Livrer plus petit &lt;b&gt;souvent&lt;/b&gt;" in page  # escaped
    assert "Aucune initiative n’a été livrée pendant ce cycle." in page
    assert "?unit=produit" in page
    one = _client("viewer@acme.example").get("/cycles/q/retrospective/?unit=ventes")
    assert "Ship a better app" not in one.content.decode() and "Sell" in one.content.decode()
    assert _client("viewer@acme.example").get("/cycles/g-q/retrospective/").status_code == 404
    english = _client("viewer@acme.example", "en").get("/cycles/q/retrospective/").content
    assert b"Hit rate" in english and b"0 of 2" in english


def test_the_retrospective_pages_its_units_and_its_objectives_apart(world, db, monkeypatch):
    from pilote.web.views import closing

    monkeypatch.setattr(closing, "PAGE", 1)
    viewer = _client("viewer@acme.example")

    def units(page: str) -> list[str]:
        table = page.split("data-units", 1)[1].split("</table>", 1)[0]
        return re.findall(r'href="\?unit=([^"]+)"', table)

    first = viewer.get("/cycles/q/retrospective/").content.decode()
    second = viewer.get("/cycles/q/retrospective/?units=2&page=2").content.decode()
    assert len(units(first)) == 1 and len(units(second)) == 1 and units(first) != units(second)
    # Each pager keeps the other's page: the objectives' next page stays on units page 2.
    assert "?units=2&amp;page=3" in second and "?page=2&amp;units=1" in second
    assert "?units=2" in first  # the units' next page, from the first


def test_a_refusal_page_says_why_in_the_reader_s_language(world, db):
    page = _client("viewer@acme.example").get("/objectives/tact/decision/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "<title>Non autorisé · Pilote</title>" in html and ">Non autorisé</h1>" in html
    assert "seuls son responsable, les responsables de son équipe et la direction" in html
    english = _client("viewer@acme.example", "en").get("/objectives/tact/decision/").content
    assert b"only its owner, the leads of its unit and executives decide its future" in english


def test_a_key_result_already_at_target_asks_its_new_target_on_the_screen(world, db):
    from pilote.goals.keyresults import record_check_in
    from pilote.goals.models import KeyResult

    acme = Actor.system(_acme())
    from datetime import date

    kr = KeyResult.objects.get(organization=_acme(), key="tact-kr")
    record_check_in(acme, kr, 21, effective=date(2027, 4, 1))  # beyond its target of 20
    _decide("tact", "keep")
    executive = _client("executive@acme.example")
    post = {"action": "carry", "to": "cycle-vide", "objective": "tact"}
    asked = executive.post("/cycles/q/close/", post)
    assert asked.status_code == 422
    html = asked.content.decode()
    assert 'name="target-tact-kr"' in html and "Nouvelles cibles" in html
    assert 'value="tact" id="carry-tact" checked' in html  # the choice is kept
    bad = executive.post("/cycles/q/close/", {**post, "target-tact-kr": "beaucoup"})
    assert bad.status_code == 422
    assert "La nouvelle cible de « Rating » doit être un nombre." in bad.content.decode()
    done = executive.post("/cycles/q/close/", {**post, "target-tact-kr": "30,5"})
    assert done.status_code == 302, done.content.decode()[:2000]
    new = KeyResult.objects.get(organization=_acme(), carried_from__key="tact-kr")
    assert (new.baseline, new.target) == (21, 30.5)
