"""axe-core (from npm, injected by the test, never served by the page) on the main pages."""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    ("ceo@banque.example", "/"),
    ("ceo@banque.example", "/strategy/"),
    ("ceo@banque.example", "/strategy/one-page/"),
    ("ceo@banque.example", "/objectives/espace-client/"),
    ("ceo@banque.example", "/inbox/"),
    ("ceo@banque.example", "/roadmap/"),
    ("ceo@banque.example", "/roadmap/ledger/"),
    ("mobile@banque.example", "/my/"),
    ("ceo@banque.example", "/notifications/"),
    ("ceo@banque.example", "/feedback/"),
    ("admin@banque.example", "/sources/"),
    ("admin@banque.example", "/manage/people/"),
    ("admin@banque.example", "/manage/units/"),
    ("admin@banque.example", "/manage/cycles/"),
    ("admin@banque.example", "/manage/rules/"),
    ("admin@banque.example", "/manage/sso/"),
    ("admin@banque.example", "/manage/provisioning/"),
    ("digital@banque.example", "/objectives/new/"),
    ("digital@banque.example", "/objectives/espace-client/key-results/new/"),
    ("digital@banque.example", "/key-results/note-espace-client/edit/"),
    ("digital@banque.example", "/objectives/espace-client/decision/"),
    ("ceo@banque.example", "/cycles/trimestre/close/"),
    ("digital@banque.example", "/cycles/trimestre/retrospective/"),
    ("ceo@banque.example", "/review/?cycle=semestre"),
    ("mobile@banque.example", "/my/week/"),
    ("digital@banque.example", "/initiatives/cache-api/"),
    ("digital@banque.example", "/units/digital/"),
]


# Known and not mended yet: (page, axe rule) pairs a page may still break; each must still
# be found (remove it once mended). Empty: every page passes every serious rule.
KNOWN: set[tuple[str, str]] = set()


def violations(page) -> list[dict]:
    # evaluate() runs outside the page's Content-Security-Policy: the page never loads axe.
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
        " first: v.nodes[0].target.join(' '),"
        " why: v.nodes.slice(0, 2).map(n => n.any.map(a => a.message).join(' '))})))"
    )
    return found


@pytest.mark.parametrize(("email", "path"), PAGES)
def test_a_main_page_has_no_serious_or_critical_accessibility_violation(
    open_as, server, email, path
):
    page = open_as(email)
    page.goto(f"{server.url}{path}")
    found = violations(page)
    print(path, json.dumps(found))
    serious = [
        v for v in found if v["impact"] in ("serious", "critical") and (path, v["id"]) not in KNOWN
    ]
    assert serious == [], f"{path}: {serious}"
    # What is known and left is still there (remove it from KNOWN once mended).
    for known_path, rule in KNOWN:
        if known_path == path:
            assert any(v["id"] == rule for v in found), f"{path}: {rule} is mended"
