from django.apps import AppConfig


class PrebirthConfig(AppConfig):
    name = "kbs.prebirth"
    label = "prebirth"
    verbose_name = "Pre-birth cases"
