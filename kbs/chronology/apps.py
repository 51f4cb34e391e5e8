from django.apps import AppConfig


class ChronologyConfig(AppConfig):
    name = "kbs.chronology"
    label = "chronology"
