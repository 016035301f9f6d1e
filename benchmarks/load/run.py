"""Run a load test of Pilote on this machine and write its results (see scripts/loadtest).

Starts ``pilote serve --workers W --no-worker`` and one ``pilote worker`` on the database of
PILOTE_DATABASE_URL, drives them with locust (benchmarks/load/locustfile.py) from a second
process on loopback, then checks that every acknowledged check-in is in the database and
nothing else was added, that the stored readings agree with the check-ins (``pilote
check``, and ``GET /api/v1/check`` once over HTTP).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PILOTE = str(ROOT / ".venv" / "bin" / "pilote")
LOCUST = str(ROOT / ".venv-load" / "bin" / "locust")


def prepare(org_name: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilote.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client

    from pilote.goals.models import CheckIn, Cycle, KeyResult, Objective
    from pilote.orgs.access import Actor
    from pilote.orgs.actions import create_token
    from pilote.orgs.models import Membership, Organization, Unit

    settings.ALLOWED_HOSTS = ["*"]
    org = Organization.objects.get(name=org_name)
    member = (
        Membership.objects.filter(organization=org, role="executive").select_related("user").first()
    )
    token, secret = create_token(Actor.system(org, "load test"), member.user, "load test")
    admin = Membership.objects.filter(organization=org, role="admin").select_related("user").first()
    _, admin_secret = create_token(Actor.system(org, "load test"), admin.user, "load check")
    browser = Client()
    browser.force_login(member.user)
    today = date.today()
    cycle = (
        Cycle.objects.filter(
            organization=org, start__lte=today, end__gte=today, parent__isnull=False
        )
        .order_by("start")
        .first()
    )
    rng = random.Random(7)
    units = list(Unit.objects.filter(organization=org).values_list("key", flat=True))
    objectives = list(
        Objective.objects.filter(organization=org, cycle=cycle, level="tactical").values_list(
            "key", flat=True
        )
    )
    krs = list(
        KeyResult.objects.filter(
            organization=org, objective__cycle=cycle, kind__in=["increase", "decrease", "maintain"]
        ).values_list("key", flat=True)
    )
    return {
        "PILOTE_LOAD_TOKEN": secret,
        "PILOTE_LOAD_SESSION": browser.cookies["sessionid"].value,
        "PILOTE_LOAD_CYCLE": cycle.key,
        "PILOTE_LOAD_UNITS": ",".join(rng.sample(units, min(50, len(units)))),
        "PILOTE_LOAD_OBJECTIVES": ",".join(rng.sample(objectives, min(100, len(objectives)))),
        "PILOTE_LOAD_KRS": ",".join(rng.sample(krs, min(200, len(krs)))),
        "source": f"token:{token.prefix}",
        "admin_token": admin_secret,
        "before": CheckIn.objects.filter(organization=org).count(),
        "org_id": org.pk,
    }


def wait_up(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"Pilote did not answer at {url} within {seconds} s")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--org", default="Synthetic 10000")
    p.add_argument("--users", type=int, default=20, help="simulated people, 1 request/s each")
    p.add_argument("--duration", default="60s")
    p.add_argument("--workers", type=int, default=3, help="app processes")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = p.parse_args()
    if not os.environ.get("PILOTE_DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set PILOTE_DATABASE_URL to a PostgreSQL database (several app processes)")
    env = {**os.environ, "PILOTE_EMBEDDED_WORKER": "false", "PILOTE_ALLOWED_HOSTS": "127.0.0.1"}
    ctx = prepare(args.org)
    url = f"http://127.0.0.1:{args.port}"
    work = Path(tempfile.mkdtemp(prefix="pilote-load-"))
    ids_file = work / "ids.txt"
    server = subprocess.Popen(
        [PILOTE, "serve", "--no-migrate", "--no-worker", "--workers", str(args.workers),
         "--port", str(args.port)],
        env=env, stdout=subprocess.DEVNULL, stderr=open(work / "server.log", "w"),
    )  # fmt: skip
    worker = subprocess.Popen(
        [PILOTE, "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "worker.log", "w"),
    )
    try:
        wait_up(url)
        load_env = {
            **os.environ,
            **{k: str(v) for k, v in ctx.items() if k.startswith("PILOTE_LOAD")},
            "PILOTE_LOAD_IDS": str(ids_file),
        }
        # Nothing to warm: no process keeps figures (docs/scaling.md). One page each, so
        # that the processes' imports and templates are loaded, as in a running installation.
        for _ in range(2 * args.workers):
            req = urllib.request.Request(
                f"{url}/api/v1/cycles/{ctx['PILOTE_LOAD_CYCLE']}/tree?depth=0&page_size=50",
                headers={"Authorization": f"Bearer {ctx['PILOTE_LOAD_TOKEN']}"},
            )
            with urllib.request.urlopen(req, timeout=300):
                pass
        started = time.monotonic()
        subprocess.run(
            [LOCUST, "-f", str(ROOT / "benchmarks" / "load" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.users), "-t", args.duration, "--host", url,
             "--csv", str(work / "load"), "--only-summary", "--stop-timeout", "10"],
            env=load_env, check=False, timeout=3600,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        token = ctx["admin_token"]

        def rss() -> list[int]:
            ps = subprocess.run(
                ["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True
            )
            return sorted(round(int(x) / 1024) for x in ps.stdout.split())

        # Memory of each app process after the run, before the check below: the check
        # recomputes the whole organisation in the process that answers it (a 10,000-person
        # organisation left that one at 350-450 MB, which read as the load's).
        rss_mb = rss()
        # The figures over HTTP, as an operator checks them (no process holds a copy of
        # its own: once is enough), beside `pilote check` below.
        req = urllib.request.Request(
            f"{url}/api/v1/check", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(req, timeout=600) as r:
            checks = [json.load(r)["differences"]]
        rss_after_check = rss()
    finally:
        server.terminate()
        worker.terminate()
        server.wait(30)
        worker.wait(30)
    acknowledged = [int(x) for x in ids_file.read_text().split()] if ids_file.exists() else []
    from pilote.goals.models import CheckIn

    stored = set(
        CheckIn.objects.filter(organization_id=ctx["org_id"], source=ctx["source"]).values_list(
            "id", flat=True
        )
    )
    lost = set(acknowledged) - stored
    extra = stored - set(acknowledged)
    check = subprocess.run(
        [PILOTE, "check", "--org", args.org], env=env, capture_output=True, text=True
    )
    rows = list(csv.DictReader(open(work / "load_stats.csv")))
    report = render(args, rows, elapsed, acknowledged, lost, extra, check, checks)
    report += (
        f"\nResident memory of the app processes after the run (MB): {rss_mb};"
        f" after `GET /api/v1/check` too: {rss_after_check}."
    )
    print(report)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    slug = args.org.lower().replace(" ", "-")
    path = out / f"{date.today().isoformat()}-load-{slug}-postgresql.md"
    path.write_text(report + "\n")
    print(f"written: {path}")
    failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
    return 1 if (lost or extra or failures or check.returncode or any(checks)) else 0


def render(args, rows, elapsed, acknowledged, lost, extra, check, checks) -> str:
    lines = [
        f"Load test: **{args.org}** on PostgreSQL, {args.workers} app processes "
        f"(`pilote serve --workers {args.workers}`) + 1 `pilote worker`, {args.users} simulated "
        f"people at 1 request/s each (locust `constant_throughput`), {args.duration}, "
        f"loopback; {os.cpu_count()} CPUs shared by server, database and load generator; "
        f"each app process answered a first request before.",
        "",
        "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
            f"{float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | {r['99%']} | "
            f"{float(r['Max Response Time']):.0f} |"
        )
    lines += [
        "",
        f"Check-ins acknowledged (201): {len(acknowledged)}; in the database from this run: "
        f"{len(acknowledged) - len(lost) + len(extra)}; lost: {len(lost)}; unexpected: {len(extra)}.",
        f"`pilote check` afterwards: {check.stdout.strip().splitlines()[-1] if check.stdout else check.stderr.strip()}",
        f"`GET /api/v1/check` afterwards: differences {checks}.",
        f"Wall time of the locust run: {elapsed:.0f} s.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
