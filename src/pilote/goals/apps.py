from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "pilote.goals"
    label = "goals"
    verbose_name = "Goals"
