"""Background workers: each scheduled slot runs exactly once, however many workers race for it.

Real processes: three ``pilote worker`` against one database (SQLite file, and
PostgreSQL in the PostgreSQL pass), twenty sources falling due together.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.e2e.conftest import _database_url

SOURCES = 20
SETUP = textwrap.dedent(
    """
    import sys
    from datetime import date, timedelta
    import django
    django.setup()
    from django.utils import timezone
    from pilote.interchange.importer import import_data
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization
    from pilote.sources.actions import create_source
    from pilote.sources.models import DataSource

    import_data({
        "organization": "Workers", "units": [{"key": "dg", "name": "DG"}],
        # Around the real today: these processes run on the real clock.
        "cycles": [{"key": "y", "start": str(date.today() - timedelta(days=365)),
                    "end": str(date.today() + timedelta(days=365))}],
        "objectives": [{"key": "o", "level": "strategic", "cycle": "y", "unit": "dg", "title": "O",
                        "key_results": [{"key": f"kr{i}", "title": "K", "baseline": 0, "target": 100}
                                        for i in range(%(n)d)]}],
    })
    actor = Actor.system(Organization.objects.get(name="Workers"))
    for i in range(%(n)d):
        create_source(actor, {"key": f"s{i}", "name": f"S{i}", "kind": "csv", "key_result": f"kr{i}",
                              "params": {"location": sys.argv[1], "column": "v"}, "interval_minutes": 60})
    # due a moment from now, when all three workers are looping
    DataSource.objects.update(next_run_at=timezone.now() + timedelta(seconds=4))
    """
)
COUNT = textwrap.dedent(
    """
    import collections, json
    import django
    django.setup()
    from django_tasks_db.models import DBTaskResult
    from pilote.sources.models import SyncRun
    runs = list(SyncRun.objects.values_list("source__key", "trigger", "outcome", "worker"))
    queued = collections.Counter(
        (t.args_kwargs["args"][0], t.args_kwargs["args"][1])
        for t in DBTaskResult.objects.filter(task_path__endswith="sync_source")
    )
    print(json.dumps({"runs": runs, "queued": sorted(queued.values())}))
    """
)


def _env(tmp: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PILOTE_DATABASE_URL"}
    env["PILOTE_DATA_DIR"] = str(tmp)
    env["PILOTE_SOURCE_DIRS"] = str(tmp)
    env["DJANGO_SETTINGS_MODULE"] = "pilote.settings"
    if url:
        env["PILOTE_DATABASE_URL"] = url
    return env


def _python(env, code: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def _race(tmp: Path, env: dict[str, str]) -> dict:
    import json

    csv = tmp / "v.csv"
    csv.write_text("v\n42\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pilote.cli", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    _python(env, SETUP % {"n": SOURCES}, str(csv))
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "pilote.cli", "worker", "--interval", "0.1", "--seconds", "12"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for _ in range(3)
    ]
    for w in workers:
        output, _ = w.communicate(timeout=60)
        assert w.returncode == 0, output
        assert "Traceback" not in output, output
    return json.loads(_python(env, COUNT))


def _assert_exactly_once(result: dict) -> None:
    runs = result["runs"]
    by_source: dict[str, int] = {}
    for key, trigger, outcome, _ in runs:
        assert trigger == "schedule" and outcome == "applied"
        by_source[key] = by_source.get(key, 0) + 1
    assert by_source == {f"s{i}": 1 for i in range(SOURCES)}
    assert result["queued"] == [1] * SOURCES  # each slot was claimed, hence queued, once
    winners = {w.rsplit(":", 2)[0] + ":" + w.rsplit(":", 2)[1] for *_, w in runs}
    print(f"{len(runs)} runs, claimed by {len(winners)} worker process(es)")


def test_three_workers_on_one_sqlite_database_run_each_slot_exactly_once(tmp_path):
    _assert_exactly_once(_race(tmp_path, _env(tmp_path, None)))


def test_three_workers_on_postgresql_run_each_slot_exactly_once(tmp_path):
    url = _database_url(tmp_path, "pilote_workers")
    if url is None:
        pytest.skip("runs in the PostgreSQL pass of scripts/test (PILOTE_DATABASE_URL=postgres…)")
    _assert_exactly_once(_race(tmp_path, _env(tmp_path, url)))
