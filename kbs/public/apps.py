from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "kbs.public"
    verbose_name = "Public pages for parents and carers, and their translations"
