from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "kbs.families"
    label = "families"
