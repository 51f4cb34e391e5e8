"""``manage.py export_fhir_questionnaire SLUG``: print a tool as a FHIR R4 Questionnaire (JSON).

For maternity and health-visiting systems that build their forms from our tools. It reads no
database, so it runs without migrations and without system checks.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.tools.fhir import questionnaire_for
from kbs.tools.spec import UnknownTool, get_spec


class Command(BaseCommand):
    help = "Print a tool's FHIR R4 Questionnaire as JSON."
    requires_system_checks: list[str] = []  # no checks: it must run without a database
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tool's slug, for example safer-sleep")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = get_spec(options["slug"])
        except UnknownTool as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(questionnaire_for(spec), indent=2, ensure_ascii=False))
