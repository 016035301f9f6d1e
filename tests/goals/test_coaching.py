"""The quality coach where people write and decide (goals/coaching.py): inline in the writing
forms, in the validation inbox, on the API, and as the organisation's blocking policy at
submission."""

from __future__ import annotations

import pytest
from django.utils import translation

from pilote.goals.coaching import in_words, of_objective
from pilote.goals.models import Objective
from pilote.okr.coach import CoachPolicy, check
from pilote.orgs.access import Actor
from pilote.orgs.actions import update_organization
from pilote.orgs.models import Organization
from pilote.words import number
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def _acme():
    org = Organization.objects.get(name="Acme")
    return org, Actor.system(org)


def _rules(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-rule="')[1:]]


def _block(org, *rules, **more):
    update_organization(
        Actor.system(org),
        org,
        {"policy": {**org.policy_overrides, "coach_blocking": list(rules), **more}},
    )
    org.refresh_from_db()


def test_a_stored_objective_is_coached_with_the_organisation_s_thresholds(world):
    org, system = _acme()
    draft = Objective.objects.get(organization=org, key="draft-obj")  # one KR, aligned to nothing
    found = {f.rule: f for f in of_objective(system, draft)}
    assert {"krs-per-objective", "unaligned"} <= set(found)
    assert all(f.severity == "warning" for f in found.values())
    # The organisation's thresholds: one KR is enough, and "unaligned" now blocks.
    _block(org, "unaligned", coach_min_krs=1)
    found = {f.rule: f for f in of_objective(system, draft)}
    assert "krs-per-objective" not in found and found["unaligned"].severity == "blocking"
    # A title that says what another objective of the cycle says, words in another order.
    draft.title = "A better app to ship"
    draft.save()
    said = {f.rule: f for f in of_objective(system, draft)}["near-duplicate"]
    assert said.values["other"] == "Ship a better app"


def test_the_near_duplicate_follows_every_title_change_and_counts_the_unit_once(world):
    # The cycle's titles index is kept by the process under the titles it was built from.
    from pilote.goals.actions import update_objective

    org, system = _acme()
    draft = Objective.objects.get(organization=org, key="draft-obj")
    other = Objective.objects.get(organization=org, key="sales-obj")
    title = other.title

    def rules():
        return {f.rule: f for f in of_objective(system, Objective.objects.get(pk=draft.pk))}

    assert "near-duplicate" not in rules()
    update_objective(system, other, {"title": "The draft"})  # "A draft", in other words
    assert rules()["near-duplicate"].values["other"] == "The draft"
    update_objective(system, Objective.objects.get(pk=other.pk), {"title": title})
    assert "near-duplicate" not in rules()
    # Objectives per unit: the unit's others and this one, counted once.
    _block(org, coach_min_objectives=1, coach_max_objectives=1)
    unit = draft.unit
    same_unit = Objective.objects.filter(cycle=draft.cycle, unit=unit).count()
    assert ("objectives-per-unit" in rules()) == (same_unit != 1)


def test_a_blocking_rule_stops_the_submission_everywhere_and_changes_nothing(world, api):
    org, _ = _acme()
    _block(org, "krs-per-objective")
    lead = api("lead")
    refused = lead.post("/objectives/draft-obj/submit", headers={"Accept-Language": "fr"})
    assert refused.status_code == 422
    problem = refused.json()
    fields = {e["path"]: e["message"] for e in problem["errors"]}
    assert "coach.krs-per-objective" in fields
    assert "résultats clés de cet objectif : 1" in fields["coach.krs-per-objective"]
    assert Objective.objects.get(organization=org, key="draft-obj").status == "draft"
    # In the browser: said on the page, still a draft.
    page = signed_in("lead@acme.example").post("/objectives/draft-obj/submit/", follow=True)
    assert "résultats clés de cet objectif : 1" in page.content.decode()
    assert Objective.objects.get(organization=org, key="draft-obj").status == "draft"
    # Advice only: the same objective goes through.
    _block(org)
    assert lead.post("/objectives/draft-obj/submit").status_code == 200
    assert Objective.objects.get(organization=org, key="draft-obj").status == "submitted"


def test_the_api_says_what_the_coach_says_to_any_reader_of_the_organisation(world, api):
    found = api("viewer").get("/objectives/draft-obj/coach", headers={"Accept-Language": "fr"})
    assert found.status_code == 200
    rules = {f["rule"]: f for f in found.json()}
    assert rules["unaligned"]["name"] == "Aligné sur rien"
    assert rules["unaligned"]["severity"] == "warning" and rules["unaligned"]["fix"]
    assert api("viewer", "Globex").get("/objectives/draft-obj/coach").status_code == 404


def test_the_writing_forms_coach_as_one_types_and_only_writers_may_ask(world):
    lead = signed_in("lead@acme.example")
    form = lead.get("/objectives/new/").content.decode()
    assert 'hx-post="/coach/objective/"' in form
    said = lead.post(
        "/coach/objective/",
        {"title": "Lancer la nouvelle application", "level": "tactical", "cycle": "q",
         "unit": "produit", "owner": ""},
    )  # fmt: skip
    html = said.content.decode()
    assert said.status_code == 200
    # A deliverable, no owner, aligned to nothing; a new objective is not told it has no KR.
    assert set(_rules(html)) == {"output-not-outcome", "no-owner", "unaligned"}
    assert "Un livrable, pas un résultat" in html and "« lancer » nomme un livrable" in html
    # Aligned, owned and worded as an outcome: nothing to say.
    quiet = lead.post(
        "/coach/objective/",
        {"title": "Nos clients notent l'application 4,5 sur 5", "level": "tactical",
         "cycle": "q", "unit": "produit", "owner": "lead@acme.example", "aligns_to": ["strat"]},
    )  # fmt: skip
    assert _rules(quiet.content.decode()) == []
    assert "rien à signaler" in quiet.content.decode()
    # The key result form: this KR, and what it does to its objective.
    kr = lead.post("/coach/objectives/tact/key-result/", {"title": "Tenir 12 réunions clients",
                                                           "kind": "increase", "baseline": "0",
                                                           "target": "12"})  # fmt: skip
    assert _rules(kr.content.decode()) == ["activity-count"]
    edited = lead.post("/coach/objectives/tact/key-result/",
                       {"title": "Bien", "kind": "increase", "coach_key_result": "tact-kr"})  # fmt: skip
    assert set(_rules(edited.content.decode())) == {"not-measurable", "krs-per-objective"}
    # Numbers in the reader's format, as the form takes them: measurable.
    typed = lead.post("/coach/objectives/tact/key-result/", {"title": "Encours d'épargne",
                                                              "kind": "increase",
                                                              "baseline": "1000,5",
                                                              "target": "2000"})  # fmt: skip
    assert "not-measurable" not in _rules(typed.content.decode())
    # Who may not write may not ask.
    assert (
        signed_in("viewer@acme.example").post("/coach/objective/", {"title": "x"}).status_code
        == 403
    )
    other_unit = signed_in("lead-ventes@acme.example")
    assert other_unit.post("/coach/objectives/tact/key-result/", {"title": "x"}).status_code == 403


def test_the_inbox_shows_the_reviewer_each_submission_s_findings(world):
    html = signed_in("executive@acme.example").get("/inbox/").content.decode()
    card = html.split('id="o-submitted-obj"', 1)[1].split("</article>", 1)[0]
    assert "krs-per-objective" in _rules(card)
    assert "Résultats clés par objectif" in card and "Comment corriger" in card


def test_the_coach_writes_numbers_in_the_reader_s_format():
    doc = {"locale": "fr", "objectives": [], "cycles": []}
    (finding,) = check(doc, CoachPolicy(), grade_history={"ventes": [0.95, 0.92, 0.97]})
    with translation.override("fr"):
        said = finding.as_dict(translation.gettext, number)
    assert "0,9" in said["message"]
    with translation.override("en"):
        assert "0.9" in finding.as_dict(translation.gettext, number)["message"]
    assert in_words([]) == []
