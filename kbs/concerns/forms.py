"""Forms for concerns, referrals and tasks, with plain-English errors next to each field."""

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from kbs.concerns.models import Category, Decision, ReferralHow, ReferralOutcome, ReferralTo, Severity
from kbs.core.forms import DateField

TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


def _text(label: str, message: str, *, required: bool = True, rows: int = 4, max_length: int = 5000,
          help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}), error_messages={"required": message},
    )


def _radios(label: str, choices: Any, message: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect, error_messages={"required": message})


class TimeOfDayField(forms.CharField):
    """A time typed as 14:30 (or 14.30), as people write it."""

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"required": f"Enter the {label.lower()}"})
        kwargs.setdefault("help_text", "Use the 24-hour clock, for example 14:30")
        super().__init__(label=label, max_length=5, **kwargs)

    def clean(self, value: Any) -> time | None:
        text = super().clean(value)
        if not text:
            return None
        found = TIME.match(text)
        if not found:
            raise forms.ValidationError(f"The {str(self.label).lower()} must be a time like 14:30", code="invalid")
        return time(int(found.group(1)), int(found.group(2)))


def _when(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _now_initial() -> dict[str, Any]:
    now = timezone.localtime()
    return {"day": now.date(), "time": f"{now:%H:%M}"}


class MomentForm(forms.Form):
    """A form with a date and a time that together say when something happened (not in the future)."""

    day_field = "day"
    time_field = "time"
    what = "time"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, at = data.get(self.day_field), data.get(self.time_field)
        if day is not None and at is not None:
            when = _when(day, at)
            if when > timezone.now() + timedelta(minutes=5):
                self.add_error(self.time_field if day == timezone.localdate() else self.day_field,
                               f"The {self.what} cannot be in the future")
            data["when"] = when
        return data


class RaiseConcernForm(forms.Form):
    baby = forms.ChoiceField(label="Which baby is this about?", widget=forms.RadioSelect,
                             error_messages={"required": "Select which baby the concern is about"})
    category = _radios("What is the concern about?", Category.choices, "Select what the concern is about")
    what_was_seen = _text(
        "What did you see or hear?", "Describe what you saw or heard",
        help_text="Say what you saw or heard, where and when, and who was there. Keep to facts; this is shared "
                  "with other agencies once your safeguarding lead has decided on it.",
    )
    severity = _radios("How serious is it?", Severity.choices, "Select how serious the concern is")

    def __init__(self, *args: Any, babies: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.babies = {str(b.public_id): b for b in babies}
        choices = [(str(b.public_id), b.display_name) for b in babies] + [("family", "The whole family, or more than one baby")]
        self.fields["baby"].choices = choices  # type: ignore[attr-defined]
        if len(babies) == 1 and not self.is_bound:
            self.initial.setdefault("baby", str(babies[0].public_id))

    def chosen_baby(self) -> Any:
        return self.babies.get(self.cleaned_data["baby"])


class DecideForm(forms.Form):
    decision = _radios("What have you decided?", Decision.choices, "Select what you have decided")
    rationale = _text("Your reasons", "Give the reasons for your decision",
                      help_text="Other agencies see your decision and reasons.")


class CloseConcernForm(forms.Form):
    note = _text("What was done", "Say what was done, or why the concern is being closed", rows=3)


class ReferralForm(MomentForm):
    to = _radios("Who was the referral made to?", ReferralTo.choices, "Select who the referral was made to")
    how = _radios("How was it made?", ReferralHow.choices, "Select how the referral was made")
    to_whom = forms.CharField(label="Who took the referral", max_length=200,
                              help_text="Their name and role, or the team", error_messages={"required": "Enter who took the referral"})
    day = DateField(label="Date the referral was made")
    time = TimeOfDayField(label="Time the referral was made")
    reference = forms.CharField(label="Their reference (optional)", max_length=100, required=False)
    what = "referral"

    def __init__(self, *args: Any, suggested_to: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update({**_now_initial(), **({"to": suggested_to} if suggested_to else {})})
        super().__init__(*args, **kwargs)


class AcknowledgeForm(MomentForm):
    day = DateField(label="Date it was acknowledged")
    time = TimeOfDayField(label="Time it was acknowledged")
    reference = forms.CharField(label="Their reference (optional)", max_length=100, required=False)
    what = "acknowledgement"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(_now_initial())
        super().__init__(*args, **kwargs)


class OutcomeForm(forms.Form):
    outcome = _radios("What was the outcome?", ReferralOutcome.choices, "Select the outcome of the referral")
    note = _text("Anything else to record (optional)", "", required=False, rows=3)


class CompleteTaskForm(forms.Form):
    note = _text("What was done", "Say what was done", required=False, rows=2)

    def __init__(self, *args: Any, urgent: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if urgent:
            self.fields["note"].required = True
            self.fields["note"].label = "What was done"
            self.fields["note"].error_messages["required"] = "Say what was done: this task is urgent"
        else:
            self.fields["note"].label = "What was done (optional)"


class CancelTaskForm(forms.Form):
    reason = _text("Why is it no longer needed?", "Say why the task is no longer needed", rows=2)
