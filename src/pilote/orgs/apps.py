from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "pilote.orgs"
    label = "orgs"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from pilote import guards

        guards.install()
