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
