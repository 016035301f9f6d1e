"""Pages through Django's test client: who sees what, forms, French input, security headers."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pilote.goals.models import CheckIn
from pilote.orgs.models import User
from tests.conftest import ROLES


@pytest.fixture
def browser(world, db):
    def make(
        role: str, org_domain: str = "acme.example", language: str | None = None, csrf: bool = False
    ) -> Client:
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(User.objects.get(email=f"{role}@{org_domain}"))
        if language:
            client.cookies["django_language"] = language
        return client

    return make


PAGES = [
    "/",
    "/strategy/",
    "/strategy/?unit=produit&status=on_track",
    "/strategy/one-page/",
    "/objectives/tact/",
    "/objectives/strat/",
    "/my/",
    "/sources/",
    "/sources/src/",
    "/feedback/",
    "/feedback/?q=slow&tag=login&window=30",
    "/notifications/",
    "/initiatives/ini1/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PAGES)
def test_every_member_reads_the_strategy(browser, role, path):
    r = browser(role).get(path)
    assert r.status_code == 200
    assert "Content-Security-Policy" in r.headers


RESTRICTED = [
    ("/inbox/", {"executive"}),
    ("/manage/people/", {"admin"}),
    ("/manage/units/", {"admin"}),
    ("/manage/cycles/", {"admin"}),
    ("/manage/webhooks/", {"admin"}),
    ("/objectives/new/", {"admin", "executive", "lead"}),
    ("/objectives/tact/edit/", {"admin", "executive", "lead"}),
    ("/objectives/tact/key-results/new/", {"admin", "executive", "lead"}),
    ("/key-results/tact-kr/edit/", {"admin", "executive", "lead"}),
    ("/initiatives/new/", {"admin", "executive", "lead"}),
    ("/initiatives/ini1/edit/", {"admin", "executive", "lead"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "allowed"), RESTRICTED)
def test_restricted_pages_answer_403_to_other_roles(browser, role, path, allowed):
    r = browser(role).get(path)
    assert r.status_code == (200 if role in allowed else 403)


def test_signed_out_visitors_go_to_the_sign_in_page():
    for path in PAGES + ["/inbox/", "/manage/people/"]:
        r = Client().get(path)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "path",
    [
        "/objectives/g-tact/",
        "/objectives/g-tact/edit/",
        "/key-results/g-tact-kr/edit/",
        "/manage/people/lead@globex.example/",
        "/strategy/?cycle=g-q",
        "/sources/g-src/",
    ],
)
def test_another_organisations_pages_are_404(browser, path):
    r = browser("admin").get(path)
    assert r.status_code == 404
    assert b"Globex" not in r.content


def test_a_french_reader_checks_in_with_a_decimal_comma(browser):
    client = browser("contributor", language="fr")
    page = client.get("/my/")
    assert "Mes résultats clés" in page.content.decode()
    r = client.post(
        "/key-results/tact-kr/check-in/",
        {"tact-kr-value": "15,5", "tact-kr-confidence": "7", "tact-kr-comment": "ok"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "Enregistré" in r.content.decode()
    assert CheckIn.objects.filter(key_result__key="tact-kr").latest("id").value == 15.5


def test_an_english_reader_types_a_decimal_point(browser):
    client = browser("contributor", language="en")
    client.post("/key-results/tact-kr/check-in/", {"tact-kr-value": "16.25"})
    assert CheckIn.objects.filter(key_result__key="tact-kr").latest("id").value == 16.25


def test_a_bad_check_in_shows_the_error_in_the_row_and_records_nothing(browser):
    client = browser("contributor", language="en")
    before = CheckIn.objects.count()
    r = client.post(
        "/key-results/tact-kr/check-in/",
        {"tact-kr-value": "lots", "tact-kr-confidence": "12"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "is-invalid" in html and 'aria-invalid="true"' in html
    assert CheckIn.objects.count() == before
    r = client.post("/key-results/tact-kr/check-in/", {"tact-kr-value": "lots"})
    assert r.status_code == 422 and CheckIn.objects.count() == before


def test_a_viewer_cannot_check_in(browser):
    r = browser("viewer").post("/key-results/tact-kr/check-in/", {"tact-kr-value": "12"})
    assert r.status_code == 403


def test_numbers_and_dates_follow_the_reader_s_language(browser):
    fr = browser("viewer", language="fr").get("/objectives/tact/").content.decode()
    en = browser("viewer", language="en").get("/objectives/tact/").content.decode()
    # the fixture's check-in (2027-03-28) is after today: the KR has no data yet
    assert "28/03/2027" in fr and "Résultats clés" in fr and "Pas de données" in fr
    assert "03/28/2027" in en and "Key results" in en and "No data" in en


def test_without_a_chosen_language_pages_speak_the_organisation_s(browser, world):
    # Acme is "en" in the fixtures; the demo bank is "fr".
    assert "Key results" in browser("viewer").get("/objectives/tact/").content.decode()


def test_a_form_posted_without_its_csrf_token_is_refused(browser):
    before = CheckIn.objects.count()
    r = browser("contributor", csrf=True).post(
        "/key-results/tact-kr/check-in/", {"tact-kr-value": "12"}
    )
    assert r.status_code == 403 and CheckIn.objects.count() == before


def test_a_lead_writes_an_objective_with_inline_errors(browser):
    client = browser("lead", language="en")
    r = client.post(
        "/objectives/new/",
        {
            "key": "Bad Key",
            "title": "",
            "level": "tactical",
            "cycle": "q",
            "unit": "produit",
            "progress_from": "key_results",
        },
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert html.count("invalid-feedback") >= 2
    r = client.post(
        "/objectives/new/",
        {
            "key": "faster-onboarding",
            "title": "Faster onboarding",
            "level": "tactical",
            "cycle": "q",
            "unit": "produit",
            "owner": "lead@acme.example",
            "progress_from": "key_results",
            "aligns_to": ["strat"],
        },
    )
    assert r.status_code == 302 and r["Location"] == "/objectives/faster-onboarding/"
    r = client.post(
        "/objectives/faster-onboarding/key-results/new/",
        {
            "key": "time-to-value",
            "title": "Time to value",
            "kind": "decrease",
            "baseline": "10",
            "target": "10",
            "weight": "1",
        },
    )
    assert r.status_code == 422 and "must differ from baseline" in r.content.decode()
    r = client.post(
        "/objectives/faster-onboarding/key-results/new/",
        {
            "key": "time-to-value",
            "title": "Time to value",
            "kind": "decrease",
            "baseline": "10",
            "target": "4",
            "weight": "1",
        },
    )
    assert r.status_code == 302
    r = client.post("/objectives/faster-onboarding/submit/", {})
    assert r.status_code == 302
    assert client.get("/objectives/faster-onboarding/").content.decode().count("Submitted") >= 1


def test_an_executive_approves_or_sends_back_from_the_inbox(browser):
    client = browser("executive", language="en")
    page = client.get("/inbox/").content.decode()
    assert "Waiting for validation" in page and "submitted-obj" in page
    r = client.post(
        "/objectives/submitted-obj/request-changes/", {"comment": "", "next": "/inbox/"}
    )
    assert r.status_code == 302
    assert "comment is required" in client.get("/inbox/").content.decode()
    client.post("/objectives/submitted-obj/approve/", {"next": "/inbox/"})
    assert "submitted-obj" not in client.get("/inbox/").content.decode()


def test_an_admin_manages_people_units_and_cycles(browser):
    client = browser("admin", language="en")
    r = client.post("/manage/units/", {"key": "support", "name": "Support", "parent": "dg"})
    assert r.status_code == 302
    r = client.post(
        "/manage/people/",
        {
            "email": "nina@acme.example",
            "name": "Nina",
            "role": "lead",
            "units": ["support"],
            "password": "short",
        },
    )
    assert r.status_code == 422 and "password" in r.content.decode().lower()
    r = client.post(
        "/manage/people/",
        {
            "email": "nina@acme.example",
            "name": "Nina",
            "role": "lead",
            "units": ["support"],
            "password": "a-long-enough-passphrase",
        },
    )
    assert r.status_code == 302
    r = client.post("/manage/cycles/", {"key": "q3", "start": "2027-07-01", "end": "2027-06-01"})
    assert r.status_code == 422 and "must be on or after start" in r.content.decode()


def test_security_headers_and_cookies(browser):
    r = browser("viewer").get("/")
    csp = r.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert r.headers["X-Frame-Options"] == "DENY"
    login = Client().post("/login/", {"username": "viewer@acme.example", "password": "wrong"})
    assert login.status_code == 200
    session = Client()
    user = User.objects.get(email="viewer@acme.example")
    user.set_password("a-long-enough-passphrase")
    user.save()
    r = session.post(
        "/login/", {"username": "viewer@acme.example", "password": "a-long-enough-passphrase"}
    )
    cookie = r.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_repeated_wrong_passwords_lock_the_sign_in(world, db, settings):
    user = User.objects.get(email="lead@acme.example")
    user.set_password("a-long-enough-passphrase")
    user.save()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "lead@acme.example", "password": "wrong"})
    r = client.post(
        "/login/", {"username": "lead@acme.example", "password": "a-long-enough-passphrase"}
    )
    assert (
        r.status_code == 429 and "Trop de tentatives" in r.content.decode()
    )  # default language: French
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/strategy/",
        "/strategy/?cycle=q",
        "/strategy/?cycle=q&unit=produit",
        "/strategy/?cycle=q&status=on_track",
        "/strategy/node/strat/?cycle=q",
        "/strategy/one-page/",
        "/objectives/strat/",
        "/my/",
        "/inbox/",
        "/sources/",
        "/feedback/",
        "/notifications/",
        "/roadmap/",
        "/roadmap/timeline/",
        "/roadmap/objectives/",
        "/roadmap/units/",
        "/roadmap/unaligned/",
        "/roadmap/uncovered/",
        "/roadmap/ledger/",
        "/initiatives/ini1/",
        "/cycles/q/close/",
        "/cycles/q/retrospective/",
        "/units/produit/",
        "/units/dg/",
        "/my/week/",
        "/review/?cycle=q",
        "/people/options/?q=p",
        "/units/options/?q=u",
        "/objectives/parents/?cycle=q&level=tactical",
        # an admin's
        "admin:/manage/people/",
        "admin:/manage/units/",
        "admin:/manage/invitations/",
    ],
)
def test_a_page_s_query_count_stays_the_same_as_rows_grow(browser, path):
    from tests.api.test_query_counts import grow

    role, _, path = path.rpartition(":") if path.startswith("admin:") else ("", "", path)
    client = browser(role or "executive")
    grow(2, 0)
    client.get("/")  # the session's renewal (once every few minutes) is not the page's
    client.get(path)  # nor is the opening of the strategy, kept once a cycle (goals/reach.py)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    grow(10, 100)
    with CaptureQueriesContext(connection) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), path


def test_a_person_in_two_organisations_switches_between_them(browser, world):
    from pilote.orgs.access import Actor
    from pilote.orgs.actions import add_person
    from pilote.orgs.models import Organization

    add_person(
        Actor.system(Organization.objects.get(name="Globex")), "viewer@acme.example", role="viewer"
    )
    client = browser("viewer", language="en")
    page = client.get("/").content.decode()
    assert 'id="org-switch"' in page and "Acme vision" in page
    r = client.post("/account/organization/", {"organization": "Globex", "next": "/strategy/"})
    assert r.status_code == 302 and r["Location"] == "/strategy/"
    assert "Globex vision" in client.get("/").content.decode()
    assert client.post("/account/organization/", {"organization": "Initech"}).status_code == 400
    r = client.post(
        "/account/organization/", {"organization": "Acme", "next": "https://evil.example/"}
    )
    assert r["Location"] == "/"


def test_a_session_ends_after_its_absolute_lifetime_whatever_the_activity(browser, settings):
    import time

    from pilote.web.middleware import SESSION_STARTED

    client = browser("viewer")
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_inbox_does_not_offer_to_approve_your_own_objective(browser, world):
    from pilote.goals.models import Objective

    Objective.objects.filter(key="submitted-obj").update(
        owner=User.objects.get(email="executive@acme.example")
    )
    page = browser("executive", language="en").get("/inbox/").content.decode()
    assert "You own this objective: another executive validates it." in page
    assert "/objectives/submitted-obj/approve/" not in page


def test_a_stale_or_garbled_form_version_is_refused_in_the_form(browser):
    client = browser("lead", language="en")
    data = {
        "title": "Renamed",
        "level": "tactical",
        "cycle": "q",
        "unit": "produit",
        "owner": "lead@acme.example",
        "progress_from": "key_results",
        "aligns_to": ["strat"],
    }
    r = client.post("/objectives/tact/edit/", {**data, "version": "abc"})
    assert r.status_code == 422 and "changed since you read it" in r.content.decode()
    r = client.post("/objectives/tact/edit/", {**data, "version": "1"})
    assert r.status_code == 302
    r = client.post("/objectives/tact/edit/", {**data, "title": "Again", "version": "1"})
    assert r.status_code == 422


def test_an_admin_edits_and_deletes_units_and_cycles(browser):
    client = browser("admin", language="en")
    assert client.get("/manage/units/ventes/").status_code == 200
    r = client.post("/manage/units/ventes/", {"name": "Sales EMEA", "parent": "dg", "version": "1"})
    assert r.status_code == 302
    r = client.post(
        "/manage/units/produit/", {"name": "Product", "parent": "", "delete": "1", "version": "1"}
    )
    assert r.status_code == 422 and "still has" in r.content.decode()
    r = client.post(
        "/manage/units/vide/", {"name": "Empty", "parent": "dg", "delete": "1", "version": "1"}
    )
    assert r.status_code == 302
    r = client.post(
        "/manage/cycles/q/",
        {"name": "H1", "start": "2027-01-01", "end": "2026-12-01", "version": "1"},
    )
    assert r.status_code == 422 and "must be on or after start" in r.content.decode()
    r = client.post(
        "/manage/cycles/q/",
        {"name": "H1", "start": "2027-01-01", "end": "2027-06-30", "version": "1"},
    )
    assert r.status_code == 302
    assert browser("lead").get("/manage/units/ventes/").status_code == 403
    assert client.get("/manage/units/g-ventes/").status_code == 404


def test_a_lead_moves_an_initiative_and_a_viewer_cannot(browser):
    from pilote.roadmap.models import Initiative

    r = browser("lead").post("/initiatives/ini1/move/", {"horizon": "now", "next": "/roadmap/"})
    assert r.status_code == 302 and r["Location"] == "/roadmap/#ini-ini1"  # back to its card
    assert Initiative.objects.get(key="ini1").horizon == "now"
    assert (
        browser("viewer").post("/initiatives/ini1/move/", {"horizon": "later"}).status_code == 403
    )
    assert Initiative.objects.get(key="ini1").horizon == "now"
    assert (
        browser("lead").post("/initiatives/g-ini1/move/", {"horizon": "later"}).status_code == 404
    )


def test_a_lead_declares_an_initiative_s_impact_with_inline_errors(browser):
    client = browser("lead", language="en")
    base = {
        "key": "onboarding",
        "title": "Guided onboarding",
        "unit": "produit",
        "status": "idea",
        "horizon": "next",
        "effort": "3",
        "confidence": "0.6",
    }
    r = client.post("/initiatives/new/", {**base, "kr_0": "tact-kr"})
    assert r.status_code == 422 and "Say by how much" in r.content.decode()
    r = client.post(
        "/initiatives/new/",
        {**base, "kr_0": "tact-kr", "expected_0": "1.5", "rationale_0": "users drop at step 2"},
    )
    assert r.status_code == 302
    page = client.get("/initiatives/onboarding/").content.decode()
    assert "Why this rank?" in page and "users drop at step 2" in page


def test_a_lead_weighs_the_contribution_to_each_parent(browser):
    from pilote.goals.models import Alignment

    client = browser("lead", language="en")
    page = client.get("/objectives/tact/edit/").content.decode()
    assert "Weight of the contribution to “Grow”" in page
    data = {
        "title": "Ship a better app",
        "level": "tactical",
        "cycle": "q",
        "unit": "produit",
        "owner": "lead@acme.example",
        "progress_from": "key_results",
        "aligns_to": ["strat"],
        "version": "1",
    }
    r = client.post("/objectives/tact/edit/", {**data, "weight__strat": "0"})
    assert r.status_code == 422
    r = client.post("/objectives/tact/edit/", {**data, "weight__strat": "2.5"})
    assert r.status_code == 302
    assert Alignment.objects.get(child__key="tact", parent__key="strat").weight == 2.5


def test_the_author_sees_on_the_cockpit_what_was_sent_back(browser, world):
    from pilote.goals import actions
    from pilote.goals.models import Cycle, Objective
    from pilote.orgs.access import actor_for
    from pilote.orgs.models import Organization

    Cycle.objects.filter(key="q").update(start="2026-01-01", end="2027-12-31")  # running today
    org = Organization.objects.get(name="Acme")
    executive = actor_for(User.objects.get(email="executive@acme.example"), org)
    actions.request_changes(
        executive, Objective.objects.get(key="submitted-obj"), "Measure outcomes, not outputs"
    )
    page = browser("lead", language="en").get("/").content.decode()
    assert "Sent back to you" in page and "Measure outcomes, not outputs" in page
    assert "Sent back to you" not in browser("contributor", language="en").get("/").content.decode()


def test_the_cockpit_lists_the_first_twenty_waiting_objectives_and_counts_them_all(browser, world):
    from pilote.goals.models import Cycle, Objective
    from pilote.orgs.models import Organization, Unit

    Cycle.objects.filter(key="q").update(start="2026-01-01", end="2027-12-31")  # running today
    org = Organization.objects.get(name="Acme")
    cycle, unit = Cycle.objects.get(organization=org, key="q"), Unit.objects.get(key="produit")
    before = Objective.objects.filter(organization=org, cycle=cycle, status="submitted").count()
    Objective.objects.bulk_create(
        Objective(organization=org, cycle=cycle, unit=unit, key=f"wait-{i}", title=f"Waiting {i}",
                  level="tactical", status="submitted")
        for i in range(30)
    )  # fmt: skip
    page = browser("executive", language="en").get("/").content.decode()
    total = before + 30
    assert f'<span class="badge text-bg-primary">{total}</span>' in page
    assert page.count("/inbox/#o-") == 20
    assert f"All {total} in the validation inbox" in page


def test_the_strategy_page_shows_the_top_level_and_loads_the_rest_when_opened(browser):
    client = browser("viewer")
    page = client.get("/strategy/?cycle=q").content.decode()
    # The strategic objective is there with its KR; the tactical one below it is a summary
    # whose KRs ("Rating") are not in the page until it is opened.
    assert "Grow" in page and "Revenue" in page
    assert "Ship a better app" in page and "Rating" not in page
    assert 'hx-get="/strategy/node/tact/?cycle=q"' in page
    part = client.get("/strategy/node/tact/?cycle=q")
    assert part.status_code == 200 and "Rating" in part.content.decode()
    # Filters apply to what is loaded, and a node outside them is not found.
    filtered = client.get("/strategy/?cycle=q&level=tactical").content.decode()
    assert "strategy/node/tact/?cycle=q&amp;level=tactical" in filtered
    assert client.get("/strategy/node/tact/?cycle=q&unit=ventes").status_code == 404
    assert client.get("/strategy/node/nope/?cycle=q").status_code == 404
    # Another organisation's objective is not found either.
    assert client.get("/strategy/node/g-tact/?cycle=q").status_code == 404


def test_the_strategy_page_lists_no_more_key_results_as_objectives_grow_below_the_top(browser):
    from tests.api.test_query_counts import grow

    client = browser("executive")
    before = client.get("/strategy/?cycle=q").content.decode().count('<li class="kr">')
    grow(30, 0)  # thirty tactical objectives with two KRs each, aligned to the strategic one
    after = client.get("/strategy/?cycle=q").content.decode()
    assert after.count('<li class="kr">') == before  # only the top level's KRs
    assert after.count('hx-trigger="node-open once"') >= 25  # a page of them


def test_the_strategy_tree_escapes_what_people_wrote_and_speaks_the_reader_s_language(browser):
    """The tree's nodes are written in Python (pilote/web/tree_html.py): titles, names and
    units are escaped as the templates escaped them, and the words are French in French."""
    from pilote.goals import actions
    from pilote.goals.models import Objective
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization
    from tests.api.test_query_counts import grow

    actor = Actor.system(Organization.objects.get(name="Acme"))
    tact = Objective.objects.get(organization=actor.organization, key="tact")
    actions.update_objective(actor, tact, {"title": '<script>alert("t")</script> & co'})
    grow(30, 0)  # more children than a page shows: "show more"
    page = browser("viewer", language="fr").get("/strategy/?cycle=q").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; co" in page
    assert "Afficher ou masquer ce qui compte pour" in page and "Tactique" in page
    assert "objectifs de plus" in page and "Show " not in page
    opened = browser("viewer", language="fr").get("/strategy/node/strat/?cycle=q&offset=25")
    part = opened.content.decode()
    below = Objective.objects.get(organization=actor.organization, key="strat").child_links
    assert opened.status_code == 200
    assert part.count('<li class="node level-tactical">') == below.count() - 25
    assert "Chargement…" in part and "Loading" not in part


def test_the_owner_filter_suggests_people_as_one_types_from_this_organisation_only(browser):
    client = browser("viewer")
    page = client.get("/strategy/?cycle=q").content.decode()
    assert 'list="owner-options"' in page and "Cleo Contrib" not in page  # no 10,000-row menu
    found = client.get("/people/options/?owner=cle").content.decode()
    assert 'value="contributor@acme.example"' in found and "Cleo Contrib" in found
    assert "globex" not in client.get("/people/options/?owner=example").content.decode()
    assert client.get("/people/options/?owner=").content.decode().strip() == ""
    chosen = client.get("/strategy/?cycle=q&owner=lead@acme.example").content.decode()
    assert '<option value="lead@acme.example">Leo Lead</option>' in chosen


def test_forms_ask_for_an_owner_by_search_not_by_a_menu_of_everyone(browser):
    client = browser("lead")
    page = client.get("/objectives/tact/key-results/new/").content.decode()
    assert 'type="search" name="owner"' in page and 'hx-get="/people/options/"' in page
    assert "Cleo Contrib" not in page  # no option per member
    found = client.get("/people/options/?owner=vic").content.decode()
    assert "viewer@acme.example" in found
    # Someone who is not a member is refused by the action, on the field.
    r = client.post("/objectives/tact/key-results/new/", {
        "key": "k-x", "title": "X", "kind": "increase", "baseline": "0", "target": "10",
        "weight": "1", "owner": "lead@globex.example"})  # fmt: skip
    html = r.content.decode()
    owner_input = html[html.index('name="owner"') :].split(">", 1)[0]
    assert r.status_code == 422 and "is-invalid" in owner_input


def test_the_people_page_is_paged_and_searched(browser):
    from tests.api.test_query_counts import grow

    grow(60, 0)  # sixty more members
    admin = browser("admin")
    first = admin.get("/manage/people/").content.decode()
    assert first.count('href="/manage/people/') <= 50 + 1 and "1 / 2" in first
    assert "page=2" in first
    found = admin.get("/manage/people/?q=p42@").content.decode()
    assert "p42@acme.example" in found and "p41@acme.example" not in found


def test_a_wide_objective_shows_its_first_children_and_the_rest_on_demand(browser):
    """The strategy tree pages the children of an objective (25 at once): at 10,000 people a
    strategic objective had 651 tactical ones below it on the first screen."""
    import re

    from tests.api.test_query_counts import grow

    client = browser("executive", language="en")
    grow(30, 0)  # 30 more objectives aligned to strat, which had 2 (tact, submitted-obj)
    page = client.get("/strategy/?cycle=q").content.decode()
    shown = re.findall(r'href="/objectives/([^/]+)/"', page)
    roots = ("strat", "sales-obj", "draft-obj")  # nothing above them
    assert set(roots) <= set(shown)
    children = [k for k in shown if k not in (*roots, "new")]
    assert len(children) == 25, " ".join(children)
    assert "Show 7 more objectives" in page
    more = re.search(r'hx-get="(/strategy/node/strat/\?offset=25[^"]*)"', page).group(1)
    rest = client.get(more.replace("&amp;", "&")).content.decode()
    rest_keys = re.findall(r'href="/objectives/([^/]+)/"', rest)
    assert len(rest_keys) == 7 and not set(rest_keys) & set(children)
    assert "more objective" not in rest  # the last page
    fr = browser("executive", language="fr").get("/strategy/?cycle=q").content.decode()
    assert "Afficher 7 objectifs de plus" in fr


def test_the_unit_filter_is_searched_by_name_and_a_wrong_one_is_said_on_the_form(browser):
    client = browser("viewer", language="fr")
    page = client.get("/strategy/?cycle=q").content.decode()
    assert 'list="unit-options"' in page and '<option value="produit"' not in page  # no menu
    found = client.get("/units/options/?unit=prod").content.decode()
    assert '<option value="Product">produit' in found
    assert client.get("/units/options/?unit=g-").content.decode().strip() == ""  # Globex's
    by_name = client.get("/strategy/?cycle=q&unit=Product").content.decode()
    by_key = client.get("/strategy/?cycle=q&unit=produit").content.decode()
    assert "Ship a better app" in by_name and "Sell" not in by_name
    assert by_name.count('class="node ') == by_key.count('class="node ')
    assert 'value="Product"' in by_name  # the input shows the unit's name, not its key
    wrong = client.get("/strategy/?cycle=q&unit=Nulle+part")
    assert wrong.status_code == 422
    assert "Aucune unité ne s’appelle « Nulle part »." in wrong.content.decode()


def test_my_key_results_are_paged(browser):
    """An executive may check in on every KR below the top unit: 50 at a time."""
    from tests.api.test_query_counts import grow

    client = browser("executive", language="en")
    grow(30, 0)  # 60 more KRs in units below the top one
    first = client.get("/my/").content.decode()
    assert first.count('kr-row" id="row-') == 50
    assert "1 / 2" in first and 'href="?page=2"' in first
    second = client.get("/my/?page=2").content.decode()
    assert "2 / 2" in second and 0 < second.count('kr-row" id="row-') < 50
    rows = [r.split('"')[0] for r in (first + second).split('kr-row" id="row-')[1:]]
    assert len(rows) == len(set(rows))  # no KR on both pages


def test_every_roadmap_view_is_paged_and_its_pages_hold_every_initiative_once(browser):
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization
    from pilote.roadmap.actions import create_initiative
    from pilote.roadmap.models import Initiative
    from pilote.web.views.roadmap import BOARD_PAGE, CARDS_PAGE

    actor = Actor.system(Organization.objects.get(name="Acme"))
    for i in range(CARDS_PAGE + 5):
        create_initiative(
            actor, {"key": f"many-{i}", "title": f"Many {i}", "horizon": "now", "effort": 1}
        )
    client = browser("viewer", language="en")
    open_keys = set(
        Initiative.objects.filter(organization__name="Acme")
        .exclude(status__in=("done", "dropped"))
        .values_list("key", flat=True)
    )

    def cards(path):
        found, page = [], 1
        while True:
            html = client.get(f"{path}?page={page}").content.decode()
            found += re.findall(r'data-initiative="([^"]+)"', html)
            if f"page={page + 1}" not in html:
                return found, page
            page += 1

    board, pages = cards("/roadmap/")
    now = Initiative.objects.filter(organization__name="Acme", horizon="now").exclude(
        status__in=("done", "dropped")
    )
    assert pages == -(-now.count() // BOARD_PAGE) > 1
    assert sorted(board) == sorted(open_keys) and len(board) == len(set(board))
    first = client.get("/roadmap/").content.decode()
    assert len(re.findall(r'data-initiative="many-', first)) <= BOARD_PAGE
    assert f'<span class="badge text-bg-light border">{now.count()}</span>' in first
    for view in ("timeline", "units"):
        shown, pages = cards(f"/roadmap/{view}/")
        assert pages == 2 and sorted(shown) == sorted(open_keys), view
    unaligned, _ = cards("/roadmap/unaligned/")
    assert {k for k in unaligned if k.startswith("many-")} == {
        f"many-{i}" for i in range(CARDS_PAGE + 5)
    }
    # A page past the end shows the last one, not an error.
    assert client.get("/roadmap/units/?page=99").status_code == 200
    assert client.get("/roadmap/uncovered/?page=abc").status_code == 200


def test_the_ledger_s_delivered_bets_are_paged_and_its_pages_hold_each_once(browser):
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization
    from pilote.roadmap.actions import create_initiative
    from pilote.web.views.roadmap import CARDS_PAGE

    actor = Actor.system(Organization.objects.get(name="Acme"))
    for i in range(CARDS_PAGE + 3):
        create_initiative(actor, {
            "key": f"done-{i}", "title": f"Done {i}", "unit": "produit", "status": "done",
            "delivered_on": "2026-09-01", "effort": 1, "confidence": 0.5,
            "impacts": [{"key_result": "tact-kr", "expected": 1}],
        })  # fmt: skip
    client = browser("viewer", language="en")
    pages = [client.get(f"/roadmap/ledger/?page={n}").content.decode() for n in (1, 2)]
    listed = [re.findall(r'<li><a href="/initiatives/(done-[0-9]+)/">Done', html) for html in pages]
    assert [len(keys) for keys in listed] == [CARDS_PAGE, 3]
    assert sorted(listed[0] + listed[1]) == sorted(f"done-{i}" for i in range(CARDS_PAGE + 3))
    assert "page=2" in pages[0] and "1 / 2" in pages[0]


def test_an_objective_page_draws_its_progress_over_time_from_its_history(browser, world):
    import json
    from datetime import UTC, date, datetime
    from html import unescape

    import time_machine

    from pilote.goals.keyresults import record_check_in
    from pilote.goals.models import KeyResult, ObjectiveHistory
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization

    actor = Actor.system(Organization.objects.get(name="Acme"))
    kr = KeyResult.objects.select_related("objective").get(organization__name="Acme", key="tact-kr")
    record_check_in(actor, kr, 12, 6, "", date(2027, 1, 20))
    record_check_in(actor, kr, 15, 7, "", date(2027, 2, 10))
    rows = list(
        ObjectiveHistory.objects.filter(objective=kr.objective).values_list("day", "progress")
    )
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        html = browser("viewer", language="en").get("/objectives/tact/").content.decode()
        french = browser("viewer", language="fr").get("/objectives/tact/").content.decode()
    chart = json.loads(unescape(re.search(r'id="chart-objective" data-chart="([^"]*)"', html)[1]))
    assert [(p["x"], p["y"]) for p in chart["values"]] == [
        (day.isoformat(), round(progress * 100, 1))
        for day, progress in rows
        if progress is not None and day <= date(2027, 3, 1)
    ]
    assert [p["x"] for p in chart["values"]][-2:] == ["2027-01-20", "2027-02-10"]
    assert chart["expected"][0]["y"] == 0 and chart["expected"][-1]["y"] == 100
    assert chart["labels"]["value"] == "Progress (%)"
    assert "Progression (%)" in french
    # Before its first reading (today, in the suite, is before the cycle) no chart is drawn.
    assert (
        'id="chart-objective"' not in browser("viewer").get("/objectives/strat/").content.decode()
    )


def test_choosing_a_language_applies_it_and_remembers_it_for_notifications(browser):
    client = browser("viewer", csrf=False)
    r = client.post("/account/language/", {"language": "en", "next": "/strategy/"})
    assert r.status_code == 302 and r["Location"] == "/strategy/"
    assert User.objects.get(email="viewer@acme.example").language == "en"
    assert 'lang="en"' in client.get("/strategy/").content.decode()
    client.post("/account/language/", {"language": "xx", "next": "/"})  # not offered: no change
    assert User.objects.get(email="viewer@acme.example").language == "en"
    page = client.get("/").content.decode()
    assert "data-autosubmit" in page and ">OK<" not in page


def test_a_value_that_looks_like_a_typo_asks_for_confirmation_before_it_is_recorded(browser):
    client = browser("contributor", language="fr")
    before = CheckIn.objects.count()
    hx = {"HX-Request": "true"}
    r = client.post("/key-results/tact-kr/check-in/", {"tact-kr-value": "99999"}, headers=hx)
    html = r.content.decode()
    assert r.status_code == 200 and CheckIn.objects.count() == before  # nothing recorded
    assert "99 999 est à 99 984 de la dernière valeur (15)" in html.replace("\u202f", " ").replace(
        "\xa0", " "
    )
    assert 'name="tact-kr-confirm"' in html and "Oui, enregistrer cette valeur" in html
    assert 'value="99999"' in html  # what was typed is kept
    r = client.post(
        "/key-results/tact-kr/check-in/",
        {"tact-kr-value": "99999", "tact-kr-confirm": "on"},
        headers=hx,
    )
    assert "Enregistré" in r.content.decode()
    assert CheckIn.objects.filter(key_result__key="tact-kr").latest("id").value == 99999
    # A usual step from the latest value (the fixture's, dated later than today) asks nothing.
    r = client.post("/key-results/tact-kr/check-in/", {"tact-kr-value": "16"}, headers=hx)
    assert "Enregistré" in r.content.decode()


def test_an_objective_behind_says_which_of_its_terms_make_its_status(browser, world):
    from datetime import UTC, date, datetime

    import time_machine

    from pilote.goals.keyresults import record_check_in
    from pilote.goals.models import KeyResult
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization

    actor = Actor.system(Organization.objects.get(name="Acme"))
    kr = KeyResult.objects.select_related("objective").get(organization__name="Acme", key="tact-kr")
    record_check_in(actor, kr, 10.5, 3, "", date(2027, 5, 1))  # far behind by May
    with time_machine.travel(datetime(2027, 5, 3, 9, tzinfo=UTC), tick=True):
        html = browser("viewer", language="fr").get("/objectives/tact/").content.decode()
    reason = re.search(r"<p [^>]*data-status-reason>(.*?)</p>", html)[1]
    assert reason.startswith("En retard : Rating (1 sur les 1 résultats clés"), reason


def test_a_french_reader_reads_the_rules_errors_in_french(browser):
    client = browser("admin", language="fr")
    r = client.post(
        "/objectives/tact/key-results/new/",
        {"key": "same", "title": "Same", "kind": "increase", "baseline": "10", "target": "10",
         "weight": "1"},
    )  # fmt: skip
    html = r.content.decode()
    assert r.status_code == 422 and "doit différer de la valeur de départ" in html
    assert "must differ" not in html
    r = client.post("/manage/cycles/", {"key": "q3", "start": "2027-07-01", "end": "2027-06-01"})
    assert r.status_code == 422 and "doit être le jour du début ou après" in r.content.decode()
    from pilote.goals.models import Cycle, KeyResult

    assert not KeyResult.objects.filter(key="same").exists()  # nothing recorded
    assert not Cycle.objects.filter(key="q3").exists()


def test_the_one_page_strategy_lists_contributions_without_a_stray_separator(browser, world):
    from pilote.goals.models import Alignment, Objective

    strat = Objective.objects.get(organization__name="Acme", key="strat")
    children = Alignment.objects.filter(parent=strat).values_list("child__status", flat=True)
    assert "approved" in children and set(children) != {"approved"}  # an unapproved one too
    for language, separator in (("fr", " ; "), ("en", "; ")):
        html = browser("viewer", language=language).get("/strategy/one-page/?cycle=q")
        html = html.content.decode()
        paragraph = re.search(r"<strong>[^<]*</strong>(.*?)</p>", html, re.S)[1].strip()
        assert paragraph and not paragraph.endswith(separator.strip()), paragraph


def test_french_writes_the_first_of_the_month_as_an_ordinal(browser):
    from datetime import date

    from django.utils import translation

    from pilote.words import long_date

    # The suite's clock stands on 2026-12-01.
    fr = browser("executive", language="fr").get("/").content.decode()
    assert "Au 1er décembre 2026" in fr
    en = browser("executive", language="en").get("/").content.decode()
    assert "As of Dec. 1, 2026" in en  # Django's English "N j, Y"
    with translation.override("fr"):
        assert long_date(date(2027, 3, 2)) == "2 mars 2027"
        assert long_date(date(2027, 3, 1)) == "1er mars 2027"
        assert long_date(date(2027, 3, 11)) == "11 mars 2027"


def test_history_lines_name_who_and_say_what_in_french(browser):
    from html import unescape

    from pilote.goals import actions
    from pilote.goals.models import Objective
    from pilote.orgs.access import actor_for
    from pilote.orgs.models import Organization

    acme = Organization.objects.get(name="Acme")
    lead = actor_for(User.objects.get(email="lead@acme.example"), acme)
    o = Objective.objects.get(organization=acme, key="tact")
    actions.update_objective(lead, o, {"title": "Une meilleure appli", "owner": None})
    page = unescape(browser("viewer", language="fr").get("/objectives/tact/").content.decode())
    history = page[page.index('id="audit-h"') :]
    assert "Leo Lead — modifié : titre, responsable" in history
    assert "Import — créé" in history
    assert " create" not in history and "import —" not in history


def test_why_this_number_speaks_french_with_french_numbers(world, db):
    from datetime import UTC, datetime
    from html import unescape

    import time_machine

    with time_machine.travel(datetime(2027, 4, 1, 9, tzinfo=UTC), tick=True):
        client = Client()
        client.force_login(User.objects.get(email="viewer@acme.example"))
        client.cookies["django_language"] = "fr"
        tact = unescape(client.get("/objectives/tact/").content.decode())
        strat = unescape(client.get("/objectives/strat/").content.decode())
    # tact-kr: 15 on a 10 -> 20 range, on 2027-04-01 of a 2027-01-01 .. 06-30 cycle.
    assert "Σ(poids × avancement) ÷ Σ poids : 50 %" in tact
    assert "Rating — poids 1 (100 %) — 50 %" in tact
    assert "(15 − 10) ÷ (20 − 10), borné entre 0 et 1 : 50 %" in tact
    assert "90 jours écoulés ÷ 180 jours dans le cycle : 50 %" in tact
    assert (
        "le dernier point d'avancement au jour lu ou avant" in tact and "15 le 28 mars 2027" in tact
    )
    assert "Statut\u00a0: " in tact and "points de retard sur l'avancement attendu" in tact
    assert "Son avancement vient de ses résultats clés." in tact
    for english in (
        "Σ(weight",
        "clamp(",
        "share ",
        "progress_from",
        "days elapsed",
        "latest check-in",
    ):
        assert english not in tact and english not in strat, english
    assert "Son avancement vient de" in strat


def test_keys_left_empty_are_made_from_titles_and_never_collide(browser):
    from pilote.goals.models import KeyResult, Objective
    from pilote.orgs.models import Unit

    client = browser("lead", language="fr")
    objective = {"key": "", "title": "Réduire l'abandon du parcours", "level": "tactical",
                 "cycle": "q", "unit": "produit", "progress_from": "key_results"}  # fmt: skip
    first = client.post("/objectives/new/", objective)
    second = client.post("/objectives/new/", objective)
    assert first["Location"] == "/objectives/reduire-labandon-du-parcours/"
    assert second["Location"] == "/objectives/reduire-labandon-du-parcours-2/"
    kr = {"key": "", "title": "Taux d'abandon", "kind": "decrease", "baseline": "68",
          "target": "40", "weight": "1"}  # fmt: skip
    for _ in range(2):
        r = client.post("/objectives/reduire-labandon-du-parcours/key-results/new/", kr)
        assert r.status_code == 302
    assert sorted(
        KeyResult.objects.filter(key__startswith="taux-dabandon").values_list("key", flat=True)
    ) == ["taux-dabandon", "taux-dabandon-2"]
    # Given, a key is kept as typed; a bad one is still refused on its field.
    bad = client.post("/objectives/new/", {**objective, "key": "Pas Une Clé"})
    assert bad.status_code == 422 and "is-invalid" in bad.content.decode()
    assert Objective.objects.filter(title=objective["title"]).count() == 2
    admin = browser("admin", language="fr")
    assert admin.post("/manage/units/", {"key": "", "name": "Équipe Données"}).status_code == 302
    assert Unit.objects.filter(organization__name="Acme", key="equipe-donnees").exists()


def test_a_key_result_keeps_only_what_its_kind_uses(browser):
    from pilote.goals.models import KeyResult

    client = browser("lead", language="fr")
    r = client.post("/objectives/tact/key-results/new/", {
        "title": "Ouvrir le chat le week-end", "kind": "boolean", "baseline": "3",
        "target": "9", "min": "1", "milestones": "a\nb", "weight": "1"})  # fmt: skip
    assert r.status_code == 302
    kr = KeyResult.objects.get(organization__name="Acme", title="Ouvrir le chat le week-end")
    assert (kr.kind, kr.baseline, kr.target, kr.minimum, kr.milestones) == (
        "boolean",
        None,
        None,
        None,
        [],
    )
    page = client.get("/objectives/tact/key-results/new/").content.decode()
    assert 'data-kinds="increase decrease"' in page and 'data-kinds="milestone"' in page


def test_an_admin_sets_the_rules_in_the_browser_and_others_may_not(browser):
    from pilote.orgs.models import Organization

    assert browser("executive").get("/manage/rules/").status_code == 403
    admin = browser("admin", language="fr")
    page = admin.get("/manage/rules/").content.decode()
    assert "Laissé de côté jusqu" in page and 'value="10"' in page  # at risk: 10 points
    data = {"rhythm_days": "14", "grace_days": "7", "at_risk_gap": "15", "off_track_gap": "30",
            "confidence_on_track": "7", "confidence_at_risk": "4", "no_data_terms": "skip",
            "grade_green": "0,7", "grade_yellow": "0,4", "prioritisation": "impact",
            "review_window_days": "28", "trending_alert_odds": "20", "coach_min_krs": "2",
            "coach_max_krs": "4", "coach_min_objectives": "1", "coach_max_objectives": "5",
            "coach_blocking": ["no-owner", "unaligned"]}  # fmt: skip
    # Wrong input: said on the fields, nothing saved.
    bad = admin.post("/manage/rules/", {**data, "at_risk_gap": "40"})
    assert bad.status_code == 422 and "is-invalid" in bad.content.decode()
    assert Organization.objects.get(name="Acme").policy.at_risk_gap == 0.10
    assert admin.post("/manage/rules/", data).status_code == 302
    policy = Organization.objects.get(name="Acme").policy
    assert (policy.rhythm_days, policy.at_risk_gap, policy.no_data_terms) == (14, 0.15, "skip")
    assert policy.trending_alert_odds == 0.20
    assert policy.coach_max_krs == 4 and policy.coach_blocking == ("no-owner", "unaligned")
    page = admin.get("/manage/rules/").content.decode()
    assert re.search(r'value="no-owner"[^>]* checked', page)


def test_an_objective_contributes_to_parents_each_with_its_weight(browser):
    from pilote.goals.models import Alignment, Objective

    client = browser("lead", language="fr")
    page = client.get("/objectives/new/").content.decode()
    assert 'name="weight__strat"' in page and 'hx-get="/objectives/parents/"' in page
    base = {"title": "Simplifier l'inscription", "level": "tactical", "cycle": "q",
            "unit": "produit", "progress_from": "key_results", "aligns_to": ["strat"]}  # fmt: skip
    bad = client.post("/objectives/new/", {**base, "weight__strat": "-1"})
    assert bad.status_code == 422 and "Poids de la contribution à" in bad.content.decode()
    assert not Objective.objects.filter(title=base["title"]).exists()
    assert 'value="-1"' in bad.content.decode()  # what was typed stays
    r = client.post("/objectives/new/", {**base, "weight__strat": "2,5"})
    assert r.status_code == 302
    link = Alignment.objects.get(child__title=base["title"])
    assert (link.parent.key, link.weight) == ("strat", 2.5)


def test_the_alignment_picker_is_searched_by_the_database_within_the_organisation(browser):
    from pilote.goals.models import Objective

    client = browser("lead", language="fr")
    found = client.get("/objectives/parents/", {"align_q": ""}).content.decode()
    acme = set(Objective.objects.filter(organization__name="Acme").values_list("key", flat=True))
    keys = set(re.findall(r'name="aligns_to" value="([^"]+)"', found))
    assert keys and keys <= acme  # never another organisation's objectives
    # Every word typed must be found (title or unit); what is ticked is not offered again.
    assert (
        client.get("/objectives/parents/", {"align_q": "zzz nothing"})
        .content.decode()
        .count('name="aligns_to"')
        == 0
    )
    ticked = next(iter(keys))
    again = client.get("/objectives/parents/", {"align_q": "", "aligns_to": ticked})
    assert f'value="{ticked}"' not in again.content.decode()
    # Another organisation's objective searched by its title: not there.
    other = Objective.objects.filter(organization__name="Globex").first()
    answer = client.get("/objectives/parents/", {"align_q": other.title}).content.decode()
    assert f'value="{other.key}"' not in answer
    # A key that names no objective (typed into the request): refused, nothing saved.
    base = {"title": "Aligner nulle part", "level": "tactical", "cycle": "q", "unit": "produit",
            "progress_from": "key_results", "aligns_to": [other.key]}  # fmt: skip
    bad = client.post("/objectives/new/", base)
    assert bad.status_code == 422 and not Objective.objects.filter(title=base["title"]).exists()
    # Hundreds of keys posted at once: refused on the field before anything is looked up.
    flood = client.post("/objectives/new/", {**base, "aligns_to": [f"k{i}" for i in range(200)]})
    assert flood.status_code == 422 and "Au plus 50 parents" in flood.content.decode()


def test_the_alignment_picker_lists_only_the_first_candidates(browser, monkeypatch):
    from pilote.goals import queries

    real = queries.parent_candidates
    monkeypatch.setattr(queries, "parent_candidates", lambda *a, **k: real(*a, **{**k, "limit": 1}))
    page = browser("lead", language="fr").get("/objectives/new/").content.decode()
    assert page.count('name="aligns_to"') == 1
    assert "Les 1 premiers sur" in page and "tapez pour affiner la liste" in page


def test_a_key_result_says_what_it_defines_in_words(browser):
    page = browser("lead", language="fr").get("/objectives/tact/").content.decode()
    assert "Augmenter de 10 à 20" in page
    english = browser("lead", language="en").get("/objectives/tact/").content.decode()
    assert "Increase from 10 to 20" in english
    form = browser("lead", language="fr").get("/key-results/tact-kr/edit/").content.decode()
    assert "data-kr-sentence" in form and "Augmenter de 10 à 20" in form


def test_the_issues_french_examples_read_in_french(browser):
    from html import unescape

    client = browser("lead", language="fr")
    r = client.post("/feedback/", {"channel": "", "text": "Lent", "rating": "7"})
    html = unescape(r.content.decode())
    assert r.status_code == 422
    assert "obligatoire : d'où vient le retour, par exemple App Store" in html
    assert "doit être un nombre de 0 à 5" in html
    for english in ("required: where", "must be a number from"):
        assert english not in html


def test_the_ledger_shows_the_review_window_and_the_organisation_s_line(browser, world):
    # The template reads the ranking's ledger and policy, not the ranking itself.
    from pilote.orgs.models import Organization

    org = Organization.objects.get(name="Acme")
    html = browser("viewer", language="en").get("/roadmap/ledger/").content.decode()
    days = org.policy.review_window_days
    assert f"the key result's value {days} days after delivery" in html.replace("&#x27;", "'")
    line = html.split(f'<th scope="row">{org.name}</th>', 1)
    assert len(line) == 2 and line[1].startswith("<td>0</td>")  # nothing reviewed yet
