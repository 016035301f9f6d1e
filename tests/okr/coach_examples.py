"""A labelled set for the quality coach's wording rules (issue 16): objectives and key
results written for this purpose, half in French, half in English, each with the rules a
careful OKR coach would raise on it. Key results are drafts without baseline and target
(as typed in the writing form), so measurability is read from their words.

(language, "objective" | "kr", title, expected rules)
"""

OUT = "output-not-outcome"
ACT = "activity-count"
VAGUE = "not-measurable"

EXAMPLES = [
    # French objectives
    ("fr", "objective", "Lancer la nouvelle application mobile", {OUT}),
    ("fr", "objective", "Refonte du site vitrine", {OUT}),
    ("fr", "objective", "Mettre en place un CRM pour les commerciaux", {OUT}),
    ("fr", "objective", "Déployer l'authentification biométrique", {OUT}),
    ("fr", "objective", "Livrer la version 3 de l'espace client", {OUT}),
    ("fr", "objective", "Créer un programme de fidélité", {OUT}),
    ("fr", "objective", "Migration du cœur bancaire vers le cloud", {OUT}),
    ("fr", "objective", "Accroître la satisfaction de nos clients", set()),
    ("fr", "objective", "Rendre l'ouverture de compte simple et rapide", set()),
    ("fr", "objective", "Devenir la banque préférée des jeunes actifs", set()),
    ("fr", "objective", "Fidéliser les clients professionnels", set()),
    ("fr", "objective", "Que nos conseillers passent plus de temps avec leurs clients", set()),
    ("fr", "objective", "Réduire la fraude sur les paiements en ligne", set()),
    ("fr", "objective", "Offrir une expérience mobile irréprochable", set()),
    ("fr", "objective", "Développement d'une offre d'épargne verte", {OUT}),
    # French key results
    ("fr", "kr", "Tenir 12 réunions avec les agences", {ACT}),
    ("fr", "kr", "Passer 200 appels de prospection par mois", {ACT}),
    ("fr", "kr", "Publier 8 articles sur le blog", {ACT}),
    ("fr", "kr", "Organiser 4 ateliers clients", {ACT}),
    ("fr", "kr", "Animer 10 formations pour les conseillers", {ACT}),
    ("fr", "kr", "Améliorer la satisfaction client", {VAGUE}),
    ("fr", "kr", "Optimiser le parcours de souscription", {VAGUE}),
    ("fr", "kr", "Renforcer la présence sur les réseaux sociaux", {VAGUE}),
    ("fr", "kr", "Mieux accompagner les nouveaux clients", {VAGUE}),
    ("fr", "kr", "Passer le NPS de 32 à 45", set()),
    ("fr", "kr", "Ramener le délai d'ouverture de compte de 5 jours à 1 jour", set()),
    ("fr", "kr", "Obtenir une note de 4,8 sur l'App Store", set()),
    ("fr", "kr", "Atteindre 30 % de clients actifs sur mobile", set()),
    ("fr", "kr", "Zéro incident de sécurité majeur sur le semestre", set()),
    ("fr", "kr", "Être certifié ISO 27001", set()),
    ("fr", "kr", "Lancer la connexion biométrique", {OUT, VAGUE}),
    ("fr", "kr", "Réduire de 40 % les appels au centre de contact", set()),
    # English objectives
    ("en", "objective", "Launch the new mobile app", {OUT}),
    ("en", "objective", "Ship the redesigned checkout", {OUT}),
    ("en", "objective", "Build a data warehouse", {OUT}),
    ("en", "objective", "Implement single sign-on", {OUT}),
    ("en", "objective", "Deploy the fraud detection engine", {OUT}),
    ("en", "objective", "Migrate billing to the new platform", {OUT}),
    ("en", "objective", "Redesign the onboarding flow", {OUT}),
    ("en", "objective", "Customers open an account without help", set()),
    ("en", "objective", "Become the bank young professionals recommend", set()),
    ("en", "objective", "Delight our business customers", set()),
    ("en", "objective", "Make payments feel instant", set()),
    ("en", "objective", "Reduce churn among new customers", set()),
    ("en", "objective", "Grow revenue from digital channels", set()),
    ("en", "objective", "Keep our platform trustworthy", set()),
    ("en", "objective", "Rollout of the partner portal", {OUT}),
    # English key results
    ("en", "kr", "Hold 20 sales calls a week", {ACT}),
    ("en", "kr", "Run 6 customer workshops", {ACT}),
    ("en", "kr", "Publish 12 blog posts", {ACT}),
    ("en", "kr", "Attend 3 industry conferences", {ACT}),
    ("en", "kr", "Organise 5 webinars for prospects", {ACT}),
    ("en", "kr", "Improve customer satisfaction", {VAGUE}),
    ("en", "kr", "Optimize the signup funnel", {VAGUE}),
    ("en", "kr", "Enhance our brand awareness", {VAGUE}),
    ("en", "kr", "Better support for new users", {VAGUE}),
    ("en", "kr", "Raise NPS from 32 to 45", set()),
    ("en", "kr", "Cut account opening time from 5 days to 1", set()),
    ("en", "kr", "Reach a 4.8 rating on the App Store", set()),
    ("en", "kr", "Grow mobile active users to 30%", set()),
    ("en", "kr", "Zero critical security incidents this half", set()),
    ("en", "kr", "Get certified SOC 2 Type II", set()),
    ("en", "kr", "Launch biometric login", {OUT, VAGUE}),
    ("en", "kr", "Reduce contact centre calls by 40%", set()),
]


# --- The structural rules: small documents (as `pilote lint` reads them), each with the
# findings a careful coach would raise, as (path, rule). Half French, half English. Every
# objective is owned, aligned and given two measured key results unless the case is about
# that, so each case says one thing.

OWNER, KRS, PLAN, ALIGN = "no-owner", "krs-per-objective", "plan-not-proof", "unaligned"
PER_UNIT, DUP, SAND = "objectives-per-unit", "near-duplicate", "sandbagging"
CYCLE = {"key": "q", "start": "2027-01-01", "end": "2027-03-31"}


def _kr(title="Passer de 10 à 20", kind="increase", progress=None):
    kr = {"title": title, "kind": kind}
    if kind in ("increase", "decrease"):
        kr.update(baseline=10, target=20)
    if kind == "milestone":
        kr["milestones"] = ["a", "b"]
    if progress is not None:
        kr["progress"] = progress
    return kr


def _obj(title, unit="u", owner="x@y", level="strategic", krs=None, **more):
    return {"title": title, "unit": unit, "cycle": "q", "owner": owner, "level": level,
            "key_results": krs if krs is not None else [_kr(), _kr()], **more}  # fmt: skip


def _doc(locale, *objectives):
    return {"locale": locale, "cycles": [CYCLE], "objectives": list(objectives)}


STRUCTURE = [
    # no owner
    ("fr", _doc("fr", _obj("Accroître la fidélité des clients", owner=None)),
     {("objectives[0].owner", OWNER)}),
    ("en", _doc("en", _obj("Grow customer loyalty", owner="")),
     {("objectives[0].owner", OWNER)}),
    ("fr", _doc("fr", _obj("Accroître la fidélité des clients")), set()),
    # how many key results
    ("fr", _doc("fr", _obj("Réduire le coût du service", krs=[_kr()])),
     {("objectives[0].key_results", KRS)}),
    ("en", _doc("en", _obj("Cut the cost of service", krs=[_kr()] * 6)),
     {("objectives[0].key_results", KRS)}),
    ("en", _doc("en", _obj("Cut the cost of service", krs=[_kr()] * 5)), set()),
    # a plan, not a proof
    ("fr", _doc("fr", _obj("Moderniser le poste du conseiller",
                           krs=[_kr("Outil choisi", "boolean"), _kr("Étapes", "milestone")])),
     {("objectives[0].key_results", PLAN)}),
    ("en", _doc("en", _obj("Modernise the advisers' desk",
                           krs=[_kr("Tool chosen", "boolean"), _kr("Adoption", "increase")])),
     set()),
    # aligned to nothing
    ("fr", _doc("fr", _obj("Simplifier l'ouverture de compte", level="tactical")),
     {("objectives[0]", ALIGN)}),
    ("en", _doc("en", _obj("Simplify account opening", level="tactical",
                           aligns_to=[{"objective": "s"}])), set()),
    # objectives per unit and cycle
    ("en", _doc("en", *[_obj(t) for t in ("Grow deposits", "Win young savers", "Cut churn",
                                           "Lower cost per contact", "Open faster",
                                           "Answer in a day")]),
     {("cycles[q].units[u]", PER_UNIT)}),
    ("fr", _doc("fr", *[_obj(t) for t in ("Accroître les dépôts", "Conquérir les jeunes",
                                           "Réduire l'attrition")]), set()),
    # the same thing said twice (accents, word order), and near but different
    ("fr", _doc("fr", _obj("Réduire le délai de traitement des réclamations", unit="a"),
                _obj("Réclamations : réduire leur délai de traitement", unit="b")),
     {("objectives[1].title", DUP)}),
    ("fr", _doc("fr", _obj("Améliorer la satisfaction des clients", unit="a"),
                _obj("Ameliorer la satisfaction des clients", unit="b")),
     {("objectives[1].title", DUP)}),
    ("en", _doc("en", _obj("Raise customer satisfaction", unit="a"),
                _obj("Customer satisfaction: raise it", unit="b")),
     {("objectives[1].title", DUP)}),
    ("en", _doc("en", _obj("Raise customer satisfaction", unit="a"),
                _obj("Raise adviser satisfaction", unit="b")), set()),
    ("fr", _doc("fr", _obj("Accroître la satisfaction des clients", unit="a"),
                _obj("Accroître la satisfaction des conseillers", unit="b")), set()),
    # a target reached in the first third of the cycle (read on 2027-01-20)
    ("en", _doc("en", _obj("Grow app ratings", krs=[_kr(progress=1.0), _kr(progress=0.2)])),
     {("objectives[0].key_results[0]", SAND)}),
    ("fr", _doc("fr", _obj("Accroître la note de l'application",
                           krs=[_kr(progress=0.9), _kr(progress=0.3)])), set()),
]  # fmt: skip
STRUCTURE_TODAY = "2027-01-20"
