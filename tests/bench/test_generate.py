"""The synthetic organisation generator and the in-process benchmark runner."""

import pytest

from pilote.bench.generate import generate
from pilote.bench.run import markdown, run
from pilote.errors import Conflict
from pilote.goals.models import CheckIn, KeyResult, Objective
from pilote.goals.queries import Snapshot
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization


def _fingerprint(name):
    org = Organization.objects.get(name=name)
    return (
        list(
            Objective.objects.filter(organization=org).order_by("id").values_list("level", "status")
        ),
        list(
            KeyResult.objects.filter(organization=org)
            .order_by("id")
            .values_list("kind", "baseline", "target")
        ),
        list(
            CheckIn.objects.filter(organization=org)
            .order_by("id")
            .values_list("value", "effective")
        ),
    )


@pytest.mark.django_db
def test_the_generator_is_deterministic_for_a_seed_and_proportioned():
    g = generate(200, seed=7, name="A")
    generate(200, seed=7, name="B")
    assert _fingerprint("A") == _fingerprint("B")
    assert g.units == 20 and g.people == 200
    assert 3 * 19 + 5 <= g.objectives <= 5 * 19 + 5  # 3-5 per unit + 5 strategic
    assert 2 * g.objectives <= g.key_results <= 5 * g.objectives
    assert g.check_ins > 8 * g.key_results  # about weekly over the quarter
    with pytest.raises(Conflict):
        generate(200, seed=7, name="A")


@pytest.mark.django_db
def test_generated_data_is_read_by_the_normal_rules():
    import datetime

    generate(100, seed=3, name="C", start=datetime.date(2027, 1, 1))
    snap = Snapshot(Actor.system(Organization.objects.get(name="C")), datetime.date(2027, 2, 20))
    statuses = {snap.objective(o).status.value for o in snap.objectives.values()}
    assert len(statuses) >= 3


@pytest.mark.django_db
def test_the_runner_times_every_scenario_against_its_two_floors(tmp_path):
    import json

    from pilote.cli import main
    from pilote.goals import latest

    generate(60, seed=1, name="D")
    report = run("D", repeat=1)
    assert report.floor_ms > 0 and report.counts["people"] == 60
    names = [t.name for t in report.timings]
    assert len(names) == 12 and "strategy tree, cache cold" in names
    for t in report.timings:
        assert t.median_ms > 0 and t.sql_ms > 0
        assert t.bare_ratio == pytest.approx(t.median_ms / report.floor_ms)
        assert t.sql_ratio == pytest.approx(t.median_ms / t.sql_ms)
    assert "| one unit's subtree (API) |" in markdown(report)
    # The raw-SQL floors of the writes are rolled back: the stored readings still agree.
    org = Organization.objects.get(name="D")
    assert latest.mismatches(org.pk) == []
    assert main(["bench", "run", "--org", "D", "--repeat", "1", "--out", str(tmp_path)]) == 0
    (written,) = tmp_path.glob("*.json")
    assert json.loads(written.read_text())["organization"] == "D"
    assert written.with_suffix(".md").exists()
