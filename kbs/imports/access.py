"""Reading births files: only the person who uploaded one may see it or its report, and only while
they may still import births. Anything else is the same "not found" as a file that does not exist."""

import uuid
from typing import TypeVar

from django.db import models
from django.http import Http404

from kbs.accounts.models import User
from kbs.imports.actions import may_import
from kbs.imports.models import BirthImport

NOT_FOUND = "Page not found"
M = TypeVar("M", bound=models.Model)


def require_importer(user: User) -> None:
    """The same 404 as a missing page for anyone who may not import births."""
    if not may_import(user):
        raise Http404(NOT_FOUND)


def own_upload(model: type[M], user: User, public_id: str | uuid.UUID | None) -> M:
    """The user's own uploaded file of this kind (a model with `public_id` and `created_by`), or the
    same 404 as a missing page. (Reading it is audited by the caller, which knows why.)"""
    require_importer(user)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404(NOT_FOUND) from None
    batch = model._default_manager.filter(public_id=key, created_by=user).first()
    if batch is None:
        raise Http404(NOT_FOUND)
    return batch


def birth_import_for(user: User, public_id: str | uuid.UUID | None) -> BirthImport:
    """The user's own births file."""
    return own_upload(BirthImport, user, public_id)
