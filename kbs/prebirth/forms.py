"""Forms for the pre-birth pages. Every message says what to do, in plain English."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kbs.concerns.models import ReferralHow
from kbs.core.forms import DateField, yes_no_field
from kbs.core.validators import today
from kbs.prebirth import clock
from kbs.prebirth.models import SharedWith


def _not_future(value: date | None, what: str) -> date | None:
    if value is not None and value > today():
        raise ValidationError(f"The {what} must be today or in the past", code="future")
    return value


def _optional_yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    """Yes or no, or not answered yet (the plan is saved as it is written)."""
    return forms.TypedChoiceField(
        label=label, choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes", empty_value=None,
        widget=forms.RadioSelect, required=False, help_text=help_text,
    )


class MilestoneForm(forms.Form):
    done_on = DateField(label="Date it was done")
    note = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="For example, who attended, or what was decided.")

    def __init__(self, *args: Any, code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.code = code
        if code == clock.REFERRAL:
            self.fields["how"] = forms.ChoiceField(
                label="How was the referral made? (optional)", required=False,
                choices=[("", "Already recorded, or made by another agency"), *ReferralHow.choices],
                help_text="If your agency made it, say how and who took it: the referral is then recorded "
                          "with its acknowledgement clock.",
            )
            self.fields["to_whom"] = forms.CharField(label="Who took the referral? (optional)", max_length=200, required=False)
            self.fields["reference"] = forms.CharField(label="Children's social care reference (optional)",
                                                       max_length=100, required=False)

    def clean_done_on(self) -> date | None:
        return _not_future(self.cleaned_data.get("done_on"), "date it was done")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.code == clock.REFERRAL and (data.get("how") or (data.get("to_whom") or "").strip()):
            if not data.get("how"):
                self.add_error("how", "Select how the referral was made")
            if not (data.get("to_whom") or "").strip():
                self.add_error("to_whom", "Enter who took the referral")
        return data

    def referral(self) -> dict[str, str] | None:
        data = self.cleaned_data
        if self.code != clock.REFERRAL or not data.get("how"):
            return None
        return {"how": data["how"], "to_whom": data["to_whom"], "reference": data.get("reference", "")}


class PrematureForm(forms.Form):
    likely = yes_no_field("Is a premature birth likely?",
                          help_text="If yes, the planning meeting, the conference and the delivery safety plan are "
                                    "brought forward.")
    reason = forms.CharField(label="Why (optional)", required=False, max_length=500)


class CloseCaseForm(forms.Form):
    reason = forms.CharField(label="Why is the pre-birth case being closed?", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Enter why the pre-birth case is being closed"})


def _text(label: str, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows}),
                           max_length=2000,
                           error_messages={"max_length": f"{label.rstrip('?')} must be 2,000 characters or fewer"})


class DeliveryPlanForm(forms.Form):
    """Every part is optional while the plan is written; "Mark as complete" checks the required ones."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    birthing_partner = _text("Birthing partner", "Name and relationship to the mother of each agreed birthing partner, "
                                                 "or write that there is none.")
    exclusions_needed = _optional_yes_no("Must anyone be kept out of the maternity unit?")
    excluded_people = _text("Who must be kept out of the unit, and why",
                            "For each person: name, why, and who has told them. Disruptive behaviour will involve "
                            "hospital security and the police.")
    labour_contacts = _text("Who to call when the mother arrives in labour",
                            "Names and phone numbers: the social worker in working hours, the emergency duty team "
                            "out of hours.")
    discharge_arrangements = _text("Discharge arrangements", "Whether the baby may be discharged, when, and to whom; "
                                                             "the discharge planning meeting.")
    baby_goes_to = _text("Where the baby will go", "For example, home with the mother, or to a named carer.")
    contact_arrangements = _text("Contact arrangements and supervision on the ward",
                                 "Who may visit, and the level of supervision.")
    safe_sleep_arrangements = _text("Safe sleep arrangements", "Where the baby will sleep on the ward and at home.")
    agreed_with_parents = _optional_yes_no("Has the plan been agreed with the parents?")
    agreed_on = DateField(label="Date agreed with the parents", required=False, help_text="For example, 15 3 2026")
    shared_with = forms.MultipleChoiceField(label="Who has the plan been shared with?", choices=SharedWith.choices,
                                            widget=forms.CheckboxSelectMultiple, required=False,
                                            help_text="Select all that apply.")

    def clean_agreed_on(self) -> date | None:
        return _not_future(self.cleaned_data.get("agreed_on"), "date agreed with the parents")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("agreed_with_parents") and not data.get("agreed_on") and "agreed_on" not in self.errors:
            self.add_error("agreed_on", "Enter the date the plan was agreed with the parents")
        return data

    def plan_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class MilestoneSettingsForm(forms.Form):
    """A usual week and a premature-birth week for each step the partnership can set."""

    def __init__(self, *args: Any, current: dict[str, tuple[int, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = clock.WEEK_RANGE
        self.pairs = []
        for milestone in clock.MILESTONES:
            if not milestone.configurable:
                continue
            week, premature = current[milestone.code]
            for suffix, label, value in (("week", f"{milestone.label}: by how many weeks", week),
                                         ("premature_week", f"{milestone.label}: by how many weeks when a premature "
                                                            "birth is likely", premature)):
                name = f"{milestone.code}_{suffix}"
                self.fields[name] = forms.IntegerField(
                    label=label, initial=value, min_value=low, max_value=high,
                    error_messages={"required": f"Enter the weeks for the {milestone.label.lower()}",
                                    "invalid": "Enter the weeks as a whole number, like 20",
                                    "min_value": f"Weeks must be from {low} to {high}",
                                    "max_value": f"Weeks must be from {low} to {high}"},
                )
            self.pairs.append(milestone.code)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for code in self.pairs:
            week, premature = data.get(f"{code}_week"), data.get(f"{code}_premature_week")
            if week is not None and premature is not None and (problem := clock.weeks_problem(week, premature)):
                self.add_error(f"{code}_premature_week", problem)
        return data

    def weeks(self) -> dict[str, tuple[int, int]]:
        return {code: (self.cleaned_data[f"{code}_week"], self.cleaned_data[f"{code}_premature_week"]) for code in self.pairs}
