"""Figures kept on the rows (goals/figures.py): written by the actions where they change, only
there, and checked by `pilote check` against a recomputation."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pilote.cli import main
from pilote.goals import actions, figures
from pilote.goals.keyresults import record_check_in, update_key_result
from pilote.goals.models import KeyResult, Objective
from pilote.okr.plan import status_on
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _acme() -> Actor:
    return Actor.system(Organization.objects.get(name="Acme"))


def _obj(key: str) -> Objective:
    return Objective.objects.get(organization__name="Acme", key=key)


def _kr(key: str) -> KeyResult:
    return KeyResult.objects.select_related("objective__cycle").get(
        organization__name="Acme", key=key
    )


def _writes_of_figures(queries) -> list[str]:
    # executemany is logged as "N times: UPDATE ..."
    return [q["sql"] for q in queries if "UPDATE" in q["sql"][:20] and "stored_" in q["sql"]]


def test_a_check_in_rewrites_its_kr_and_the_objectives_above_it_only(world):
    actor = _acme()
    before = {
        o.key: o.stored_progress for o in Objective.objects.filter(organization=actor.organization)
    }
    with CaptureQueriesContext(connection) as ctx:
        record_check_in(actor, _kr("tact-kr"), 20, effective=date(2027, 3, 30))
    assert _kr("tact-kr").stored_progress == 1.0
    # tact (its objective) and strat (above it) move; sales-obj, beside them, is not touched
    assert _obj("tact").stored_progress == 1.0
    assert _obj("strat").stored_progress != before["strat"]
    assert _obj("sales-obj").stored_progress == before["sales-obj"]
    updates = _writes_of_figures(ctx.captured_queries)
    assert len(updates) == 2  # one for the KR, one batch for the objectives on the way up
    assert figures.mismatches(actor.organization) == []


def test_an_edit_that_changes_no_figure_writes_none(world):
    actor = _acme()
    with CaptureQueriesContext(connection) as ctx:
        actions.update_objective(actor, _obj("strat"), {"title": "Grow faster"})
        update_key_result(actor, _kr("strat-kr"), {"title": "Revenue (EUR)"})
    assert _writes_of_figures(ctx.captured_queries) == []


def test_a_weight_or_an_approval_moves_the_objective_it_feeds(world):
    actor = _acme()
    strat = _obj("strat").stored_progress
    update_key_result(actor, _kr("strat-kr"), {"weight": 5})
    assert _obj("strat").stored_progress != strat
    assert figures.mismatches(actor.organization) == []
    strat = _obj("strat").stored_progress
    actions.set_status_from_file(actor, _obj("submitted-obj"), "approved")  # a term of strat now
    assert _obj("strat").stored_progress != strat  # its no-data KR counts as 0
    assert figures.mismatches(actor.organization) == []


def test_a_policy_change_rewrites_the_plans(world):
    actor = _acme()
    org = actor.organization
    old = _obj("strat").stored_plan
    from pilote.orgs.actions import update_organization

    update_organization(actor, org, {"policy": {"rhythm_days": 30, "grace_days": 30}})
    assert _obj("strat").stored_plan != old
    assert figures.mismatches(org) == []


def test_the_check_finds_a_wrong_stored_figure_and_fix_repairs_it(world, capsys):
    org = Organization.objects.get(name="Acme")
    Objective.objects.filter(organization=org, key="tact").update(stored_progress=0.99)
    assert main(["check", "--org", "Acme"]) == 1
    out = capsys.readouterr().out
    assert "objective tact: stored (0.99" in out
    assert main(["check", "--org", "Acme", "--fix"]) == 0
    assert "fixed" in capsys.readouterr().out
    assert figures.mismatches(org) == []
    assert main(["check", "--org", "Acme"]) == 0


def test_the_stored_plan_gives_today_s_status_by_the_rules(world):
    from pilote.goals.queries import Snapshot

    actor = _acme()
    snap = Snapshot(actor, date(2027, 4, 2))
    for o in snap.objectives.values():
        assert status_on(o.stored_plan, date(2027, 4, 2)) == snap.objective(o).status, o.key


CONCURRENT = r"""
import json, threading
import django
django.setup()
from django.db import connection, transaction
from pilote.goals import figures
from pilote.goals.keyresults import record_check_in
from pilote.goals.models import KeyResult
from pilote.interchange.importer import import_data
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization

import_data({
    "organization": "Race", "locale": "en",
    "units": [{"key": "dg", "name": "DG"}],
    "cycles": [{"key": "q", "start": "2026-10-01", "end": "2027-03-31"}],
    "objectives": [{"key": "o", "level": "strategic", "cycle": "q", "unit": "dg", "title": "O",
                    "key_results": [{"key": "a", "title": "A", "baseline": 0, "target": 10},
                                    {"key": "b", "title": "B", "baseline": 0, "target": 10}]}],
})
org = Organization.objects.get(name="Race")
barrier = threading.Barrier(2, timeout=10)
write = figures._write

def paused(model, fields, rows):
    write(model, fields, rows)
    if model is KeyResult:
        barrier.wait()  # both KRs written, neither transaction committed: then the objective

figures._write = paused
errors = []

def check_in(key, value):
    try:
        with transaction.atomic():
            actor = Actor.system(org)
            record_check_in(actor, KeyResult.objects.select_related("objective__cycle")
                            .get(organization=org, key=key), value)
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=check_in, args=a) for a in (("a", 5), ("b", 10))]
for t in threads: t.start()
for t in threads: t.join()
figures._write = write
print(json.dumps({"errors": errors, "mismatches": figures.mismatches(org)}))
"""


def test_concurrent_check_ins_beneath_one_objective_both_count(tmp_path):
    """Two check-ins on two KRs of one objective, in transactions that overlap: without the
    objective locked before its terms are read, each computed it from the other's old
    figures and the later commit lost the earlier one. Real connections (the test's own
    transaction would hide the race): on the PostgreSQL pass, a scratch database."""
    from tests.e2e.conftest import race_on_postgres

    result = race_on_postgres(tmp_path, "pilote_figures_race", CONCURRENT)
    assert result == {"errors": [], "mismatches": []}, result


@pytest.mark.parametrize("as_of", [date(2027, 2, 10), date(2027, 3, 15), date(2027, 6, 30)])
@pytest.mark.parametrize("read_on", ["that day", "a later day"])
def test_stored_and_recomputed_readers_find_the_same_key_results_in_trouble(world, as_of, read_on):
    from datetime import timedelta

    from pilote.goals.queries import Snapshot
    from pilote.goals.stored import Stored

    actor = _acme()
    # Both KRs at their baseline three days before: behind; tact-kr then reaches its target.
    for kr in KeyResult.objects.filter(organization__name="Acme").select_related("objective"):
        record_check_in(actor, kr, kr.baseline or 0, 3, "", as_of - timedelta(days=3))
    tact = _kr("tact-kr")
    record_check_in(actor, tact, tact.target, 8, "", as_of - timedelta(days=1))
    if read_on == "a later day":  # later readings: the day read goes by the check-ins
        strat = _kr("strat-kr")
        record_check_in(actor, strat, strat.target, 8, "", as_of + timedelta(days=2))
    day = as_of
    snap = Snapshot(actor, day)
    total, everything = snap.key_results_in_trouble()
    keys = [kr.key for kr, _ in everything]
    assert "strat-kr" in keys and "tact-kr" not in keys and total == len(keys)

    def keyed(pairs):
        return [(kr.key, f.status, f.progress, f.expected) for kr, f in pairs]

    assert Stored(actor, day).key_results_in_trouble()[0] == total
    assert keyed(Stored(actor, day).key_results_in_trouble()[1]) == keyed(everything)
    assert keyed(Stored(actor, day).key_results_in_trouble(start=1)[1]) == keyed(everything[1:])
    first = KeyResult.objects.filter(pk=everything[0][0].pk).values_list("pk", flat=True)
    without_first = Stored(actor, day).key_results_in_trouble(first)
    assert without_first[0] == total - 1 and keyed(without_first[1]) == keyed(everything[1:])
    assert snap.key_results_in_trouble(first) == (total - 1, everything[1:])
    # A window of positions: the stored rows asked for are enough for it.
    assert keyed(Stored(actor, day).key_results_in_trouble(start=0, stop=1)[1]) == keyed(
        everything[:1]
    )


def test_an_organisation_that_leaves_out_terms_without_data_keeps_its_parent_where_it_was(world):
    from pilote.goals import actions
    from pilote.goals.figures import mismatches
    from pilote.orgs import actions as orgs

    actor = _acme()
    org = actor.organization
    strat = Objective.objects.get(organization=org, key="strat")
    actions.update_objective(actor, strat, {"progress_from": "children"})
    submitted = Objective.objects.get(organization=org, key="submitted-obj")  # no check-in yet
    counted_before = Objective.objects.get(pk=strat.pk).stored_progress
    orgs.update_organization(actor, org, {"policy": {"no_data_terms": "skip"}})
    assert mismatches(org) == []
    from pilote.orgs.access import actor_for
    from pilote.orgs.models import User

    ceo = actor_for(User.objects.get(email="executive@acme.example"), org)
    actions.approve_objective(ceo, submitted)
    skipped = Objective.objects.get(pk=strat.pk).stored_progress
    orgs.update_organization(actor, org, {"policy": {"no_data_terms": "zero"}})
    counted = Objective.objects.get(pk=strat.pk).stored_progress
    assert mismatches(org) == []
    # Left out, the approved objective without data moves nothing; counted as 0, it pulls.
    assert skipped == counted_before and counted < skipped


def test_a_rebuild_from_scratch_reaches_an_approved_child_without_key_results(world):
    """Found by the API fuzzer: an approved objective without KRs beneath one with KRs was
    read, emptied, before its own turn in a rebuild from scratch (`pilote check` answered 500)."""
    from pilote.goals.figures import mismatches, rebuild_from_scratch

    actor = _acme()
    org = actor.organization
    strat = Objective.objects.get(organization=org, key="strat")
    actions.update_objective(actor, strat, {"progress_from": "both"})
    child = actions.create_objective(
        actor, {"key": "empty-child", "title": "No KR", "level": "tactical", "cycle": "q",
                "unit": "produit", "aligns_to": [{"objective": "strat"}]},
        status="approved",
    )  # fmt: skip
    assert child.status == "approved"
    rebuild_from_scratch(org)
    assert mismatches(org) == []


def test_an_import_refreshes_the_figures_once_and_they_equal_a_recomputation(db, monkeypatch):
    """The importer records its check-ins with the figures' refresh deferred to the end of
    its key results (goals.latest.figures_deferred): once, not once per check-in, and the
    stored figures and history equal a recomputation."""
    from datetime import date

    from pilote import demo
    from pilote.interchange.importer import import_data

    calls = []
    real = figures.refresh_key_results
    monkeypatch.setattr(
        figures, "refresh_key_results", lambda *a, **k: calls.append(k) or real(*a, **k)
    )
    import_data(demo.document(date.today()))
    org = Organization.objects.get(name="Banque Exemple")
    with_check_ins = [k for k in calls if k.get("check_ins")]
    assert len(with_check_ins) == 1 and len(with_check_ins[0]["check_ins"]) > 1
    assert figures.mismatches(org) == []
