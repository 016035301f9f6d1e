"""The end of a cycle in the browser: the decision form and the objective page's decision
and lineage (issue 14)."""

from __future__ import annotations

from django.test import Client

from pilote.goals import actions, carrying
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


def test_a_lead_drops_an_objective_with_its_retrospective_in_french(world, db):
    lead = _client("lead@acme.example")
    page = lead.get("/objectives/tact/")
    assert "Décider de la suite" in page.content.decode()
    form = lead.get("/objectives/tact/decision/").content.decode()
    assert "Abandonner : on l&#x27;arrête" in form and "Ce qui a marché" in form
    r = lead.post(
        "/objectives/tact/decision/",
        {"decision": "drop", "what_did_not": "<script>x</script> trop large", "learnt": "Cibler"},
    )
    assert r.status_code == 302 and r["Location"] == "/objectives/tact/"
    page = lead.get("/objectives/tact/").content.decode()
    assert "Fin de cycle\u00a0: Abandonner" in page and "Abandonné" in page
    assert "&lt;script&gt;x&lt;/script&gt; trop large" in page and "<script>x" not in page
    assert "Cibler" in page and "Changer la décision" in page


def test_who_may_open_the_decision_form(world, db):
    assert _client("contributor@acme.example").get("/objectives/tact/decision/").status_code == 403
    assert _client("viewer@acme.example").get("/objectives/tact/decision/").status_code == 403
    assert _client("lead@acme.example").get("/objectives/g-tact/decision/").status_code == 404
    # A reader who may not decide sees the decision, not the button.
    carrying.decide(Actor.system(_acme()), Objective.objects.get(organization=_acme(), key="tact"),
                    {"decision": "keep", "learnt": "Petits pas"})  # fmt: skip
    page = _client("viewer@acme.example").get("/objectives/tact/").content.decode()
    assert "Fin de cycle\u00a0: Poursuivre" in page and "Petits pas" in page
    assert "/objectives/tact/decision/" not in page


def test_an_owner_who_does_not_write_it_is_told_on_the_form_why_not_drop(world, db):
    sales = Objective.objects.get(organization=_acme(), key="sales-obj")
    actions.update_objective(Actor.system(_acme()), sales, {"owner": "contributor@acme.example"})
    owner = _client("contributor@acme.example", "en")
    r = owner.post("/objectives/sales-obj/decision/", {"decision": "drop"})
    assert r.status_code == 422 and "defer or drop" in r.content.decode()
    assert Objective.objects.get(pk=sales.pk).decision == ""
    r = owner.post("/objectives/sales-obj/decision/", {"decision": "nonsense"})
    assert r.status_code == 422 and Objective.objects.get(pk=sales.pk).decision == ""
    assert owner.post("/objectives/sales-obj/decision/", {"decision": "keep"}).status_code == 302


def test_the_objective_page_shows_where_it_came_from_and_where_it_went_on(world, db):
    system = Actor.system(_acme())
    tact = Objective.objects.get(organization=_acme(), key="tact")
    carrying.decide(system, tact, {"decision": "keep"})
    q, later = (Cycle.objects.get(organization=_acme(), key=k) for k in ("q", "cycle-vide"))
    ((new, _),) = carrying.carry_over(system, q, later, ["tact"])
    lead = _client("lead@acme.example")
    old_page = lead.get("/objectives/tact/").content.decode()
    assert "Prolongé dans" in old_page and f'href="/objectives/{new.key}/"' in old_page
    new_page = lead.get(f"/objectives/{new.key}/").content.decode()
    assert "Prolonge" in new_page and 'href="/objectives/tact/"' in new_page
