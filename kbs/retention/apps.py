from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "kbs.retention"
    label = "retention"
    verbose_name = "Retention and legal hold"
