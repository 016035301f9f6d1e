"""The demo organisation: the seed's bank example, grown to several directions.

Cycles are placed around today's date and about twelve weeks of weekly
check-ins are generated so that every status appears (on track, at risk, off
track, outdated, no data). The data is built as an interchange document and
loaded with the same importer as ``pilote import``: the demo is also a test of it.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from pilote.interchange.importer import import_data
from pilote.orgs.access import Actor
from pilote.orgs.actions import delete_organization, set_password
from pilote.orgs.models import Organization, User

ORGANIZATION = "Banque Exemple"
PASSWORD = "pilote-demo-2026"
WEEKS = 12
CYCLE_DAYS = 182

PEOPLE = [
    ("admin@banque.example", "Sophie Bernard", "admin", ["dg"]),
    ("ceo@banque.example", "Claire Martin", "executive", ["dg"]),
    ("dga@banque.example", "Marc Dubois", "executive", ["dg"]),
    ("digital@banque.example", "Hugo Leroy", "lead", ["digital"]),
    ("agences@banque.example", "Nadia Benali", "lead", ["agences"]),
    ("relation@banque.example", "Julien Moreau", "lead", ["relation-client"]),
    ("si@banque.example", "Thomas Petit", "lead", ["si"]),
    ("mobile@banque.example", "Léa Girard", "contributor", ["app-mobile"]),
    ("conseiller@banque.example", "Karim Haddad", "contributor", ["relation-client"]),
    ("employe@banque.example", "Emma Roux", "viewer", ["agences"]),
]

# pace: share of the expected progress reached (1.0 on track, 0.7 at risk, 0.4 off track);
# stop: weeks since the last check-in (3+ makes it outdated); None: no check-in at all.
Plan = dict[str, Any]


def _kr(
    key,
    title,
    *,
    kind="increase",
    unit="",
    baseline=None,
    target=None,
    pace=1.0,
    stop=0,
    owner=None,
    **extra,
) -> Plan:
    return {
        "key": key,
        "title": title,
        "kind": kind,
        "unit": unit,
        "baseline": baseline,
        "target": target,
        "pace": pace,
        "stop": stop,
        "owner": owner,
        **extra,
    }


def _objectives() -> list[Plan]:
    return [
        {
            "key": "satisfaction",
            "level": "strategic",
            "unit": "dg",
            "owner": "ceo@banque.example",
            "title": "Accroître la satisfaction clients sur les 6 prochains mois",
            "progress_from": "both",
            "krs": [
                _kr(
                    "satisfaction-digitale",
                    "Gagner 20% de satisfaction sur les parcours digitaux",
                    unit="%",
                    baseline=60,
                    target=72,
                    pace=0.95,
                ),
                _kr("nps-global", "Porter le NPS de 32 à 40", baseline=32, target=40, pace=0.7),
            ],
        },
        {
            "key": "dematerialisation",
            "level": "strategic",
            "unit": "dg",
            "owner": "dga@banque.example",
            "title": "Dématérialiser les parcours phares de l'agence",
            "krs": [
                _kr(
                    "part-parcours-en-ligne",
                    "Réaliser 70 % des parcours phares en ligne",
                    unit="%",
                    baseline=35,
                    target=70,
                    pace=1.05,
                ),
                _kr(
                    "souscriptions-en-ligne",
                    "Atteindre 3 000 souscriptions en ligne par mois",
                    unit="souscriptions",
                    baseline=1200,
                    target=3000,
                    pace=0.65,
                ),
            ],
        },
        {
            "key": "cout-de-service",
            "level": "strategic",
            "unit": "dg",
            "owner": "ceo@banque.example",
            "title": "Réduire le coût de service sans dégrader la relation",
            "krs": [
                _kr(
                    "cout-par-contact",
                    "Ramener le coût par contact de 8,50 € à 6 €",
                    kind="decrease",
                    unit="€",
                    baseline=8.5,
                    target=6,
                    pace=0.4,
                ),
                _kr(
                    "delai-traitement",
                    "Traiter une demande en 2 jours au lieu de 5",
                    kind="decrease",
                    unit="jours",
                    baseline=5,
                    target=2,
                    pace=1.0,
                    stop=4,
                ),
            ],
        },
        {
            "key": "espace-client",
            "level": "tactical",
            "unit": "digital",
            "owner": "digital@banque.example",
            "status": "approved",
            "aligns_to": [{"objective": "satisfaction", "weight": 1}],
            "title": "Optimiser l'Espace Client depuis l'application mobile",
            "krs": [
                _kr(
                    "note-espace-client",
                    "Obtenir une note de 4,8 sur l'Espace Client",
                    unit="★",
                    baseline=4.1,
                    target=4.8,
                    pace=1.0,
                    owner="mobile@banque.example",
                ),
                _kr(
                    "taux-crash",
                    "Faire passer le taux de crash de 1,2 % à 0,3 %",
                    kind="decrease",
                    unit="%",
                    baseline=1.2,
                    target=0.3,
                    pace=0.72,
                    owner="mobile@banque.example",
                ),
                _kr(
                    "connexion-biometrique-kr",
                    "Proposer la connexion biométrique à tous les clients",
                    kind="boolean",
                    pace="done",
                ),
            ],
        },
        {
            "key": "ouverture-compte-en-ligne",
            "level": "tactical",
            "unit": "digital",
            "owner": "digital@banque.example",
            "status": "approved",
            "aligns_to": [{"objective": "dematerialisation", "weight": 1}],
            "title": "Ouvrir un compte 100 % en ligne en moins de 10 minutes",
            "krs": [
                _kr(
                    "parcours-ouverture",
                    "Livrer le nouveau parcours d'ouverture",
                    kind="milestone",
                    milestones=[
                        "Maquettes validées",
                        "Bêta privée",
                        "Lancement public",
                        "Généralisation",
                    ],
                    pace=1.0,
                ),
                _kr(
                    "abandon-ouverture",
                    "Réduire l'abandon du parcours de 68 % à 40 %",
                    kind="decrease",
                    unit="%",
                    baseline=68,
                    target=40,
                    pace=0.4,
                ),
            ],
        },
        {
            "key": "rdv-visio",
            "level": "tactical",
            "unit": "agences",
            "owner": "agences@banque.example",
            "status": "approved",
            "aligns_to": [
                {"objective": "dematerialisation", "weight": 1},
                {"objective": "satisfaction", "weight": 0.5},
            ],
            "title": "Généraliser le rendez-vous conseiller en visio",
            "krs": [
                _kr(
                    "rdv-visio-mensuels",
                    "Tenir 1 500 rendez-vous en visio par mois",
                    unit="rdv",
                    baseline=0,
                    target=1500,
                    pace=1.1,
                ),
                _kr(
                    "conseillers-formes",
                    "Former 100 % des conseillers à la visio",
                    unit="%",
                    baseline=20,
                    target=100,
                    pace=1.0,
                ),
            ],
        },
        {
            "key": "agences-relais",
            "level": "tactical",
            "unit": "agences",
            "owner": "agences@banque.example",
            "status": "submitted",
            "cycle": "trimestre",
            "aligns_to": [{"objective": "dematerialisation", "weight": 0.5}],
            "title": "Transformer 30 agences en espaces de conseil",
            "krs": [
                _kr(
                    "agences-transformees",
                    "Transformer 30 agences",
                    unit="agences",
                    baseline=0,
                    target=30,
                    pace=None,
                )
            ],
        },
        {
            "key": "selfcare",
            "level": "tactical",
            "unit": "relation-client",
            "owner": "relation@banque.example",
            "status": "approved",
            "aligns_to": [{"objective": "cout-de-service", "weight": 1}],
            "title": "Permettre aux clients de régler seuls leurs demandes courantes",
            "krs": [
                _kr(
                    "appels-evites",
                    "Éviter 20 000 appels par mois grâce au selfcare",
                    unit="appels",
                    baseline=5000,
                    target=20000,
                    pace=0.75,
                    owner="conseiller@banque.example",
                ),
                _kr(
                    "resolution-premier-contact",
                    "Garder au moins 80 % de résolution au premier contact",
                    kind="maintain",
                    unit="%",
                    min=80,
                    pace="inside",
                ),
            ],
        },
        {
            "key": "chatbot",
            "level": "tactical",
            "unit": "relation-client",
            "owner": "relation@banque.example",
            "status": "draft",
            "aligns_to": [{"objective": "cout-de-service", "weight": 1}],
            "title": "Répondre en moins d'une minute sur le chat",
            "krs": [
                _kr(
                    "delai-chat",
                    "Ramener le délai de réponse du chat sous 60 s",
                    kind="decrease",
                    unit="s",
                    baseline=240,
                    target=60,
                    pace=None,
                )
            ],
        },
        {
            "key": "disponibilite",
            "level": "tactical",
            "unit": "si",
            "owner": "si@banque.example",
            "status": "approved",
            "aligns_to": [
                {"objective": "satisfaction", "weight": 1},
                {"objective": "cout-de-service", "weight": 0.5},
            ],
            "title": "Des services en ligne toujours disponibles et rapides",
            "krs": [
                _kr(
                    "disponibilite-services",
                    "Garder une disponibilité d'au moins 99,5 %",
                    kind="maintain",
                    unit="%",
                    min=99.5,
                    pace="outside",
                ),
                _kr(
                    "temps-reponse-api",
                    "Servir 95 % des requêtes en moins de 300 ms",
                    kind="decrease",
                    unit="ms",
                    baseline=750,
                    target=300,
                    pace=1.0,
                ),
            ],
        },
        {
            "key": "migration-cloud",
            "level": "tactical",
            "unit": "si",
            "owner": "si@banque.example",
            "status": "changes_requested",
            "aligns_to": [{"objective": "cout-de-service", "weight": 1}],
            "title": "Migrer les applications clients vers le cloud",
            "krs": [
                _kr(
                    "applications-migrees",
                    "Migrer 12 applications",
                    kind="milestone",
                    milestones=[f"Lot {i}" for i in range(1, 5)],
                    pace=None,
                )
            ],
        },
    ]


def _wobble(key: str, week: int) -> float:
    """A small deterministic variation so that curves look measured, not drawn."""
    seed = sum(ord(c) for c in key)
    return 0.025 * math.sin(seed + week * 1.7)


def _check_ins(plan: Plan, start: date, today: date) -> list[dict]:
    pace, stop = plan["pace"], plan["stop"]
    if pace is None or stop is None:
        return []
    out = []
    for week in range(WEEKS - 1, stop - 1, -1):
        on = today - timedelta(days=7 * week)
        if on < start:
            continue
        expected = min(1.0, max(0.0, (on - start).days / CYCLE_DAYS))
        kind = plan["kind"]
        if kind == "boolean":
            value, confidence = (1.0 if week <= 3 else 0.0), 8
        elif kind == "maintain":
            base = plan["min"] + (1.5 if pace == "inside" else -0.3)
            value, confidence = (
                round(base + _wobble(plan["key"], week) * 10, 2),
                (8 if pace == "inside" else 3),
            )
        elif kind == "milestone":
            value = float(
                min(len(plan["milestones"]), int(expected * pace * len(plan["milestones"]) + 0.5))
            )
            confidence = 7
        else:
            p = min(1.0, max(0.0, expected * pace + _wobble(plan["key"], week)))
            value = plan["baseline"] + p * (plan["target"] - plan["baseline"])
            value = round(value, 2 if abs(plan["target"] - plan["baseline"]) < 10 else 0)
            confidence = 8 if pace >= 0.95 else 5 if pace >= 0.7 else 3
        owner = plan.get("owner")
        out.append(
            {
                "date": on,
                "value": value,
                "confidence": confidence,
                "comment": _comment(confidence, week),
                **({"by": owner} if owner else {}),
            }
        )
    return out


def _comment(confidence: int, week: int) -> str:
    if confidence >= 7:
        return ["Dans les temps", "Bonne dynamique cette semaine", "Conforme au plan"][week % 3]
    if confidence >= 4:
        return [
            "Léger retard, plan de rattrapage en cours",
            "À surveiller",
            "Dépendance sur l'équipe SI",
        ][week % 3]
    return [
        "Bloqué : besoin d'arbitrage",
        "Hors trajectoire, on revoit l'approche",
        "Risque confirmé",
    ][week % 3]


def document(today: date | None = None) -> dict:
    today = today or date.today()
    start = today - timedelta(days=7 * WEEKS + 7)
    end = start + timedelta(days=CYCLE_DAYS)
    quarter_start = today - timedelta(days=42)
    objectives = []
    for plan in _objectives():
        entry: dict[str, Any] = {
            "key": plan["key"],
            "level": plan["level"],
            "cycle": plan.get("cycle", "semestre"),
            "unit": plan["unit"],
            "owner": plan["owner"],
            "title": plan["title"],
        }
        for k in ("status", "aligns_to", "progress_from"):
            if k in plan:
                entry[k] = plan[k]
        krs = []
        for kr in plan["krs"]:
            item = {
                k: v for k, v in kr.items() if k not in ("pace", "stop") and v not in (None, "")
            }
            item["check_ins"] = _check_ins(kr, start, today)
            krs.append(item)
        entry["key_results"] = krs
        objectives.append(entry)
    doc = {
        "organization": ORGANIZATION,
        "locale": "fr",
        "vision": {
            "statement": "Dématérialiser l'ensemble des services aujourd'hui proposés en agence",
            "description": "Chaque client fait en ligne, simplement et en confiance, tout ce qu'il faisait en agence.",
        },
        "units": [
            {"key": "dg", "name": "Direction générale"},
            {"key": "digital", "name": "Direction du digital", "parent": "dg"},
            {"key": "app-mobile", "name": "Équipe application mobile", "parent": "digital"},
            {"key": "agences", "name": "Direction du réseau d'agences", "parent": "dg"},
            {"key": "relation-client", "name": "Direction de la relation client", "parent": "dg"},
            {"key": "si", "name": "Direction des systèmes d'information", "parent": "dg"},
        ],
        "people": [{"email": e, "name": n, "role": r, "units": u} for e, n, r, u in PEOPLE],
        "cycles": [
            {"key": "semestre", "name": "Semestre en cours", "start": start, "end": end},
            {
                "key": "trimestre",
                "name": "Trimestre en cours",
                "start": quarter_start,
                "end": quarter_start + timedelta(days=90),
                "parent": "semestre",
            },
        ],
        "objectives": objectives,
        "initiatives": [
            {
                "key": "connexion-biometrique",
                "title": "Connexion biométrique",
                "unit": "digital",
                "owner": "digital@banque.example",
                "status": "done",
                "horizon": "now",
                "effort": 8,
                "confidence": 0.6,
                "delivered_on": today - timedelta(days=56),
                "impacts": [
                    {
                        "key_result": "note-espace-client",
                        "expected": 0.2,
                        "rationale": "Premier motif d'avis négatifs : la saisie du mot de passe",
                    }
                ],
            },
            {
                "key": "refonte-accueil",
                "title": "Refonte de la page d'accueil de l'application",
                "unit": "digital",
                "owner": "mobile@banque.example",
                "status": "in_progress",
                "horizon": "now",
                "effort": 6,
                "confidence": 0.5,
                "impacts": [{"key_result": "note-espace-client", "expected": 0.15}],
            },
            {
                "key": "signature-electronique",
                "title": "Signature électronique des contrats",
                "unit": "digital",
                "status": "planned",
                "horizon": "next",
                "effort": 10,
                "confidence": 0.7,
                "impacts": [
                    {"key_result": "abandon-ouverture", "expected": -15},
                    {"key_result": "souscriptions-en-ligne", "expected": 600},
                ],
            },
            {
                "key": "prise-rdv-en-ligne",
                "title": "Prise de rendez-vous visio en ligne",
                "unit": "agences",
                "owner": "agences@banque.example",
                "status": "in_progress",
                "horizon": "now",
                "effort": 4,
                "confidence": 0.8,
                "impacts": [{"key_result": "rdv-visio-mensuels", "expected": 500}],
            },
            {
                "key": "nouveau-logo",
                "title": "Nouvelle charte graphique des agences",
                "unit": "agences",
                "status": "idea",
                "horizon": "later",
                "effort": 12,
                "confidence": 0.3,
            },
            # Delivered bets whose measured effect can be reviewed (the window is 28 days).
            {
                "key": "faq-selfcare",
                "title": "FAQ et formulaires en libre-service",
                "unit": "relation-client",
                "owner": "relation@banque.example",
                "status": "done",
                "horizon": "now",
                "effort": 5,
                "confidence": 0.7,
                "delivered_on": today - timedelta(days=49),
                "impacts": [
                    {
                        "key_result": "appels-evites",
                        "expected": 3000,
                        "rationale": "40 % des appels portent sur cinq questions",
                    }
                ],
            },
            {
                "key": "cache-api",
                "title": "Cache des données de compte",
                "unit": "si",
                "owner": "si@banque.example",
                "status": "done",
                "horizon": "now",
                "effort": 3,
                "confidence": 0.8,
                "delivered_on": today - timedelta(days=63),
                "impacts": [{"key_result": "temps-reponse-api", "expected": -150}],
            },
            {
                "key": "chatbot-v1",
                "title": "Assistant conversationnel sur le site",
                "unit": "relation-client",
                "status": "planned",
                "horizon": "next",
                "effort": 10,
                "confidence": 0.4,
                "impacts": [
                    {"key_result": "delai-chat", "expected": -120},
                    {"key_result": "appels-evites", "expected": 2000},
                ],
            },
            {
                "key": "refonte-intranet",
                "title": "Refonte de l'intranet des conseillers",
                "unit": "si",
                "status": "idea",
                "horizon": "later",
                "effort": 15,
                "confidence": 0.5,
            },
        ],
    }
    _schedule(doc["initiatives"], today)
    return doc


# When open initiatives of each horizon run (days from today): the timeline shows quarters.
SCHEDULE = {"now": (-21, 42), "next": (60, 130)}


def _schedule(initiatives: list[dict], today: date) -> None:
    """Date the open initiatives of now and next, as a team plans them; later stays unscheduled."""
    for ini in initiatives:
        span = SCHEDULE.get(ini.get("horizon", ""))
        if span and ini.get("status") not in ("done", "dropped") and not ini.get("start"):
            ini["start"] = today + timedelta(days=span[0])
            ini["end"] = today + timedelta(days=span[1])


def load(today: date | None = None, reset: bool = False) -> tuple[list[tuple[str, str, str]], bool]:
    """Load the demo organisation (unless present) and give everyone the demo password."""
    logins = [(e, n, r) for e, n, r, _ in PEOPLE]
    with transaction.atomic():
        existing = Organization.objects.filter(name=ORGANIZATION).first()
        if existing and not reset:
            return logins, False
        if existing:
            delete_organization(Actor.system(existing, "demo"), existing)
        import_data(document(today))
        org = Organization.objects.get(name=ORGANIZATION)
        actor = Actor.system(org, "demo")
        for email, *_ in PEOPLE:
            set_password(actor, User.objects.get(email=email), PASSWORD)
        from pilote import demo_sources

        demo_sources.load(org, today or date.today())
    return logins, True
