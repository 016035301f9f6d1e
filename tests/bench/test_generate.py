"""The synthetic organisation generator and the in-process benchmark runner."""

import pytest

from pilote.bench.generate import generate
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


def test_the_runner_times_every_row_over_http_against_the_floor(tmp_path):
    """`pilote bench run` on a small synthetic organisation: two real servers, every row."""
    import json
    import os
    import subprocess
    import sys

    from tests.e2e.conftest import _database_url

    env = {k: v for k, v in os.environ.items() if k != "PILOTE_DATABASE_URL"}
    env["PILOTE_DATA_DIR"] = str(tmp_path)
    url = _database_url(tmp_path, f"pilote_bench_{os.environ.get('PYTEST_XDIST_WORKER', 'x')}")
    if url:
        env["PILOTE_DATABASE_URL"] = url

    def cli(*args):
        out = subprocess.run([sys.executable, "-m", "pilote.cli", *args], env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    cli("bench", "generate", "--employees", "60", "--name", "D")
    out = cli("bench", "run", "--org", "D", "--repeat", "2", "--out", str(tmp_path / "results"))
    (written,) = (tmp_path / "results").glob("*.json")
    report = json.loads(written.read_text())
    assert report["organization"] == "D" and report["floor_ms"] > 0
    names = [t["name"] for t in report["timings"]]
    for row in ("strategy page (first screen)", "cockpit page", "objective page", "inbox page",
                "roadmap page", "unit subtree (API)", "rename an objective (API)",
                "…then its page in another process", "one check-in (API)",
                "…then its top objective in another process (API)",
                "first page after a restart", "subtree as of a past date (API)"):  # fmt: skip
        assert row in names, row
    for t in report["timings"]:
        assert t["median_ms"] > 0
        assert t["floor_ratio"] == pytest.approx(t["median_ms"] / report["floor_ms"])
    assert report["bulk_per_second"] > 0 and len(report["memory_mb"]) == 2
    assert "| strategy page (first screen) |" in out and "memory per app process" in out
    assert written.with_suffix(".md").exists()
    # The writes it made went through the actions: the figures still agree.
    cli("check", "--org", "D")
