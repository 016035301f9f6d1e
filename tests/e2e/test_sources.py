"""Data that moves by itself, in a real browser: provenance, a held spike, feedback, live."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import shoot


def test_the_demo_shows_a_kr_fed_by_feedback_with_its_provenance(open_as, server):
    page = open_as("mobile@banque.example")
    page.goto(f"{server.url}/objectives/espace-client/")
    kr = page.locator("#kr-note-espace-client")
    expect(kr.get_by_text("Alimenté par")).to_be_visible()
    expect(kr.get_by_role("link", name="Notes des stores (90 jours)")).to_be_visible()
    kr.get_by_text("points d'avancement").click()  # the check-in history
    expect(kr.get_by_text("source de données Notes des stores (90 jours)").first).to_be_visible()
    expect(kr.get_by_text("average_rating over 60 items, 90 days").first).to_be_visible()
    assert page.errors == []
    shoot(page, "provenance-fr-1280")


def test_a_lead_applies_a_held_spike_from_the_objective_page(open_as, server):
    page = open_as("si@banque.example")
    page.goto(f"{server.url}/objectives/disponibilite/")
    kr = page.locator("#kr-temps-reponse-api")
    expect(kr.get_by_text("Une valeur attend confirmation")).to_be_visible()
    shoot(page, "held-value-fr-1280")
    kr.get_by_role("button", name="Écarter").click()
    expect(page.get_by_text("Valeur écartée.")).to_be_visible()
    expect(
        page.locator("#kr-temps-reponse-api").get_by_text("Une valeur attend confirmation")
    ).to_have_count(0)


def test_the_sources_page_and_a_source_with_its_runs(open_as, server):
    # The BI export is a file on the server: its unit's lead reads it, only an admin runs it.
    lead = open_as("digital@banque.example")
    lead.goto(f"{server.url}/sources/")
    expect(lead.get_by_role("heading", name="Sources de données")).to_be_visible()
    lead.get_by_role("link", name="Export BI : abandon du parcours d'ouverture").click()
    expect(lead.get_by_role("heading", name="Relevés")).to_be_visible()
    expect(lead.get_by_role("button", name="Relever maintenant")).to_have_count(0)
    page = open_as("admin@banque.example")
    page.goto(f"{server.url}/sources/")
    page.get_by_role("link", name="Export BI : abandon du parcours d'ouverture").click()
    page.get_by_role("button", name="Relever maintenant").click()
    expect(page.get_by_text("Relevé fait")).to_be_visible()
    assert page.errors == []
    shoot(page, "source-fr-1280")


def test_feedback_is_searched_and_measured_on_a_phone(open_as, server):
    page = open_as("digital@banque.example", width=375)
    page.goto(f"{server.url}/feedback/?q=chatbot")
    expect(page.get_by_text("Le chatbot ne comprend pas mes questions").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    page = open_as("digital@banque.example")
    page.goto(f"{server.url}/feedback/")
    expect(page.get_by_text("Note moyenne")).to_be_visible()
    assert page.errors == []
    shoot(page, "feedback-fr-1280")
