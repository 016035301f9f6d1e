"""Time an organisation's pages and API calls over HTTP, as people and scripts feel them.

``pilote bench run --org NAME`` starts two ``pilote serve`` processes on loopback ports
against the database this command uses (no embedded worker), signs in as one of the
organisation's executives (a session for the pages, a token for the API), and times each
row of issue 12's table with ``httpx``: medians of ``repeat`` samples after one warm-up,
each also as a ratio to the same run's floor (``GET /healthz``: the whole HTTP and Django
stack answering one ``SELECT 1``). Two processes, because what one process wrote another
must show at once: "rename, then the next page" and "check-in, then the figures above it"
time the write in one and the read in the other. "First page after a restart" restarts the
second process and times its first page once it answers ``/healthz``. The report ends with
the memory (resident set size) of process A after every page and paged read — what a
process serving people keeps — and of both processes at the end, after the unpaged whole
tree and the bulks of check-ins (rows without a target: what an export or a feed costs).

The writes are real (check-ins, renames put back, a bulk of check-ins): run it on a
synthetic organisation (``pilote bench generate``), not on a company's data.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import django
import httpx
from django.conf import settings
from django.db import connection
from django.test import Client

from pilote.goals.models import Alignment, CheckIn, KeyResult, Objective
from pilote.orgs.access import Actor
from pilote.orgs.actions import create_token
from pilote.orgs.models import Membership, Organization, Unit

# Issue 12's targets (ms, or check-ins/s for the bulk, MB for memory) by size: up to 30,000
# people the 10,000 column, beyond it the 100,000 one.
TARGETS = {
    "strategy page (first screen)": (100, 150),
    "cockpit page": (100, 150),
    "objective page": (100, 150),
    "inbox page": (100, 150),
    "roadmap page": (100, 150),
    "unit subtree (API)": (50, 100),
    "whole tree, first page (API)": (50, 100),
    "rename an objective (API)": (100, 150),
    "…then its page in another process": (100, 150),
    "one check-in (API)": (30, 50),
    "…then its top objective in another process (API)": (30, 50),
    "first page after a restart": (300, 500),
    "subtree as of a past date (API)": (100, 200),
}
BULK_SIZES = (1000, 10_000)  # check-ins a request: the API's usual batch, then its largest
TREE_PAGE = 50  # children per objective on the whole tree's first page
BULK_TARGET = 10_000  # check-ins/s
MEMORY_TARGET = (200, 300)  # MB per app process


@dataclass
class Timing:
    name: str
    samples_ms: list[float]
    median_ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    floor_ratio: float | None = None
    target: float | None = None
    met: bool | None = None
    note: str = ""


@dataclass
class Report:
    organization: str
    database: str
    machine: dict
    counts: dict
    repeat: int
    floor_ms: float
    timings: list[Timing] = field(default_factory=list)
    bulk_per_second: float | None = None
    bulk_batch: int | None = None
    memory_mb: list[float] = field(default_factory=list)
    memory_pages_mb: float | None = None  # process A after the pages and paged reads


def machine() -> dict:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"{vendor} {version}",
        "date": date.today().isoformat(),
        "transport": "HTTP/1.1 over loopback to `pilote serve` (uvicorn, one worker each)",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ``pilote serve`` process on a loopback port, against this command's database."""

    def __init__(self, log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        out = self.log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pilote.cli", "serve", "--port", str(self.port),
             "--no-migrate", "--no-worker"],
            stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy(),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"pilote serve did not start: see {self.log}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def memory_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024


def _time(fn: Callable[[], object], repeat: int, warm: bool = True) -> list[float]:
    if warm:
        fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _top_above(objective: Objective) -> Objective:
    """The objective at the top of the alignment graph above this one (first parent each time)."""
    seen = {objective.pk}
    while True:
        link = Alignment.objects.filter(child=objective).order_by("id").first()
        if link is None or link.parent_id in seen:
            return objective
        seen.add(link.parent_id)
        objective = link.parent


def run(
    org_name: str, repeat: int = 5, skip: tuple[str, ...] = (), log_dir: Path | None = None
) -> Report:
    org = Organization.objects.get(name=org_name)
    member = (
        Membership.objects.filter(organization=org, role="executive").select_related("user").first()
    )
    _, secret = create_token(Actor.system(org, "bench"), member.user, "bench")
    signed_in = Client()
    signed_in.force_login(member.user)  # a session row both servers read
    cookie = {settings.SESSION_COOKIE_NAME: signed_in.cookies[settings.SESSION_COOKIE_NAME].value}
    today = date.today()
    kr = (
        KeyResult.objects.filter(
            organization=org, kind="increase", objective__level="tactical",
            objective__status="approved", objective__cycle__start__lte=today,
            objective__cycle__end__gte=today,
        )
        .select_related("objective__cycle__parent")
        .order_by("id")
        .first()
    )  # fmt: skip
    if kr is None:
        raise RuntimeError(f"{org_name} has no approved tactical KR in a current cycle")
    # The strategy page's cycle: the one holding the KR's, as a semester holds its quarters.
    cycle = kr.objective.cycle.parent or kr.objective.cycle
    tactical = kr.objective
    top = _top_above(tactical)
    unit = tactical.unit
    past = max(cycle.start, today - timedelta(days=(today - cycle.start).days // 2 or 1))
    bulk_krs = list(
        KeyResult.objects.filter(
            organization=org,
            kind="increase",
            objective__cycle__start__lte=today,
            objective__cycle__end__gte=today,
        )  # fmt: skip
        .order_by("id")
        .values_list("key", flat=True)[: max(BULK_SIZES)]
    )
    big = Membership.objects.filter(organization=org).count() > 30_000
    log_dir = log_dir or Path(settings.DATA_DIR)
    a, b = Server(log_dir / "bench-server-a.log"), Server(log_dir / "bench-server-b.log")
    a.start()
    b.start()
    counter = iter(range(10**9))
    auth = {"Authorization": f"Bearer {secret}"}
    try:
        pa = httpx.Client(base_url=a.url, cookies=cookie, timeout=300)
        pb = httpx.Client(base_url=b.url, cookies=cookie, timeout=300)
        api_a = httpx.Client(base_url=f"{a.url}/api/v1", headers=auth, timeout=300)
        api_b = httpx.Client(base_url=f"{b.url}/api/v1", headers=auth, timeout=300)

        def ok(response: httpx.Response) -> httpx.Response:
            if response.status_code >= 300:
                raise RuntimeError(
                    f"{response.request.url}: {response.status_code} {response.text[:300]}"
                )
            return response

        def page(client, path):
            return lambda: ok(client.get(path))

        report = Report(org_name, connection.vendor, machine(), _counts(org), repeat, 0.0)
        report.floor_ms = statistics.median(_time(page(pa, "/healthz"), max(10, repeat * 2)))

        def add(name: str, samples: list[float], note: str = "") -> None:
            t = Timing(name, [round(s, 2) for s in samples], note=note)
            t.median_ms = statistics.median(samples)
            t.min_ms, t.max_ms = min(samples), max(samples)
            t.floor_ratio = t.median_ms / report.floor_ms if report.floor_ms else None
            if name in TARGETS:
                t.target = TARGETS[name][1 if big else 0]
                t.met = t.median_ms < t.target
            report.timings.append(t)

        def wanted(name: str) -> bool:
            return not any(word.lower() in name.lower() for word in skip)

        reads = [
            ("strategy page (first screen)", page(pa, f"/strategy/?cycle={cycle.key}"), ""),
            ("cockpit page", page(pa, "/"), ""),
            ("objective page", page(pa, f"/objectives/{tactical.key}/"), f"/objectives/{tactical.key}/"),
            ("inbox page", page(pa, "/inbox/"), ""),
            ("roadmap page", page(pa, "/roadmap/"), ""),
            ("unit subtree (API)", page(api_a, f"/cycles/{cycle.key}/tree?unit={unit.key}"),
             f"the tree filtered to unit {unit.key}"),
            ("whole tree, first page (API)",
             page(api_a, f"/cycles/{cycle.key}/tree?depth=0&page_size={TREE_PAGE}"),
             f"the top level in full, its first {TREE_PAGE} children each as summaries"),
            ("subtree as of a past date (API)",
             page(api_a, f"/cycles/{cycle.key}/tree?unit={unit.key}&as_of={past.isoformat()}"),
             f"as of {past.isoformat()}"),
            # The end of a cycle's loop (issue 14; no target given there)
            ("review meeting, one objective",
             page(pa, f"/review/?cycle={tactical.cycle.key}&i=2"),
             f"the whole strategy's review in {tactical.cycle.key}, its second objective"),
            ("review PDF of a unit",
             page(pa, f"/review/{top.unit.key}.pdf?cycle={tactical.cycle.key}"),
             f"unit {top.unit.key} and the units below it, one objective a page (at most 100)"),
            ("one-page strategy PDF", page(pa, f"/strategy/one-page.pdf?cycle={cycle.key}"), ""),
            ("cycle retrospective page", page(pa, f"/cycles/{cycle.key}/retrospective/"),
             "hit rate per unit over every objective of the cycle, grades, ledger"),
            ("end-of-cycle screen", page(pa, f"/cycles/{cycle.key}/close/"), "first 50"),
            ("weekly check-ins page", page(pa, "/my/week/"), "the executive's own KRs"),
        ]  # fmt: skip
        for name, fn, note in reads:
            if wanted(name):
                add(name, _time(fn, repeat), note)
        # Every page and paged read so far: the memory a process serving people keeps.
        report.memory_pages_mb = round(a.memory_mb(), 1)
        name = "whole tree in one answer (API)"
        if wanted(name):
            add(name, _time(page(api_a, f"/cycles/{cycle.key}/tree"), repeat),
                "unpaged, as an export reads it (no target: the issue's is for the first page)")  # fmt: skip

        if wanted("rename"):
            title = tactical.title
            writes, nexts = [], []
            for i in range(repeat + 1):
                t = time.perf_counter()
                ok(api_a.patch(f"/objectives/{tactical.key}", json={"title": f"{title} ({i})"},
                               headers={"If-Match": "*"}))  # fmt: skip
                w = (time.perf_counter() - t) * 1000
                t = time.perf_counter()
                body = ok(pb.get(f"/objectives/{tactical.key}/")).text
                n = (time.perf_counter() - t) * 1000
                if f"{title} ({i})" not in body:
                    raise RuntimeError("the other process did not show the new title")
                if i:  # the first is the warm-up
                    writes.append(w)
                    nexts.append(n)
            ok(
                api_a.patch(
                    f"/objectives/{tactical.key}", json={"title": title}, headers={"If-Match": "*"}
                )
            )
            add(
                "rename an objective (API)",
                writes,
                f"PATCH /objectives/{tactical.key} in process A",
            )
            add("…then its page in another process", nexts, "GET its page in process B")

        if wanted("check-in"):
            writes, reads_b = [], []
            for i in range(repeat + 1):
                t = time.perf_counter()
                ok(
                    api_a.post(
                        f"/key-results/{kr.key}/check-ins", json={"value": 50 + next(counter) % 10}
                    )
                )
                w = (time.perf_counter() - t) * 1000
                t = time.perf_counter()
                ok(api_b.get(f"/objectives/{top.key}"))
                r = (time.perf_counter() - t) * 1000
                if i:
                    writes.append(w)
                    reads_b.append(r)
            add("one check-in (API)", writes, f"POST a check-in on {kr.key} in process A")
            add("…then its top objective in another process (API)", reads_b,
                f"GET /objectives/{top.key} in process B")  # fmt: skip

        if wanted("restart"):
            samples = []
            for _ in range(max(2, repeat // 2)):
                b.stop()
                b.start()
                pb = httpx.Client(base_url=b.url, cookies=cookie, timeout=300)
                t = time.perf_counter()
                ok(pb.get(f"/strategy/?cycle={cycle.key}"))
                samples.append((time.perf_counter() - t) * 1000)
            add("first page after a restart", samples,
                "process B restarted; its first strategy page once /healthz answers")  # fmt: skip

        # One check-in per KR (the current increase KRs, as many as a batch holds): each
        # batch pays for its KRs' figures and every objective above them once.
        sizes = sorted({min(n, len(bulk_krs)) for n in BULK_SIZES if bulk_krs})
        for size in sizes if wanted("bulk") else ():

            def bulk(keys=bulk_krs[:size]):
                items = [{"key_result": k, "value": 40 + next(counter) % 10} for k in keys]
                ok(api_a.post("/check-ins/bulk", json={"check_ins": items}))

            samples = _time(bulk, max(1, repeat // 2))
            add(f"bulk: {size:,} check-ins (API)", samples, "one request, one check-in per KR")
            # The rate of the largest batch: what a feed of many readings gets.
            report.bulk_per_second = size / (statistics.median(samples) / 1000)
            report.bulk_batch = size

        report.memory_mb = [round(s.memory_mb(), 1) for s in (a, b)]
        report.counts["check_ins"] = CheckIn.objects.filter(organization=org).count()
        return report
    finally:
        a.stop()
        b.stop()


def _counts(org) -> dict:
    return {
        "people": Membership.objects.filter(organization=org).count(),
        "units": Unit.objects.filter(organization=org).count(),
        "objectives": Objective.objects.filter(organization=org).count(),
        "key_results": KeyResult.objects.filter(organization=org).count(),
        "check_ins": CheckIn.objects.filter(organization=org).count(),
    }


def markdown(report: Report) -> str:
    m, c = report.machine, report.counts
    big = c["people"] > 30_000
    lines = [
        f"**{report.organization}** on {m['database']} — {c['people']:,} people, "
        f"{c['units']:,} units, {c['objectives']:,} objectives, {c['key_results']:,} KRs, "
        f"{c['check_ins']:,} check-ins; {m['cpus']} CPUs, Python {m['python']}, "
        f"Django {m['django']}, {m['date']}; {m['transport']}; floor (`GET /healthz`) "
        f"{report.floor_ms:.2f} ms; medians of {report.repeat} after a warm-up.",
        "",
        "| row | median ms | min–max ms | × floor | target ms | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for t in report.timings:
        target = f"< {t.target:g}" if t.target is not None else ""
        met = "" if t.met is None else ("yes" if t.met else "**no**")
        lines.append(
            f"| {t.name} | {t.median_ms:.1f} | {t.min_ms:.1f}–{t.max_ms:.1f} | "
            f"{t.floor_ratio:.1f} | {target} | {met} |"
        )
    if report.bulk_per_second is not None:
        met = "yes" if report.bulk_per_second >= BULK_TARGET else "**no**"
        lines.append(
            f"| bulk ingest rate ({report.bulk_batch:,} a request) | "
            f"{report.bulk_per_second:,.0f} check-ins/s | | | ≥ {BULK_TARGET:,}/s | {met} |"
        )
    limit = MEMORY_TARGET[1 if big else 0]
    if report.memory_pages_mb is not None:
        met = "yes" if report.memory_pages_mb < limit else "**no**"
        lines.append(
            f"| memory of process A after every page and paged read | "
            f"{report.memory_pages_mb:.0f} MB | | | < {limit} MB | {met} |"
        )
    if report.memory_mb:
        met = "yes" if max(report.memory_mb) < limit else "**no**"
        lines.append(
            f"| memory per app process at the end (A / B) | "
            f"{' / '.join(f'{x:.0f}' for x in report.memory_mb)} MB"
            f" | | | < {limit} MB | {met} |"
        )
    return "\n".join(lines)


def as_json(report: Report) -> str:
    return json.dumps(asdict(report), indent=2)
