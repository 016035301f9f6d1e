"""The pages of data sources, held values, feedback and notifications, through the test client."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from pilote.goals.models import CheckIn
from pilote.notify.models import Notification, Preference, Webhook
from pilote.sources.models import DataSource, FeedbackItem, HeldReading
from tests.web.test_pages import browser  # noqa: F401  (the fixture)


def test_a_lead_sets_up_a_source_with_inline_errors_then_an_admin_a_file_source_synced(
    browser,  # noqa: F811
    tmp_path,
    settings,
):
    settings.PILOTE_SOURCE_DIRS = [str(tmp_path)]
    lead = browser("lead")
    bad = lead.post("/sources/", {"key": "Bad Key", "name": "", "kind": "http_json",
                                  "key_result": "tact-kr", "http_json__path": "data.rating",
                                  "http_json__headers": "Authorization: [unclosed"})  # fmt: skip
    assert bad.status_code == 422
    html = bad.content.decode()
    # Each mistake on its field: the key, the name, the missing address, the headers' lines;
    # what was typed stays.
    for field in ("id_key", "id_name", "id_http_json__url", "id_http_json__headers"):
        assert re.search(rf'id="{field}"[^>]*is-invalid|is-invalid[^>]*id="{field}"', html), field
    assert "per line" in html and 'value="data.rating"' in html
    assert not DataSource.objects.filter(name="").exists()
    path = tmp_path / "r.csv"
    path.write_text("rating\n16\n", encoding="utf-8")
    # A file on the server: only admins set such a source up.
    refused = lead.post("/sources/", {"key": "ratings", "name": "Ratings", "kind": "csv",
                                      "key_result": "tact-kr",
                                      "csv__location": str(path), "csv__column": "rating"})  # fmt: skip
    assert refused.status_code in (403, 422) and "admin" in refused.content.decode()
    assert not DataSource.objects.filter(key="ratings").exists()
    admin = browser("admin")
    ok = admin.post("/sources/", {"key": "ratings", "name": "Ratings", "kind": "csv", "key_result": "tact-kr",
                                 "csv__location": str(path), "csv__column": "rating",
                                 "csv__aggregation": "last", "csv__timeout": "7.5"})  # fmt: skip
    assert ok.status_code == 302, [
        line
        for line in ok.content.decode().splitlines()
        if "invalid-feedback" in line or "alert" in line
    ]
    assert lead.post("/sources/ratings/sync/").status_code == 403
    synced = admin.post("/sources/ratings/sync/", follow=True)
    assert "Sync done" in synced.content.decode() or "Relevé fait" in synced.content.decode()
    assert DataSource.objects.get(key="ratings").params == {
        "location": str(path),
        "column": "rating",
        "aggregation": "last",
        "timeout": 7.5,
    }
    ci = CheckIn.objects.get(source="source:ratings")
    assert ci.value == 16 and ci.raw_value == "16"
    page = lead.get("/objectives/tact/").content.decode()
    assert "Ratings" in page and "16" in page


def test_a_viewer_or_a_contributor_cannot_sync_or_create_a_source(browser):  # noqa: F811
    for role in ("viewer", "contributor"):
        client = browser(role)
        assert client.post("/sources/src/sync/").status_code == 403
        r = client.post("/sources/", {"key": "x", "name": "X", "kind": "webhook", "key_result": "tact-kr",
                                      "webhook__path": "value"})  # fmt: skip
        assert r.status_code in (403, 422) and not DataSource.objects.filter(key="x").exists()
    assert browser("lead").post("/sources/src/explode/").status_code == 404
    assert browser("admin").post("/sources/g-src/sync/").status_code == 404


def test_the_owner_confirms_a_held_value_from_the_objective_page(browser, world):  # noqa: F811
    owner = browser("contributor")
    page = owner.get("/objectives/tact/").content.decode()
    assert "18" in page and "/held/" in page
    pk = world.ids[("Acme", "held")]
    assert browser("viewer").post(f"/held/{pk}/confirm/").status_code == 403
    r = owner.post(f"/held/{pk}/confirm/", {"next": "/objectives/tact/"})
    assert r.status_code == 302 and r["Location"] == "/objectives/tact/"
    assert HeldReading.objects.get(pk=pk).status == "confirmed"
    assert (
        browser("admin").post(f"/held/{world.ids[('Globex', 'held')]}/confirm/").status_code == 404
    )


def test_feedback_is_added_imported_and_linked_from_its_page(browser):  # noqa: F811
    lead = browser("lead", language="en")
    bad = lead.post("/feedback/", {"channel": "", "rating": "9"})
    assert bad.status_code == 422 and "from 0 to 5" in bad.content.decode()
    before = FeedbackItem.objects.count()
    csv = SimpleUploadedFile("f.csv", b"channel;rating;text\nApp Store;4,5;ok\nApp Store;11;bad\n")
    r = lead.post("/feedback/", {"file": csv})
    assert r.status_code == 422 and "rows[1].rating" in r.content.decode()
    assert FeedbackItem.objects.count() == before  # all or nothing
    csv = SimpleUploadedFile(
        "f.csv", b"channel;rating;text;tags\nApp Store;4,5;Quick login;login\n"
    )
    assert lead.post("/feedback/", {"file": csv}).status_code == 302
    item = FeedbackItem.objects.get(text="Quick login")
    page = lead.get("/feedback/?q=quick").content.decode()
    assert "Quick login" in page and "4.5" in page
    r = lead.post(f"/feedback/{item.pk}/links/", {"objectives": ["tact"], "initiatives": "ini1"})
    assert r.status_code == 302
    assert "Quick login" in lead.get("/objectives/tact/").content.decode()
    assert "Quick login" in lead.get("/initiatives/ini1/").content.decode()
    assert browser("viewer").post("/feedback/", {"channel": "x", "text": "y"}).status_code == 403


def test_notifications_are_listed_read_and_chosen(browser, world):  # noqa: F811
    from pilote.orgs.models import Organization, User

    user = User.objects.get(email="lead@acme.example")
    Notification.objects.create(organization=Organization.objects.get(name="Acme"), user=user,
                                kind="at_risk", title="Rating: at risk", link="/objectives/tact/")  # fmt: skip
    lead = browser("lead")
    page = lead.get("/").content.decode()
    assert 'badge text-bg-danger">1<' in page  # the unread count in the menu
    assert "Rating: at risk" in lead.get("/notifications/").content.decode()
    lead.post("/notifications/read/")
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    lead.post("/notifications/", {"digest-in_app": "on"})  # every e-mail off, the digest in the app
    prefs = {p.kind: (p.in_app, p.email) for p in Preference.objects.filter(user=user)}
    assert prefs["digest"] == (True, False) and prefs["at_risk"] == (False, False)


def test_an_admin_adds_and_removes_an_outgoing_webhook(browser):  # noqa: F811
    admin = browser("admin")
    bad = admin.post("/manage/webhooks/", {"name": "x", "url": "not a url", "format": "json"})
    assert bad.status_code == 422
    r = admin.post("/manage/webhooks/", {"name": "Slack", "url": "https://chat.example/in",
                                         "format": "slack", "kinds": ["at_risk"]}, follow=True)  # fmt: skip
    assert "signing secret" in r.content.decode() or "secret de signature" in r.content.decode()
    hook = Webhook.objects.get(name="Slack")
    assert hook.kinds == ["at_risk"]
    admin.post("/manage/webhooks/", {"delete": hook.pk})
    assert not Webhook.objects.filter(pk=hook.pk).exists()
    assert (
        browser("lead")
        .post("/manage/webhooks/", {"name": "x", "url": "https://a.example"})
        .status_code
        == 403
    )


def test_a_lead_saving_a_source_keeps_the_admin_s_private_address_choice(browser):  # noqa: F811
    DataSource.objects.filter(key="src").update(allow_private=True)
    lead = browser("lead")
    page = lead.get("/sources/src/").content.decode()
    assert 'name="allow_private"' not in page
    r = lead.post("/sources/src/", {"name": "Renamed", "key_result": "tact-kr",
                                    "csv__location": "https://exports.example/ratings.csv",
                                    "csv__column": "rating"})  # fmt: skip
    assert r.status_code == 302
    source = DataSource.objects.get(key="src")
    assert source.name == "Renamed" and source.allow_private is True
    assert 'name="allow_private"' in browser("admin").get("/sources/src/").content.decode()
    # …but where it reads stays the admin's decision: pointing it elsewhere (saved or only
    # tested) is refused, nothing changes, nothing is read.
    elsewhere = {"name": "Renamed", "key_result": "tact-kr",
                 "csv__location": "http://10.0.0.7/secrets.csv", "csv__column": "rating"}  # fmt: skip
    for extra in ({}, {"test": "1"}):
        r = lead.post("/sources/src/", {**elsewhere, **extra})
        assert r.status_code == 422 and "only an admin may change where" in r.content.decode()
    assert (
        DataSource.objects.get(key="src").params["location"]
        == "https://exports.example/ratings.csv"
    )


def test_testing_a_source_reads_it_once_and_records_nothing(browser, tmp_path, settings):  # noqa: F811
    from pilote.sources.models import SyncRun

    settings.PILOTE_SOURCE_DIRS = [str(tmp_path)]
    path = tmp_path / "r.csv"
    path.write_text("rating\n4.2\n4.6\n", encoding="utf-8")
    form = {"key": "", "name": "Ratings", "kind": "csv", "key_result": "tact-kr",
            "csv__location": str(path), "csv__column": "rating", "test": "1"}  # fmt: skip
    counts = (DataSource.objects.count(), SyncRun.objects.count(), CheckIn.every.count())
    admin = browser("admin", language="fr")
    r = admin.post("/sources/", form)
    html = r.content.decode()
    assert (
        r.status_code == 200
        and "Test : elle relève 4,6" in html
        and "Rien n&#x27;a été enregistré" in html
    )
    assert 'value="Ratings"' in html  # the form keeps what was typed
    wrong = admin.post("/sources/", {**form, "csv__column": "note"})
    assert wrong.status_code == 422 and "note" in wrong.content.decode()
    # A lead may not read a file on the server, tested or not.
    refused = browser("lead").post("/sources/", form)
    assert refused.status_code == 422 and "admin" in refused.content.decode()
    # An existing source, tested with a change that is not saved.
    page = admin.post("/sources/src/", {"name": "Renamed", "key_result": "tact-kr",
                                        "csv__location": str(path), "csv__column": "rating",
                                        "test": "1"})  # fmt: skip
    assert page.status_code == 200 and "4,6" in page.content.decode()
    assert DataSource.objects.get(key="src").name != "Renamed"
    assert (DataSource.objects.count(), SyncRun.objects.count(), CheckIn.every.count()) == counts
