"""Several processes writing one SQLite file at once: IMMEDIATE transactions make them queue, not fail."""

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "banque-exemple.yaml"

WRITER = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "pilote.settings"
import django; django.setup()
from pilote.goals.keyresults import record_check_in
from pilote.goals.models import KeyResult
from pilote.orgs.access import Actor
kr = KeyResult.objects.select_related("objective__cycle", "organization").get(key="note-espace-client")
actor = Actor.system(kr.organization, "writer-" + sys.argv[1])
for i in range(int(sys.argv[2])):
    # with an idempotency key the action reads before it writes: the case that fails without IMMEDIATE
    record_check_in(actor, kr, 4.2 + i / 1000, 7, f"w{sys.argv[1]}-{i}", None, idempotency_key=f"{sys.argv[1]}-{i}")
"""


def test_concurrent_writers_on_one_sqlite_file_all_succeed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PILOTE_DATABASE_URL"}
    env["PILOTE_DATA_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "pilote.cli", "import", str(EXAMPLE)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    writers, each = 3, 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n), str(each)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(writers)
    ]
    results = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
            "\"select count(*) from goals_checkin where source like 'writer-%'\").fetchone()[0])",
            str(tmp_path / "pilote.sqlite3"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert int(count) == writers * each
