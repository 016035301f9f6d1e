"""Applying readings: provenance, unchanged values, jumps held for the owner, staleness."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from pilote.errors import Conflict, Forbidden
from pilote.goals.models import CheckIn, KeyResult
from pilote.okr.freshness import is_stale, judge_jump, usual_change
from pilote.orgs.access import Actor, actor_for
from pilote.orgs.models import Organization, User
from pilote.sources.actions import apply_reading, confirm_reading, create_source, reject_reading
from pilote.sources.connectors.base import Reading
from pilote.sources.models import HeldReading
from pilote.sources.queries import stale

pytestmark = pytest.mark.django_db


@pytest.fixture
def src(world):
    org = Organization.objects.get(name="Acme")
    return create_source(
        Actor.system(org),
        {"key": "feed", "name": "Feed", "kind": "webhook", "key_result": "tact-kr",
         "params": {"path": "value"}, "expect_every_minutes": 60},
    )  # fmt: skip


def read(src, value):
    # The fixture's cycle runs in 2027: readings are dated inside it, after its check-in of 15.
    reading = Reading(value, str(value), timezone.now())
    return apply_reading(src, reading, "test", effective=date(2027, 4, 1))


def test_the_usual_change_is_learnt_from_history_and_a_jump_beyond_it_is_held():
    assert usual_change([10, 11, 12]) is None  # two changes: too few to learn from
    assert usual_change([10, 11, 12, 14]) == 1
    assert not judge_jump([10, 11, 12, 14], 19).jump  # a change of 5 is within 5 × 1
    assert not judge_jump([10, 11, 12, 14], 18).jump
    verdict = judge_jump([10, 11, 12, 14], 20)
    assert (
        verdict.jump
        and "6 is beyond 5" in verdict.reason
        and "median of 3 changes" in verdict.reason
    )
    assert judge_jump([10, 11, 12, 14], 20, factor=10).jump is False  # configurable
    assert judge_jump([15], 21, kr_range=10).jump  # no history: half the range (5)
    assert not judge_jump([], 1000).jump  # a first value is never a jump


def test_staleness_is_twice_the_expected_interval():
    now = timezone.now()
    hour = timedelta(hours=1)
    assert not is_stale(now - hour * 1.9, hour, now)
    assert is_stale(now - hour * 2.1, hour, now)
    assert is_stale(None, hour, now)
    assert not is_stale(None, None, now)


def test_a_reading_is_applied_with_its_provenance_and_an_equal_one_adds_nothing(src):
    run = read(src, 16)
    assert run.outcome == "applied"
    ci = run.check_in
    assert (ci.source, ci.raw_value, ci.value) == ("source:feed", "16", 16)
    count = CheckIn.objects.filter(key_result__key="tact-kr").count()
    again = read(src, 16)
    assert again.outcome == "unchanged" and again.check_in is None
    assert CheckIn.objects.filter(key_result__key="tact-kr").count() == count


def test_a_jump_waits_for_the_owner_who_confirms_or_rejects_it(src, world):
    before = CheckIn.objects.filter(key_result__key="tact-kr").count()
    run = read(src, 29)  # from 15: a change of 14, beyond half the range (5)
    assert run.outcome == "held" and run.check_in is None
    assert CheckIn.objects.filter(key_result__key="tact-kr").count() == before
    held = HeldReading.objects.get(source=src, status="pending")
    assert "beyond 5" in held.reason
    org = Organization.objects.get(name="Acme")
    viewer = actor_for(User.objects.get(email="viewer@acme.example"), org)
    with pytest.raises(Forbidden):
        confirm_reading(viewer, held)
    owner = actor_for(User.objects.get(email="contributor@acme.example"), org)
    confirm_reading(owner, held)
    held.refresh_from_db()
    assert held.status == "confirmed" and held.check_in.value == 29
    assert held.check_in.source == "source:feed" and "confirmed by" in held.check_in.comment
    with pytest.raises(Conflict):
        reject_reading(owner, held)
    run = read(src, 50)
    assert run.outcome == "held"
    rejected = reject_reading(owner, HeldReading.objects.get(source=src, status="pending"))
    assert rejected.status == "rejected" and rejected.check_in is None
    assert KeyResult.objects.get(key="tact-kr").check_ins.order_by("-id").first().value == 29


def test_a_value_the_key_result_cannot_take_fails_the_run_with_the_reason(src):
    KeyResult.objects.filter(key="tact-kr").update(kind="boolean", baseline=0, target=1)
    run = read(src, 0.5)
    assert run.outcome == "failed" and "not valid for Rating" in run.error
    assert "takes 1 (done) or 0" in run.error


def test_a_source_that_stops_delivering_is_flagged_stale(src):
    assert stale(src)  # expected every hour, never delivered
    read(src, 16)
    src.refresh_from_db()
    assert not stale(src)
    assert stale(src, timezone.now() + timedelta(hours=2, minutes=1))
