"""An app process paces Python's garbage collector once loaded (pilote/process.py)."""

import subprocess
import sys


def test_an_app_process_paces_the_garbage_collector_once_loaded(tmp_path):
    code = (
        "import gc; before = gc.get_threshold(); import pilote.asgi; "
        "from pilote.process import THRESHOLDS; "
        "assert before != THRESHOLDS and gc.get_threshold() == THRESHOLDS, gc.get_threshold()"
    )
    env = {"PILOTE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
