"""Browser tests: a real `pilote serve` (ASGI, uvicorn) on loopback with the demo data,
driven by Playwright in Debian's Chromium.

The server gets its own database of the suite's kind: a SQLite file, or on the PostgreSQL
run a scratch database beside the test one. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "pilote-demo-2026"

OTHER_ORG = """
organization: Autre Banque
units: [{key: autre-dg, name: Direction générale}]
people: [{email: boss@autre.example, name: Boss, role: executive, units: [autre-dg]}]
cycles: [{key: autre-s, start: 2026-01-01, end: 2027-12-31}]
objectives:
  - {key: autre-secret, level: strategic, cycle: autre-s, unit: autre-dg, title: Projet confidentiel}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(tmp: Path, name: str = "pilote_e2e") -> str | None:
    url = os.environ.get("PILOTE_DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    # Each pytest-xdist worker runs its own session fixtures: one scratch database per worker,
    # or two workers migrate the same one at once ("relation ... already exists").
    name = f"{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def race_on_postgres(tmp: Path, name: str, script: str) -> dict:
    """Run ``script`` (Python that prints a JSON line last) in a process of its own against a
    scratch PostgreSQL database, migrated first: real connections, as a race needs (the
    test's own transaction would hide it). Skips on the SQLite pass."""
    import json

    url = _database_url(tmp, name)
    if url is None:
        pytest.skip("SQLite lets one writer in at a time: the race needs PostgreSQL's pass")
    env = {**os.environ, "PILOTE_DATABASE_URL": url, "PILOTE_DATA_DIR": str(tmp),
           "DJANGO_SETTINGS_MODULE": "pilote.settings",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], env=env, capture_output=True, text=True, timeout=240
        )

    migrated = run("-m", "pilote.cli", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    raced = run("-c", script)
    assert raced.returncode == 0, raced.stderr
    return json.loads(raced.stdout.strip().splitlines()[-1])


class Server:
    def __init__(self, url: str, env: dict[str, str]):
        self.url = url
        self.env = env

    def cli(self, *args: str, stdin: str | None = None) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "pilote.cli", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout


@contextmanager
def running_server(tmp: Path, database: str = "pilote_e2e", extra_env: dict | None = None):
    """`pilote serve` on a free loopback port with the demo loaded, its own database (a SQLite
    file, or on the PostgreSQL run a scratch database beside the test one); stopped after."""
    env = {k: v for k, v in os.environ.items() if k != "PILOTE_DATABASE_URL"}
    env["PILOTE_DATA_DIR"] = str(tmp)
    env["PILOTE_SOURCE_DIRS"] = str(tmp / "demo")  # as scripts/demo: its BI export is read
    env.update(extra_env or {})
    url = _database_url(tmp, database)
    if url:
        env["PILOTE_DATABASE_URL"] = url
    port = _free_port()
    srv = Server(f"http://127.0.0.1:{port}", env)
    srv.cli("demo", "--no-serve")
    # The server's output goes to a file: a pipe nobody reads fills up (every 4xx is logged)
    # and then blocks the server on its next line.
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pilote.cli", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    srv.log = tmp / "server.log"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{srv.url}/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start: " + srv.log.read_text())
    try:
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed for the browser tests (scripts/test installs it)")
    tmp = tmp_path_factory.mktemp("e2e")
    other = tmp / "other.yaml"
    other.write_text(OTHER_ORG, encoding="utf-8")
    with running_server(tmp) as srv:
        srv.cli("import", str(other))
        yield srv


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def open_as(server, browser):
    """open_as("mobile@banque.example", language="fr", width=1280) -> a signed-in page."""
    contexts = []

    def make(email: str, language: str | None = None, width: int = 1280):
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
        if language:
            ctx.add_cookies([{"name": "django_language", "value": language, "url": server.url}])
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{server.url}/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{server.url}/")
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def shoot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
