from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _store_missing_figures(sender, using="default", **kwargs) -> None:
    """After ``migrate``: an organisation whose rows have no stored figures yet (a database
    from before they were stored, goals/figures.py) gets them computed once, with the models
    of the code that now runs (a data migration would have to redo the rules on old models)."""
    from pilote.orgs.models import Organization

    from .figures import rebuild
    from .models import KeyResult, Objective

    missing = set(
        Objective.objects.using(using)
        .filter(stored_plan__isnull=True)
        .values_list("organization_id", flat=True)
    ) | set(
        KeyResult.objects.using(using)
        .filter(stored_plan__isnull=True)
        .values_list("organization_id", flat=True)
    )
    for org in Organization.objects.using(using).filter(pk__in=missing):
        rebuild(org)


class GoalsConfig(AppConfig):
    name = "pilote.goals"
    label = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        post_migrate.connect(_store_missing_figures, sender=self)
