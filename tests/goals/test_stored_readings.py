"""The current reading stored on each KR equals a recomputation, after any sequence of actions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilote.goals import latest
from pilote.goals.keyresults import record_check_in, record_check_ins
from pilote.goals.models import CheckIn, KeyResult
from pilote.goals.queries import Snapshot, latest_readings
from pilote.okr.progress import current_reading
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization

pytestmark = pytest.mark.django_db

DAY0 = date(2027, 1, 1)
action = st.tuples(
    st.sampled_from(["one", "bulk"]),
    st.sampled_from(["tact-kr", "strat-kr", "sales-kr"]),
    st.integers(min_value=0, max_value=120),  # day offset: same days collide (ties)
    st.floats(min_value=0, max_value=100, allow_nan=False),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(action, min_size=1, max_size=12))
def test_stored_readings_equal_a_recomputation_after_random_check_ins(world, steps):
    from django.db import transaction

    acme = Organization.objects.get(name="Acme")
    system = Actor.system(acme)
    sid = transaction.savepoint()
    try:
        for kind, key, day, value in steps:
            kr = KeyResult.objects.select_related("objective__cycle").get(
                organization=acme, key=key
            )
            when = DAY0 + timedelta(days=day)
            if kind == "one":
                record_check_in(system, kr, value, effective=when)
            else:
                # Several in one batch: the same KR twice on one day (the later one wins
                # the tie) and an earlier date for another KR.
                other = KeyResult.objects.get(organization=acme, key="sales-kr")
                record_check_ins(
                    system,
                    [
                        {"key_result": kr, "value": value, "date": when},
                        {"key_result": other, "value": value / 3, "date": when - timedelta(1)},
                        {"key_result": kr, "value": value + 1, "date": when},
                    ],
                )
        assert latest.mismatches(acme.pk) == []
        # The SQL copies of the rule (the conditional UPDATE, the ordered reads) equal the
        # pure rule, pilote.okr.progress.current_reading, over every KR's check-ins.
        for kr in KeyResult.objects.filter(organization=acme):
            rows = [latest.reading_of(ci) for ci in CheckIn.objects.filter(key_result=kr)]
            want = current_reading(rows)
            assert latest.stored(kr) == want
            assert latest.recomputed([kr.pk]).get(kr.pk) == (
                (want.value, want.effective, want.confidence, want.sequence) if want else None
            )
            for as_of in (DAY0 + timedelta(days=60), DAY0 + timedelta(days=200)):
                upto = current_reading([r for r in rows if r.effective <= as_of])
                assert latest_readings(system, as_of, [kr.pk]).get(kr.pk) == upto
        # Figures read through the stored readings equal those read from the check-ins.
        for as_of in (DAY0 + timedelta(days=60), DAY0 + timedelta(days=200), date(2026, 1, 1)):
            snap = Snapshot(system, as_of)
            slow = latest_readings(system, as_of)
            assert {k: (r.value, r.effective) for k, r in snap.latest.items()} == {
                k: (r.value, r.effective) for k, r in slow.items()
            }
    finally:
        transaction.savepoint_rollback(sid)


def test_pilote_check_finds_and_fixes_a_stored_reading_that_drifted(world):
    from pilote.cli import main

    acme = Organization.objects.get(name="Acme")
    KeyResult.objects.filter(organization=acme, key="tact-kr").update(last_value=99)
    assert [m[0] for m in latest.mismatches(acme.pk)] == ["tact-kr"]
    assert main(["check", "--org", "Acme"]) == 1
    assert main(["check", "--org", "Acme", "--fix"]) == 0
    assert main(["check", "--org", "Acme"]) == 0
    assert KeyResult.objects.get(organization=acme, key="tact-kr").last_value == 15
