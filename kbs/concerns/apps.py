from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "kbs.concerns"
    label = "concerns"
