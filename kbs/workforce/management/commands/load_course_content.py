from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kbs.workforce.course_content import ContentError, load_course_content


class Command(BaseCommand):
    help = "Load the Level 2 e-learning modules and questions from kbs/workforce/content (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load_course_content()
        except ContentError as error:
            raise CommandError(f"Course content not loaded: {error}") from error
        self.stdout.write(f"Loaded {counts['modules']} modules and {counts['questions']} questions.")
