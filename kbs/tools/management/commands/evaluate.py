"""``manage.py evaluate``: evaluate one tool's answers from a JSON file and print the outcome.

The contract (§1) fixes the behaviour: the outcome as one JSON object on stdout and exit status 0;
on bad input, ``{"errors": [...]}`` on stderr, nothing on stdout, and exit status 2. It reads no
database, so it runs without migrations and without system checks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kbs.tools.engine import AnswersInvalid, evaluate
from kbs.tools.spec import UnknownTool, get_spec

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Evaluate a tool's answers (a JSON file) and print the outcome as JSON."
    requires_system_checks: list[str] = []  # no checks: it must run without a database
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tool", required=True, help="the tool's slug, for example safer-sleep")
        parser.add_argument("--answers", required=True, help="a JSON file of item id to answer ('-' for stdin)")
        # Not --settings: that name belongs to Django (the settings module).
        parser.add_argument(
            "--settings-json",
            default="",
            help='partnership settings, e.g. \'{"bruising.pathway_model": "..."}\'',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        errors: list[dict[str, str]] = []
        spec = None
        try:
            spec = get_spec(options["tool"])
        except UnknownTool:
            errors.append({"item": "tool", "problem": f"unknown tool {options['tool']!r}"})
        answers = self.read_answers(options["answers"], errors)
        settings = self.read_settings(options["settings_json"], errors)
        if spec is not None and not errors:
            try:
                outcome = evaluate(spec, answers, settings)
            except AnswersInvalid as invalid:
                errors.extend(invalid.errors)
            else:
                self.stdout.write(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
                return
        self.stderr.write(json.dumps({"errors": errors}, ensure_ascii=False))
        # Not CommandError, which exits 1: the contract promises 2 for bad input.
        sys.exit(BAD_INPUT)

    def read_answers(self, name: str, errors: list[dict[str, str]]) -> Any:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            errors.append({"item": "answers", "problem": f"cannot read the file {name!r}: {error}"})
            return {}
        try:
            answers = json.loads(text)
        except json.JSONDecodeError as error:
            errors.append({"item": "answers", "problem": f"the file {name!r} is not valid JSON: {error}"})
            return {}
        if not isinstance(answers, dict):
            errors.append({"item": "answers", "problem": "must be a JSON object of item id to answer"})
            return {}
        return answers

    def read_settings(self, text: str, errors: list[dict[str, str]]) -> dict[str, str] | None:
        if not text.strip():
            return None
        try:
            settings = json.loads(text)
        except json.JSONDecodeError as error:
            errors.append({"item": "settings", "problem": f"is not valid JSON: {error}"})
            return None
        if not isinstance(settings, dict):
            errors.append({"item": "settings", "problem": "must be a JSON object of setting name to code"})
            return None
        return settings
