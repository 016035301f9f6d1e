"""Conversations through the API (issue 14): comments on objectives, key results and
initiatives, replies, @mentions that notify, edit and delete of one's own, audited."""

from __future__ import annotations

from pilote.conversations.models import Comment
from pilote.notify.models import Notification
from pilote.orgs.models import AuditEntry


def _notes(email: str) -> list[Notification]:
    return list(Notification.objects.filter(user__email=email).order_by("id"))


def test_a_comment_mentions_a_member_who_is_notified_and_a_reply_tells_the_author(api):
    lead, executive = api("lead"), api("executive")
    r = lead.post(
        "/objectives/tact/comments",
        {"body": "Can we review the store rating, @executive@acme.example? Thanks."},
    )
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["about"] == "objective" and first["key"] == "tact"
    assert first["author"] == "lead@acme.example" and first["mentions"] == [
        "executive@acme.example"
    ]
    (note,) = _notes("executive@acme.example")
    assert note.kind == "mention" and note.link == f"/objectives/tact/#comment-{first['id']}"
    # The organisation's chat webhook is told too, with the code and values beside the words.
    from pilote.notify.models import Delivery

    (sent,) = Delivery.objects.filter(organization__name="Acme", kind="mention")
    assert sent.payload["message"] == "comment_mention"
    assert sent.payload["mentioned"] == ["executive@acme.example"]
    assert "Ship a better app" in note.title and "store rating" in note.body
    r = executive.post(
        "/objectives/tact/comments", {"body": "Yes, Monday.", "reply_to": first["id"]}
    )
    assert r.status_code == 201 and r.json()["reply_to"] == first["id"]
    (reply_note,) = _notes("lead@acme.example")
    assert "replied" in reply_note.title or "répondu" in reply_note.title
    listed = api("viewer").get("/objectives/tact/comments").json()
    assert [c["body"] for c in listed] == ["Noted", first["body"], "Yes, Monday."]  # fixture first
    assert (
        AuditEntry.objects.filter(
            action="comment", object_type="objective", object_key="tact"
        ).count()
        == 3
    )


def test_comments_on_key_results_and_initiatives(api):
    c = api("contributor")
    assert c.post("/key-results/tact-kr/comments", {"body": "Data lags a week"}).status_code == 201
    assert c.post("/initiatives/ini1/comments", {"body": "Needs design"}).status_code == 201
    assert api("viewer").get("/key-results/tact-kr/comments").json()[0]["about"] == "key_result"
    assert api("viewer").get("/initiatives/ini1/comments").json()[0]["body"] == "Needs design"


def test_bad_comments_are_refused_with_their_reason_and_nothing_is_kept(api):
    lead = api("lead")
    r = lead.post("/objectives/tact/comments", {"body": "   "})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "body"
    r = lead.post("/objectives/tact/comments", {"body": "Hello @someone@elsewhere.example"})
    assert r.status_code == 422 and "someone@elsewhere.example" in r.json()["errors"][0]["message"]
    r = lead.post("/objectives/tact/comments", {"body": "Hi @executive@globex.example"})
    assert r.status_code == 422  # a member of another organisation is not one of ours
    assert (
        api("viewer").post("/objectives/tact/comments", {"body": "I only read"}).status_code == 403
    )
    other = api("lead").post("/key-results/tact-kr/comments", {"body": "on the KR"}).json()
    r = lead.post("/objectives/tact/comments", {"body": "reply", "reply_to": other["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reply_to"
    assert not Comment.objects.filter(
        body__in=["Hello @someone@elsewhere.example", "reply"]
    ).exists()
    assert _notes("executive@globex.example") == []


def test_only_the_author_edits_and_the_author_or_an_admin_deletes(api):
    lead = api("lead")
    c = lead.post("/objectives/tact/comments", {"body": "First draft"}).json()
    assert api("executive").patch(f"/comments/{c['id']}", {"body": "Hijack"}).status_code == 403
    r = lead.patch(f"/comments/{c['id']}", {"body": "Better, @executive@acme.example"})
    assert (
        r.status_code == 200
        and r.json()["edited_at"]
        and r.json()["mentions"] == ["executive@acme.example"]
    )
    assert len(_notes("executive@acme.example")) == 1  # newly mentioned by the edit
    lead.patch(f"/comments/{c['id']}", {"body": "Better still, @executive@acme.example"})
    assert len(_notes("executive@acme.example")) == 1  # not twice for the same mention
    assert api("contributor").delete(f"/comments/{c['id']}").status_code == 403
    assert api("admin").delete(f"/comments/{c['id']}").status_code == 204
    (gone,) = [
        x for x in api("viewer").get("/objectives/tact/comments").json() if x["id"] == c["id"]
    ]
    assert gone["deleted"] and gone["body"] == "" and gone["mentions"] == []
    assert lead.patch(f"/comments/{c['id']}", {"body": "Back"}).status_code == 409
    entry = AuditEntry.objects.get(action="delete_comment")
    assert entry.before["body"] == "Better still, @executive@acme.example"  # the log keeps it


def test_another_organisation_s_comments_are_not_found(api):
    c = api("lead").post("/objectives/tact/comments", {"body": "Ours"}).json()
    globex = api("admin", "Globex")
    assert globex.get("/objectives/tact/comments").status_code == 404
    assert globex.patch(f"/comments/{c['id']}", {"body": "x"}).status_code == 404
    assert globex.delete(f"/comments/{c['id']}").status_code == 404


def test_the_conversation_goes_out_in_the_export_and_comes_back_once(api):
    from pilote.interchange.exporter import build, to_yaml
    from pilote.interchange.importer import import_data
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization

    lead, executive = api("lead"), api("executive")
    first = lead.post(
        "/key-results/tact-kr/comments", {"body": "@executive@acme.example look"}
    ).json()
    executive.post("/key-results/tact-kr/comments", {"body": "Done", "reply_to": first["id"]})
    api("contributor").post("/initiatives/ini1/comments", {"body": "Design first"})
    acme = Organization.objects.get(name="Acme")
    doc = build(Actor.system(acme))
    (kr,) = [k for o in doc["objectives"] for k in o["key_results"] if k["key"] == "tact-kr"]
    assert [(c["by"], c["body"], c.get("reply_to")) for c in kr["comments"]] == [
        ("lead@acme.example", "@executive@acme.example look", None),
        ("executive@acme.example", "Done", 0),
    ]
    assert "Design first" in to_yaml(doc)
    # Imported again: nothing doubled.
    assert import_data(doc).counts["comments"] == 0
    # Into an organisation that lost them: written back as they were, replies included.
    Comment.objects.filter(key_result__key="tact-kr").delete()
    report = import_data(doc)
    assert report.counts["comments"] == 2
    back = list(Comment.objects.filter(key_result__key="tact-kr").order_by("id"))
    assert (
        back[1].reply_to_id == back[0].pk
        and back[0].mentions.get().email == "executive@acme.example"
    )
    # A comment by a stranger is refused with its path.
    kr["comments"].append({"by": "nobody@acme.example", "at": "2027-04-01T10:00:00Z", "body": "x"})
    from pilote.errors import PiloteError

    try:
        import_data(doc)
        raise AssertionError("the import should have been refused")
    except PiloteError as exc:
        assert any(p.endswith("key_results[0].comments[2].by") for p, _ in exc.errors), exc.errors


def test_the_comment_routes_take_no_parameter_but_the_key(api):
    """The fuzzer found `?kind=` offered to clients (a default argument) and a 500 behind it."""
    doc = api("viewer").get("/openapi.json").json()
    for path in ("/api/v1/objectives/{key}/comments", "/api/v1/initiatives/{key}/comments"):
        for op in doc["paths"][path].values():
            assert [p["name"] for p in op.get("parameters", [])] == ["key"], op
    r = api("viewer").get("/objectives/tact/comments?kind=%C2%93x")
    assert r.status_code == 200
