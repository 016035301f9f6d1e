"""Each role's weekly flow, end to end in a real browser."""

from __future__ import annotations

import json
import time
import urllib.request

from playwright.sync_api import expect

from .conftest import shoot


def test_a_contributor_checks_in_with_a_french_decimal_comma(open_as, server):
    page = open_as("mobile@banque.example")
    page.goto(f"{server.url}/my/")
    expect(page.get_by_role("heading", name="Mes résultats clés")).to_be_visible()
    row = page.locator("#row-note-espace-client")
    field = row.get_by_label("Nouvelle valeur")
    field.fill("4,61")
    field.press("Enter")  # the second and last interaction
    row = page.locator("#row-note-espace-client")
    expect(row.get_by_role("status")).to_have_text("Enregistré.")
    expect(row.locator("[data-current]")).to_contain_text("4,61")
    assert page.evaluate("document.activeElement.name") == "note-espace-client-value"
    assert not page.errors, page.errors


def test_a_contributor_sees_a_clear_error_for_a_wrong_value(open_as, server):
    page = open_as("mobile@banque.example")
    page.goto(f"{server.url}/my/")
    row = page.locator("#row-taux-crash")
    row.get_by_label("Nouvelle valeur").fill("beaucoup")
    row.get_by_label("Nouvelle valeur").press("Enter")
    expect(page.locator("#row-taux-crash .invalid-feedback")).to_be_visible()


def test_a_lead_writes_aligns_and_submits_an_objective(open_as, server):
    page = open_as("digital@banque.example")
    page.goto(f"{server.url}/objectives/new/")
    page.get_by_label("Clé").fill("paiement-mobile")
    page.get_by_label("Intitulé").fill("Payer en un geste depuis l'application")
    page.get_by_label("Niveau").select_option("tactical")
    page.get_by_label("Direction / équipe").select_option("digital")
    page.locator("#align-filter").fill("satisfaction")  # search, then tick, then weigh
    page.locator("#al-satisfaction").check()
    page.locator("#w-satisfaction").fill("2")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_role("heading", name="Payer en un geste depuis l'application")
    ).to_be_visible()
    page.get_by_role("link", name="Ajouter un résultat clé").first.click()
    page.get_by_label("Clé").fill("paiements-app")
    page.get_by_label("Intitulé").fill("Passer de 10 000 à 40 000 paiements par mois")
    page.get_by_label("Type").select_option("increase")
    page.get_by_label("Valeur de départ").fill("10000")
    page.get_by_label("Cible").fill("10000")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text(
        "doit différer de la valeur de départ"
    )
    page.get_by_label("Cible").fill("40000")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_role("heading", name="Passer de 10 000 à 40 000 paiements par mois")
    ).to_be_visible()
    page.get_by_role("button", name="Soumettre à validation").click()
    expect(page.get_by_text("Soumis à validation.")).to_be_visible()
    expect(page.locator("header .badge").last).to_have_text("Soumis")


def test_an_executive_reviews_and_approves(open_as, server):
    page = open_as("dga@banque.example")
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Validation").click()
    card = page.locator("#o-agences-relais")
    expect(card).to_contain_text("Transformer 30 agences en espaces de conseil")
    shoot(page, "inbox-fr")
    card.get_by_role("button", name="Valider").click()
    expect(
        page.get_by_text("Validé : l'objectif fait désormais partie de la stratégie.")
    ).to_be_visible()
    expect(page.locator("#o-agences-relais")).to_have_count(0)


def test_a_viewer_reads_the_tree_and_the_one_page_strategy_and_cannot_edit(open_as, server):
    page = open_as("employe@banque.example")
    page.goto(f"{server.url}/strategy/")
    expect(page.get_by_role("heading", name="Arbre de la stratégie")).to_be_visible()
    expect(page.get_by_role("link", name="Nouvel objectif")).to_have_count(0)
    toggle = page.get_by_role(
        "button", name="Afficher ou masquer ce qui compte pour Optimiser l'Espace Client"
    ).first
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")  # expand with the keyboard: its KRs load when opened
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_text("Obtenir une note de 4,8 sur l'Espace Client").first).to_be_visible()
    page.get_by_role("link", name="La stratégie sur une page").click()
    expect(
        page.get_by_role("heading", name="Où nous allons, et comment nous le saurons")
    ).to_be_visible()
    page.goto(f"{server.url}/objectives/espace-client/")
    expect(page.get_by_role("link", name="Modifier")).to_have_count(0)
    response = page.goto(f"{server.url}/objectives/new/")
    assert response.status == 403


def test_a_check_in_posted_through_the_api_appears_on_an_open_page(open_as, server):
    secret = (
        server.cli(
            "token",
            "create",
            "--org",
            "Banque Exemple",
            "--user",
            "mobile@banque.example",
            "--name",
            "e2e",
        )
        .strip()
        .splitlines()[-1]
    )
    page = open_as("employe@banque.example")
    page.goto(f"{server.url}/objectives/espace-client/")
    current = page.locator("#kr-note-espace-client")
    expect(current).not_to_contain_text("4,73")
    page.wait_for_timeout(300)  # the page's event stream is open
    body = json.dumps({"value": 4.73, "confidence": 8, "comment": "Depuis l'API"}).encode()
    request = urllib.request.Request(
        f"{server.url}/api/v1/key-results/note-espace-client/check-ins",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    started = time.monotonic()
    assert urllib.request.urlopen(request, timeout=10).status == 201
    expect(page.locator("#kr-note-espace-client")).to_contain_text("4,73", timeout=2000)
    print(f"check-in visible on the open page after {time.monotonic() - started:.2f} s")
    assert page.url.endswith("/objectives/espace-client/")  # no reload, no navigation
    # The charts are drawn again in the new content, the objective's and every KR's.
    drawn = """() => Array.from(document.querySelectorAll('canvas[data-chart]'))
        .map(c => !!Chart.getChart(c) && c.width > 0)"""
    deadline = time.monotonic() + 2
    while not all(page.evaluate(drawn)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    charts = page.evaluate(drawn)
    assert len(charts) >= 2 and all(charts), charts


def test_french_and_english_pages_show_their_words_and_numbers(open_as, server):
    page = open_as("ceo@banque.example")
    page.goto(f"{server.url}/objectives/espace-client/")
    expect(page.get_by_role("heading", name="Résultats clés")).to_be_visible()
    expect(page.locator("#kr-note-espace-client")).to_contain_text("Augmenter de 4,1 à 4,8")
    page.get_by_label("Langue").select_option("en")  # applies on choice: no button to press
    expect(page.get_by_role("heading", name="Key results")).to_be_visible()
    expect(page.locator("#kr-note-espace-client")).to_contain_text("Increase from 4.1 to 4.8")


def test_another_organisations_pages_are_out_of_reach(open_as, server):
    page = open_as("admin@banque.example")
    response = page.goto(f"{server.url}/objectives/autre-secret/")
    assert response.status == 404
    expect(page.get_by_text("Projet confidentiel")).to_have_count(0)
    response = page.goto(f"{server.url}/strategy/?cycle=autre-s")
    assert response.status == 404


def test_repeated_wrong_passwords_lock_the_sign_in(server, browser):
    server.cli(
        "user",
        "add",
        "--org",
        "Banque Exemple",
        "lockme@banque.example",
        "--password-stdin",
        stdin="a-long-enough-passphrase\n",
    )
    ctx = browser.new_context(locale="fr-FR")  # signed out, the page follows the browser's language
    page = ctx.new_page()
    for _ in range(5):
        page.goto(f"{server.url}/login/")
        page.fill("#id_username", "lockme@banque.example")
        page.fill("#id_password", "wrong-password")
        page.click("form button[type=submit]")
    page.goto(f"{server.url}/login/")
    page.fill("#id_username", "lockme@banque.example")
    page.fill("#id_password", "a-long-enough-passphrase")
    page.click("form button[type=submit]")
    expect(page.get_by_text("Trop de tentatives de connexion échouées")).to_be_visible()
    assert not page.url.rstrip("/").endswith(server.url.rstrip("/"))
    ctx.close()


def test_a_form_posted_without_its_csrf_token_is_refused(open_as, server):
    page = open_as("mobile@banque.example")
    response = page.request.post(
        f"{server.url}/key-results/note-espace-client/check-in/",
        form={"note-espace-client-value": "4.9"},
    )
    assert response.status == 403
    page.goto(f"{server.url}/objectives/espace-client/")
    expect(page.locator("#kr-note-espace-client")).not_to_contain_text("4,9 ★")


def test_a_check_in_recorded_by_the_cli_in_another_process_appears_too(open_as, server):
    page = open_as("ceo@banque.example")
    page.goto(f"{server.url}/objectives/selfcare/")
    expect(page.locator("#kr-appels-evites")).not_to_contain_text("12 345")
    page.wait_for_timeout(300)
    server.cli("checkin", "--org", "Banque Exemple", "appels-evites", "12345", "--confidence", "6")
    expect(page.locator("#kr-appels-evites")).to_contain_text("12 345", timeout=2000)


def test_the_key_result_form_asks_what_its_kind_uses(open_as, server):
    page = open_as("digital@banque.example")
    page.goto(f"{server.url}/objectives/espace-client/key-results/new/")
    kind = page.locator("select[name=kind]")
    for choice, shown, hidden in (
        ("increase", ["Valeur de départ", "Cible"], ["Jalons (un par ligne)"]),
        ("boolean", [], ["Valeur de départ", "Cible", "Minimum", "Jalons (un par ligne)"]),
        ("milestone", ["Jalons (un par ligne)"], ["Valeur de départ", "Cible"]),
        ("maintain", ["Minimum", "Maximum"], ["Valeur de départ", "Cible"]),
    ):
        kind.select_option(choice)
        for label in shown:
            expect(page.get_by_label(label, exact=True)).to_be_visible()
        for label in hidden:
            expect(page.get_by_label(label, exact=True)).to_be_hidden()
    # A KR made "done / not done" after a baseline was typed keeps none.
    kind.select_option("increase")
    page.locator("input[name=title]").fill("Ouvrir le chat le week-end")
    page.get_by_label("Valeur de départ", exact=True).fill("3")
    kind.select_option("boolean")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Ouvrir le chat le week-end")).to_be_visible()


def test_the_alignment_list_is_searched_as_one_types(open_as, server):
    page = open_as("digital@banque.example")
    page.goto(f"{server.url}/objectives/new/")
    rows = page.locator("#align-results li")
    total = rows.count()
    assert total > 3
    page.locator("#align-filter").fill("satisfaction")
    expect(rows.first).to_contain_text("satisfaction")  # the database's answer, swapped in
    expect(rows).not_to_have_count(total)
    first = rows.first
    title = first.locator("label.form-check-label").inner_text()
    first.locator("input[type=checkbox]").check()
    chosen = page.locator("#align-chosen li")
    expect(chosen).to_have_count(1)  # a ticked candidate joins the chosen ones
    page.locator("#align-filter").fill("zzz")
    expect(page.locator("#align-results")).to_contain_text("Aucun objectif")
    expect(chosen).to_have_count(1)  # and stays when the search changes
    assert title.split(" · ")[0] in chosen.first.inner_text()
    page.locator("#align-filter").press("Enter")  # Enter searches, it does not send the form
    assert page.url.endswith("/objectives/new/")
    assert page.errors == []


def test_the_key_result_form_states_its_definition_as_one_types(open_as, server):
    page = open_as("digital@banque.example")
    page.goto(f"{server.url}/objectives/espace-client/key-results/new/")
    sentence = page.locator("[data-kr-sentence]")
    page.locator("select[name=kind]").select_option("increase")
    page.get_by_label("Valeur de départ", exact=True).fill("4,1")
    page.get_by_label("Cible", exact=True).fill("4,8")
    page.locator("input[name=unit]").fill("★")
    expect(sentence).to_have_text("Augmenter de 4,1 à 4,8\u00a0★")
    page.get_by_label("Cible", exact=True).fill("3")
    expect(sentence).to_contain_text("choisissez « Diminuer »")
    page.locator("select[name=kind]").select_option("maintain")
    page.get_by_label("Minimum", exact=True).fill("99,5")
    expect(sentence).to_contain_text("Maintenir à 99,5")
    assert page.errors == []
