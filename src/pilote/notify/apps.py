from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "pilote.notify"
    label = "notify"
    verbose_name = "Reminders, alerts and digests"

    def ready(self) -> None:
        from . import triggers

        triggers.install()
