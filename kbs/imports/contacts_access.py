"""Reading contacts files: only the person who uploaded one may see it or its report, and only while
they may still import. Anything else is the same "not found" as a file that does not exist."""

import uuid

from kbs.accounts.models import User
from kbs.contacts.models import ContactImport
from kbs.imports.access import own_upload, require_importer

__all__ = ["contact_import_for", "require_importer"]


def contact_import_for(user: User, public_id: str | uuid.UUID | None) -> ContactImport:
    """The user's own contacts file. (Reading it is audited by the caller, which knows why.)"""
    return own_upload(ContactImport, user, public_id)
