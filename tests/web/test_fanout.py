"""Two app processes on PostgreSQL: a check-in posted to one reaches a page open on the other.

The event travels through LISTEN/NOTIFY (pilote.fanout): the test reads the event's own
payload on the second process's stream, which the SQLite fallback (a bare "changed"
poll of the audit trail) never carries.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request

import httpx
import pytest

from tests.e2e.conftest import _database_url, _free_port


def _serve(env, port):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pilote.cli", "serve", "--port", str(port), "--no-migrate", "--no-worker"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("a server did not start")


def _run(env, *args):
    out = subprocess.run(
        [sys.executable, "-m", "pilote.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_a_check_in_posted_to_one_app_process_reaches_a_page_open_on_another(tmp_path):
    url = _database_url(tmp_path, "pilote_fanout")
    if url is None:
        pytest.skip("runs in the PostgreSQL pass of scripts/test (PILOTE_DATABASE_URL=postgres…)")
    env = {**os.environ, "PILOTE_DATA_DIR": str(tmp_path), "PILOTE_DATABASE_URL": url}
    _run(env, "demo", "--no-serve")
    secret = _run(
        env, "token", "create", "--user", "digital@banque.example", "--name", "t"
    ).split()[-1]
    a, b = _free_port(), _free_port()
    servers = [_serve(env, a), _serve(env, b)]
    events: queue.Queue = queue.Queue()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{b}", timeout=10) as browser:
            browser.get("/login/")
            browser.post("/login/", data={"username": "mobile@banque.example", "password": "pilote-demo-2026",
                                          "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                         headers={"Referer": f"http://127.0.0.1:{b}/login/"})  # fmt: skip
            assert "sessionid" in browser.cookies

            def listen():
                try:
                    with browser.stream(
                        "GET", "/live/", timeout=httpx.Timeout(15, read=15)
                    ) as stream:
                        for line in stream.iter_lines():
                            if line.startswith("data:"):
                                events.put(json.loads(line[5:]))
                except httpx.HTTPError:
                    pass  # the test is over and closed the client

            threading.Thread(target=listen, daemon=True).start()
            time.sleep(1.5)  # the stream is open and process B listens
            posted = time.monotonic()
            response = httpx.post(
                f"http://127.0.0.1:{a}/api/v1/key-results/note-espace-client/check-ins",
                json={"value": 4.6, "comment": "from process A"},
                headers={"Authorization": f"Bearer {secret}"}, timeout=10,
            )  # fmt: skip
            assert response.status_code == 201, response.text
            event = events.get(timeout=5)
            while event.get("event") != "check_in.recorded":
                event = events.get(timeout=5)
            elapsed = time.monotonic() - posted
    finally:
        for s in servers:
            s.terminate()
            s.wait(timeout=10)
    assert event["key_result"] == "note-espace-client" and event["value"] == 4.6
    print(f"check-in posted to :{a} reached an SSE client of :{b} after {elapsed * 1000:.0f} ms")
