from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "pilote.roadmap"
    label = "roadmap"
    verbose_name = "Roadmap"
