"""The roadmap in a real browser: a lead ranks, moves and declares; an executive reviews."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import shoot


def test_a_lead_moves_initiatives_with_the_keyboard_and_by_drag_and_drop(open_as, server):
    page = open_as("digital@banque.example")
    page.goto(f"{server.url}/roadmap/")
    expect(page.get_by_role("heading", name="Feuille de route par l'impact")).to_be_visible()
    later = page.locator(".board-col[data-horizon=later]")
    now = page.locator(".board-col[data-horizon=now]")
    # keyboard: the card's own "Move to" control
    card = page.locator("#ini-signature-electronique")
    card.get_by_label("Déplacer vers").select_option("now")
    card.get_by_role("button", name="Déplacer").focus()
    page.keyboard.press("Enter")
    expect(now.locator("#ini-signature-electronique")).to_be_visible()
    # the focus comes back to the moved card's menu, not to the top of the page
    expect(page.locator("#mv-signature-electronique")).to_be_focused()
    # drag and drop back to "later"
    page.locator("#ini-signature-electronique").drag_to(later)
    expect(later.locator("#ini-signature-electronique")).to_be_visible()
    # within a column, cards stay ranked by score
    ranks = [int(t.strip("#")) for t in now.locator(".badge.text-bg-primary").all_inner_texts()]
    assert ranks == sorted(ranks)
    shoot(page, "roadmap-board-fr-1280")


def test_a_lead_declares_an_impact_and_sees_unaligned_work(open_as, server):
    page = open_as("digital@banque.example")
    page.goto(f"{server.url}/initiatives/new/")
    page.get_by_label("Clé", exact=True).fill("mode-hors-ligne")
    page.get_by_label("Intitulé", exact=True).fill("Consulter ses comptes hors ligne")
    page.get_by_label("Direction / équipe").select_option("digital")
    page.get_by_label("Effort (semaines-personne)").fill("6")
    page.get_by_label("Confiance (0 à 1)").fill("0,5")
    page.locator("#id_kr_0").select_option("note-espace-client")
    page.locator("#id_expected_0").fill("0,1")
    page.locator("#id_rationale_0").fill("Avis négatifs dans le métro")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Pourquoi ce rang ?")).to_be_visible()
    expect(page.get_by_text("Avis négatifs dans le métro")).to_be_visible()
    page.goto(f"{server.url}/roadmap/unaligned/")
    expect(page.locator("#ini-nouveau-logo")).to_be_visible()
    expect(page.locator("#ini-mode-hors-ligne")).to_have_count(0)


def test_an_executive_sees_the_roadmap_by_strategic_objective_and_the_ledger(open_as, server):
    page = open_as("ceo@banque.example")
    page.goto(f"{server.url}/roadmap/")
    page.get_by_role("link", name="Par objectif stratégique").click()
    section = page.locator(
        "section",
        has=page.get_by_role("link", name="Dématérialiser les parcours phares de l'agence"),
    )
    expect(section.locator("#ini-prise-rdv-en-ligne")).to_be_visible()
    shoot(page, "roadmap-objectives-fr-1280")
    page.get_by_role("link", name="Bilan des paris").click()
    expect(page.get_by_role("row", name="Banque Exemple")).to_contain_text("3")
    expect(page.get_by_text("FAQ et formulaires en libre-service")).to_be_visible()
    shoot(page, "roadmap-ledger-fr-1280")
    page.get_by_role("link", name="FAQ et formulaires en libre-service").click()
    expect(page.get_by_role("heading", name="Déclaré et mesuré")).to_be_visible()
    assert not page.errors, page.errors
