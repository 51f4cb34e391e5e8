from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kbs.api"
    label = "api"
