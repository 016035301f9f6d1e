from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "pilote.sources"
    label = "sources"
    verbose_name = "Data sources and feedback"
