"""A whole cycle of the demo, played in the browser as its people would (issue 14): the
week's check-ins in one form, a review meeting paged with the keyboard, its PDF read back,
a retrospective and a decision per objective, the cycle closed, one grade overridden, two
objectives carried over (their new baselines are the last values), one dropped, and the
next cycle's pages showing where each came from.

It runs on a server of its own: closing the cycle would change what the other browser tests
read."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pypdf
import pytest
from playwright.sync_api import expect

from .conftest import CHROMIUM, PASSWORD, running_server

DECISIONS = {  # objective -> (decision, what was learnt); executives decide any
    "satisfaction": ("keep", "Mesurer chaque semaine"),
    "dematerialisation": ("change", "Trop d'indicateurs"),
    "cout-de-service": ("change", "Le coût suit le selfcare"),
    "espace-client": ("keep", "Livrer plus petit"),
    "ouverture-compte-en-ligne": ("defer", "Dépend du KYC"),
    "rdv-visio": ("drop", "Les clients préfèrent l'agence"),
    "selfcare": ("keep", "La FAQ marche"),
    "disponibilite": ("keep", "Surveiller l'API"),
}


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed for the browser tests (scripts/test installs it)")
    with running_server(tmp_path_factory.mktemp("quarter"), database="pilote_quarter") as srv:
        yield srv


@pytest.fixture
def sign_in(quarter, browser):
    contexts = []

    def make(email: str):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        ctx.add_cookies([{"name": "django_language", "value": "fr", "url": quarter.url}])
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(f"{quarter.url}/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{quarter.url}/")
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def _export(srv) -> dict:
    return json.loads(srv.cli("export", "--format", "json"))


def test_a_whole_cycle_from_the_week_s_check_ins_to_the_next_cycle(quarter, sign_in):
    url = quarter.url
    # 1. The week's check-ins, in one form, keyboard only.
    mobile = sign_in("mobile@banque.example")
    mobile.goto(f"{url}/my/week/")
    expect(mobile.locator("#week-note-espace-client [data-last]")).to_contain_text("Dernier point")
    mobile.keyboard.type("4,7")  # the first value field has the focus
    mobile.keyboard.press("Tab")
    mobile.keyboard.type("8")
    mobile.fill("#id_taux-crash-value", "0,8")
    mobile.fill("#id_taux-crash-confidence", "3")
    mobile.press("#id_taux-crash-value", "Enter")  # without a next step: refused, kept
    expect(mobile.locator("#week-taux-crash .invalid-feedback")).to_contain_text("prochaine étape")
    assert mobile.input_value("#id_note-espace-client-value") == "4,7"
    mobile.fill("#id_taux-crash-next_step", "Corriger le crash au démarrage")
    mobile.press("#id_taux-crash-next_step", "Enter")
    expect(mobile.get_by_text("2 points d’avancement enregistrés.")).to_be_visible()
    krs = {k["key"]: k for o in _export(quarter)["objectives"] for k in o["key_results"]}
    assert krs["note-espace-client"]["check_ins"][-1]["value"] == 4.7
    assert krs["taux-crash"]["check_ins"][-1]["next_step"] == "Corriger le crash au démarrage"

    # 2. The review meeting, paged with the keyboard, and its PDF.
    ceo = sign_in("ceo@banque.example")
    ceo.goto(f"{url}/review/?cycle=semestre")
    position = ceo.locator("[data-position]")
    total = int(position.inner_text().split()[-1])
    assert total >= 7
    ceo.keyboard.press("ArrowRight")
    expect(position).to_have_text(f"2 sur {total}")
    ceo.keyboard.press("End")
    expect(position).to_have_text(f"{total} sur {total}")
    ceo.keyboard.press("Home")
    expect(position).to_have_text(f"1 sur {total}")
    assert "i=1" in ceo.evaluate("location.search")
    pdf = ceo.request.get(f"{url}/review/dg.pdf?cycle=semestre")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Revue : Direction générale" in text and "Optimiser l'Espace Client" in text
    assert "Corriger le crash au démarrage" in text  # this week's next step, in the risks

    # 3. A retrospective and a decision per objective.
    for key, (decision, learnt) in DECISIONS.items():
        ceo.goto(f"{url}/objectives/{key}/decision/")
        ceo.check(f"input[name=decision][value={decision}]")
        ceo.fill("#id_what_worked", "Le rythme hebdomadaire")
        ceo.fill("#id_learnt", learnt)
        ceo.get_by_role("button", name="Enregistrer").click()
        expect(ceo.get_by_text("Décision enregistrée.")).to_be_visible()

    # 4. The cycle closed, then one grade overridden: proposed by its owner, confirmed.
    ceo.goto(f"{url}/cycles/semestre/close/")
    ceo.fill("#close-retro", "Un semestre de rattrapage")
    ceo.get_by_role("button", name="Clore le cycle").click()
    expect(ceo.get_by_text("Cycle clos : chaque objectif a sa note.")).to_be_visible()
    digital = sign_in("digital@banque.example")
    digital.goto(f"{url}/objectives/espace-client/grade/?next=/cycles/semestre/close/")
    digital.fill("#id_grade", "0,8")
    digital.fill("#id_reason", "La note de l'app arrive avec un mois de retard")
    digital.get_by_role("button", name="Proposer").click()
    ceo.goto(f"{url}/cycles/semestre/close/")
    ceo.locator("button[name=confirm][value=espace-client]").click()
    expect(ceo.get_by_text("Note proposée confirmée.")).to_be_visible()
    graded = {o["key"]: o for o in _export(quarter)["objectives"]}
    assert graded["espace-client"]["grade"] == 0.8
    assert graded["rdv-visio"]["workflow_status"] == "dropped"

    # 5. The next cycle, and two objectives carried over into it.
    cycles = {c["key"]: c for c in _export(quarter)["cycles"]}
    end = date.fromisoformat(cycles["semestre"]["end"])
    admin = sign_in("admin@banque.example")
    admin.goto(f"{url}/manage/cycles/")
    admin.fill("#id_key", "semestre-suivant")
    admin.fill("#id_name", "Semestre suivant")
    admin.fill("#id_start", (end + timedelta(days=1)).isoformat())
    admin.fill("#id_end", (end + timedelta(days=182)).isoformat())
    admin.get_by_role("button", name="Créer").click()
    expect(admin.get_by_text("Période créée.")).to_be_visible()
    ceo.goto(f"{url}/cycles/semestre/close/")
    ceo.check("#carry-satisfaction")
    ceo.check("#carry-espace-client")
    ceo.select_option("#carry-to", "semestre-suivant")
    ceo.get_by_role("button", name="Reconduire").click()
    expect(ceo.get_by_text("2 objectifs reconduits")).to_be_visible()

    after = _export(quarter)
    objectives = {o["key"]: o for o in after["objectives"]}
    new = objectives["espace-client-semestre-suivant"]
    assert new["carried_from"] == "espace-client" and new["cycle"] == "semestre-suivant"
    assert new["aligns_to"] == [{"objective": "satisfaction-semestre-suivant", "weight": 1}]
    new_krs = {k["key"]: k for k in new["key_results"]}
    assert new_krs["note-espace-client-semestre-suivant"]["baseline"] == 4.7  # the last value
    assert new_krs["taux-crash-semestre-suivant"]["baseline"] == 0.8
    assert "rdv-visio-semestre-suivant" not in objectives  # dropped: not carried

    # 6. The next cycle's pages say where each came from; the retrospective says how it went.
    ceo.goto(f"{url}/objectives/espace-client-semestre-suivant/")
    expect(ceo.get_by_text("Prolonge")).to_be_visible()
    ceo.goto(f"{url}/objectives/espace-client/")
    expect(ceo.get_by_text("Prolongé dans")).to_be_visible()
    ceo.goto(f"{url}/strategy/?cycle=semestre-suivant")
    expect(ceo.get_by_text("Accroître la satisfaction clients").first).to_be_visible()
    expect(ceo.locator("[data-lineage]").first).to_contain_text("prolonge un objectif")
    ceo.goto(f"{url}/cycles/semestre/retrospective/")
    expect(ceo.get_by_text("Un semestre de rattrapage")).to_be_visible()
    expect(ceo.get_by_text("Livrer plus petit")).to_be_visible()
    expect(ceo.locator("[data-units]")).to_contain_text("Direction du digital")
