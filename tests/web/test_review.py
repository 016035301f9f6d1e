"""Review meetings (issue 14): one objective per screen, paged; the same as a PDF whose text
can be read back; the one-page strategy as a PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf
import time_machine
from django.test import Client

from pilote.orgs.models import User


def _client(email: str, language: str = "fr") -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    client.cookies["django_language"] = language
    return client


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_review_pages_through_the_approved_objectives_one_at_a_time(world, db):
    with time_machine.travel(datetime(2027, 4, 1, 9, tzinfo=UTC), tick=True):
        viewer = _client("viewer@acme.example")  # signed in that day
        first = viewer.get("/review/?cycle=q&since=2027-03-20")
        assert first.status_code == 200
        html = first.content.decode()
        # strat (strategic) first; then tact and sales-obj (approved); drafts are not reviewed.
        assert 'data-slide="strat"' in html and "1 sur 3" in html
        assert "Revenue" in html and "<svg" in html and 'rel="next"' in html
        assert 'rel="prev"' not in html
        assert "Depuis le 20/03/2027" in html and "40" in html  # the check-in of 2027-03-25
        second = viewer.get("/review/?cycle=q&since=2027-03-20&i=2").content.decode()
        assert "2 sur 3" in second and 'rel="prev"' in second
        last = viewer.get("/review/?cycle=q&i=99").content.decode()  # clamped to the last
        assert "3 sur 3" in last and 'rel="next"' not in last
        assert (
            "Draft" not in last
            and "A draft" not in viewer.get("/review/?cycle=q&i=2").content.decode()
        )


def test_a_review_of_a_unit_or_a_person_and_its_risks(world, db):
    with time_machine.travel(datetime(2027, 4, 1, 9, tzinfo=UTC), tick=True):
        lead = _client("lead@acme.example")
        r = lead.post(
            "/key-results/tact-kr/check-in/",
            {"tact-kr-value": "14", "tact-kr-confidence": "2", "tact-kr-confirm": "on",
             "tact-kr-comment": "Le magasin bloque la version",
             "tact-kr-next_step": "Appeler le support du magasin"},
        )  # fmt: skip
        assert r.status_code in (200, 302), r.content[:500]
        unit = lead.get("/review/?cycle=q&unit=Product").content.decode()
        assert 'data-slide="tact"' in unit and "1 sur 1" in unit
        assert "confiance 2/10" in unit and "Le magasin bloque la version" in unit
        assert "Appeler le support du magasin" in unit  # the next step, with the risk
        person = lead.get("/review/?cycle=q&person=lead-ventes@acme.example").content.decode()
        assert 'data-slide="sales-obj"' in person and "1 sur 1" in person
        assert lead.get("/review/?cycle=q&unit=Nowhere").status_code == 404
        assert lead.get("/review/?cycle=g-q").status_code == 404  # another organisation's


def test_the_review_pdf_holds_every_objective_of_the_unit_with_its_text(world, db):
    with time_machine.travel(datetime(2027, 4, 1, 9, tzinfo=UTC), tick=True):
        viewer = _client("viewer@acme.example")
        r = viewer.get("/review/dg.pdf?cycle=q")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _text(r.content)
    # The direction's review holds the teams below it: strat, tact and sales-obj.
    assert "Revue" in text and "Revenue" in text
    assert "Ship a better app" in text and "Sell" in text and "A draft" not in text
    english = _text(_client("viewer@acme.example", "en").get("/review/dg.pdf?cycle=q").content)
    assert "Review meeting" in english and "Open risks" in english
    assert _client("viewer@acme.example").get("/review/g-dg.pdf?cycle=q").status_code == 404


def test_the_one_page_strategy_as_pdf(world, db):
    r = _client("viewer@acme.example").get("/strategy/one-page.pdf?cycle=q")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _text(r.content)
    assert "Acme vision" in text and "Revenue" in text and "Notre vision" in text


def test_a_hostile_title_is_text_in_the_pdf_and_fetches_nothing(world, db, tmp_path):
    from pilote.goals.models import Objective

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    Objective.objects.filter(key="strat").update(
        title=f'<img src="file://{secret}"><link rel=stylesheet href="http://127.0.0.1:9/x.css">'
    )
    r = _client("viewer@acme.example").get("/review/dg.pdf?cycle=q")
    assert r.status_code == 200
    text = _text(r.content)
    assert "TOP-SECRET" not in text and "<img src=" in text  # shown as the text it is


def test_the_review_shows_the_conversation_since_the_last_review(world, db):
    with time_machine.travel(datetime(2027, 4, 1, 9, tzinfo=UTC), tick=True):
        lead = _client("lead@acme.example")
        lead.post("/objectives/tact/comments/", {"body": "La note du magasin baisse encore"})
        page = lead.get("/review/?cycle=q&unit=Product").content.decode()
    assert "data-comment" in page and "La note du magasin baisse encore" in page


def test_the_one_page_strategy_names_the_first_objectives_below_each_and_counts_the_rest(
    world, db, monkeypatch
):
    from pilote.web.views import pages

    monkeypatch.setattr(pages, "ONE_PAGE_CHILDREN", 1)
    html = _client("viewer@acme.example").get("/strategy/one-page/?cycle=q").content.decode()
    assert "(et 1 objectif de plus en dessous)" in html  # strat has two children here
    text = _text(_client("viewer@acme.example").get("/strategy/one-page.pdf?cycle=q").content)
    assert "de plus en dessous" in text


def test_a_pdf_that_takes_too_long_is_a_clear_503_not_a_crash(world, db, monkeypatch):
    from pilote.web import pdf

    monkeypatch.setattr(pdf, "TIMEOUT", 0.01)
    r = _client("viewer@acme.example").get("/strategy/one-page.pdf?cycle=q")
    assert r.status_code == 503
    assert "le PDF a pris trop de temps" in r.content.decode()
