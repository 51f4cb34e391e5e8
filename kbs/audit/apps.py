from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kbs.audit"
    label = "audit"
