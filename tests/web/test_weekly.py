"""The weekly check-ins page (issue 14): every key result a person owns in one form, all or
nothing, the last check-in shown, the organisation's prompts, a next step under confidence 4."""

from __future__ import annotations

from django.test import Client

from pilote.goals.models import CheckIn, KeyResult
from pilote.orgs.models import Organization, User


def _client(email: str, language: str = "fr") -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    client.cookies["django_language"] = language
    return client


def _own(email: str, *keys: str) -> None:
    user = User.objects.get(email=email)
    KeyResult.objects.filter(organization__name="Acme", key__in=keys).update(owner=user)


def test_the_page_lists_the_person_s_key_results_with_their_last_check_in(world, db):
    _own("lead@acme.example", "tact-kr", "draft-kr")
    page = _client("lead@acme.example").get("/my/week/").content.decode()
    assert "Mes points d’avancement de la semaine" in page or "semaine" in page
    assert 'id="week-tact-kr"' in page and 'id="week-draft-kr"' in page
    assert "Dernier point : 15 le 28/03/2027" in page and "confiance 6/10" in page
    assert "Ce qui a bougé" in page and "Ce qui bloque" in page and "Prochaine étape" in page
    assert "autofocus" in page


def test_one_submit_records_every_filled_row_and_skips_the_empty_ones(world, db):
    _own("lead@acme.example", "tact-kr", "draft-kr")
    lead = _client("lead@acme.example")
    r = lead.post(
        "/my/week/",
        {
            "tact-kr-value": "16,5",
            "tact-kr-confidence": "7",
            "tact-kr-p0": "La note monte",
            "tact-kr-p1": "",
            "tact-kr-next_step": "Relancer les avis",
            "draft-kr-value": "",
        },  # fmt: skip
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ci = CheckIn.objects.filter(key_result__key="tact-kr").order_by("-id").first()
    assert ci.value == 16.5 and ci.confidence == 7 and ci.comment == "Ce qui a bougé: La note monte"
    assert ci.next_step == "Relancer les avis" and ci.author.email == "lead@acme.example"
    assert not CheckIn.objects.filter(key_result__key="draft-kr").exists()


def test_one_wrong_row_records_nothing_and_says_where(world, db):
    _own("lead@acme.example", "tact-kr", "draft-kr")
    lead = _client("lead@acme.example")
    before = CheckIn.objects.count()
    r = lead.post(
        "/my/week/",
        {
            "tact-kr-value": "16",
            "tact-kr-confidence": "2",  # a next step is needed
            "draft-kr-value": "",
            "draft-kr-p0": "typed a comment, no value",
        },  # fmt: skip
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "une confiance sous 4 demande une prochaine étape" in html
    assert "Saisissez la valeur mesurée, ou laissez toute la ligne vide." in html
    assert 'value="16"' in html  # what was typed is kept
    assert CheckIn.objects.count() == before
    # Fixed: both rows valid, one submit records both.
    r = lead.post(
        "/my/week/",
        {
            "tact-kr-value": "16",
            "tact-kr-confidence": "2",
            "tact-kr-next_step": "Voir l’éditeur",
            "draft-kr-value": "1,5",
        },  # fmt: skip
    )
    assert r.status_code == 302 and CheckIn.objects.count() == before + 2


def test_nothing_typed_is_said_and_a_typo_asks_for_confirmation(world, db):
    _own("lead@acme.example", "tact-kr")
    lead = _client("lead@acme.example")
    r = lead.post("/my/week/", {"tact-kr-value": ""})
    assert r.status_code == 422 and "Saisissez au moins une valeur." in r.content.decode()
    r = lead.post("/my/week/", {"tact-kr-value": "1500"})  # far beyond its usual change
    assert r.status_code == 422 and 'name="tact-kr-confirm"' in r.content.decode()
    assert not CheckIn.objects.filter(key_result__key="tact-kr", value=1500).exists()


def test_the_organisation_s_prompts_are_the_admin_s(world, db):
    _own("lead@acme.example", "tact-kr")
    admin = _client("admin@acme.example")
    page = admin.get("/manage/rules/").content.decode()
    r = admin.post(
        "/manage/rules/",
        {**_rules_of(page), "check_in_prompts": "Ce que les clients disent\nCe que nous testons"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    org = Organization.objects.get(name="Acme")
    assert org.check_in_template == ["Ce que les clients disent", "Ce que nous testons"]
    page = _client("lead@acme.example").get("/my/week/").content.decode()
    assert "Ce que les clients disent" in page and "Ce qui bloque" not in page
    too_many = admin.post("/manage/rules/", {**_rules_of(page=admin.get("/manage/rules/").content.decode()),
                                             "check_in_prompts": "\n".join("abcdefg")})  # fmt: skip
    assert too_many.status_code == 422 and "au plus 6 questions" in too_many.content.decode()


def _rules_of(page: str) -> dict:
    """The rules form's current values, as a browser would post them back."""
    import re

    data = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    for name, value in re.findall(
        r'<select[^>]*name="([a-z_]+)".*?<option value="([^"]*)" selected', page, re.S
    ):
        data[name] = value
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_one_key_result_s_row_asks_for_the_next_step_too(world, db):
    lead = _client("lead@acme.example")
    r = lead.post(
        "/key-results/tact-kr/check-in/", {"tact-kr-value": "16", "tact-kr-confidence": "3"}
    )
    assert r.status_code == 422
    assert "une confiance sous 4 demande une prochaine étape" in r.content.decode()
    r = lead.post(
        "/key-results/tact-kr/check-in/",
        {"tact-kr-value": "16", "tact-kr-confidence": "3", "tact-kr-next_step": "Appeler"},
    )
    assert r.status_code == 302
    assert CheckIn.objects.filter(key_result__key="tact-kr", next_step="Appeler").exists()
    assert "Ce qui a bougé ? Ce qui bloque ?" in lead.get("/my/").content.decode()
