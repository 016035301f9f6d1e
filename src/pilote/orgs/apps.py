from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "pilote.orgs"
    label = "orgs"
    verbose_name = "Organisations"
