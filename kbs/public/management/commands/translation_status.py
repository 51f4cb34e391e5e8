"""How complete each translation is, and whether a qualified translator has checked it:

    $ manage.py translation_status
    pl: 309/309 translated (awaiting review)
"""

from typing import Any

from django.core.management.base import BaseCommand

from kbs.public.catalogues import all_completeness
from kbs.public.models import TranslationReview


class Command(BaseCommand):
    help = "Print, for each translated language, how many messages are translated and whether it has been reviewed."

    def handle(self, *args: Any, **options: Any) -> None:
        reviewed = set(TranslationReview.objects.filter(reviewed=True).values_list("language", flat=True))
        for counts in all_completeness():
            state = "reviewed" if counts.code in reviewed else "awaiting review"
            self.stdout.write(f"{counts} ({state})")
