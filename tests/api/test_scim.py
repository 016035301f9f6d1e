"""SCIM 2.0 provisioning at /scim/v2/ (orgs/scim.py, api/scim.py).

The compliance run is scim2-tester against a real ``pilote serve`` (the demo's bank, a token
made by the CLI); the rest is what a directory does to Pilote's people and units, and what
it must not reach: another organisation, a lower kind of token, a deactivated person's
access.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from django.test import Client

from pilote.errors import NotFound
from pilote.goals.models import Objective
from pilote.orgs import scim
from pilote.orgs.access import Actor, actor_for
from pilote.orgs.models import ApiToken, AuditEntry, Membership, Organization, Unit, User
from tests.e2e.conftest import _database_url, _free_port

pytestmark = pytest.mark.django_db
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _cli(env, *args) -> str:
    out = subprocess.run([sys.executable, "-m", "pilote.cli", *args], env=env,
                         capture_output=True, text=True, timeout=180)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_scim2_tester_finds_the_server_compliant(tmp_path):
    import httpx2
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import Status, check_server

    env = {**os.environ, "PILOTE_DATA_DIR": str(tmp_path)}
    env.pop("PILOTE_DATABASE_URL", None)
    url = _database_url(tmp_path, "pilote_scim")  # the PostgreSQL pass runs it there
    if url:
        env["PILOTE_DATABASE_URL"] = url
    _cli(env, "demo", "--no-serve")
    secret = _cli(env, "token", "create", "--scim", "--org", "Banque Exemple",
                  "--name", "compliance").split()[-1]  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pilote.cli", "serve", "--port", str(port), "--no-migrate", "--no-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "pilote serve did not start"
                time.sleep(0.2)
        http = httpx2.Client(base_url=f"http://127.0.0.1:{port}/scim/v2", timeout=30,
                             headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
        client = SyncSCIMClient(http)
        client.discover()
        results = check_server(client)
    finally:
        server.terminate()
        server.wait(timeout=20)
    failed = [(r.title, getattr(r, "resource_type", None), r.reason) for r in results
              if r.status is not Status.SUCCESS]  # fmt: skip
    assert len(results) >= 100 and not failed, failed


@pytest.fixture
def acme(world):
    return Organization.objects.get(name="Acme")


@pytest.fixture
def directory(acme):
    """A SCIM client for Acme: (call, the token)."""
    token, secret = scim.create_token(Actor.system(acme), "Entra ID")
    client = Client()

    def call(method: str, path: str, body=None, secret_=None, **headers):
        import json

        kwargs = {"content_type": "application/scim+json"}
        if body is not None:
            kwargs["data"] = body if isinstance(body, bytes) else json.dumps(body)
        auth = secret if secret_ is None else secret_
        return getattr(client, method.lower())(f"/scim/v2{path}", HTTP_AUTHORIZATION=f"Bearer {auth}",
                                               HTTP_ACCEPT_LANGUAGE="en", **kwargs, **headers)  # fmt: skip

    return call, token


def new_user(email: str, **extra) -> dict:
    return {"schemas": [CORE], "userName": email, "emails": [{"value": email, "primary": True}],
            "name": {"givenName": "Dana", "familyName": "Directory"}, **extra}  # fmt: skip


def test_a_token_is_needed_and_reaches_its_organisation_only(directory, acme, api):
    call, _ = directory
    # The discovery document is public (RFC 7643 §5); the rest needs the directory's token.
    assert call("GET", "/ServiceProviderConfig", secret_="").status_code == 200
    for secret in ("", "nonsense", api("admin").token):  # an API token is not a SCIM token
        r = call("GET", "/Users", secret_=secret)
        assert r.status_code == 401 and "WWW-Authenticate" in r, secret
    # Nor is a SCIM token an API token.
    _, own = scim.create_token(Actor.system(acme), "probe")
    assert Client().get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {own}").status_code == 401
    # Globex's directory sees Globex's people, never Acme's, even by id.
    globex = Organization.objects.get(name="Globex")
    _, g_secret = scim.create_token(Actor.system(globex), "Okta")
    acme_lead = Membership.objects.get(organization=acme, user__email="lead@acme.example")
    assert call("GET", f"/Users/{acme_lead.pk}", secret_=g_secret).status_code == 404
    listed = call("GET", "/Users?count=200", secret_=g_secret).json()["Resources"]
    assert listed and all(u["userName"].endswith("globex.example") for u in listed)
    assert (
        call(
            "PATCH",
            f"/Users/{acme_lead.pk}",
            {
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
            secret_=g_secret,
        ).status_code
        == 404
    )
    assert Membership.objects.get(pk=acme_lead.pk).deactivated_at is None


def test_a_revoked_token_stops_at_once(directory, acme):
    call, token = directory
    assert call("GET", "/Users").status_code == 200
    scim.revoke_token(Actor.system(acme), token)
    assert call("GET", "/Users").status_code == 401


def test_provisioning_makes_a_person_and_the_directory_finds_them(directory, acme):
    call, _ = directory
    r = call("POST", "/Users", new_user("dana@acme.example", externalId="entra-42",
                                         title="Analyst"))  # fmt: skip
    assert r.status_code == 201, r.content
    made = r.json()
    m = Membership.objects.get(pk=int(made["id"]))
    assert (m.organization, m.user.email, m.user.name, m.role) == (
        acme,
        "dana@acme.example",
        "Dana Directory",
        "viewer",
    )
    assert not m.user.has_usable_password()
    assert made["title"] == "Analyst" and made["externalId"] == "entra-42"  # kept as sent
    # What a directory asks before creating: is this userName here?
    found = call("GET", '/Users?filter=userName eq "DANA@acme.example"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == made["id"]
    assert call("GET", '/Users?filter=externalId eq "entra-42"').json()["totalResults"] == 1
    # Twice: a conflict, said as SCIM says it.
    again = call("POST", "/Users", new_user("dana@acme.example"))
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    entry = AuditEntry.objects.filter(organization=acme, object_key="dana@acme.example").first()
    assert entry.action == "create" and entry.actor_label == "SCIM (Entra ID)"


def test_bad_input_is_refused_and_changes_nothing(directory, acme):
    call, _ = directory
    people = Membership.objects.filter(organization=acme).count()
    for body, status in [
        ({"schemas": [CORE], "userName": "x"}, 400),  # no e-mail at all
        ({"schemas": [CORE], "userName": "y", "emails": [{"value": "not-an-address"}]}, 400),
        ({"schemas": [GROUP]}, 400),
    ]:
        path = "/Groups" if body["schemas"] == [GROUP] else "/Users"
        r = call("POST", path, body)
        assert r.status_code == status, r.content
        assert r.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    r = call("POST", "/Users", b"{not json")
    assert r.status_code == 400
    assert Membership.objects.filter(organization=acme).count() == people


def test_deprovisioning_deactivates_and_keeps_history(directory, acme):
    call, _ = directory
    lead = Membership.objects.get(organization=acme, user__email="lead@acme.example")
    owned = Objective.objects.filter(owner=lead.user).count()
    assert owned  # the lead owns objectives
    ApiToken.objects.create(organization=acme, user=lead.user, name="t", prefix="lead0001",
                            digest="d" * 64)  # fmt: skip
    r = call("PATCH", f"/Users/{lead.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": False}]})  # fmt: skip
    assert r.status_code in (200, 204)
    assert call("GET", f"/Users/{lead.pk}").json()["active"] is False
    lead.refresh_from_db()
    assert lead.deactivated_at is not None
    with pytest.raises(NotFound):  # a deactivated member acts nowhere
        actor_for(lead.user, acme)
    assert not ApiToken.objects.filter(user=lead.user, revoked_at__isnull=True).exists()
    browser = Client()
    browser.force_login(lead.user)
    assert browser.get("/").status_code in (302, 403, 404)  # no organisation to land in
    assert Objective.objects.filter(owner=lead.user).count() == owned  # history stays
    from pilote.notify.actions import notify
    from pilote.notify.models import Notification

    before = Notification.objects.filter(user=lead.user).count()
    others = [lead.user, User.objects.get(email="admin@acme.example")]
    made = notify(
        acme,
        others,
        "validation",
        "validation_request",
        {"objective": "x", "version": 1},
        "/inbox/",
    )
    assert [n.user.email for n in made] == ["admin@acme.example"]  # nothing to them any more
    assert Notification.objects.filter(user=lead.user).count() == before
    admin = Client()
    admin.cookies["django_language"] = "en"
    admin.force_login(User.objects.get(email="admin@acme.example"))
    people = admin.get("/manage/people/?q=lead@acme").text
    assert "lead@acme.example" in people and "deactivated" in people
    # Back: active again.
    r = call("PATCH", f"/Users/{lead.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": True}]})  # fmt: skip
    assert r.status_code in (200, 204) and actor_for(lead.user, acme).role == "lead"
    # DELETE: gone from SCIM, deactivated in Pilote, nothing deleted.
    assert call("DELETE", f"/Users/{lead.pk}").status_code == 204
    assert call("GET", f"/Users/{lead.pk}").status_code == 404
    assert Membership.objects.get(pk=lead.pk).deactivated_at is not None
    assert User.objects.filter(email="lead@acme.example").exists()
    assert Objective.objects.filter(owner=lead.user).count() == owned
    assert {"deactivate", "reactivate"} <= set(
        AuditEntry.objects.filter(organization=acme, object_key="lead@acme.example").values_list(
            "action", flat=True
        )
    )


def test_the_last_admin_is_not_deactivated(directory, acme):
    call, _ = directory
    admin = Membership.objects.get(organization=acme, user__email="admin@acme.example")
    r = call("PATCH", f"/Users/{admin.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": False}]})  # fmt: skip
    assert r.status_code == 400 and "at least one admin" in r.json()["detail"]
    admin.refresh_from_db()
    assert admin.deactivated_at is None


def test_groups_are_units_and_their_members(directory, acme):
    call, _ = directory
    contributor = Membership.objects.get(organization=acme, user__email="contributor@acme.example")
    r = call("POST", "/Groups", {"schemas": [GROUP], "displayName": "Data team",
                                 "members": [{"value": str(contributor.pk)}]})  # fmt: skip
    assert r.status_code == 201, r.content
    unit = Unit.objects.get(pk=int(r.json()["id"]))
    assert (unit.organization, unit.name, unit.parent) == (acme, "Data team", None)
    assert unit in contributor.units.all()
    user = call("GET", f"/Users/{contributor.pk}").json()
    assert {"value": str(unit.pk), "display": "Data team"}.items() <= user["groups"][-1].items()
    # A member of another organisation is not a member here.
    stranger = Membership.objects.exclude(organization=acme).first()
    bad = call("PATCH", f"/Groups/{unit.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": str(stranger.pk)}]}]})  # fmt: skip
    assert bad.status_code == 400 and unit not in stranger.units.all()
    # Members removed, then the unit deleted (nothing depends on it).
    r = call("PATCH", f"/Groups/{unit.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "remove", "path": "members"}]})  # fmt: skip
    assert r.status_code in (200, 204) and unit not in contributor.units.all()
    assert call("DELETE", f"/Groups/{unit.pk}").status_code == 204
    assert not Unit.objects.filter(pk=unit.pk).exists()
    # A unit with objectives stays (409, in words).
    produit = Unit.objects.get(organization=acme, key="produit")
    r = call("DELETE", f"/Groups/{produit.pk}")
    assert r.status_code == 400 and "stays in Pilote" in r.json()["detail"]
    assert Unit.objects.filter(pk=produit.pk).exists()


def test_with_single_sign_on_only_its_domains_are_provisioned(directory, acme, settings):
    from pilote.orgs.models import SingleSignOn

    call, _ = directory
    SingleSignOn.objects.create(organization=acme, issuer="https://id.acme.example",
                                client_id="x", domains=["acme.example"], default_role="contributor")  # fmt: skip
    r = call("POST", "/Users", new_user("someone@elsewhere.example"))
    assert r.status_code == 400 and "not of a domain" in r.json()["detail"]
    r = call("POST", "/Users", new_user("sso-person@acme.example"))
    assert r.status_code == 201
    assert Membership.objects.get(pk=int(r.json()["id"])).role == "contributor"
    assert not User.objects.filter(email="someone@elsewhere.example").exists()


def test_an_account_of_another_organisation_is_not_taken_over(directory, acme):
    call, _ = directory
    r = call("POST", "/Users", new_user("lead@globex.example"))
    assert r.status_code == 409 and "invite it" in r.json()["detail"]
    assert not Membership.objects.filter(
        organization=acme, user__email="lead@globex.example"
    ).exists()


def test_the_admin_makes_and_revokes_tokens_in_the_browser(acme):
    admin = Client()
    admin.cookies["django_language"] = "en"
    admin.force_login(User.objects.get(email="admin@acme.example"))
    assert admin.get("/manage/provisioning/").status_code == 200
    bad = admin.post("/manage/provisioning/", {"action": "create", "name": "  "})
    assert bad.status_code == 422 and "a name is required" in bad.text
    made = admin.post("/manage/provisioning/", {"action": "create", "name": "Okta"})
    secret = made.text.split('<code class="user-select-all text-break">')[1].split("<")[0]
    assert secret.startswith(scim.SCIM_PREFIX)
    users = Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert users.status_code == 200 and users.json()["totalResults"] >= 5
    token = acme.scim_tokens.get(name="Okta")
    # Another organisation's admin cannot revoke it; a lead does not reach the page.
    other = Client()
    other.force_login(User.objects.get(email="admin@globex.example"))
    other.post("/manage/provisioning/", {"action": "revoke", "token": token.pk})
    assert Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    lead = Client()
    lead.force_login(User.objects.get(email="lead@acme.example"))
    assert lead.get("/manage/provisioning/").status_code == 403
    assert (
        admin.post("/manage/provisioning/", {"action": "revoke", "token": token.pk}).status_code
        == 302
    )
    assert Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
