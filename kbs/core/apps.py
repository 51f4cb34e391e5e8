from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kbs.core"
    label = "core"

    def ready(self) -> None:
        from kbs.core import checks  # noqa: F401  (registers the kbs.E0xx system checks)
