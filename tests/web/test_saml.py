"""Single sign-on with SAML 2.0 against a real identity provider on loopback (pysaml2's IdP,
tests/saml_idp.py): the browser's round trip (Pilote → the provider → the provider's page
posting to Pilote's assertion consumer service → back to Pilote with the session), accounts
at the first sign-in, and every refusal — another signing key, no signature, an address
changed after signing, another audience, an expired assertion, a replayed response, an
answer Pilote did not ask for, a foreign address — each with its own message, nobody
signed in.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from pilote.errors import Invalid
from pilote.orgs import sso
from pilote.orgs.access import Actor
from pilote.orgs.models import AuditEntry, Membership, Organization, SingleSignOn, User
from tests.saml_idp import read_form, saml_idp

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(world):
    return Organization.objects.get(name="Acme")


@pytest.fixture
def idp(acme, settings):
    settings.PILOTE_SSO_ALLOW_PRIVATE = True  # the provider listens on loopback
    settings.PILOTE_SSO_ALLOW_HTTP = True
    with saml_idp() as p:
        sso.set_sso(Actor.system(acme), {
            "protocol": "saml", "metadata_url": p.metadata_url,
            "domains": "acme.example, acme-corp.example", "default_role": "contributor",
        })  # fmt: skip
        # The admin gives the provider Pilote's metadata, read from its public address.
        metadata = Client().get(f"/sso/saml/{acme.pk}/metadata/")
        assert metadata.status_code == 200
        assert metadata["Content-Type"] == "application/samlmetadata+xml"
        p.learn(metadata.text)
        yield p


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def answer(client: Client, idp, email: str, name: str = "Sam Saml") -> tuple[str, dict]:
    """Pilote → the provider: the page it sends back (its form's action and fields)."""
    idp.issue = {"email": email, "name": name}
    start = client.post("/sso/start/", {"username": email})
    assert start.status_code == 302 and start["Location"].startswith(idp.url + "/sso?"), start
    page = httpx.get(start["Location"], timeout=10)
    assert page.status_code == 200
    return read_form(page.text)


def post_back(client: Client, action: str, fields: dict):
    """The provider's page posts to the assertion consumer service; Pilote sends the browser
    on (with its session) to finish."""
    assert urlsplit(action).path.endswith("/acs/")
    consumed = client.post(urlsplit(action).path, fields)
    if consumed.status_code != 302:
        return consumed
    assert consumed["Location"].startswith("/sso/saml/finish/?request=")
    return client.get(consumed["Location"])


def test_a_new_address_of_the_domain_signs_in_and_gets_an_account(idp, acme):
    client = english()
    r = post_back(client, *answer(client, idp, "newcomer@acme-corp.example", "Nora New"))
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200
    m = Membership.objects.get(user__email="newcomer@acme-corp.example")
    assert (m.organization, m.role, m.user.name) == (acme, "contributor", "Nora New")
    assert not m.user.has_usable_password()
    assert AuditEntry.objects.filter(organization=acme, action="sso_join",
                                     object_key="newcomer@acme-corp.example").exists()  # fmt: skip
    other = english()
    assert post_back(other, *answer(other, idp, "NewComer@acme-corp.example")).status_code == 302
    assert Membership.objects.filter(user__email="newcomer@acme-corp.example").count() == 1


def test_an_existing_member_signs_in_as_themselves(idp):
    client = english()
    assert post_back(client, *answer(client, idp, "lead@acme.example")).status_code == 302
    page = client.get("/")
    assert page.status_code == 200 and "Leo Lead" in page.text
    assert Membership.objects.get(user__email="lead@acme.example").role == "lead"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("signature", "not signed by the identity provider's certificate"),
        ("unsigned", "carries no signature"),
        ("altered", "not signed by the identity provider's certificate"),
        ("audience", "issued for another service provider"),
        ("expired", "has expired"),
        ("sha1", "SHA-1"),
    ],
)
def test_a_bad_response_is_refused_with_its_reason(idp, tamper, message):
    idp.tamper = {tamper}
    client = english()
    r = post_back(client, *answer(client, idp, "intruder@acme.example"))
    assert r.status_code == 403 and message in html.unescape(r.text)
    assert not User.objects.filter(
        email__in=["intruder@acme.example", "boss@acme.example"]
    ).exists()
    assert client.get("/").status_code == 302  # not signed in


def test_a_response_is_used_once_and_only_by_the_browser_that_asked(idp):
    client = english()
    action, fields = answer(client, idp, "lead@acme.example")
    assert post_back(client, action, fields).status_code == 302
    # The same response posted again (a replay, from anywhere): its ids were spent.
    for again in (client, english()):
        r = again.post(urlsplit(action).path, fields)
        assert r.status_code == 403 and "already used" in r.text
    # A fresh response, its finishing link opened in another browser: refused there…
    first = english()
    consumed = first.post(urlsplit(action).path, answer(first, idp, "lead@acme.example")[1])
    assert consumed.status_code == 302
    stranger = english()
    refused = stranger.get(consumed["Location"])
    assert refused.status_code == 403 and "already used" in refused.text
    assert stranger.get("/").status_code == 302
    # …still good in the browser that asked, once.
    assert first.get(consumed["Location"]).status_code == 302
    assert first.get(consumed["Location"]).status_code == 403


def test_an_answer_pilote_did_not_ask_for_is_refused(idp, acme):
    client = english()
    action, fields = answer(client, idp, "lead@acme.example")
    for relay in ("", "forged", fields["RelayState"][:-2] + "xx"):
        r = english().post(urlsplit(action).path, {**fields, "RelayState": relay})
        assert r.status_code == 403 and "not asked for from Pilote" in r.text
    # Another organisation's consumer with this organisation's answer: refused too.
    globex = Organization.objects.get(name="Globex")
    r = english().post(f"/sso/saml/{globex.pk}/acs/", fields)
    assert r.status_code == 403 and "turned off" in r.text
    assert not r.wsgi_request.user.is_authenticated


def test_the_address_must_be_of_the_domains(idp):
    # The sign-in starts from an address of the domain; the provider names another one.
    client = english()
    idp.issue = {"email": "someone@elsewhere.example"}
    start = client.post("/sso/start/", {"username": "lead@acme.example"})
    page = httpx.get(start["Location"], timeout=10)
    r = post_back(client, *read_form(page.text))
    assert r.status_code == 403 and "not of a domain" in r.text
    assert not User.objects.filter(email="someone@elsewhere.example").exists()


def test_set_up_checks_the_metadata_and_its_address(acme, settings, idp):
    system = Actor.system(acme)
    base = {"protocol": "saml", "domains": "acme.example"}
    settings.PILOTE_SSO_ALLOW_HTTP = False
    with pytest.raises(Invalid) as e:
        sso.set_sso(system, {**base, "metadata_url": idp.metadata_url})
    assert e.value.errors == [("metadata_url", "must be an https:// address")]
    settings.PILOTE_SSO_ALLOW_HTTP = True
    settings.PILOTE_SSO_ALLOW_PRIVATE = False
    with pytest.raises(Invalid) as e:
        sso.set_sso(system, {**base, "metadata_url": idp.metadata_url})
    assert e.value.errors[0][0] == "metadata_url" and "private" in e.value.errors[0][1]
    settings.PILOTE_SSO_ALLOW_PRIVATE = True
    for xml, says in [("", "metadata is needed"), ("<not-saml/>", "exactly one identity provider"),
                      ("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
                       "not SAML metadata")]:  # fmt: skip
        with pytest.raises(Invalid) as e:
            sso.set_sso(system, {**base, "metadata_xml": xml})
        assert says in e.value.errors[0][1]
    # Pasted metadata works as well as its address; nothing changed by the refusals above.
    before = SingleSignOn.objects.get(organization=acme)
    assert before.metadata_url == idp.metadata_url
    pasted = httpx.get(idp.metadata_url, timeout=10).text
    saved = sso.set_sso(system, {**base, "metadata_xml": pasted})
    assert (saved.issuer, saved.metadata_url) == (idp.entity_id, "")
    checked = sso.check(system)
    assert checked["entity_id"] == idp.entity_id and checked["sign_in_url"] == idp.url + "/sso"
    assert len(checked["certificate_ends"]) == 1


def test_the_admin_sets_saml_up_in_the_browser(acme, settings):
    settings.PILOTE_SSO_ALLOW_PRIVATE = True
    settings.PILOTE_SSO_ALLOW_HTTP = True
    admin = english()
    admin.force_login(User.objects.get(email="admin@acme.example"))
    with saml_idp() as p:
        page = admin.get("/manage/sso/")
        assert page.status_code == 200 and f"/sso/saml/{acme.pk}/acs/" in page.text
        bad = admin.post("/manage/sso/", {"protocol": "saml", "metadata_url": "ftp://x",
                                          "domains": "acme.example", "default_role": "viewer",
                                          "enabled": "on"})  # fmt: skip
        assert bad.status_code == 422 and "must be an https:// address" in bad.text
        assert not SingleSignOn.objects.filter(organization=acme).exists()
        form = {"protocol": "saml", "metadata_url": p.metadata_url, "domains": "acme.example",
                "default_role": "viewer", "enabled": "on"}  # fmt: skip
        ok = admin.post("/manage/sso/", {**form, "action": "save"})
        assert ok.status_code == 302
        saved = SingleSignOn.objects.get(organization=acme)
        assert (saved.protocol, saved.issuer) == ("saml", p.entity_id)
        tested = admin.post("/manage/sso/", {**form, "action": "test"})
        assert tested.status_code == 200 and "Signing certificate valid until" in tested.text
        assert p.entity_id in tested.text
    # Lower roles do not reach the page.
    lead = english()
    lead.force_login(User.objects.get(email="lead@acme.example"))
    assert lead.get("/manage/sso/").status_code == 403
    assert Client().get("/sso/saml/999999/metadata/").status_code == 404


def test_an_invited_address_joins_as_invited_and_a_deactivated_member_is_refused(idp, acme):
    from pilote.orgs.models import Invitation

    invitation = Invitation.objects.get(organization=acme, email="invited@acme.example")
    role, units = invitation.role, set(invitation.units.values_list("key", flat=True))
    # The invitation's page offers the provider (and, SSO not being required, a password).
    page = english().get(f"/join/{sso_token(invitation)}/")
    assert 'action="/sso/start/"' in page.text and 'name="password"' in page.text
    client = english()
    assert post_back(client, *answer(client, idp, "invited@acme.example")).status_code == 302
    m = Membership.objects.get(organization=acme, user__email="invited@acme.example")
    assert (m.role, set(m.units.values_list("key", flat=True))) == (role, units)
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    # Deactivated (by the directory): single sign-on does not bring them back.
    from django.utils import timezone

    Membership.objects.filter(pk=m.pk).update(deactivated_at=timezone.now())
    again = english()
    r = post_back(again, *answer(again, idp, "invited@acme.example"))
    assert r.status_code == 403 and "deactivated" in r.text


def test_with_sso_required_an_invitation_sets_no_password(idp, acme):
    from pilote.orgs.models import Invitation

    SingleSignOn.objects.filter(organization=acme).update(required=True)
    invitation = Invitation.objects.get(organization=acme, email="invited@acme.example")
    token = sso_token(invitation)
    page = english().get(f"/join/{token}/")
    assert 'action="/sso/start/"' in page.text and 'type="password"' not in page.text
    r = english().post(f"/join/{token}/", {"name": "In Vited", "password": "a-Long-pass-2026!",
                                           "password_again": "a-Long-pass-2026!"})  # fmt: skip
    assert not User.objects.filter(email="invited@acme.example").exists(), r.status_code


def sso_token(invitation) -> str:
    from pilote.orgs.accounts import invitation_token

    return invitation_token(invitation)


def test_a_hostile_response_is_refused_without_being_expanded(idp):
    import base64

    client = english()
    action, fields = answer(client, idp, "lead@acme.example")
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            '<r>&c;</r>')  # fmt: skip
    for body in (base64.b64encode(bomb.encode()).decode(), "not base64 at all %%%", "x" * 600_000):
        r = client.post(urlsplit(action).path, {**fields, "SAMLResponse": body})
        assert r.status_code == 403 and "not a valid SAML response" in r.text
    assert client.get("/").status_code == 302


def test_the_finishing_step_waits_one_minute_at_most(idp):
    import datetime

    import time_machine

    client = english()
    action, fields = answer(client, idp, "lead@acme.example")
    consumed = client.post(urlsplit(action).path, fields)
    assert consumed.status_code == 302
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        r = client.get(consumed["Location"])
    assert r.status_code == 403 and "already used, or has expired" in r.text
    assert client.get("/").status_code == 302
