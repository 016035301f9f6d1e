"""Time the main reads and writes of one organisation, in-process, against a floor.

Each scenario runs ``repeat`` times through Django's full request stack (middleware,
authentication, the real views); the floor is ``/healthz`` (a bare JSON view doing one
query) timed in the same run. Medians, spread (min–max) and ratio to the floor are
reported. This is the first part of the scale issue's runner: in-process, one database.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client

from pilote.goals.models import Cycle, KeyResult
from pilote.orgs.access import Actor
from pilote.orgs.actions import create_token
from pilote.orgs.models import Membership, Organization, Unit


@dataclass
class Timing:
    name: str
    median_ms: float
    min_ms: float
    max_ms: float
    ratio: float | None = None


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def run(org_name: str, repeat: int = 5) -> list[Timing]:
    org = Organization.objects.get(name=org_name)
    member = (
        Membership.objects.filter(organization=org, role="executive").select_related("user").first()
    )
    _, secret = create_token(Actor.system(org, "bench"), member.user, "bench")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    browser = Client()
    browser.force_login(member.user)
    cycle = (
        Cycle.objects.filter(organization=org, parent__isnull=False).first()
        or Cycle.objects.filter(organization=org).first()
    )
    unit = (
        Unit.objects.filter(organization=org, parent__parent__isnull=False).order_by("id").first()
    )
    kr = (
        KeyResult.objects.filter(organization=org, kind="increase")
        .select_related("objective")
        .first()
    )
    krs = list(
        KeyResult.objects.filter(organization=org, kind="increase").values_list("key", flat=True)[
            :1000
        ]
    )
    counter = iter(range(10**9))

    def ok(response):
        assert response.status_code < 300, response.content[:300]
        return response

    scenarios: dict[str, Callable[[], object]] = {
        "floor: /healthz": lambda: ok(browser.get("/healthz")),
        "strategy tree of the cycle (API)": lambda: ok(api.get(f"/api/v1/cycles/{cycle.key}/tree")),
        "one unit's subtree (API)": lambda: ok(
            api.get(f"/api/v1/cycles/{cycle.key}/tree?unit={unit.key}")
        ),
        "cockpit page": lambda: ok(browser.get("/")),
        "objective page": lambda: ok(browser.get(f"/objectives/{kr.objective.key}/")),
        "one check-in (API)": lambda: ok(
            api.post(
                f"/api/v1/key-results/{kr.key}/check-ins",
                json.dumps({"value": 50 + next(counter) % 10}),
                content_type="application/json",
            )
        ),
        "bulk: 1,000 check-ins (API)": lambda: ok(
            api.post(
                "/api/v1/check-ins/bulk",
                json.dumps(
                    {
                        "check_ins": [
                            {"key_result": k, "value": 40 + next(counter) % 10} for k in krs
                        ]
                    }
                ),
                content_type="application/json",
            )
        ),
        "YAML export of the organisation": lambda: _export(org),
    }
    timings = []
    for name, fn in scenarios.items():
        samples = _time(
            fn, repeat if "bulk" not in name and "YAML" not in name else max(2, repeat // 2)
        )
        timings.append(Timing(name, statistics.median(samples), min(samples), max(samples)))
    floor = timings[0].median_ms
    for t in timings:
        t.ratio = t.median_ms / floor if floor else None
    return timings


def _export(org):
    from pilote.interchange import exporter

    return exporter.to_yaml(exporter.build(Actor.system(org, "bench")))


def markdown(org_name: str, timings: list[Timing]) -> str:
    lines = [f"| {org_name} | median ms | min–max ms | × floor |", "|---|---:|---:|---:|"]
    for t in timings:
        lines.append(
            f"| {t.name} | {t.median_ms:.1f} | {t.min_ms:.1f}–{t.max_ms:.1f} | {t.ratio:.1f} |"
        )
    return "\n".join(lines)
