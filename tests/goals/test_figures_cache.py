"""The figures each process keeps in memory (goals/cache.py) always equal a recomputation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilote.goals import actions, cache
from pilote.goals.keyresults import create_key_result, record_check_in, record_check_ins
from pilote.goals.models import Cycle, KeyResult, Objective
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization

pytestmark = pytest.mark.django_db

TODAY = date.today()


def _acme() -> Actor:
    return Actor.system(Organization.objects.get(name="Acme"))


def _kr(actor: Actor, key: str) -> KeyResult:
    return KeyResult.objects.select_related("objective__cycle").get(
        organization=actor.organization, key=key
    )


def _current_quarter(actor: Actor) -> None:
    """Move Acme's quarter around today, so today's figures have readings and pace."""
    q = Cycle.objects.get(organization=actor.organization, key="q")
    actions.update_cycle(
        actor,
        q,
        {"start": TODAY - timedelta(days=60), "end": TODAY + timedelta(days=60)},
    )


def test_a_check_in_advances_the_cached_figures_up_to_the_top(world):
    actor = _acme()
    _current_quarter(actor)
    before = cache.snapshot(actor)
    assert cache.snapshot(actor) is before  # nothing changed: the same snapshot
    strat = Objective.objects.get(organization=actor.organization, key="strat")
    old_top = before.objective(before.objectives[strat.pk]).progress
    builds = cache.stats["builds"]

    record_check_in(actor, _kr(actor, "tact-kr"), 20, effective=TODAY)

    after = cache.snapshot(actor)
    assert after is not before
    assert cache.stats["builds"] == builds  # advanced, not rebuilt
    kr = _kr(actor, "tact-kr")
    assert after.latest[kr.pk].value == 20
    new_top = after.objective(after.objectives[strat.pk]).progress
    assert new_top != old_top  # the roll-up reached the strategic objective
    assert cache.differences(actor) == []
    # The old snapshot is untouched (a reader holding it sees one consistent state).
    assert before.objective(before.objectives[strat.pk]).progress == old_top


def test_an_edit_rebuilds_and_an_unrelated_write_keeps_the_snapshot(world):
    actor = _acme()
    first = cache.snapshot(actor)
    builds = cache.stats["builds"]
    from pilote.notify.actions import create_webhook

    create_webhook(actor, {"name": "ops", "url": "https://hooks.example.org/x", "format": "json"})
    assert cache.snapshot(actor) is first
    o = Objective.objects.get(organization=actor.organization, key="tact")
    actions.update_objective(actor, o, {"title": "Renamed"})
    second = cache.snapshot(actor)
    assert cache.stats["builds"] == builds + 1
    assert second.objectives[o.pk].title == "Renamed"


def test_nothing_read_inside_a_transaction_enters_the_cache(world):
    actor = _acme()
    outside = cache.snapshot(actor)
    with transaction.atomic():
        record_check_in(actor, _kr(actor, "tact-kr"), 18, effective=TODAY)
        inside = cache.snapshot(actor)
        assert inside is not outside
        assert inside.latest[_kr(actor, "tact-kr").pk].value == 18
    # The transaction committed (the test's own stands for autocommit): the next read advances.
    assert cache.snapshot(actor).latest[_kr(actor, "tact-kr").pk].value == 18
    assert cache.differences(actor) == []


def test_a_rolled_back_write_never_shows(world):
    actor = _acme()
    cache.snapshot(actor)
    try:
        with transaction.atomic():
            record_check_in(actor, _kr(actor, "tact-kr"), 99, effective=TODAY)
            cache.snapshot(actor)
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    record_check_in(actor, _kr(actor, "sales-kr"), 3, effective=TODAY)
    snap = cache.snapshot(actor)
    assert snap.latest.get(_kr(actor, "tact-kr").pk) is None or (
        snap.latest[_kr(actor, "tact-kr").pk].value != 99
    )
    assert cache.differences(actor) == []


def test_another_organisation_keeps_its_snapshot(world):
    acme, globex = _acme(), Actor.system(Organization.objects.get(name="Globex"))
    theirs = cache.snapshot(globex)
    record_check_in(acme, _kr(acme, "tact-kr"), 12, effective=TODAY)
    assert cache.snapshot(globex) is theirs


def test_a_new_day_rebuilds(world, monkeypatch):
    actor = _acme()
    first = cache.snapshot(actor)

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return TODAY + timedelta(days=1)

    monkeypatch.setattr(cache, "date", Tomorrow)
    second = cache.snapshot(actor)
    assert second is not first and second.as_of == TODAY + timedelta(days=1)


def test_turned_off_it_builds_every_time(world, settings):
    settings.PILOTE_FIGURES_CACHE = 0
    actor = _acme()
    assert cache.snapshot(actor) is not cache.snapshot(actor)


step = st.one_of(
    st.tuples(
        st.just("check_in"),
        st.sampled_from(["tact-kr", "strat-kr", "sales-kr"]),
        st.integers(min_value=-40, max_value=10),  # days from today; some in the future
        st.floats(min_value=0, max_value=100, allow_nan=False),
    ),
    st.tuples(
        st.just("bulk"),
        st.sampled_from(["tact-kr", "strat-kr", "sales-kr"]),
        st.integers(min_value=-40, max_value=0),
        st.floats(min_value=0, max_value=100, allow_nan=False),
    ),
    st.tuples(st.just("weight"), st.sampled_from(["tact-kr", "strat-kr"]), st.integers(1, 5)),
    st.tuples(st.just("new_kr"), st.integers(0, 10_000)),
    st.tuples(st.just("progress_from"), st.sampled_from(["key_results", "children", "both"])),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(step, min_size=1, max_size=10))
def test_cached_figures_equal_a_recomputation_after_random_actions(world, steps):
    actor = _acme()
    sid = transaction.savepoint()
    cache.clear()
    try:
        _current_quarter(actor)
        cache.snapshot(actor)
        for s in steps:
            if s[0] == "check_in":
                record_check_in(actor, _kr(actor, s[1]), s[3], effective=TODAY + timedelta(s[2]))
            elif s[0] == "bulk":
                when = TODAY + timedelta(s[2])
                record_check_ins(
                    actor,
                    [
                        {"key_result": _kr(actor, s[1]), "value": s[3], "date": when},
                        {"key_result": _kr(actor, "sales-kr"), "value": s[3] / 2, "date": when},
                    ],
                )
            elif s[0] == "weight":
                kr = _kr(actor, s[1])
                from pilote.goals.keyresults import update_key_result

                update_key_result(actor, kr, {"weight": s[2]})
            elif s[0] == "new_kr":
                o = Objective.objects.get(organization=actor.organization, key="tact")
                if not KeyResult.objects.filter(
                    organization=actor.organization, key=f"extra-{s[1]}"
                ).exists():
                    kr = create_key_result(
                        actor,
                        o,
                        {
                            "key": f"extra-{s[1]}",
                            "title": "Extra",
                            "kind": "increase",
                            "baseline": 0,
                            "target": 10,
                        },
                    )
                    record_check_in(actor, kr, 4, effective=TODAY)
            else:
                o = Objective.objects.get(organization=actor.organization, key="strat")
                actions.update_objective(actor, o, {"progress_from": s[1]})
            assert cache.differences(actor) == []
    finally:
        transaction.savepoint_rollback(sid)
        cache.clear()


def test_the_check_route_checks_the_serving_process(api):
    admin = api("admin")
    actor = _acme()
    cache.snapshot(actor)
    record_check_in(actor, _kr(actor, "tact-kr"), 17, effective=TODAY)
    body = admin.get("/check").json()
    assert body == {"stored_readings": [], "cached_figures": [], "differences": 0}
    # A cache that missed a change is found out (here: one figure tampered with in memory).
    snap = cache.snapshot(actor)
    kr = _kr(actor, "tact-kr")
    snap.latest[kr.pk] = type(snap.latest[kr.pk])(value=1, effective=TODAY)
    snap._kr.pop(kr.pk, None)
    body = admin.get("/check").json()
    assert body["differences"] == 1
    assert body["cached_figures"][0].startswith("key result tact-kr: cached")
    # And a stored reading that drifted.
    KeyResult.objects.filter(pk=kr.pk).update(last_value=99)
    assert admin.get("/check").json()["stored_readings"][0].startswith("key result tact-kr")


def test_the_kept_tree_answer_follows_every_check_in(api):
    viewer, lead = api("viewer"), api("lead")
    _current_quarter(_acme())

    def figures():
        tree = viewer.get("/cycles/q/tree").json()
        found = {}

        def walk(nodes):
            for n in nodes:
                found[n["key"]] = n["progress"]
                for kr in n["key_results"]:
                    found[kr["key"]] = kr["current"]
                walk(n["children"])

        walk(tree["objectives"])
        return found

    first = figures()
    assert figures() == first  # kept: the same answer
    assert lead.post("/key-results/tact-kr/check-ins", {"value": 19}).status_code == 201
    second = figures()
    assert second["tact-kr"] == 19 and second["strat"] != first["strat"]
    assert {k: v for k, v in second.items() if k not in ("tact-kr", "tact", "strat")} == {
        k: v for k, v in first.items() if k not in ("tact-kr", "tact", "strat")
    }


def test_the_tree_written_from_kept_parts_equals_the_tree_built_afresh(world):
    import orjson

    from pilote.api.tree import tree_out, whole_tree_json
    from pilote.goals.queries import Snapshot, current_vision
    from pilote.goals.tree import build_tree

    actor = _acme()
    _current_quarter(actor)
    cycle = Cycle.objects.get(organization=actor.organization, key="q")

    def both():
        kept = whole_tree_json(cache.snapshot(actor), cycle, current_vision(actor))
        fresh = Snapshot(actor)
        built = orjson.dumps(tree_out(fresh, build_tree(actor, cycle, snap=fresh)))
        return orjson.loads(kept), orjson.loads(built)

    kept, built = both()
    assert kept == built and kept["objectives"]
    for value, key in ((17, "tact-kr"), (3, "sales-kr"), (18, "tact-kr")):
        record_check_in(actor, _kr(actor, key), value, effective=TODAY)
        kept, built = both()
        assert kept == built


def test_a_request_that_read_an_older_version_takes_the_newer_snapshot(world, monkeypatch):
    """Requests run in threads: one may read the version, then find that another request
    already stored a newer snapshot. It takes that one (it holds every write the older
    version did) instead of rebuilding — rebuilds there stalled reads for seconds under load."""
    from pilote.orgs import versions

    actor = _acme()
    cache.snapshot(actor)
    epoch, old = versions.current(actor.organization.pk)
    record_check_in(actor, _kr(actor, "tact-kr"), 16, effective=TODAY)
    newer = cache.snapshot(actor)
    builds = cache.stats["builds"]
    monkeypatch.setattr(versions, "current", lambda org_id: (epoch, old))
    assert cache.snapshot(actor) is newer
    assert cache.stats["builds"] == builds


def test_concurrent_readers_build_an_organisation_once(world):
    import threading

    actor = _acme()
    builds = cache.stats["builds"]
    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.snapshot(actor))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and len({id(s) for s in got}) == 1
    assert cache.stats["builds"] == builds + 1


def test_the_cache_keeps_the_most_recently_read_organisations(world, settings):
    settings.PILOTE_FIGURES_CACHE = 1
    acme, globex = _acme(), Actor.system(Organization.objects.get(name="Globex"))
    first = cache.snapshot(acme)
    assert cache.snapshot(acme) is first
    cache.snapshot(globex)  # pushes Acme out: one organisation kept
    assert cache.snapshot(acme) is not first
