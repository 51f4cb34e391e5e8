"""The historic contacts upload's forms: the births upload's checks with their own wording."""

from django import forms

from kbs.imports.forms import ConfirmForm, UploadForm

__all__ = ["MAX_ROWS", "ConfirmForm", "ContactsUploadForm"]

# A page check and import of a 1 MB file (about 6,000 contacts) takes well under a second; bigger
# files go through `manage.py import_contacts`.
MAX_ROWS = 10_000


class ContactsUploadForm(UploadForm):
    file = forms.FileField(label="CSV file of contacts",
                           error_messages={"required": "Choose a CSV file of contacts", "empty": "The file is empty"})
