from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kbs.imports"
    label = "imports"
