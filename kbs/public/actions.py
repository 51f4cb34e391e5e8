"""Changes to the public pages' settings: whether a translation has been checked."""

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.public.languages import BY_CODE, TRANSLATED
from kbs.public.models import TranslationReview


class NotAllowed(Exception):
    """The user lacks the permission an action needs (views have already checked, so this is a bug guard)."""


@transaction.atomic
def mark_translation_reviewed(*, by: User, language: str, reviewed: bool = True) -> TranslationReview:
    """Record that a qualified translator has checked `language`'s translation (or, with
    reviewed=False, that it needs checking again, say after new text was added). Only partnership
    administrators; writes a SETTING audit event."""
    if not has_permission(by, Permission.MANAGE_PARTNERSHIP_SETTINGS):
        raise NotAllowed(Permission.MANAGE_PARTNERSHIP_SETTINGS)
    if language not in {lang.code for lang in TRANSLATED}:
        raise ValueError(f"{language!r} is not a translated language")
    row, _ = TranslationReview.objects.select_for_update().get_or_create(language=language)
    before = row.reviewed
    row.reviewed = reviewed
    row.reviewed_by = by if reviewed else None
    row.reviewed_at = timezone.now() if reviewed else None
    row.full_clean()
    row.save()
    name = BY_CODE[language].name
    record_event(
        by=by, action=Action.SETTING, obj=row,
        summary=f"Marked the {name} translation as {'checked by a qualified translator' if reviewed else 'awaiting review'}",
        detail={"language": language, "reviewed": [before, reviewed]},
    )
    return row
