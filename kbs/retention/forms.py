"""Forms for legal holds, the disposal review and the disposal confirmation."""

from django import forms
from django.utils import timezone

from kbs.core.forms import DateField

NO_NAMES = "Do not name anyone: this is kept after the family's records are disposed of."


def _reason(label: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text=NO_NAMES,
        error_messages={"required": required},
    )


class PlaceHoldForm(forms.Form):
    reason = _reason("Why must these records be kept?", "Enter why these records must be kept")
    review_on = DateField(label="Review date", required=False,
                          help_text="Optional. When to check whether the hold is still needed. For example, 15 3 2027")

    def clean_review_on(self) -> object:
        review_on = self.cleaned_data.get("review_on")
        if review_on is not None and review_on <= timezone.localdate():
            raise forms.ValidationError("The review date must be in the future")
        return review_on


class LiftHoldForm(forms.Form):
    reason = _reason("Why can the hold be lifted?", "Enter why the hold can be lifted")


class ReviewForm(forms.Form):
    reason = _reason("Why should these records be disposed of?", "Enter why these records should be disposed of")


class DisposeForm(forms.Form):
    confirm = forms.BooleanField(
        label="I confirm these records should be deleted now. This cannot be undone.",
        error_messages={"required": "Confirm that these records should be deleted"},
    )
