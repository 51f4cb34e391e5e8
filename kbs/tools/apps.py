from django.apps import AppConfig


class ToolsConfig(AppConfig):
    name = "kbs.tools"
    label = "tools"
    verbose_name = "Assessment tools"

    def ready(self) -> None:
        # An invalid spec, or one whose own examples disagree with its rules, must stop start-up:
        # a service that silently gives the wrong level is worse than one that does not start.
        from kbs.tools.spec import validate_all_specs

        validate_all_specs()
