"""Reading contacts files: only the person who uploaded one may see it or its report, and only while
they may still import. Anything else is the same "not found" as a file that does not exist."""

import uuid

from django.http import Http404

from kbs.accounts.models import User
from kbs.contacts.models import ContactImport
from kbs.imports.access import NOT_FOUND, require_importer

__all__ = ["contact_import_for", "require_importer"]


def contact_import_for(user: User, public_id: str | uuid.UUID | None) -> ContactImport:
    """The user's own contacts file. (Reading it is audited by the caller, which knows why.)"""
    require_importer(user)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404(NOT_FOUND) from None
    batch = ContactImport.objects.filter(public_id=key, created_by=user).first()
    if batch is None:
        raise Http404(NOT_FOUND)
    return batch
