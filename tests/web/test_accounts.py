"""Accounts people manage themselves: invitations by e-mail, password reset, signing out
everywhere. Mail goes through a real SMTP server on loopback (aiosmtpd), sent by the worker
as `pilote worker` sends it; every link is read back from the message and followed.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from pilote.errors import Forbidden
from pilote.orgs import accounts, queries
from pilote.orgs.access import actor_for
from pilote.orgs.models import Invitation, Membership, Organization, User
from tests.loopback import drain

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase"
NEW = "newcomer@elsewhere.example"


@pytest.fixture(autouse=True)
def _acme_and_globex(world):
    """The suite's two organisations (loaded once per session)."""


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): …`` runs what the block queued for after its commit (the
    e-mail's task), as the commit of a real request does; the tests' transaction never
    commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def can_sign_in(email: str, password: str) -> bool:
    return Client().post("/login/", {"username": email, "password": password}).status_code == 302


def letters(messages, to: str) -> list[tuple[str, str]]:
    """(subject, text) of every message sent to ``to``, oldest first."""
    out = []
    for m in messages:
        if to in m.rcpt_tos:
            msg = message_from_bytes(m.content)
            subject = str(make_header(decode_header(msg["Subject"])))
            out.append((subject, msg.get_payload(decode=True).decode(msg.get_content_charset())))
    return out


def link_in(text: str) -> str:
    """The path of the one Pilote link a message carries (the base URL cut off)."""
    (url,) = re.findall(r"http://127\.0\.0\.1:8000(/\S+)", text)
    return url


def signed_in(role: str = "admin", org: str = "acme") -> Client:
    client = Client()
    client.force_login(User.objects.get(email=f"{role}@{org}.example"))
    return client


def invite_by_page(client: Client, email: str = NEW, role: str = "contributor", units=("produit",)):
    return client.post(
        "/manage/invitations/", {"email": email, "name": "Nora New", "role": role, "units": units}
    )


def test_an_admin_invites_a_new_address_which_sets_its_password_by_the_e_mailed_link(
    mail, committed
):
    with committed():
        r = invite_by_page(signed_in("admin"))
    assert r.status_code == 302
    drain()
    ((subject, text),) = letters(mail, NEW)
    assert "Acme" in subject and "Ada Admin" in subject  # Acme speaks English
    assert "as contributor" in text
    path = link_in(text)
    assert path.startswith("/join/")

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Join Acme" in page.text and 'name="password"' in page.text
    # A weak password, or two that differ: said on the field, nothing made.
    weak = visitor.post(path, {"name": "Nora", "password": "short", "password_again": "short"})
    assert weak.status_code == 422 and "too short" in weak.text
    differ = visitor.post(path, {"name": "Nora", "password": PASSWORD, "password_again": "x"})
    assert differ.status_code == 422 and "The two passwords differ." in differ.text
    assert not User.objects.filter(email=NEW).exists()

    joined = visitor.post(path, {"name": "Nora", "password": PASSWORD, "password_again": PASSWORD})
    assert joined.status_code == 302 and joined["Location"] == "/"
    m = Membership.objects.get(user__email=NEW)
    assert (m.organization.name, m.role, [u.key for u in m.units.all()]) == (
        "Acme",
        "contributor",
        ["produit"],
    )
    assert m.user.name == "Nora" and m.user.check_password(PASSWORD)
    assert visitor.get("/").status_code == 200  # signed in, in Acme
    assert not Invitation.objects.filter(email=NEW).exists()
    # The link is spent: it answers as an unknown one.
    assert Client().get(path).status_code == 404
    assert can_sign_in(NEW, PASSWORD)


def test_a_resend_replaces_the_link_and_a_withdrawal_or_the_expiry_stops_it(mail, committed):
    admin = signed_in("admin")
    with committed():
        invite_by_page(admin)
    drain()
    first = link_in(letters(mail, NEW)[0][1])
    invitation = Invitation.objects.get(email=NEW)
    with committed():
        assert admin.post(f"/manage/invitations/{invitation.pk}/resend/").status_code == 302
    drain()
    second = link_in(letters(mail, NEW)[1][1])
    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    invitation.refresh_from_db()
    assert invitation.sent_count == 2

    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        expired = Client().get(second)
        assert expired.status_code == 410 and "expired" in expired.text
        with pytest.raises(Exception, match="expired"):
            accounts.join(second.split("/")[2], "Nora", PASSWORD)
    assert not User.objects.filter(email=NEW).exists()

    assert admin.post(f"/manage/invitations/{invitation.pk}/revoke/").status_code == 302
    assert Client().get(second).status_code == 404


def test_a_forged_or_altered_link_opens_nothing():
    org = Organization.objects.get(name="Acme")
    admin = actor_for(User.objects.get(email="admin@acme.example"), org)
    invitation = accounts.invite(admin, NEW, role="viewer")
    token = accounts.invitation_token(invitation)
    assert Client().get(f"/join/{token}/").status_code == 200
    for bad in (token[:-2] + "xx", "not-a-token", token.replace(":", ";", 1)):
        assert Client().get(f"/join/{bad}/").status_code == 404
    # Signed with the right secret but for another invitation's nonce: refused too.
    from django.core import signing

    other = signing.dumps([invitation.pk, "guessed-nonce"], salt=accounts.SALT)
    assert Client().get(f"/join/{other}/").status_code == 404


def test_an_existing_account_signs_in_as_itself_to_accept(mail, committed):
    with committed():
        invite_by_page(signed_in("admin"), email="viewer@globex.example", role="viewer", units=())
    drain()
    ((subject, text),) = letters(mail, "viewer@globex.example")
    path = link_in(text)
    page = Client().get(path)
    assert "already has a Pilote account" in page.text and 'name="password"' not in page.text
    other = signed_in("lead", "globex").get(path)
    assert "you are signed in as lead@globex.example" in other.text
    assert not Membership.objects.filter(user__email="viewer@globex.example",
                                         organization__name="Acme").exists()  # fmt: skip
    owner = signed_in("viewer", "globex")
    accept = owner.get(path)
    assert 'action="/invitations/' in accept.text
    invitation = Invitation.objects.get(email="viewer@globex.example")
    assert owner.post(f"/invitations/{invitation.pk}/accept/").status_code == 302
    assert Membership.objects.filter(
        user__email="viewer@globex.example", organization__name="Acme", role="viewer"
    ).exists()


def test_inviting_answers_alike_for_a_known_and_an_unknown_address(api, mail, committed):
    admin = api("admin")
    with committed():
        known = admin.post("/invitations", {"email": "viewer@globex.example", "role": "viewer"})
        unknown = admin.post("/invitations", {"email": NEW, "role": "viewer"})
    assert known.status_code == unknown.status_code == 201
    strip = {"id", "email", "created_at", "expires_at"}
    assert {k: v for k, v in known.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }
    drain()
    assert len(letters(mail, NEW)) == len(letters(mail, "viewer@globex.example")) == 1


def test_who_may_invite_whom(api):
    lead = api("lead")  # leads Product (and App team below it)
    ok = lead.post("/invitations", {"email": NEW, "role": "contributor", "units": ["equipe-app"]})
    assert ok.status_code == 201, ok.json()
    for body in (
        {"email": "a@x.example", "role": "admin", "units": ["produit"]},
        {"email": "b@x.example", "role": "lead", "units": ["produit"]},
        {"email": "c@x.example", "role": "viewer", "units": ["ventes"]},  # not their unit
        {"email": "d@x.example", "role": "viewer", "units": []},  # nobody's unit
    ):
        r = lead.post("/invitations", body)
        assert r.status_code == 403, (body, r.json())
    for role in ("contributor", "viewer", "executive"):
        assert api(role).post("/invitations", {"email": "e@x.example"}).status_code == 403
        assert api(role).get("/invitations").status_code == 403
    assert not Invitation.objects.filter(email__endswith="@x.example").exists()

    pk = ok.json()["id"]
    # Another lead of the same organisation does not manage it (nor see it in their list);
    # another organisation does not see it at all.
    acme = Organization.objects.get(name="Acme")
    sales_lead = actor_for(User.objects.get(email="lead-ventes@acme.example"), acme)
    with pytest.raises(Forbidden):
        accounts.resend_invitation(sales_lead, Invitation.objects.get(pk=pk))
    assert queries.manageable_invitations(sales_lead) == []
    sales = signed_in("lead-ventes")
    assert sales.post(f"/manage/invitations/{pk}/revoke/").status_code == 403
    assert NEW not in sales.get("/manage/invitations/").text
    assert api("admin", "Globex").delete(f"/invitations/{pk}").status_code == 404
    assert [i["email"] for i in api("lead").get("/invitations").json()] == [
        "invited@acme.example",  # the suite's fixture: the lead invited them into Product
        NEW,
    ]
    assert api("admin").delete(f"/invitations/{pk}").status_code == 204


def test_bad_invitations_are_named_and_change_nothing(api):
    admin = api("admin")
    r = admin.post("/invitations", {"email": "not-an-address", "role": "viewer", "units": ["nope"]})
    assert r.status_code == 422
    paths = {e["path"] for e in r.json()["errors"]}
    assert "email" in paths
    member = admin.post("/invitations", {"email": "lead@acme.example", "role": "viewer"})
    assert member.status_code == 409
    admin.post("/invitations", {"email": NEW})
    again = admin.post("/invitations", {"email": NEW})
    assert again.status_code == 409
    assert Invitation.objects.filter(organization__name="Acme", email=NEW).count() == 1


def test_invitations_sent_are_limited_per_person(api, settings):
    settings.PILOTE_INVITATIONS_PER_HOUR = 2
    admin = api("admin")
    assert admin.post("/invitations", {"email": "one@x.example"}).status_code == 201
    assert admin.post("/invitations", {"email": "two@x.example"}).status_code == 201
    r = admin.post("/invitations", {"email": "three@x.example"})
    assert r.status_code == 429 and "too many invitations" in r.json()["detail"]
    assert not Invitation.objects.filter(email="three@x.example").exists()


# --- password reset (pages before sign-in speak the server's default language, French) ---


@pytest.fixture
def lead_password(db):
    user = User.objects.get(email="lead@acme.example")
    user.set_password("the-old-passphrase")
    user.save()
    return user


def test_a_forgotten_password_is_reset_by_the_e_mailed_link_once(mail, lead_password, committed):
    assert 'href="/password-reset/"' in Client().get("/login/").text
    with committed():
        r = Client().post("/password-reset/", {"email": "LEAD@acme.example"})
    assert r.status_code == 302 and r["Location"] == "/password-reset/sent/"
    drain()
    ((subject, text),) = letters(mail, "lead@acme.example")
    assert subject == "[Pilote] Choose a new password"
    path = link_in(text)
    visitor = Client()
    form = visitor.get(path, follow=True)  # Django moves the token into the session
    assert 'name="new_password1"' in form.text
    done = visitor.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    assert can_sign_in("lead@acme.example", PASSWORD)
    assert not can_sign_in("lead@acme.example", "the-old-passphrase")
    # Used once: the same link no longer works.
    assert "ne fonctionne plus" in Client().get(path, follow=True).text


def test_a_reset_says_the_same_for_an_unknown_address_and_sends_nothing(mail, committed):
    with committed():
        r = Client().post("/password-reset/", {"email": "nobody@nowhere.example"})
    assert r.status_code == 302 and r["Location"] == "/password-reset/sent/"
    drain()
    assert letters(mail, "nobody@nowhere.example") == []


def test_reset_requests_are_limited_per_e_mail_and_per_address(
    mail, lead_password, settings, committed
):
    settings.PILOTE_RESET_LIMIT_PER_EMAIL = 2
    settings.PILOTE_RESET_LIMIT_PER_ADDRESS = 3
    with committed():
        for _ in range(2):
            r = Client().post("/password-reset/", {"email": "lead@acme.example"})
            assert r.status_code == 302
    r = Client().post("/password-reset/", {"email": "lead@acme.example"})
    assert r.status_code == 429 and "trop de demandes de réinitialisation" in r.text
    # That address has asked 3 times: a fourth request, for another e-mail, is refused too.
    assert Client().post("/password-reset/", {"email": "x@acme.example"}).status_code == 429
    # From another address the e-mail limit still holds; another e-mail goes through.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post("/password-reset/", {"email": "lead@acme.example"}).status_code == 429
    assert other.post("/password-reset/", {"email": "z@acme.example"}).status_code == 302
    drain()
    assert len(letters(mail, "lead@acme.example")) == 2


def test_a_reset_lifts_the_sign_in_lockout(mail, lead_password, settings, committed):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/login/", {"username": "lead@acme.example", "password": "wrong"})
    locked = Client().post(
        "/login/", {"username": "lead@acme.example", "password": "the-old-passphrase"}
    )
    assert locked.status_code == 429
    with committed():
        Client().post("/password-reset/", {"email": "lead@acme.example"})
    drain()
    visitor = Client()
    form = visitor.get(link_in(letters(mail, "lead@acme.example")[0][1]), follow=True)
    visitor.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    r = Client().post("/login/", {"username": "lead@acme.example", "password": PASSWORD})
    assert r.status_code == 302


def test_without_e_mail_the_reset_page_says_whom_to_ask(settings):
    settings.EMAIL_ENABLED = False
    page = Client().get("/password-reset/")
    assert "envoie pas de courriel" in page.text and 'name="email"' not in page.text


# --- sessions -------------------------------------------------------------------------


def test_signing_out_everywhere_ends_every_session_of_the_account(lead_password):
    laptop, phone = Client(), Client()
    for c in (laptop, phone):
        r = c.post("/login/", {"username": "lead@acme.example", "password": "the-old-passphrase"})
        assert r.status_code == 302
        assert c.get("/").status_code == 200
    someone_else = signed_in("admin")
    r = laptop.post("/account/sign-out-everywhere/")
    assert r.status_code == 302 and r["Location"] == "/login/?signed_out=everywhere"
    assert "déconnecté sur tous vos appareils" in laptop.get(r["Location"]).text
    for c in (laptop, phone):
        assert c.get("/").status_code == 302  # to the sign-in page
    assert someone_else.get("/").status_code == 200
    # Signing in again works, and that new session lives.
    again = {"username": "lead@acme.example", "password": "the-old-passphrase"}
    assert phone.post("/login/", again).status_code == 302
    assert phone.get("/").status_code == 200


def test_the_account_page_offers_password_and_sessions():
    page = signed_in("lead").get("/account/")
    assert page.status_code == 200
    assert 'action="/account/sign-out-everywhere/"' in page.text
    assert 'href="/account/password/"' in page.text


# --- in French ------------------------------------------------------------------------


def test_a_french_organisation_invites_in_french(mail, committed):
    from pilote.interchange.importer import import_data

    import_data({"organization": "Banque", "locale": "fr",
                 "units": [{"key": "bq-dg", "name": "Direction générale"}],
                 "people": [{"email": "admin@banque.example", "name": "Anne", "role": "admin"}]})  # fmt: skip
    client = Client()
    client.force_login(User.objects.get(email="admin@banque.example"))
    with committed():
        r = client.post(
            "/manage/invitations/", {"email": NEW, "role": "viewer", "units": ["bq-dg"]}
        )
    assert r.status_code == 302
    assert "Invitation envoyée" in client.get("/manage/invitations/").text
    drain()
    ((subject, text),) = letters(mail, NEW)
    assert subject == "[Pilote] Anne vous invite dans Banque"
    assert "en tant que lecteur." in text
    page = Client().get(link_in(text))
    assert "Rejoindre Banque" in page.text and "Mot de passe" in page.text
