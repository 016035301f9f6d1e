"""The figures stored on every row (goals/figures.py) and what pages and the API read from
them (goals/stored.py) always equal a recomputation of the whole organisation."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilote.errors import Conflict
from pilote.goals import actions, figures
from pilote.goals.keyresults import create_key_result, record_check_in, record_check_ins
from pilote.goals.models import Cycle, KeyResult, Objective
from pilote.goals.queries import Snapshot
from pilote.goals.stored import Stored
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = date.fromisoformat(NOW[:10])  # the suite's frozen today (tests/conftest.py)


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


KRS = st.sampled_from(["tact-kr", "strat-kr", "sales-kr"])
step = st.one_of(
    st.tuples(st.just("check_in"), KRS, st.integers(-40, 10),  # days from today; some ahead
              st.floats(min_value=0, max_value=100, allow_nan=False)),
    st.tuples(st.just("bulk"), KRS, st.integers(-40, 0),
              st.floats(min_value=0, max_value=100, allow_nan=False)),
    st.tuples(st.just("weight"), st.sampled_from(["tact-kr", "strat-kr"]), st.integers(1, 5)),
    # phased targets: the KR's expected progress its own (the cockpit orders them apart)
    st.tuples(st.just("phases"), KRS, st.sampled_from([None, 0.2, 0.9])),
    st.tuples(st.just("new_kr"), st.integers(0, 3)),
    st.tuples(st.just("delete_kr"), st.integers(0, 3)),
    st.tuples(st.just("progress_from"), st.sampled_from(["key_results", "children", "both"])),
    st.tuples(st.just("rename_objective"), st.sampled_from(["tact", "strat", "sales-obj"])),
    st.tuples(st.just("rename_kr"), KRS),
    st.tuples(st.just("move"), st.sampled_from(["produit", "equipe-app"])),
    st.tuples(st.just("realign"), st.sampled_from([None, 1, 3])),
    # a level: a strategic objective counts in full (its stored contribution), its children too
    st.tuples(st.just("level"), st.sampled_from(["tactical", "strategic"])),
    # an objective aligned beside tact and then deleted: tact's share of strat moves each time
    st.tuples(st.just("sibling"), st.sampled_from([1, 4])),
    st.tuples(st.just("delete_objective")),
    st.tuples(st.just("rename_unit"), st.sampled_from(["produit", "dg"])),
    st.tuples(st.just("rename_shared_person")),
    st.tuples(st.just("close_cycle")),
    st.tuples(st.just("grade"), KRS, st.sampled_from([0.3, 0.7])),
    st.tuples(st.just("held"), st.sampled_from(["confirm", "reject"])),
    st.tuples(st.just("import")),
    st.tuples(st.just("check_fix"), KRS),
    # the latest (-1) or the first (0) counted check-in of the KR, withdrawn or corrected
    st.tuples(st.just("withdraw"), KRS, st.sampled_from([-1, 0])),
    st.tuples(st.just("no_data_policy"), st.sampled_from(["zero", "skip"])),
    st.tuples(st.just("correct"), KRS, st.sampled_from([-1, 0]),
              st.floats(min_value=0, max_value=100, allow_nan=False)),
    # the end of a cycle: a deferred or dropped objective leaves the roll-up, keep brings it back
    st.tuples(st.just("decide"), st.sampled_from(["tact", "sales-obj", "strat"]),
              st.sampled_from(["keep", "change", "defer", "drop"])),
)  # fmt: skip
STEPS = 0  # counted across examples, for the closing note (printed with -s)


def _apply(actor: Actor, globex: Actor, world, s: tuple, n: int) -> None:
    from pilote.goals.closing import close_cycle
    from pilote.goals.keyresults import delete_key_result, override_grade, update_key_result
    from pilote.interchange.importer import import_data
    from pilote.orgs import actions as orgs
    from pilote.orgs.models import Membership, Unit, User
    from pilote.sources.actions import confirm_reading, reject_reading
    from pilote.sources.models import HeldReading
    from tests.conftest import acme_document

    org = actor.organization
    kind = s[0]
    if kind == "check_in":
        record_check_in(actor, _kr(actor, s[1]), s[3], effective=TODAY + timedelta(s[2]))
    elif kind == "bulk":
        when = TODAY + timedelta(s[2])
        record_check_ins(actor, [
            {"key_result": _kr(actor, s[1]), "value": s[3], "date": when},
            {"key_result": _kr(actor, "sales-kr"), "value": s[3] / 2, "date": when},
        ])  # fmt: skip
    elif kind == "weight":
        update_key_result(actor, _kr(actor, s[1]), {"weight": s[2]})
    elif kind == "phases":
        kr = _kr(actor, s[1])
        phases = []
        if s[2] is not None and kr.baseline is not None and kr.target is not None:
            value = kr.baseline + s[2] * (kr.target - kr.baseline)
            phases = [{"date": (TODAY - timedelta(days=5)).isoformat(), "value": value}]
        update_key_result(actor, kr, {"phases": phases})
    elif kind == "new_kr":
        o = Objective.objects.get(organization=org, key="tact")
        if not KeyResult.objects.filter(organization=org, key=f"extra-{s[1]}").exists():
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
    elif kind == "delete_kr":
        kr = KeyResult.objects.filter(organization=org, key=f"extra-{s[1]}").first()
        if kr is not None:
            delete_key_result(actor, _kr(actor, kr.key))
    elif kind == "progress_from":
        o = Objective.objects.get(organization=org, key="strat")
        actions.update_objective(actor, o, {"progress_from": s[1]})
    elif kind == "rename_objective":
        o = Objective.objects.get(organization=org, key=s[1])
        actions.update_objective(actor, o, {"title": f"{o.title} ({n})"})
    elif kind == "rename_kr":
        update_key_result(actor, _kr(actor, s[1]), {"title": f"Renamed {n}"})
    elif kind == "move":
        o = Objective.objects.get(organization=org, key="tact")
        actions.update_objective(actor, o, {"unit": s[1]})
    elif kind == "realign":
        o = Objective.objects.get(organization=org, key="sales-obj")
        links = [] if s[1] is None else [{"objective": "strat", "weight": s[1]}]
        actions.update_objective(actor, o, {"aligns_to": links})
    elif kind == "level":
        o = Objective.objects.get(organization=org, key="sales-obj")
        actions.update_objective(actor, o, {"level": s[1]})
    elif kind == "sibling":
        extra = Objective.objects.filter(organization=org, key="sibling-obj").first()
        if extra is None:
            actions.create_objective(actor, {
                "key": "sibling-obj", "title": "Beside", "level": "tactical", "cycle": "q",
                "unit": "produit", "aligns_to": [{"objective": "strat", "weight": s[1]}],
            })  # fmt: skip
        else:
            actions.delete_objective(actor, extra)
    elif kind == "delete_objective":
        o = Objective.objects.filter(organization=org, key="draft-obj").first()
        if o is not None:
            actions.delete_objective(actor, o)
    elif kind == "rename_unit":
        orgs.update_unit(actor, Unit.objects.get(organization=org, key=s[1]), {"name": f"U{n}"})
    elif kind == "rename_shared_person":
        # The account is shared with Globex and renamed there: Acme's figures must follow.
        shared = User.objects.get(email="lead@globex.example")
        m = Membership.objects.get(organization=globex.organization, user=shared)
        orgs.update_person(globex, m, {"name": f"Shared {n}"})
    elif kind == "close_cycle":
        close_cycle(actor, Cycle.objects.get(organization=org, key="q"), "done")
    elif kind == "grade":
        override_grade(actor, _kr(actor, s[1]), s[2], "the owner's judgement")
    elif kind == "held":
        held = HeldReading.objects.get(pk=world.ids[("Acme", "held")])
        (confirm_reading if s[1] == "confirm" else reject_reading)(actor, held)
    elif kind == "import":
        doc = acme_document()
        doc["objectives"][1]["title"] = f"Imported {n}"
        import_data(doc)
    elif kind == "check_fix":
        from pilote.goals import latest

        latest.refresh(org.pk)
    elif kind == "no_data_policy":
        orgs.update_organization(actor, org, {"policy": {"no_data_terms": s[1]}})
    elif kind == "decide":
        from pilote.goals.carrying import decide

        o = Objective.objects.get(organization=org, key=s[1])
        try:
            decide(actor, o, {"decision": s[2]})
        except Conflict:
            pass  # a carried objective cannot be dropped from under its continuation
    elif kind in ("withdraw", "correct"):
        from pilote.goals.keyresults import correct_check_in, withdraw_check_in
        from pilote.goals.models import CheckIn

        counted = list(
            CheckIn.objects.filter(key_result=_kr(actor, s[1])).order_by("effective", "id")
        )
        if counted:
            ci = counted[s[2]]
            if kind == "withdraw":
                withdraw_check_in(actor, ci, f"step {n}")
            else:
                correct_check_in(actor, ci, s[3])


@settings(
    max_examples=int(os.environ.get("PILOTE_STATE_EXAMPLES", 30)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(step, min_size=1, max_size=12))
def test_stored_figures_equal_a_recomputation_after_random_actions(world, steps):
    """A state machine over every action that changes a figure: after each step, the stored
    figures of every KR and objective, and the cockpit read from them, equal a recomputation
    of the organisation (``figures.mismatches``, what ``pilote check`` runs)."""
    from pilote.errors import PiloteError
    from pilote.orgs.models import Membership, User

    global STEPS
    actor = _acme()
    globex = Actor.system(Organization.objects.get(name="Globex"))
    sid = transaction.savepoint()
    try:
        _current_quarter(actor)
        shared = User.objects.get(email="lead@globex.example")
        Membership.objects.create(organization=actor.organization, user=shared, role="lead")
        sales = Objective.objects.get(organization=actor.organization, key="sales-obj")
        actions.update_objective(actor, sales, {"owner": shared.email})
        for n, s in enumerate(steps):
            if s[0] == "check_fix":
                # A bulk load that bypassed the actions left a wrong stored reading;
                # `pilote check --fix` repairs it and every figure above it.
                KeyResult.objects.filter(organization=actor.organization, key=s[1]).update(
                    last_value=999, last_effective=TODAY
                )
                from pilote.goals import latest

                latest.refresh(actor.organization.pk)
                figures.rebuild(actor.organization)
            try:
                with transaction.atomic():
                    _apply(actor, globex, world, s, n)
            except PiloteError:
                pass  # refused (a closed cycle, a decided reading…): nothing changed
            STEPS += 1
            assert figures.mismatches(actor.organization) == [], (s, steps)
            for day in (TODAY, TODAY - timedelta(days=20)):
                lean, fresh = _trees(actor, day)
                assert lean == fresh, (s, steps, day)
    finally:
        transaction.savepoint_rollback(sid)
        print(f"state machine: {STEPS} steps so far")  # shown with -s


def test_the_check_route_compares_the_stored_figures_with_a_recomputation(api):
    admin = api("admin")
    actor = _acme()
    record_check_in(actor, _kr(actor, "tact-kr"), 17, effective=TODAY)
    body = admin.get("/check").json()
    assert body == {"stored_readings": [], "stored_figures": [], "differences": 0}
    kr = _kr(actor, "tact-kr")
    # A stored reading that drifted.
    KeyResult.objects.filter(pk=kr.pk).update(last_value=99)
    assert admin.get("/check").json()["stored_readings"][0].startswith("key result tact-kr")
    # And a stored figure.
    Objective.objects.filter(pk=kr.objective_id).update(stored_progress=0.01)
    found = admin.get("/check").json()["stored_figures"]
    assert any(line.startswith("objective tact: stored (0.01") for line in found), found


def test_the_tree_answer_follows_every_check_in(api):
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
    assert figures() == first  # read again: the same answer
    assert lead.post("/key-results/tact-kr/check-ins", {"value": 19}).status_code == 201
    second = figures()
    assert second["tact-kr"] == 19 and second["strat"] != first["strat"]
    assert {k: v for k, v in second.items() if k not in ("tact-kr", "tact", "strat")} == {
        k: v for k, v in first.items() if k not in ("tact-kr", "tact", "strat")
    }


def _trees(actor, day=None, **filters) -> tuple[dict, ...]:
    """The API's tree of every cycle read from the stored figures as values (``Lean``, the
    route's reader), from them as model instances (``Stored``, the pages'), and recomputed
    from every reading (``Snapshot``), as JSON values."""
    import orjson

    from pilote.api.tree import tree_out
    from pilote.goals.lean import Lean
    from pilote.goals.tree import build_tree

    out = []
    for reader in (Lean, Stored, Snapshot):
        trees = []
        for cycle in Cycle.objects.filter(organization=actor.organization).order_by("id"):
            snap = reader(actor, day)
            trees.append(tree_out(snap, build_tree(actor, cycle, snap=snap, **filters)))
        out.append(orjson.loads(orjson.dumps(trees)))
    lean, stored, fresh = out
    assert lean == stored
    return lean, fresh


def test_the_tree_read_from_the_stored_figures_equals_the_tree_built_afresh(world):
    actor = _acme()
    _current_quarter(actor)
    past = TODAY - timedelta(days=10)

    def same():
        for day, filters in (
            (None, {}),
            (past, {}),
            (None, {"status": "on_track"}),
            (None, {"depth": 0}),
            (None, {"page": 1}),
        ):
            lean, fresh = _trees(actor, day, **filters)
            assert lean == fresh, (day, filters)
        return lean

    assert same()[0]["objectives"]
    for value, key, day in (
        (17, "tact-kr", TODAY),
        (3, "sales-kr", TODAY),
        (18, "tact-kr", past - timedelta(days=3)),
        (19, "tact-kr", TODAY + timedelta(days=5)),  # dated in the future
    ):
        record_check_in(actor, _kr(actor, key), value, effective=day)
        same()


def test_an_audit_entry_of_an_unknown_type_is_refused(world):
    from pilote.orgs import audit

    with pytest.raises(ValueError):
        audit.record(_acme(), "update", "objectiv", "typo")


def test_a_confirmed_held_reading_moves_the_stored_figures(world):
    from pilote.sources.actions import confirm_reading
    from pilote.sources.models import HeldReading

    actor = _acme()
    _current_quarter(actor)
    held = HeldReading.objects.get(pk=world.ids[("Acme", "held")])
    confirm_reading(actor, held)
    kr = _kr(actor, "tact-kr")
    assert Stored(actor).kr(kr).latest.value == 18
    assert figures.mismatches(actor.organization) == []


def test_tree_filters_name_what_exists(api):
    viewer = api("viewer")
    assert viewer.get("/cycles/q/tree").status_code == 200
    for n in range(20):
        r = viewer.get(f"/cycles/q/tree?owner=nobody{n}@acme.example")
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "owner"
    for query, path in (("unit=nope", "unit"), ("level=galactic", "level"),
                        ("status=fine", "status")):  # fmt: skip
        r = viewer.get(f"/cycles/q/tree?{query}")
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == path
    assert viewer.get("/cycles/q/tree?owner=lead@acme.example").status_code == 200


RACE = """
import json, threading
import django
django.setup()
from django.db import connections
from pilote.goals import queries
from pilote.goals.keyresults import create_objective_with_key_results
from pilote.goals.models import Objective
from pilote.interchange.importer import import_data
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from tests.conftest import acme_document

import_data(acme_document())
actor = Actor.system(Organization.objects.get(name="Acme"))

def write_in_between():
    # Its own connection, committed, between the snapshot's first query and the others.
    create_objective_with_key_results(
        actor,
        {"key": "racer", "title": "Racer", "level": "tactical", "cycle": "q", "unit": "produit"},
        [{"key": f"racer-{i}", "title": "K", "baseline": 0, "target": 1} for i in range(3)],
    )
    connections.close_all()

real_list, calls = list, []

def list_then_write(rows):
    out = real_list(rows)
    calls.append(1)
    if len(calls) == 1:
        t = threading.Thread(target=write_in_between)
        t.start()
        t.join()
    return out

queries.list = list_then_write
error = None
try:
    snap = queries.consistent_snapshot(actor)
except Exception as exc:
    error = repr(exc)
queries.list = real_list
after = queries.consistent_snapshot(actor)
print(json.dumps({
    "error": error,
    "committed": Objective.objects.filter(key="racer").exists(),
    "in_snapshot": error is None and "racer" in {o.key for o in snap.objectives.values()},
    "orphans": 0 if error else sum(kr.objective_id not in snap.objectives
                                   for kr in snap.krs_by_pk.values()),
    "after": "racer" in {o.key for o in after.objectives.values()},
}))
"""


def test_a_write_committed_while_a_snapshot_builds_is_not_half_in_it(tmp_path):
    """Found in review: a snapshot read ~7 autocommit queries; an objective created with its
    KRs between two of them left KRs pointing at an objective it lacked (KeyError). Built in
    one consistent read, it sees the write wholly or not at all. Real processes and files:
    the test database's own transaction would hide the race. A SQLite file, or on the
    PostgreSQL pass a scratch database."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.e2e.conftest import _database_url

    env = {k: v for k, v in os.environ.items() if k != "PILOTE_DATABASE_URL"}
    env.update(PILOTE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="pilote.settings",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))  # fmt: skip
    url = _database_url(tmp_path, "pilote_snapshot_race")  # the pass's kind of database
    if url:
        env["PILOTE_DATABASE_URL"] = url
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=240
    )
    migrated = run("-m", "pilote.cli", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    raced = run("-c", RACE)
    assert raced.returncode == 0, raced.stderr
    result = json.loads(raced.stdout.strip().splitlines()[-1])
    assert result == {"error": None, "committed": True, "in_snapshot": False, "orphans": 0,
                      "after": True}, result  # fmt: skip
