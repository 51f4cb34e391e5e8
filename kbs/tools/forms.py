"""Forms built from tool specs, one page per section, and the completion form.

Every spec item becomes a field of the matching kind. The engine checks the values (ranges, codes,
which questions must be answered), so the form and the API can never disagree.
"""

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from kbs.core.forms import DateField
from kbs.tools.engine import evaluate_partial, required_items
from kbs.tools.spec import Item, Section, ToolSpec

YES_NO = [("yes", "Yes"), ("no", "No")]


def _field(item: Item) -> forms.Field:
    common: dict[str, Any] = {"label": item.text, "help_text": item.help, "required": False}
    if item.type == "yes_no":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if item.type == "choice":
        return forms.ChoiceField(choices=[(c.code, c.label) for c in item.codes], widget=forms.RadioSelect, **common)
    if item.type == "multi_choice":
        return forms.MultipleChoiceField(
            choices=[(c.code, c.label) for c in item.codes], widget=forms.CheckboxSelectMultiple, **common
        )
    if item.type == "integer":
        return forms.IntegerField(error_messages={"invalid": "Enter a whole number"}, **common)
    if item.type == "number":
        return forms.FloatField(error_messages={"invalid": "Enter a number"}, **common)
    if item.type == "date":
        return DateField(**common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)


def _plain(item: Item, problem: str) -> str:
    if problem == "is required":
        verb = "Enter" if item.type in {"integer", "number", "text", "date"} else "Select"
        return f"{verb} an answer: {item.text[0].lower()}{item.text[1:].rstrip('?')}"
    return f"{item.text.rstrip('?')}: {problem}"


class SectionForm(forms.Form):
    """One page of a tool. `answers` are the draft's answers so far, for conditions across pages."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, spec: ToolSpec, section: Section, answers: dict[str, object], **kwargs: Any) -> None:
        initial = {item_id: answers[item_id] for item_id in section.items if item_id in answers}
        kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.spec, self.section, self.saved = spec, section, answers
        for item_id in section.items:
            self.fields[item_id] = _field(spec.item(item_id))

    def section_answers(self) -> dict[str, object]:
        """The page's answers in the engine's form; None for a question left empty."""
        result: dict[str, object] = {}
        for item_id in self.section.items:
            value = self.cleaned_data.get(item_id)
            if value in ("", [], None):
                result[item_id] = None
            elif isinstance(value, date):
                result[item_id] = value.isoformat()
            else:
                result[item_id] = value
        return result

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        page = self.section_answers()
        merged = {k: v for k, v in {**self.saved, **page}.items() if v is not None}
        for problem in evaluate_partial(self.spec, merged, include_missing=False):
            if problem["item"] in page:
                self.add_error(problem["item"], _plain(self.spec.item(problem["item"]), problem["problem"]))
        for item_id in required_items(self.spec, merged):
            if item_id in page and page[item_id] is None and item_id not in self.errors:
                self.add_error(item_id, _plain(self.spec.item(item_id), "is required"))
        return data


def _combine(day: date | None, at: time | None) -> datetime | None:
    if day is None or at is None:
        return None
    return timezone.make_aware(datetime.combine(day, at))


class CompleteForm(forms.Form):
    """Confirm the suggested actions; for urgent outcomes, record the same-day steps or a reason."""

    confirmed_actions = forms.MultipleChoiceField(
        label="Confirm what you have done or will do", widget=forms.CheckboxSelectMultiple, required=False
    )
    actions_not_taken_reason = forms.CharField(
        label="If you will not take a suggested action, say why", widget=forms.Textarea(attrs={"rows": 3}),
        required=False, max_length=2000,
    )
    csc_referral_on = DateField(label="Date of the call to children's social care", required=False)
    csc_referral_time = forms.TimeField(
        label="Time of the call (24-hour clock, like 14:30)", required=False,
        error_messages={"invalid": "Enter the time of the call like 14:30"},
    )
    csc_referral_reference = forms.CharField(label="Children's social care reference", max_length=100, required=False)
    medical_review_on = DateField(label="Date of the paediatric or medical review", required=False)
    medical_review_time = forms.TimeField(
        label="Time of the review (24-hour clock)", required=False,
        error_messages={"invalid": "Enter the time of the review like 16:00"},
    )
    medical_review_where = forms.CharField(label="Where the review will be", max_length=200, required=False)
    steps_not_recorded_reason = forms.CharField(
        label="If you cannot record these steps, say why",
        help_text="Your agency's safeguarding lead must countersign this before the assessment is complete",
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000,
    )

    def __init__(self, *args: Any, actions: list[tuple[str, str]], urgent: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirmed_actions"].choices = actions  # type: ignore[attr-defined]
        self.urgent = urgent
        if not urgent:
            for name in list(self.fields):
                if name.startswith(("csc_", "medical_", "steps_")):
                    del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = set(data.get("confirmed_actions") or [])
        offered = {code for code, _ in self.fields["confirmed_actions"].choices}  # type: ignore[attr-defined]
        if offered - chosen and not (data.get("actions_not_taken_reason") or "").strip():
            self.add_error("actions_not_taken_reason", "Confirm every suggested action, or say why you will not take it")
        if self.urgent and not self.errors:
            data["csc_referral_at"] = _combine(data.get("csc_referral_on"), data.get("csc_referral_time"))
            data["medical_review_at"] = _combine(data.get("medical_review_on"), data.get("medical_review_time"))
            complete = all([data["csc_referral_at"], (data.get("csc_referral_reference") or "").strip(),
                            data["medical_review_at"], (data.get("medical_review_where") or "").strip()])
            if not complete and not (data.get("steps_not_recorded_reason") or "").strip():
                self.add_error(None, "Record the call to children's social care (date, time and reference) and the "
                                     "paediatric or medical review (date, time and place), or say why you cannot")
        return data


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="Why does this assessment need correcting?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        error_messages={"required": "Say why the assessment needs correcting"},
    )


class SignOffForm(forms.Form):
    note = forms.CharField(
        label="What have you decided, and why?", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        error_messages={"required": "Record what you have decided and why"},
    )


class PartnershipSettingForm(forms.Form):
    def __init__(self, *args: Any, spec_settings: list[Any], current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for setting in spec_settings:
            self.fields[setting.name] = forms.ChoiceField(
                label=setting.title, choices=[(c.code, c.label) for c in setting.codes], widget=forms.RadioSelect,
                initial=current.get(setting.name, setting.default),
            )
