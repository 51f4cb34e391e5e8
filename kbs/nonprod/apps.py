from django.apps import AppConfig


class NonprodConfig(AppConfig):
    name = "kbs.nonprod"
    label = "nonprod"
