"""Forms for subject access requests. They only read what was typed: what it must add up to is
checked by the actions, which say what is wrong, and the view puts that next to the field."""

from typing import Any

from django import forms

from kbs.core.forms import DateField
from kbs.subjectaccess.models import Requester, WithholdReason

WHOLE_ITEM = "whole-item"


class RequestForm(forms.Form):
    requester = forms.ChoiceField(
        label="Who made the request?", choices=Requester.choices, widget=forms.RadioSelect, required=False,
    )
    requester_name = forms.CharField(
        label="Name of the person acting for the subject", max_length=200, required=False,
        help_text="Only if someone asked on the subject's behalf: a parent for a baby, or a solicitor, say.",
    )
    identity_check = forms.CharField(
        label="How was the identity of the person asking checked?", widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text="For example: passport and a utility bill seen at the clinic; for someone acting for the subject, "
        "also what shows they may.",
    )
    received_on = DateField(label="Date the request was received", required=False)
    nhs_number = forms.CharField(
        label="The subject's NHS number", max_length=12, required=False,
        help_text="10 digits, like 999 123 4567. Leave blank to find the subject by name and date of birth instead.",
    )
    given_name = forms.CharField(label="The subject's first name", max_length=100, required=False)
    family_name = forms.CharField(label="The subject's last name", max_length=100, required=False)
    date_of_birth = DateField(label="The subject's date of birth", required=False)


class ExtendForm(forms.Form):
    months = forms.ChoiceField(
        label="Extend the deadline by", choices=[("1", "1 month"), ("2", "2 months")], widget=forms.RadioSelect, required=False,
    )
    reason = forms.CharField(
        label="Why is more time needed?", widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text="The law allows up to two more months for a complex request or several requests from the same person.",
    )


class WithholdForm(forms.Form):
    part = forms.ChoiceField(label="What should be withheld?", widget=forms.RadioSelect, required=False)
    reason = forms.ChoiceField(label="Why?", choices=WithholdReason.choices, widget=forms.RadioSelect, required=False)
    reason_text = forms.CharField(
        label="The other reason", widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text="Only when the reason is not in the list. It is shown in place of what is withheld.",
    )

    def __init__(self, *args: Any, item: dict[str, Any], withheld: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [] if "" in withheld else [(WHOLE_ITEM, "The whole item")]
        choices += [
            (f["key"], f"{f['label']}: {_short(f['value'])}") for f in item["fields"] if f["key"] not in withheld and "" not in withheld
        ]
        self.fields["part"].choices = choices  # type: ignore[attr-defined]


def _short(value: str, limit: int = 120) -> str:
    return value if len(value) <= limit else value[:limit].rstrip() + "…"
