"""Reminders, alerts, validation requests and digests: in the app, by e-mail, to webhooks.

Real servers on loopback: an SMTP sink (aiosmtpd) and an HTTP receiver. Tasks run through
django-tasks' database worker, as `pilote worker` runs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from pilote import worker
from pilote.goals.keyresults import record_check_in
from pilote.goals.models import KeyResult, Objective
from pilote.interchange.importer import import_data
from pilote.notify import jobs
from pilote.notify.actions import create_webhook, set_preferences
from pilote.notify.models import Delivery, Notification
from pilote.orgs.access import Actor, actor_for
from pilote.orgs.actions import set_language
from pilote.orgs.models import Organization, User
from tests.loopback import Answer, drain, http_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(db):
    today = timezone.localdate()
    import_data({
        "organization": "Notify Bank",
        "units": [{"key": "nb-dg", "name": "DG"}, {"key": "nb-digital", "name": "Digital", "parent": "nb-dg"}],
        "people": [
            {"email": "exec@nb.example", "name": "Eve", "role": "executive", "units": ["nb-dg"]},
            {"email": "lead@nb.example", "name": "Lea", "role": "lead", "units": ["nb-digital"]},
            {"email": "owner@nb.example", "name": "Owen", "role": "contributor", "units": ["nb-digital"]},
            {"email": "viewer@nb.example", "name": "Val", "role": "viewer"},
        ],
        "cycles": [{"key": "nb-now", "start": str(today - timedelta(days=60)), "end": str(today + timedelta(days=30))}],
        "objectives": [
            {"key": "nb-obj", "level": "tactical", "cycle": "nb-now", "unit": "nb-digital", "title": "Digital",
             "owner": "lead@nb.example", "status": "approved",
             "key_results": [{"key": "nb-kr", "title": "Store rating", "baseline": 0, "target": 100,
                              "owner": "owner@nb.example"}]},
            {"key": "nb-draft", "level": "tactical", "cycle": "nb-now", "unit": "nb-digital",
             "title": "Next bet", "status": "draft"},
        ],
    })  # fmt: skip
    return Organization.objects.get(name="Notify Bank")


def person(org, email):
    return actor_for(User.objects.get(email=email), org)


def inbox(email):
    return list(
        Notification.objects.filter(user__email=email, in_app=True).values_list("kind", "title")
    )


def test_a_key_result_falling_behind_alerts_its_owner_and_leads_by_app_mail_and_webhook(
    bank, mail, django_capture_on_commit_callbacks
):
    with http_server({"/hook": Answer(status=204, body=b"")}) as receiver:
        hook = create_webhook(Actor.system(bank), {"name": "chat", "url": f"{receiver.url}/hook",
                                                   "allow_private": True})  # fmt: skip
        # Each person reads in their own language: the lead chose English, the owner did not
        # (the organisation's, French).
        set_language(User.objects.get(email="lead@nb.example"), "en")
        with django_capture_on_commit_callbacks(execute=True):
            record_check_in(
                person(bank, "owner@nb.example"), KeyResult.objects.get(key="nb-kr"), 10
            )
        drain()
    assert inbox("owner@nb.example") == [("at_risk", "Store rating : en retard")]
    assert inbox("lead@nb.example") == [("at_risk", "Store rating: off track")]
    owner_note = Notification.objects.get(user__email="owner@nb.example")
    assert (
        owner_note.body
        == ("Progression 10 % là où 67 % étaient attendus à ce jour (objectif : Digital).")
        and owner_note.message == "kr_at_risk"
        and owner_note.params["status"] == "off_track"
    )
    assert inbox("viewer@nb.example") == [] and inbox("exec@nb.example") == []
    assert sorted(m.rcpt_tos[0] for m in mail) == ["lead@nb.example", "owner@nb.example"]
    subjects = {
        m.rcpt_tos[0]: str(make_header(decode_header(message_from_bytes(m.content)["Subject"])))
        for m in mail
    }
    assert subjects == {
        "lead@nb.example": "[Pilote] Store rating: off track",
        "owner@nb.example": "[Pilote] Store rating : en retard",
    }
    (got,) = receiver.received
    body = json.loads(got.body)
    assert (
        body["event"] == "at_risk"
        and body["key_result"] == "nb-kr"
        and body["status"] == "off_track"
        and body["message"] == "kr_at_risk"
        and body["params"]["progress_share"] == 0.1
        and body["title"] == "Store rating : en retard"  # the organisation's language
    )
    expected = "sha256=" + hmac.new(hook.secret.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Pilote-Signature"] == expected
    assert Delivery.objects.get(webhook=hook).status == "delivered"
    # The same state the same week: nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        record_check_in(person(bank, "owner@nb.example"), KeyResult.objects.get(key="nb-kr"), 11)
    drain()
    assert len(inbox("owner@nb.example")) == 1 and len(mail) == 2


def test_a_failing_webhook_is_retried_then_given_up_and_slack_and_teams_get_their_shapes(
    bank, settings
):
    settings.PILOTE_WEBHOOK_RETRY_SECONDS = 0
    from pilote.notify.actions import broadcast

    with http_server({
        "/flaky": [Answer(status=500), Answer(status=200)],
        "/down": Answer(status=503),
        "/slack": Answer(status=200),
        "/teams": Answer(status=200),
    }) as srv:  # fmt: skip
        system = Actor.system(bank)
        for name, fmt in (
            ("flaky", "json"),
            ("down", "json"),
            ("slack", "slack"),
            ("teams", "teams"),
        ):
            create_webhook(
                system,
                {"name": name, "url": f"{srv.url}/{name}", "format": fmt, "allow_private": True},
            )
        from django.db import transaction

        with transaction.atomic():
            broadcast(bank, "digest", {"title": "Weekly digest", "text": "3 on track", "link": "/"})
        from pilote.notify import tasks

        for d in Delivery.objects.filter(organization=bank):
            tasks.deliver_webhook.enqueue(d.pk)
        drain()
    flaky, down = (
        Delivery.objects.get(webhook__name="flaky"),
        Delivery.objects.get(webhook__name="down"),
    )
    assert (flaky.status, flaky.attempts) == ("delivered", 2)
    assert (down.status, down.attempts) == ("failed", 5) and "HTTP 503" in down.last_error
    slack = json.loads(next(r.body for r in srv.received if r.path == "/slack"))
    assert slack["text"].startswith("*Weekly digest*") and "|Open in Pilote>" in slack["text"]
    teams = json.loads(next(r.body for r in srv.received if r.path == "/teams"))
    assert teams["@type"] == "MessageCard" and teams["title"] == "Weekly digest"


def test_a_webhook_to_a_private_address_is_refused_unless_allowed(bank, settings):
    settings.PILOTE_WEBHOOK_RETRY_SECONDS = 0
    from django.db import transaction

    from pilote.notify import tasks
    from pilote.notify.actions import broadcast

    create_webhook(Actor.system(bank), {"name": "inside", "url": "http://127.0.0.1:9/x"})
    with transaction.atomic():
        (d,) = broadcast(bank, "digest", {"title": "t", "text": "x", "link": "/"})
    tasks.deliver_webhook.enqueue(d.pk)
    drain()
    d.refresh_from_db()
    assert d.status == "failed" and "refused" in d.last_error


def test_submitting_an_objective_asks_the_executives_to_validate(
    bank, django_capture_on_commit_callbacks
):
    from pilote.goals.actions import submit_objective

    with django_capture_on_commit_callbacks(execute=True):
        submit_objective(person(bank, "lead@nb.example"), Objective.objects.get(key="nb-draft"))
    drain()
    assert inbox("exec@nb.example") == [("validation", "À valider : Next bet")]
    assert inbox("lead@nb.example") == []


def test_reminders_follow_the_rhythm_and_come_once_a_week(bank):
    assert jobs.reminders(bank) == 1  # the owner's KR has no check-in yet
    (title,) = [t for _, t in inbox("owner@nb.example")]
    assert title == "1 résultat clé attend votre point d'avancement"
    assert jobs.reminders(bank) == 0  # same week
    record_check_in(person(bank, "owner@nb.example"), KeyResult.objects.get(key="nb-kr"), 60)
    next_week = timezone.localdate() + timedelta(days=7)
    assert jobs.reminders(bank, next_week) == 0  # checked in within the rhythm (7 days)
    assert jobs.reminders(bank, next_week + timedelta(days=1)) == 1


def test_the_weekly_digest_reaches_every_member_once(bank):
    assert jobs.digest(bank) == 4
    assert jobs.digest(bank) == 0
    note = Notification.objects.get(user__email="owner@nb.example", kind="digest")
    assert "Store rating : pas de données" in note.body


def test_a_person_chooses_their_channels(bank, mail, django_capture_on_commit_callbacks):
    set_preferences(person(bank, "owner@nb.example"), {"at_risk": {"email": False}})
    set_preferences(person(bank, "lead@nb.example"), {"at_risk": {"in_app": False, "email": True}})
    with django_capture_on_commit_callbacks(execute=True):
        record_check_in(person(bank, "owner@nb.example"), KeyResult.objects.get(key="nb-kr"), 10)
    drain()
    assert len(inbox("owner@nb.example")) == 1 and inbox("lead@nb.example") == []
    assert [m.rcpt_tos for m in mail] == [["lead@nb.example"]]
    from pilote.errors import Invalid

    with pytest.raises(Invalid):
        set_preferences(person(bank, "owner@nb.example"), {"gossip": {"email": True}})


def test_the_schedule_claims_each_organisations_jobs_once_a_week(bank):
    from pilote.notify.models import Schedule

    now = timezone.now()
    worker.ensure_schedules(now)
    Schedule.objects.filter(organization=bank).update(next_run_at=now - timedelta(minutes=1))
    won = [job for org, job in worker.claim_schedules(now) if org == bank.pk]
    assert sorted(won) == ["digest", "reminders"]
    assert [j for o, j in worker.claim_schedules(now) if o == bank.pk] == []
    assert Schedule.objects.get(organization=bank, job="digest").next_run_at > now + timedelta(
        days=6
    )


def test_a_bulk_check_in_checks_its_alerts_in_one_task(bank, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from pilote.goals.keyresults import record_check_ins

    kr = KeyResult.objects.select_related("objective__cycle").get(key="nb-kr")
    before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        record_check_ins(
            person(bank, "owner@nb.example"),
            [{"key_result": kr, "value": 5}, {"key_result": kr, "value": 8}],
        )
    assert DBTaskResult.objects.count() == before + 1
    drain()
    assert inbox("owner@nb.example") == [("at_risk", "Store rating : en retard")]


def test_check_ins_arriving_close_together_are_checked_for_alerts_in_one_task(
    bank, settings, django_capture_on_commit_callbacks
):
    """Found in a load test: the at-risk check ran for every single check-in."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from pilote.notify.models import PendingAlert

    settings.PILOTE_ALERT_DEBOUNCE_SECONDS = 30
    kr = KeyResult.objects.get(key="nb-kr")
    before = DBTaskResult.objects.count()
    for value in (10, 11, 9):
        with django_capture_on_commit_callbacks(execute=True):
            record_check_in(person(bank, "owner@nb.example"), kr, value)
    assert DBTaskResult.objects.count() == before + 1  # one task for the three
    assert PendingAlert.objects.filter(organization=bank).count() == 1
    drain()
    assert inbox("owner@nb.example") == []  # not before its time
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=True):
        drain()
    assert inbox("owner@nb.example") == [("at_risk", "Store rating : en retard")]
    assert not PendingAlert.objects.filter(organization=bank).exists()


def test_the_author_hears_when_their_objective_is_sent_back_or_approved(
    bank, django_capture_on_commit_callbacks
):
    from pilote.goals.actions import approve_objective, request_changes, submit_objective

    lead, exec_ = person(bank, "lead@nb.example"), person(bank, "exec@nb.example")

    def act(fn, *args):
        with django_capture_on_commit_callbacks(execute=True):
            fn(*args)
        drain()

    act(submit_objective, lead, Objective.objects.get(key="nb-draft"))
    act(request_changes, exec_, Objective.objects.get(key="nb-draft"), "Add a baseline")
    back = Notification.objects.get(
        user__email="lead@nb.example", message="objective_changes_requested"
    )
    assert (back.title, back.body, back.link) == (
        "Modifications demandées : Next bet",
        "Eve demande des modifications : Add a baseline",
        "/objectives/nb-draft/",
    )
    assert not Notification.objects.filter(
        user__email="exec@nb.example", message__startswith="objective_"
    )
    # Submitted again: the request is answered, its banner goes (the comment stays in the history).
    act(submit_objective, lead, Objective.objects.get(key="nb-draft"))
    assert Objective.objects.get(key="nb-draft").review_comment == ""
    set_language(User.objects.get(email="lead@nb.example"), "en")
    act(approve_objective, exec_, Objective.objects.get(key="nb-draft"), "")
    ok = Notification.objects.get(user__email="lead@nb.example", message="objective_approved")
    assert (ok.title, ok.body) == ("Approved: Next bet", "Eve approved your objective.")


def test_a_key_result_on_track_but_trending_off_it_alerts_before_its_status_turns(
    bank, mail, django_capture_on_commit_callbacks
):
    from pilote.goals.forecasting import kr_forecast
    from pilote.goals.queries import KeyResultFiguresOnly
    from pilote.orgs.actions import update_organization

    owner = person(bank, "owner@nb.example")
    kr = KeyResult.objects.get(key="nb-kr")  # 0 → 100 over 90 days, 60 of them gone
    today = timezone.localdate()
    # A head start at a slower pace than the plan's: 22 + 0.8 a day, 70 today where 67 is
    # expected (on track, ahead even), but the line ends at 94.
    for days_ago in (60, 50, 40, 30, 20, 10):
        value = 22 + 0.8 * (60 - days_ago)
        record_check_in(owner, kr, value, 7, "", today - timedelta(days=days_ago))
    drain()
    Notification.objects.all().delete()
    mail.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record_check_in(owner, kr, 70, 7, "", today)
    drain()
    reader = KeyResultFiguresOnly(Actor.system(bank), [kr])
    assert reader.kr(kr).status.value == "on_track"
    f = kr_forecast(reader, kr)
    assert f.probability < 0.25 and f.projected == pytest.approx(94)
    assert inbox("owner@nb.example") == [("at_risk", "Store rating : tendance à manquer la cible")]
    assert inbox("lead@nb.example") == [("at_risk", "Store rating : tendance à manquer la cible")]
    note = Notification.objects.get(user__email="owner@nb.example")
    assert note.message == "kr_trending_off_track" and note.params["odds_share"] == f.probability
    due = (today + timedelta(days=30)).strftime("%d/%m/%Y")  # in the reader's (French) format
    assert note.body == (
        f"Encore en bonne voie aujourd'hui, mais sa tendance mène à 94 au {due} pour une cible "
        "de 100 : 0 % de chances de l'atteindre (objectif : Digital)."
    )
    assert sorted(m.rcpt_tos[0] for m in mail) == ["lead@nb.example", "owner@nb.example"]
    # Not twice the same week.
    with django_capture_on_commit_callbacks(execute=True):
        record_check_in(owner, kr, 70.5, 7, "", today)
    drain()
    assert len(inbox("owner@nb.example")) == 1
    # An organisation that sets the odds to 0 is never told.
    Notification.objects.all().delete()
    update_organization(Actor.system(bank), bank, {"policy": {"trending_alert_odds": 0}})
    bank.refresh_from_db()
    assert jobs.trending_alert(bank, KeyResultFiguresOnly(Actor.system(bank), [kr]), kr) == 0


def test_a_key_result_on_track_and_on_its_way_is_not_alerted(
    bank, django_capture_on_commit_callbacks
):
    owner = person(bank, "owner@nb.example")
    kr = KeyResult.objects.get(key="nb-kr")
    today = timezone.localdate()
    for days_ago, value in ((50, 12), (30, 34), (10, 56)):
        record_check_in(owner, kr, value, 7, "", today - timedelta(days=days_ago))
    with django_capture_on_commit_callbacks(execute=True):
        record_check_in(owner, kr, 68, 7, "", today)
    drain()
    assert inbox("owner@nb.example") == []
