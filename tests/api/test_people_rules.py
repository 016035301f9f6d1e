"""People and their accounts across organisations; the last admin; idempotent bulk check-ins.

Found in review: an admin could add another organisation's member by e-mail and get back
their real name, then rename them (the account is shared), or set their password; the
last admin could demote themselves; a retried bulk check-in recorded everything twice.
"""

from __future__ import annotations

import pytest
from django.test import Client

from pilote.goals.models import CheckIn
from pilote.orgs import actions
from pilote.orgs.access import Actor
from pilote.orgs.models import Invitation, Membership, Organization, User

pytestmark = pytest.mark.django_db


def test_adding_someone_who_has_an_account_elsewhere_answers_like_a_new_address(api):
    User.objects.filter(email="lead@globex.example").update(name="Gloria Globex")
    admin = api("admin")
    known = admin.post("/people", {"email": "lead@globex.example", "name": "Typed Name",
                                   "role": "viewer"})  # fmt: skip
    new = admin.post("/people", {"email": "nobody@new.example", "name": "Typed Name",
                                 "role": "viewer"})  # fmt: skip
    assert known.status_code == new.status_code == 201
    strip = lambda body: {k: v for k, v in body.items() if k != "email"}  # noqa: E731
    assert strip(known.json()) == strip(new.json())
    assert "Gloria" not in known.content.decode()
    # Nothing of the account reaches Acme before its owner accepts.
    assert admin.get("/people/lead@globex.example").status_code == 404
    listed = admin.get("/people?limit=1000").content.decode()
    assert "lead@globex.example" not in listed and "Gloria" not in listed
    acme = Organization.objects.get(name="Acme")
    assert Invitation.objects.filter(organization=acme, email="lead@globex.example").exists()
    assert not Membership.objects.filter(organization=acme, user__email="lead@globex.example")
    # With a password: not applied to the existing account, and still the same answer.
    r = admin.post("/people", {"email": "viewer@globex.example", "role": "viewer",
                               "password": "another-long-passphrase"})  # fmt: skip
    assert r.status_code == 201
    user = User.objects.get(email="viewer@globex.example")
    assert not user.check_password("another-long-passphrase")


def test_the_invited_person_joins_when_they_accept_and_not_before(world):
    acme = Organization.objects.get(name="Acme")
    globex_lead = User.objects.get(email="lead@globex.example")
    globex_lead.set_password("a-long-enough-passphrase")
    globex_lead.save()
    admin = Actor(organization=acme, user=User.objects.get(email="admin@acme.example"),
                  role="admin", label="admin")  # fmt: skip
    invitation = actions.add_person(
        admin, "lead@globex.example", "Typed", "contributor", ["produit"]
    )
    assert isinstance(invitation, Invitation)
    client = Client()
    client.post("/login/", {"username": "lead@globex.example",
                            "password": "a-long-enough-passphrase"})  # fmt: skip
    home = client.get("/").content.decode()
    assert "Acme" in home and f"/invitations/{invitation.pk}/accept/" in home
    # Nobody else answers this invitation.
    other = Client()
    other.force_login(User.objects.get(email="viewer@globex.example"))
    assert other.post(f"/invitations/{invitation.pk}/accept/").status_code == 404
    r = client.post(f"/invitations/{invitation.pk}/accept/")
    assert r.status_code == 302
    m = Membership.objects.get(organization=acme, user=globex_lead)
    assert m.role == "contributor" and [u.key for u in m.units.all()] == ["produit"]
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_an_admin_changes_only_membership_fields_never_the_shared_account(api):
    acme, globex = (Organization.objects.get(name=n) for n in ("Acme", "Globex"))
    shared = User.objects.get(email="lead@globex.example")
    Membership.objects.create(organization=acme, user=shared, role="viewer")
    admin = api("admin")
    etag = admin.get("/people/lead@globex.example")["ETag"]
    r = admin.patch("/people/lead@globex.example", {"name": "Renamed by Acme"},
                    headers={"If-Match": etag})  # fmt: skip
    assert r.status_code == 403
    assert User.objects.get(pk=shared.pk).name == "Leo Lead"
    r = admin.patch("/people/lead@globex.example", {"role": "contributor"},
                    headers={"If-Match": etag})  # fmt: skip
    assert r.status_code == 200 and r.json()["role"] == "contributor"
    assert Membership.objects.get(organization=globex, user=shared).role == "lead"
    from pilote.errors import Forbidden

    with pytest.raises(Forbidden):
        actions.set_password(Actor(organization=acme, user=User.objects.get(
            email="admin@acme.example"), role="admin"), shared, "taken-over-passphrase")  # fmt: skip
    assert not User.objects.get(pk=shared.pk).check_password("taken-over-passphrase")


def test_a_person_renames_themselves_and_every_organisation_they_belong_to_sees_it(world):
    from pilote.orgs import versions

    acme, globex = (Organization.objects.get(name=n) for n in ("Acme", "Globex"))
    shared = User.objects.get(email="lead@globex.example")
    m = Membership.objects.create(organization=acme, user=shared, role="viewer")
    before = versions.current(globex.pk)[1]
    me = Actor(organization=acme, user=shared, role="viewer", label=shared.email)
    actions.update_person(me, m, {"name": "Léo Renamed"})
    assert User.objects.get(pk=shared.pk).name == "Léo Renamed"
    assert versions.current(globex.pk)[1] > before  # Globex's caches hear of it


def test_an_organisation_always_keeps_one_admin(api):
    admin = api("admin")
    etag = admin.get("/people/admin@acme.example")["ETag"]
    r = admin.patch("/people/admin@acme.example", {"role": "viewer"}, headers={"If-Match": etag})
    assert r.status_code == 409 and r.json()["errors"][0]["path"] == "role"
    assert admin.delete("/people/admin@acme.example").status_code == 409
    assert Membership.objects.get(user__email="admin@acme.example").role == "admin"
    # With a second admin, the first may step down.
    etag = admin.get("/people/executive@acme.example")["ETag"]
    assert admin.patch("/people/executive@acme.example", {"role": "admin"},
                       headers={"If-Match": etag}).status_code == 200  # fmt: skip
    etag = admin.get("/people/admin@acme.example")["ETag"]
    r = admin.patch("/people/admin@acme.example", {"role": "viewer"}, headers={"If-Match": etag})
    assert r.status_code == 200


def test_a_retried_bulk_check_in_records_nothing_twice(api):
    lead = api("lead")
    body = {"check_ins": [{"key_result": "tact-kr", "value": 16}, {"key_result": "tact-kr",
                                                                   "value": 17}]}  # fmt: skip
    before = CheckIn.objects.count()
    first = lead.post("/check-ins/bulk", body, headers={"Idempotency-Key": "batch-1"})
    again = lead.post("/check-ins/bulk", body, headers={"Idempotency-Key": "batch-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CheckIn.objects.count() == before + 2
    other = {"check_ins": [{"key_result": "tact-kr", "value": 18}]}
    r = lead.post("/check-ins/bulk", other, headers={"Idempotency-Key": "batch-1"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "Idempotency-Key"
    assert CheckIn.objects.count() == before + 2
    # Keys are per person: another person's same key is another request.
    assert api("executive").post("/check-ins/bulk", other,
                                 headers={"Idempotency-Key": "batch-1"}).status_code == 201  # fmt: skip


def test_in_the_browser_an_admin_edits_a_shared_account_s_role_but_not_its_name(world):
    acme = Organization.objects.get(name="Acme")
    shared = User.objects.get(email="lead@globex.example")
    Membership.objects.create(organization=acme, user=shared, role="viewer")
    admin = Client()
    admin.force_login(User.objects.get(email="admin@acme.example"))
    page = admin.get("/manage/people/lead@globex.example/").content.decode()
    assert 'name="name"' in page and "disabled" in page.split('name="name"')[1][:200]
    m = Membership.objects.get(organization=acme, user=shared)
    r = admin.post("/manage/people/lead@globex.example/",
                   {"name": "Renamed", "role": "contributor", "version": m.version})  # fmt: skip
    assert r.status_code == 302
    assert Membership.objects.get(pk=m.pk).role == "contributor"
    assert User.objects.get(pk=shared.pk).name == "Leo Lead"  # the disabled field is ignored
    # Removing the last admin is refused with a message, not an error page.
    r = admin.post("/manage/people/admin@acme.example/", {"remove": "1"}, follow=True)
    assert r.status_code == 200
    assert Membership.objects.filter(organization=acme, user__email="admin@acme.example").exists()
