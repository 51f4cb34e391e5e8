from typing import Any

from django import forms

MAX_BYTES = 1024 * 1024  # about 5,000 births
# Each new baby takes a few milliseconds through the real actions, so a page import is kept to what
# finishes well within a request's time limit; larger files go through `manage.py import_births`.
MAX_ROWS = 2000


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file of births",
                           error_messages={"required": "Choose a CSV file of births", "empty": "The file is empty"})

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file, with a name ending .csv")
        if upload.content_type not in ("text/csv", "application/vnd.ms-excel", "text/plain", "application/csv",
                                       "application/octet-stream"):
            raise forms.ValidationError("The file must be a CSV file")
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB. Split it into smaller files and upload each one.")
        return upload


class ConfirmForm(forms.Form):
    batch = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": "Upload the file again"})
    mode = forms.ChoiceField(
        label="How do you want to import this file?",
        choices=[("all", "All or nothing: import only if every row is accepted"),
                 ("accepted", "Import the accepted rows only, and leave out the rejected rows")],
        widget=forms.RadioSelect, initial="all",
        error_messages={"required": "Choose how to import the file"},
    )
