"""Forms for the library: search, adding a document, and a new version."""

import re
from typing import Any

from django import forms

from kbs.accounts.models import Agency, User
from kbs.core.forms import DateField
from kbs.library import files
from kbs.library.models import Audience, Kind, Topic

SITE_PATH = re.compile(r"^/(?!/)[^\s]*$")


class SearchForm(forms.Form):
    q = forms.CharField(label="Search the library", max_length=200, required=False)
    topic = forms.ChoiceField(label="Topic", choices=[("", "All topics"), *Topic.choices], required=False)


class FileField(forms.FileField):
    """A file checked by its content (kbs.library.files); cleans to a CheckedFile."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", "Choose a file to upload")
        kwargs["error_messages"].setdefault("empty", "The file is empty")
        kwargs["error_messages"].setdefault("max_length", "The file's name must be 255 characters or fewer")
        super().__init__(max_length=255, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> files.CheckedFile | None:
        upload = super().clean(data, initial)
        if not upload:
            return None
        try:
            return files.check_upload(upload)
        except files.UploadRefused as refused:
            raise forms.ValidationError(str(refused), code="refused") from None


def _date_order(form: forms.Form, start: str, end: str, message: str) -> None:
    first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
    if first and last and last <= first:
        form.add_error(end, message)


class DocumentForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter the title"})
    kind = forms.ChoiceField(
        label="What kind of document is it?", choices=[("", "Choose a kind"), *Kind.choices],
        error_messages={"required": "Choose what kind of document this is"},
    )
    summary = forms.CharField(
        label="Summary", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        help_text="What it is for and who should use it. The search reads this.",
        error_messages={"required": "Enter a summary"},
    )
    audience = forms.ChoiceField(
        label="Who is it for?", choices=Audience.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose who the document is for"},
    )
    topics = forms.MultipleChoiceField(
        label="Topics", choices=Topic.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="Choose every topic it covers.",
    )
    owner_email = forms.EmailField(
        label="Owner's work e-mail address", max_length=254,
        help_text="The person who keeps it up to date. They see it on their list when its review is due.",
        error_messages={"required": "Enter the owner's e-mail address",
                        "invalid": "Enter an e-mail address in the right format, like name@example.nhs.uk"},
    )
    agency = forms.ModelChoiceField(
        label="Owning agency", queryset=Agency.objects.order_by("name"), empty_label="Choose an agency",
        error_messages={"required": "Choose the agency that owns it", "invalid_choice": "Choose one of the agencies listed"},
    )
    published_on = DateField(label="Date published", help_text="For example, 15 3 2025")
    review_by = DateField(label="Review date", help_text="When it must next be checked. For example, 15 3 2026")
    url = forms.CharField(
        label="Web address (optional)", max_length=500, required=False,
        help_text="For a film, a web page or a page of this service (such as /tools/). Leave blank for a file only.",
    )
    file = FileField(
        label="File (optional if you gave a web address)", required=False,
        help_text=f"A PDF, PNG or JPEG, {files.max_upload_mb()} MB or smaller.",
    )
    change_note = forms.CharField(label="Note for the history (optional)", max_length=500, required=False)

    def clean_owner_email(self) -> User:
        email = self.cleaned_data["owner_email"]
        owner = User.objects.filter(email__iexact=email, is_active=True, roles__isnull=False).distinct().first()
        if owner is None:
            raise forms.ValidationError("There is no member of staff with that e-mail address")
        return owner

    def clean_url(self) -> str:
        url = str(self.cleaned_data.get("url") or "").strip()
        if url and not (url.startswith("https://") or SITE_PATH.match(url)):
            raise forms.ValidationError(
                "Enter a web address that starts with https://, or a page of this service that starts with /"
            )
        return url

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _date_order(self, "published_on", "review_by", "The review date must be after the date published")
        if not self.errors.get("file") and not self.errors.get("url") and not cleaned.get("file") and not cleaned.get("url"):
            self.add_error("file", "Choose a file to upload, or give a web address")
        return cleaned


class VersionForm(forms.Form):
    file = FileField(label="The new version", help_text=f"A PDF, PNG or JPEG, {files.max_upload_mb()} MB or smaller.")
    change_note = forms.CharField(
        label="What changed?", widget=forms.Textarea(attrs={"rows": 3}), max_length=500,
        help_text="Shown in the document's history.", error_messages={"required": "Say what changed in this version"},
    )
    review_by = DateField(label="Next review date", help_text="For example, 15 3 2026")

    def __init__(self, *args: Any, today: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_review_by(self) -> Any:
        review_by = self.cleaned_data["review_by"]
        if review_by <= self.today:
            raise forms.ValidationError("The next review date must be in the future")
        return review_by
