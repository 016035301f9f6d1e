"""The forecast on a synthetic organisation (`pilote bench generate`): how well calibrated its
probabilities are, and what it adds to the strategy tree's API.

    PILOTE_DATA_DIR=<data> python benchmarks/forecast_report.py "Synthetic 10000" [--at 0.5]

1. **Calibration**: every KR with a trend (increase, decrease, milestones) is forecast as of
   a point of its cycle (`--at`, a fraction of it: 0.5 is half-way) from the check-ins up to
   then, for the day of its last check-in, whose value is the outcome (the generator writes
   12 weekly check-ins in a 13-week quarter, a tenth of its KRs stopping 3 to 6 weeks early:
   generate with `--start` 20 weeks ago so the quarter is over). Printed: the Brier
   score, and for each band of predicted probability (0–10 %, …, 90–100 %) how many KRs, the
   mean predicted and the share that reached the target. Well calibrated: the two agree.
2. **Cost**: the tree API (`GET /api/v1/cycles/KEY/tree`, in-process through Django's test
   client as an executive), first screen (`depth=0`) and one unit's subtree, median of 5
   after a first request, with the forecasts and with them switched off (the same code, the
   two fields answered empty), in the same minute on the same database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilote.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from pilote.goals.keyresults import facts_of  # noqa: E402
from pilote.goals.models import CheckIn, Cycle, KeyResult  # noqa: E402
from pilote.okr.forecast import Forecast, forecast  # noqa: E402
from pilote.okr.progress import kr_progress  # noqa: E402
from pilote.okr.types import Reading  # noqa: E402
from pilote.orgs.models import Membership, Organization  # noqa: E402


def _quarter(org) -> Cycle:
    """The cycle holding the key results (the generator's quarter, inside its year)."""
    from django.db.models import Count

    return (
        Cycle.objects.filter(organization=org)
        .annotate(n=Count("objectives__key_results"))
        .order_by("-n")
        .first()
    )


def calibration(org, at: float) -> None:
    cycle = _quarter(org)
    as_of = cycle.start + timedelta(days=round((cycle.end - cycle.start).days * at))
    readings: dict[int, list[Reading]] = {}
    rows = CheckIn.objects.filter(key_result__objective__cycle=cycle).values_list(
        "key_result_id", "value", "effective", "confidence", "id"
    )
    for kr, value, effective, confidence, pk in rows.iterator(chunk_size=20_000):
        readings.setdefault(kr, []).append(Reading(value, effective, confidence, pk))
    bands = [[0, 0.0, 0] for _ in range(10)]  # count, sum of predicted, reached
    brier, n, none = 0.0, 0, 0
    krs = KeyResult.objects.filter(objective__cycle=cycle).select_related("objective__cycle")
    for kr in krs.iterator(chunk_size=5000):
        facts = facts_of(kr)
        mine = readings.get(kr.pk, [])
        if not mine:
            none += 1
            continue
        last = max(mine, key=lambda r: (r.effective, r.sequence))
        if last.effective <= as_of:
            none += 1  # nothing happened after the forecast: no outcome to score
            continue
        # Forecast for the day of the outcome (the last check-in, a week before the quarter's
        # end in the generator's data), from what was known on ``as_of``.
        f = forecast(facts, mine, cycle.start, last.effective, as_of)
        if not isinstance(f, Forecast):
            none += 1
            continue
        reached = (kr_progress(facts, last.value) or 0) >= 1 - 1e-9
        band = bands[min(9, int(f.probability * 10))]
        band[0] += 1
        band[1] += f.probability
        band[2] += reached
        brier += (f.probability - reached) ** 2
        n += 1
    print(f"## Calibration of {org.name}: {n} KRs forecast as of {as_of} ({at:.0%} of the "
          f"cycle), outcome = their last check-in; {none} without a forecast or an outcome")  # fmt: skip
    print(f"Brier score {brier / n:.3f} (always saying the base rate would score "
          f"{_base(bands, n):.3f})\n")  # fmt: skip
    print("| predicted | KRs | mean predicted | reached |")
    print("|---|---|---|---|")
    for i, (count, total, hit) in enumerate(bands):
        if count:
            print(
                f"| {i * 10}–{i * 10 + 10} % | {count} | {total / count:.0%} | {hit / count:.0%} |"
            )


def _base(bands, n) -> float:
    rate = sum(b[2] for b in bands) / n
    return rate * (1 - rate)


def cost(org) -> None:
    import pilote.api.serialize as serialize
    import pilote.api.tree as tree_module

    settings.ALLOWED_HOSTS = ["*"]
    cycle = _quarter(org)
    m = Membership.objects.filter(organization=org, role="executive").select_related("user").first()
    client = Client()
    client.force_login(m.user)
    from pilote.goals.models import Objective

    strategic = Objective.objects.filter(cycle=cycle, level="strategic").order_by("id").first()
    paths = {
        "first screen (depth=0)": f"/api/v1/cycles/{cycle.key}/tree?depth=0&as_of={cycle.end}",
        "one objective's subtree": (
            f"/api/v1/cycles/{cycle.key}/tree?root={strategic.key}&page_size=50&as_of={cycle.end}"
        ),
    }
    real = (serialize.forecast_fields, tree_module.objective_forecast, serialize.objective_forecast)

    def off():
        serialize.forecast_fields = lambda reader, kr: {"forecast": None, "forecast_reason": None}
        tree_module.objective_forecast = serialize.objective_forecast = lambda reader, o: None

    def on():
        serialize.forecast_fields, tree_module.objective_forecast, serialize.objective_forecast = (
            real
        )

    print(f"\n## What the forecasts add to the tree API ({org.name}, in-process)\n")
    print("| request | KRs in the answer | without | with | added |")
    print("|---|---|---|---|---|")
    for label, path in paths.items():
        timing = {}
        for mode, switch in (("without", off), ("with", on), ("without2", off), ("with2", on)):
            switch()
            times = []
            for _ in range(6):
                started = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.content[:300]
            timing[mode] = statistics.median(times[1:])
            body = r.content
        krs = body.count(b'"forecast_reason"')
        without = min(timing["without"], timing["without2"])
        with_ = min(timing["with"], timing["with2"])
        print(
            f"| {label} | {krs} | {without:.0f} ms | {with_:.0f} ms | {with_ - without:+.0f} ms |"
        )
    on()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("organization")
    parser.add_argument("--at", type=float, default=0.5)
    args = parser.parse_args()
    org = Organization.objects.get(name=args.organization)
    calibration(org, args.at)
    cost(org)


if __name__ == "__main__":
    main()
