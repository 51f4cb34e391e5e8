from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "kbs.library"
    label = "library"
