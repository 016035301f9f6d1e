"""Conversations on the pages (issue 14): comment on an objective or one of its key results,
reply, mention, edit and delete one's own; in French; bad input keeps the draft."""

from __future__ import annotations

from django.test import Client

from pilote.conversations.models import Comment
from pilote.notify.models import Notification
from pilote.orgs.models import User


def _client(email: str, language: str = "fr") -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    client.cookies["django_language"] = language
    return client


def test_a_lead_comments_mentions_and_the_page_shows_the_thread(world, db):
    lead = _client("lead@acme.example")
    r = lead.post(
        "/objectives/tact/comments/",
        {"body": "On en parle lundi, @executive@acme.example ?", "about": "tact-kr"},
    )
    c = Comment.objects.order_by("-id").first()
    assert r.status_code == 302 and r["Location"] == f"/objectives/tact/#comment-{c.pk}"
    assert c.key_result.key == "tact-kr" and c.objective is None
    note = Notification.objects.get(user__email="executive@acme.example", kind="mention")
    assert "vous a mentionné" in note.title or "mentioned you" in note.title
    page = _client("viewer@acme.example").get("/objectives/tact/").content.decode()
    assert (
        "Conversation" in page and "On en parle lundi" in page and "à propos de « Rating »" in page
    )
    assert 'name="body"' not in page  # a viewer reads, does not write
    executive = _client("executive@acme.example")
    form = executive.get("/objectives/tact/").content.decode()
    assert (
        f'name="reply_to" value="{c.pk}"><input type="hidden" name="about" value="tact-kr">' in form
    )
    executive.post(
        "/objectives/tact/comments/", {"body": "Oui", "reply_to": str(c.pk), "about": "tact-kr"}
    )
    reply = Comment.objects.order_by("-id").first()
    assert reply.reply_to_id == c.pk
    assert Notification.objects.filter(user__email="lead@acme.example", kind="mention").exists()
    history = executive.get("/objectives/tact/").content.decode()
    assert "a commenté" in history or "commenté" in history  # in the objective's history


def test_a_wrong_mention_says_why_and_keeps_the_draft(world, db):
    lead = _client("lead@acme.example")
    r = lead.post("/objectives/tact/comments/", {"body": "Bonjour @inconnu@ailleurs.example"})
    assert r.status_code == 302 and r["Location"] == "/objectives/tact/#conversation"
    page = lead.get("/objectives/tact/").content.decode()
    assert "aucun membre de l’organisation n’a l’adresse inconnu@ailleurs.example" in page
    assert ">Bonjour @inconnu@ailleurs.example</textarea>" in page  # the draft is back
    assert not Comment.objects.filter(body__contains="inconnu").exists()


def test_edit_and_delete_one_s_own_comment_on_an_initiative(world, db):
    lead, contributor = _client("lead@acme.example"), _client("contributor@acme.example")
    lead.post("/initiatives/ini1/comments/", {"body": "Premier jet"})
    c = Comment.objects.get(initiative__key="ini1", body="Premier jet")
    assert contributor.post(f"/comments/{c.pk}/edit/", {"body": "Piraté"}).status_code == 403
    assert lead.post(f"/comments/{c.pk}/edit/", {"body": "Version revue"}).status_code == 302
    page = lead.get("/initiatives/ini1/").content.decode()
    assert "Version revue" in page and "modifié" in page
    assert lead.post(f"/comments/{c.pk}/delete/").status_code == 302
    page = lead.get("/initiatives/ini1/").content.decode()
    assert "Commentaire supprimé." in page and "Version revue" not in page
    assert _client("executive@acme.example").post("/comments/999999/delete/").status_code == 404
