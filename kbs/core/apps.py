from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kbs.core"
    label = "core"
