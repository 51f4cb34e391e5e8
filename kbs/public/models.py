from django.conf import settings
from django.db import models
from django.db.models import Q

from kbs.public.languages import TRANSLATED


class TranslationReview(models.Model):
    """Whether a qualified translator has checked a language's translation. Until a partnership
    administrator marks it reviewed, every page and printed plan in that language says so."""

    language = models.CharField(max_length=10, unique=True, choices=[(lang.code, lang.name) for lang in TRANSLATED])
    reviewed = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewed=False) | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="public_review_says_who_and_when",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_language_display()} translation ({'reviewed' if self.reviewed else 'awaiting review'})"


def awaiting_review(code: str) -> bool:
    """True for a translated language nobody qualified has checked yet (one small query)."""
    if code not in {lang.code for lang in TRANSLATED}:
        return False
    return not TranslationReview.objects.filter(language=code, reviewed=True).exists()
