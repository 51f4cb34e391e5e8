from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "kbs.workforce"
    label = "workforce"
