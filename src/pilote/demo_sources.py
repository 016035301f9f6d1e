"""The demo's live data: store reviews feeding « note de 4,8 sur l'Espace Client », a BI
export feeding the account-opening drop-off, and a monitoring spike waiting for confirmation.

Built around the demo's own latest check-ins, so that each source continues its key
result's history (a value far from it would be held, as the jump guard wants).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from pilote.goals.models import CheckIn
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from pilote.sources.actions import apply_reading, create_source, sync_source
from pilote.sources.connectors.base import Reading
from pilote.sources.feedback import link_feedback, record_feedback

PRAISE = [
    ("Connexion par empreinte enfin rapide, bravo", ["connexion"]),
    ("Le virement instantané est parfait", ["virement"]),
    ("Très claire, je gère tout depuis mon téléphone", []),
    ("Ouverture de compte en 8 minutes, impressionnant", ["ouverture"]),
]
COMPLAINTS = [
    ("L'application plante à l'ouverture depuis la mise à jour", ["stabilite"]),
    ("Impossible de retrouver mes relevés", ["navigation"]),
    ("Trop lente le lundi matin", ["lenteur"]),
    ("Le chatbot ne comprend pas mes questions", ["chatbot"]),
]


def _latest(org: Organization, key: str) -> float:
    ci = (
        CheckIn.objects.filter(organization=org, key_result__key=key)
        .order_by("-effective", "-id")
        .first()
    )
    return ci.value if ci else 0.0


def _ratings(average: float, n: int, rng: random.Random) -> list[int]:
    """n whole-star ratings whose mean is ``average`` (to the nearest 1/n)."""
    total = min(5 * n, max(n, round(average * n)))
    pattern = [5, 5, 4, 5, 3, 5, 4, 2, 5, 4]  # real stores: mostly 4–5, a few unhappy
    stars = [pattern[i % len(pattern)] for i in range(n)]
    while sum(stars) < total:  # raise a 4 first (keeps the few unhappy ones), else the lowest
        j = stars.index(4) if 4 in stars else stars.index(min(stars))
        stars[j] += 1
    while sum(stars) > total:
        j = stars.index(max(stars))
        stars[j] -= 1
    rng.shuffle(stars)
    return stars


def load(org: Organization, today: date) -> None:
    rng = random.Random(2026)
    actor = Actor.system(org, "demo")
    # 1. Store reviews and an NPS survey: market feedback, searchable, measured.
    rating_now = _latest(org, "note-espace-client")
    stars = _ratings(rating_now + 0.02, 60, rng)
    items = []
    for i, star in enumerate(stars):
        pool = PRAISE if star >= 4 else COMPLAINTS
        text, tags = pool[i % len(pool)]
        items.append({
            "channel": "App Store" if i % 2 else "Google Play", "rating": star,
            "date": str(today - timedelta(days=(i * 3) % 88)), "text": text, "tags": tags,
            "segment": "particuliers" if i % 3 else "professionnels", "external_id": f"avis-{i}",
        })  # fmt: skip
    for i in range(40):
        score = [10, 9, 9, 8, 7, 10, 6, 9, 3, 10][i % 10]
        items.append({"channel": "Enquête NPS", "nps": score, "date": str(today - timedelta(days=i)),
                      "text": "" if i % 4 else "Conseiller très réactif en visio", "segment": "particuliers",
                      "external_id": f"nps-{i}"})  # fmt: skip
    recorded = record_feedback(actor, items)
    for item in recorded:
        if "stabilite" in item.tags:
            link_feedback(actor, item, ["espace-client"], ["connexion-biometrique"])
        elif "chatbot" in item.tags:
            link_feedback(actor, item, None, ["chatbot-v1"])
    stores = create_source(actor, {
        "key": "notes-stores", "name": "Notes des stores (90 jours)", "kind": "feedback",
        "key_result": "note-espace-client", "interval_minutes": 60,
        "params": {"metric": "average_rating", "window_days": 90},
    })  # fmt: skip
    sync_source(stores, "schedule", worker="demo")
    # 2. A BI export (CSV) feeding the drop-off rate of the online account opening.
    folder = Path(settings.DATA_DIR) / "demo"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Running the demo is the operator's choice to open its own export folder to file
    # sources, in this process (scripts/demo also sets PILOTE_SOURCE_DIRS for its server).
    if str(folder) not in settings.PILOTE_SOURCE_DIRS:
        settings.PILOTE_SOURCE_DIRS.append(str(folder))
    export = folder / "abandon-parcours.csv"
    last = _latest(org, "abandon-ouverture")
    rows = [f"{today - timedelta(weeks=11 - w)};{str(round(last + (11 - w) * 0.3 - 0.4, 1)).replace('.', ',')}"
            for w in range(12)]  # fmt: skip
    export.write_text("semaine;taux_abandon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    bi = create_source(actor, {
        "key": "export-bi-ouverture", "name": "Export BI : abandon du parcours d'ouverture",
        "kind": "csv", "key_result": "abandon-ouverture", "interval_minutes": 60,
        "params": {"location": str(export), "column": "taux_abandon", "aggregation": "last"},
    })  # fmt: skip
    sync_source(bi, "schedule", worker="demo")
    # 3. Monitoring pushes the API's p95 latency; an incident spike waits for confirmation.
    apm = create_source(actor, {
        "key": "supervision-apm", "name": "Supervision APM (p95)", "kind": "webhook",
        "key_result": "temps-reponse-api", "expect_every_minutes": 24 * 60,
        "params": {"path": "metrics.p95_ms"},
    })  # fmt: skip
    spike = _latest(org, "temps-reponse-api") * 3
    apply_reading(
        apm, Reading(round(spike), f'{{"p95_ms": {round(spike)}}}', timezone.now()), "webhook"
    )
