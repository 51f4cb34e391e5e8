"""``manage.py create_api_token USERNAME --name NAME``: make an API token and print it once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.accounts.models import User
from kbs.api.actions import create_api_token


class Command(BaseCommand):
    help = "Make an API token for a user and print it (it is not stored and cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}")
        _, token = create_api_token(by=None, user=user, name=options["name"])
        self.stdout.write(token)
