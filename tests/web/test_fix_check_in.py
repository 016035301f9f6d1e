"""Correcting and withdrawing a check-in from the objective page, in French."""

from __future__ import annotations

from html import unescape

import time_machine
from django.test import Client

from pilote.goals.models import CheckIn, KeyResult
from pilote.orgs.models import User


def _client(email: str, language: str = "fr") -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    client.cookies["django_language"] = language
    return client


def _typo(value=48.0) -> CheckIn:
    from pilote.goals.keyresults import record_check_in
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization

    acme = Organization.objects.get(name="Acme")
    kr = KeyResult.objects.select_related("objective__cycle").get(organization=acme, key="tact-kr")
    ci, _ = record_check_in(Actor.system(acme), kr, value, effective=kr.objective.cycle.start)
    return ci


def test_the_owner_corrects_a_typo_and_the_page_shows_both(world, db):
    ci = _typo()
    with time_machine.travel("2027-04-01T10:00Z"):  # signed in then: a session of that day
        client = _client("contributor@acme.example")
        page = unescape(client.get("/objectives/tact/").content.decode())
        assert f'href="/check-ins/{ci.pk}/fix/"' in page and "Corriger ou retirer" in page
        form = unescape(client.get(f"/check-ins/{ci.pk}/fix/").content.decode())
        assert "Corriger ou retirer un point d'avancement" in form
        assert "Bonne valeur" in form and "Pourquoi il ne compte pas" in form
        # A French decimal, as a person types it.
        r = client.post(
            f"/check-ins/{ci.pk}/fix/",
            {"action": "correct", "correct-value": "4,8", "correct-reason": "virgule oubliée"},
        )
        assert r.status_code == 302 and r["Location"] == "/objectives/tact/"
        page = unescape(client.get("/objectives/tact/").content.decode())
    old = CheckIn.every.get(pk=ci.pk)
    assert old.withdrawn_at is not None and old.replaced_by.value == 4.8
    assert "<del>48</del>" in page and "corrigé « virgule oubliée »" in page
    assert "Point d'avancement corrigé." in page
    # The chart draws the counted values only.
    assert '"y": 48.0' not in page and '"y": 4.8' in page


def test_withdrawing_needs_a_reason_said_in_french_and_loses_nothing(world, db):
    ci = _typo()
    client = _client("lead@acme.example")
    r = client.post(f"/check-ins/{ci.pk}/fix/", {"action": "withdraw", "withdraw-reason": ""})
    assert r.status_code == 422
    assert "Ce champ est obligatoire" in r.content.decode()
    assert CheckIn.objects.filter(pk=ci.pk).exists()
    r = client.post(f"/check-ins/{ci.pk}/fix/", {"action": "correct", "correct-value": "beaucoup"})
    assert r.status_code == 422 and "Saisissez un nombre" in r.content.decode()
    assert CheckIn.objects.filter(pk=ci.pk).exists()
    r = client.post(
        f"/check-ins/{ci.pk}/fix/", {"action": "withdraw", "withdraw-reason": "mauvais KR"}
    )
    assert r.status_code == 302
    assert CheckIn.every.get(pk=ci.pk).withdrawal_reason == "mauvais KR"
    # Withdrawn: the page says so and offers nothing more; a second post changes nothing.
    page = unescape(client.get(f"/check-ins/{ci.pk}/fix/").content.decode())
    assert "Retiré par Leo Lead" in page and "Enregistrer la bonne valeur" not in page
    client.post(f"/check-ins/{ci.pk}/fix/", {"action": "withdraw", "withdraw-reason": "x"})
    assert CheckIn.every.get(pk=ci.pk).withdrawal_reason == "mauvais KR"


def test_people_who_may_not_withdraw_it_get_no_link_and_no_form(world, db):
    ci = _typo()
    for email, status in (("viewer@acme.example", 403), ("executive@globex.example", 404)):
        client = _client(email)
        assert client.get(f"/check-ins/{ci.pk}/fix/").status_code == status
        r = client.post(f"/check-ins/{ci.pk}/fix/", {"action": "withdraw", "withdraw-reason": "x"})
        assert r.status_code == status
    with time_machine.travel("2027-04-01T10:00Z"):
        page = _client("viewer@acme.example").get("/objectives/tact/").content.decode()
    assert "/fix/" not in page
    assert CheckIn.objects.filter(pk=ci.pk).exists()
