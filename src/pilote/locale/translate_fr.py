"""French wording of Pilote's pages. Run after `makemessages -l fr`: fills django.po.

    python src/pilote/locale/translate_fr.py && django-admin compilemessages

A test fails when a string of the pages has no French translation.
"""

from pathlib import Path

import polib

FR = {
    "Value": "Valeur", "Confidence (0–10)": "Confiance (0–10)", "Comment": "Commentaire", "Key": "Clé",
    "A short name used in links, e.g. espace-client": "Un nom court utilisé dans les liens, par ex. espace-client",
    "Title": "Intitulé", "Description": "Description", "Level": "Niveau", "Tactical": "Tactique",
    "Strategic": "Stratégique", "Cycle": "Période", "Unit": "Direction / équipe", "Owner": "Responsable",
    "Progress from": "Avancement calculé à partir", "its key results": "de ses résultats clés",
    "the objectives aligned to it": "des objectifs qui y contribuent", "both": "des deux",
    "Contributes to": "Contribue à", "Kind": "Type", "Increase": "Augmenter", "Decrease": "Diminuer",
    "Done / not done": "Fait / pas fait", "Milestones": "Jalons", "Maintain": "Maintenir",
    "Unit label": "Unité de mesure", "Baseline": "Valeur de départ", "Target": "Cible", "Minimum": "Minimum",
    "Maximum": "Maximum", "Milestones (one per line)": "Jalons (un par ligne)", "Weight": "Poids",
    "Due date": "Échéance", "Name": "Nom", "Parent unit": "Direction parente", "E-mail": "E-mail",
    "Role": "Rôle", "Viewer": "Lecteur", "Contributor": "Contributeur", "Lead": "Responsable de direction",
    "Executive": "Direction générale", "Administrator": "Administrateur", "Units": "Directions / équipes",
    "Initial password": "Mot de passe initial",
    "At least 10 characters. Leave empty for an existing account.": "Au moins 10 caractères. Laisser vide pour un compte existant.",
    "Start": "Début", "End (last day)": "Fin (dernier jour)", "Within cycle": "Dans la période",
    "Current": "Actuel", "New value": "Nouvelle valeur", "Confidence": "Confiance",
    "What moved? What next?": "Qu'est-ce qui a bougé ? Et ensuite ?", "Check in": "Enregistrer",
    "Saved.": "Enregistré.", "Administration": "Administration", "People and roles": "Personnes et rôles",
    "Cycles": "Périodes", "contributes to": "contribue à", "Progress": "Avancement", "expected": "attendu",
    "No data": "Pas de données", "Skip to content": "Aller au contenu", "Main": "Principal", "Menu": "Menu",
    "Cockpit": "Cockpit", "Strategy": "Stratégie", "On one page": "Sur une page",
    "My key results": "Mes résultats clés", "Validation": "Validation", "Organisation": "Organisation",
    "Switch": "Changer", "Language": "Langue", "Change password": "Changer de mot de passe",
    "API documentation": "Documentation de l'API", "Sign out": "Se déconnecter", "Vision": "Vision",
    "No vision yet": "Pas encore de vision",
    "General management sets the vision: it is the first thing everyone reads here.":
        "La direction générale fixe la vision : c'est la première chose que chacun lit ici.",
    "As of %(day)s": "Au %(day)s", "No cycle is running today.": "Aucune période n'est en cours aujourd'hui.",
    "Create a cycle": "Créer une période", "An administrator creates the cycles.": "Un administrateur crée les périodes.",
    "Key results by status": "Résultats clés par statut",
    "of units with approved OKRs": "des directions ont des OKR validés",
    "of tactical objectives aligned to the strategy": "des objectifs tactiques alignés sur la stratégie",
    "Strategic objectives": "Objectifs stratégiques",
    "No strategic objective in the current cycle yet.": "Pas encore d'objectif stratégique pour la période en cours.",
    "Write the first one": "Écrire le premier", "Waiting for your validation": "En attente de votre validation",
    "Nothing waits: every submitted OKR has been reviewed.": "Rien en attente : tous les OKR soumis ont été revus.",
    "At risk or off track": "À risque ou en retard", "No key result is behind its pace.": "Aucun résultat clé n'est en retard sur son rythme.",
    "Check-in due": "Point d'avancement attendu", "last on %(day)s": "dernier le %(day)s",
    "never checked in": "jamais renseigné", "Every key result is up to date.": "Tous les résultats clés sont à jour.",
    "Not allowed": "Non autorisé", "Not found": "Introuvable", "That did not work": "Cela n'a pas fonctionné",
    "Back to the cockpit": "Retour au cockpit", "Waiting for validation": "En attente de validation",
    "Tactical objectives submitted by the directions. Approve them, or send them back with a comment.":
        "Les objectifs tactiques soumis par les directions. Validez-les, ou renvoyez-les avec un commentaire.",
    "nothing: aligned to no strategic objective": "rien : aligné sur aucun objectif stratégique",
    "No key result": "Aucun résultat clé", "Changed since the last approval:": "Modifié depuis la dernière validation :",
    "You own this objective: another executive validates it.": "Vous êtes responsable de cet objectif : un autre membre de la direction le valide.",
    "Approve": "Valider", "What should change? (required)": "Que faut-il changer ? (obligatoire)",
    "Request changes": "Demander des modifications",
    "Nothing waits for validation. Submitted tactical OKRs appear here.": "Rien n'attend de validation. Les OKR tactiques soumis apparaissent ici.",
    "Key result": "Résultat clé", "Edit the key result": "Modifier le résultat clé", "New key result": "Nouveau résultat clé",
    "Increase or decrease: baseline and target. Maintain: minimum and/or maximum. Milestones: one per line.":
        "Augmenter ou diminuer : valeur de départ et cible. Maintenir : minimum et/ou maximum. Jalons : un par ligne.",
    "Changing the baseline or the target sends the objective back to validation.":
        "Changer la valeur de départ ou la cible renvoie l'objectif en validation.",
    "Save": "Enregistrer", "Cancel": "Annuler", "Sign-in locked": "Connexion bloquée",
    "Too many failed sign-ins": "Trop de tentatives de connexion échouées",
    "Signing in with this e-mail from this address is locked for a while after repeated wrong passwords. Try again later, or ask an administrator.":
        "La connexion avec cet e-mail depuis cette adresse est bloquée pour un moment après plusieurs mots de passe erronés. Réessayez plus tard, ou contactez un administrateur.",
    "Sign in": "Se connecter", "Wrong e-mail or password.": "E-mail ou mot de passe incorrect.",
    "Password": "Mot de passe", "End": "Fin",
    "No cycle yet: create the year, then its semesters or quarters.": "Pas encore de période : créez l'année, puis ses semestres ou trimestres.",
    "New cycle": "Nouvelle période", "Create": "Créer", "Add a person": "Ajouter une personne", "Add": "Ajouter",
    "Remove from the organisation": "Retirer de l'organisation",
    "No unit yet: start with general management.": "Pas encore de direction : commencez par la direction générale.",
    "New unit": "Nouvelle direction / équipe",
    "Type the new value and press Enter. Confidence (0 to 10) and a comment are optional.":
        "Tapez la nouvelle valeur et appuyez sur Entrée. La confiance (0 à 10) et le commentaire sont facultatifs.",
    "You own no key result yet, and none of your units has one. Your lead assigns them when writing the OKRs.":
        "Vous n'avez pas encore de résultat clé, ni votre équipe. Votre responsable les attribue en écrivant les OKR.",
    "Welcome": "Bienvenue",
    "You are not a member of any organisation yet. Ask an administrator to add you.":
        "Vous n'êtes membre d'aucune organisation. Demandez à un administrateur de vous ajouter.",
    "Breadcrumb": "Fil d'Ariane", "Strategic objective": "Objectif stratégique", "Tactical objective": "Objectif tactique",
    "Why this number?": "Pourquoi ce chiffre ?", "weight": "poids", "Changes requested:": "Modifications demandées :",
    "Edit": "Modifier", "Add a key result": "Ajouter un résultat clé", "Submit for validation": "Soumettre à validation",
    "Back to draft": "Repasser en brouillon", "Key results": "Résultats clés", "baseline": "départ", "target": "cible",
    "Expected": "Attendu", "Status": "Statut",
    "Values of %(t)s over time, against the expected trajectory and the target":
        "Valeurs de « %(t)s » dans le temps, face à la trajectoire attendue et à la cible",
    "Date": "Date", "Source": "Source",
    "No key result yet: an objective is measured by 2 to 5 of them.": "Pas encore de résultat clé : un objectif se mesure par 2 à 5 d'entre eux.",
    "Add the first one": "Ajouter le premier", "Alignment": "Alignement", "Nothing yet": "Rien pour l'instant",
    "Contributions to it": "Ce qui y contribue", "None yet": "Rien pour l'instant", "History": "Historique",
    "New objective": "Nouvel objectif", "Edit the objective": "Modifier l'objectif",
    "The strategy on one page": "La stratégie sur une page",
    "Where we are going, and how we will know": "Où nous allons, et comment nous le saurons",
    "Our vision:": "Notre vision :", "Print": "Imprimer", "We will know it by:": "Nous le mesurerons par :",
    "How the teams contribute:": "Comment les équipes y contribuent :",
    "No strategy has been written for this cycle yet.": "Aucune stratégie n'a encore été écrite pour cette période.",
    "Your password has been changed.": "Votre mot de passe a été changé.", "Strategy tree": "Arbre de la stratégie",
    "Filters": "Filtres", "All": "Tous", "Filter": "Filtrer", "Nothing matches these filters.": "Rien ne correspond à ces filtres.",
    "No cycle yet: an administrator creates one, then executives write the strategic objectives.":
        "Pas encore de période : un administrateur en crée une, puis la direction écrit les objectifs stratégiques.",
    "On track": "En bonne voie", "At risk": "À risque", "Off track": "En retard", "Outdated": "Pas à jour",
    "Draft": "Brouillon", "Submitted": "Soumis", "Approved": "Validé", "Changes requested": "Modifications demandées",
    "Only administrators manage units, people and cycles.": "Seuls les administrateurs gèrent les directions, les personnes et les périodes.",
    "Unit created.": "Direction créée.", "Person added.": "Personne ajoutée.",
    "Person removed from the organisation.": "Personne retirée de l'organisation.", "Cycle created.": "Période créée.",
    "Only leads and executives write objectives.": "Seuls les responsables et la direction écrivent des objectifs.",
    "Objective created. Add its key results, then submit it.": "Objectif créé. Ajoutez ses résultats clés, puis soumettez-le.",
    "You may not edit this objective.": "Vous ne pouvez pas modifier cet objectif.", "Objective saved.": "Objectif enregistré.",
    "Key result added.": "Résultat clé ajouté.", "Key result saved.": "Résultat clé enregistré.",
    "Submitted for validation.": "Soumis à validation.",
    "Approved: the objective is now part of the strategy.": "Validé : l'objectif fait désormais partie de la stratégie.",
    "Sent back to its author with your comment.": "Renvoyé à son auteur avec votre commentaire.",
    "Back to draft.": "Repassé en brouillon.",
}
PLURALS = {"%(n)s check-in": ("%(n)s point d'avancement", "%(n)s points d'avancement")}


def main() -> int:
    path = Path(__file__).parent / "fr" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    missing = []
    for entry in po:
        if entry.msgid_plural:
            one, many = PLURALS.get(entry.msgid, ("", ""))
            entry.msgstr_plural = {0: one, 1: many}
            if not one:
                missing.append(entry.msgid)
        else:
            entry.msgstr = FR.get(entry.msgid, entry.msgstr)
            if not entry.msgstr:
                missing.append(entry.msgid)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.metadata["Language"] = "fr"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
    po.save()
    for m in missing:
        print(f"missing French for: {m!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
