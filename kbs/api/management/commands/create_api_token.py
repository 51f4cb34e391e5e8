"""``manage.py create_api_token USERNAME --name NAME [--scope S ...] [--days N]``: make an API
token and print it once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.accounts.models import User
from kbs.api.actions import Refused, create_api_token
from kbs.api.models import DEFAULT_DAYS, SCOPES


class Command(BaseCommand):
    help = "Make an API token for a user and print it (it is not stored and cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--scope", action="append", dest="scopes", choices=SCOPES, metavar="SCOPE",
                            help=f"what the token may do (repeat for more); every scope if none is given. "
                                 f"One of: {', '.join(SCOPES)}")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS,
                            help=f"how many days the token works for (default {DEFAULT_DAYS}, at most a year)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}")
        try:
            _, token = create_api_token(by=None, user=user, name=options["name"], scopes=options["scopes"],
                                        days=options["days"])
        except Refused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(token)
