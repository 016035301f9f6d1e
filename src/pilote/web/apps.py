from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pilote.web"
    label = "web"
    verbose_name = "Web"
