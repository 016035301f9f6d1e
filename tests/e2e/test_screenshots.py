"""Every main page in French and English, at desktop and phone width: screenshots for people to
look at (test-artifacts/screenshots/), and checks a person would make: no console error (a CSP
violation would be one), nothing wider than a 375 px phone."""

from __future__ import annotations

import pytest

from .conftest import shoot

PAGES = [
    ("cockpit", "/", "ceo@banque.example"),
    ("strategy", "/strategy/", "ceo@banque.example"),
    ("one-page", "/strategy/one-page/", "employe@banque.example"),
    ("objective", "/objectives/espace-client/", "digital@banque.example"),
    ("my-key-results", "/my/", "mobile@banque.example"),
    ("inbox", "/inbox/", "ceo@banque.example"),
    ("new-objective", "/objectives/new/", "digital@banque.example"),
    ("key-result", "/key-results/note-espace-client/edit/", "digital@banque.example"),
    ("end-of-cycle", "/objectives/espace-client/decision/", "digital@banque.example"),
    ("close-cycle", "/cycles/trimestre/close/", "ceo@banque.example"),
    ("retrospective", "/cycles/semestre/retrospective/", "ceo@banque.example"),
    ("review", "/review/?cycle=semestre&i=2", "ceo@banque.example"),
    ("weekly", "/my/week/", "mobile@banque.example"),
    ("admin-people", "/manage/people/", "admin@banque.example"),
    ("roadmap", "/roadmap/", "digital@banque.example"),
    ("roadmap-ledger", "/roadmap/ledger/", "ceo@banque.example"),
    ("initiative", "/initiatives/faq-selfcare/", "ceo@banque.example"),
    ("sources", "/sources/", "admin@banque.example"),
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize(("name", "path", "email"), PAGES, ids=[p[0] for p in PAGES])
def test_main_pages_render_cleanly_in_both_languages_and_on_a_phone(
    open_as, server, name, path, email, language, width
):
    page = open_as(email, language=language, width=width)
    response = page.goto(f"{server.url}{path}")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == language
    if width == 375:
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width + 1, f"{name} is {overflow}px wide on a {width}px phone"
    if width == 1280:  # the top bar holds on one line, French labels included
        bar = page.evaluate("document.querySelector('nav.navbar').offsetHeight")
        assert bar <= 64, f"{name}: the top bar is {bar}px high at 1280 px in {language}"
    shoot(page, f"{name}-{language}-{width}")
    assert not page.errors, page.errors


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_sign_in_page(server, browser, language):
    ctx = browser.new_context(viewport={"width": 375, "height": 700}, locale=language)
    page = ctx.new_page()
    page.goto(f"{server.url}/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    shoot(page, f"sign-in-{language}-375")
    ctx.close()
