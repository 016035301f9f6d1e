"""Single sign-on against a real OpenID Connect provider on loopback (tests/oidc_provider.py):
sign-in by the address's domain, accounts made at the first sign-in, and every refusal —
another signing key, another audience, an expired token, a replayed answer, another nonce
or issuer, an unverified or foreign address — each with its own message, nobody signed in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from pilote.orgs import sso
from pilote.orgs.access import Actor, actor_for
from pilote.orgs.models import AuditEntry, Membership, Organization, SingleSignOn, User
from tests.oidc_provider import oidc_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(world):
    return Organization.objects.get(name="Acme")


@pytest.fixture
def provider(acme, settings):
    settings.PILOTE_SSO_ALLOW_PRIVATE = True  # the provider listens on loopback
    settings.PILOTE_SSO_ALLOW_HTTP = True
    with oidc_provider() as p:
        sso.set_sso(Actor.system(acme), {
            "issuer": p.url, "client_id": p.client_id, "client_secret": p.client_secret,
            "domains": "acme.example, acme-corp.example", "default_role": "contributor",
        })  # fmt: skip
        yield p


def sign_in(client: Client, provider, email: str, claims: dict | None = None):
    """The browser's round trip: Pilote → the provider → Pilote's callback."""
    provider.issue = {"email": email, "name": "Nora New", **(claims or {})}
    start = client.post("/sso/start/", {"username": email})
    assert start.status_code == 302 and start["Location"].startswith(provider.url), start
    at_provider = httpx.get(start["Location"], follow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/sso/callback/"
    return client.get(f"{back.path}?{back.query}"), f"{back.path}?{back.query}"


def test_a_new_address_of_the_domain_signs_in_and_gets_an_account(provider, acme):
    client = Client()
    r, _ = sign_in(client, provider, "newcomer@acme-corp.example")
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200
    m = Membership.objects.get(user__email="newcomer@acme-corp.example")
    assert (m.organization, m.role, m.user.name) == (acme, "contributor", "Nora New")
    assert not m.user.has_usable_password()
    assert AuditEntry.objects.filter(organization=acme, action="sso_join",
                                     object_key="newcomer@acme-corp.example").exists()  # fmt: skip
    # Again: the same account, no second membership.
    r, _ = sign_in(Client(), provider, "NewComer@acme-corp.example")
    assert r.status_code == 302
    assert Membership.objects.filter(user__email="newcomer@acme-corp.example").count() == 1


def test_an_existing_member_signs_in_as_themselves(provider):
    client = Client()
    r, _ = sign_in(client, provider, "lead@acme.example")
    assert r.status_code == 302
    page = client.get("/")
    assert page.status_code == 200 and "Leo Lead" in page.text
    assert Membership.objects.get(user__email="lead@acme.example").role == "lead"  # unchanged


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("signature", "not signed by the identity provider"),
        ("aud", "issued for another application"),
        ("expired", "has expired"),
        ("nonce", "does not belong to this sign-in"),
        ("issuer", "comes from another issuer"),
        ("no_id_token", "sent no identity token"),
    ],
)
def test_a_bad_identity_token_is_refused_with_its_reason(provider, tamper, message):
    provider.tamper = {tamper}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    r, _ = sign_in(client, provider, "intruder@acme.example")
    assert r.status_code == 403 and message in r.text
    assert not User.objects.filter(email="intruder@acme.example").exists()
    assert client.get("/").status_code == 302  # not signed in


def test_an_answer_is_used_once(provider):
    client = Client()
    client.cookies["django_language"] = "en"
    r, callback = sign_in(client, provider, "lead@acme.example")
    assert r.status_code == 302
    # The same answer again, in the same browser session: its state was spent.
    again = client.get(callback)
    assert again.status_code == 403 and "already used" in again.text
    client.logout()  # (the test client forgets its cookies too)
    client.cookies["django_language"] = "en"
    replay = client.get(callback)
    assert replay.status_code == 403 and "already used" in replay.text
    # An answer this browser did not ask for (another session) is refused the same way.
    _, other = sign_in(Client(), provider, "lead@acme.example")
    stranger = Client()
    stranger.cookies["django_language"] = "en"
    assert "already used" in stranger.get(other).text
    assert stranger.get("/").status_code == 302


@pytest.mark.parametrize(
    ("email", "claims", "message"),
    [
        ("unverified@acme.example", {"email_verified": False}, "no verified e-mail"),
        ("lead@acme.example", {"email": "someone@elsewhere.example"}, "not of a domain"),
    ],
)
def test_the_address_must_be_verified_and_of_the_domains(provider, email, claims, message):
    client = Client()
    client.cookies["django_language"] = "en"
    r, _ = sign_in(client, provider, email, claims)
    assert r.status_code == 403 and message in r.text
    assert not User.objects.filter(email__in=["unverified@acme.example",
                                              "someone@elsewhere.example"]).exists()  # fmt: skip


def test_the_sign_in_page_finds_the_provider_from_the_address(provider):
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get("/login/")
    assert 'formaction="/sso/start/"' in page.text
    r = client.post("/sso/start/", {"username": "someone@globex.example"})
    assert r.status_code == 302 and r["Location"] == "/login/?email=someone%40globex.example"
    back = client.get(r["Location"])
    assert "No single sign-on is set up for this address" in back.text
    assert 'value="someone@globex.example"' in back.text  # what was typed is kept


def test_required_single_sign_on_turns_passwords_off_for_the_members(provider, acme, settings):
    lead = User.objects.get(email="lead@acme.example")
    lead.set_password("a-long-enough-passphrase")
    lead.save()
    sso.set_sso(Actor.system(acme), {**sso.sso_snapshot(acme.single_sign_on),
                                     "domains": "acme.example", "required": True})  # fmt: skip
    client = Client()
    client.cookies["django_language"] = "en"
    r = client.post("/login/", {"username": "lead@acme.example",
                                "password": "a-long-enough-passphrase"})  # fmt: skip
    assert r.status_code == 200 and "signs in with its identity provider" in r.text
    assert client.get("/").status_code == 302
    assert sso.password_refused("lead@acme.example")
    from pilote.orgs.accounts import reset_accounts

    assert reset_accounts("lead@acme.example") == []
    # Someone of another organisation is not affected.
    assert not sso.password_refused("lead@globex.example")


def test_the_set_up_is_checked_and_only_admins_see_it(provider, acme, settings):
    admin = actor_for(User.objects.get(email="admin@acme.example"), acme)
    base = {"issuer": provider.url, "client_id": "x", "domains": "acme.example"}
    settings.PILOTE_SSO_ALLOW_HTTP = False
    with pytest.raises(sso.Invalid) as exc:
        sso.set_sso(admin, base)
    assert exc.value.errors == [("issuer", "must be an https:// address")]
    settings.PILOTE_SSO_ALLOW_HTTP = True
    settings.PILOTE_SSO_ALLOW_PRIVATE = False
    with pytest.raises(sso.Invalid) as exc:
        sso.set_sso(admin, base)
    assert exc.value.errors[0][0] == "issuer" and "127.0.0.1" in exc.value.errors[0][1]
    settings.PILOTE_SSO_ALLOW_PRIVATE = True
    globex = actor_for(User.objects.get(email="admin@globex.example"),
                       Organization.objects.get(name="Globex"))  # fmt: skip
    with pytest.raises(sso.Invalid) as exc:
        sso.set_sso(globex, {**base, "domains": "acme.example"})
    assert exc.value.errors == [
        ("domains", "another organisation already signs in with this domain")
    ]
    with pytest.raises(sso.Invalid) as exc:
        sso.set_sso(admin, {**base, "domains": "not_a_domain!", "default_role": "admin"})
    assert {p for p, _ in exc.value.errors} == {"domains[0]", "default_role"}
    assert sso.check(admin)["token_endpoint"] == f"{provider.url}/token"
    provider.metadata_issuer = "https://impostor.example"
    with pytest.raises(sso.Conflict):
        sso.check(admin)
    for role in ("lead", "executive", "viewer"):
        c = Client()
        c.force_login(User.objects.get(email=f"{role}@acme.example"))
        assert c.get("/manage/sso/").status_code == 403
    c = Client()
    c.force_login(User.objects.get(email="admin@acme.example"))
    page = c.get("/manage/sso/")
    assert page.status_code == 200 and "/sso/callback/" in page.text
    assert provider.client_secret not in page.text  # the secret is never shown back


def test_a_secret_left_blank_is_kept_and_a_wrong_one_is_refused_by_the_provider(provider, acme):
    config = SingleSignOn.objects.get(organization=acme)
    sso.set_sso(Actor.system(acme), {**sso.sso_snapshot(config), "domains": "acme.example",
                                     "client_secret": ""})  # fmt: skip
    config.refresh_from_db()
    assert config.client_secret == provider.client_secret
    config.client_secret = "wrong"
    config.save()
    client = Client()
    client.cookies["django_language"] = "en"
    r, _ = sign_in(client, provider, "lead@acme.example")
    assert r.status_code == 403 and "refused the sign-in" in r.text
