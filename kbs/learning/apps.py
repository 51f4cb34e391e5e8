from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "kbs.learning"
    label = "learning"
