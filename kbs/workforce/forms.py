"""Forms for the e-learning, champions and confidence ratings."""

from typing import Any

from django import forms

from kbs.accounts.models import Team, User
from kbs.core.forms import DateField
from kbs.workforce.models import Module

CONFIDENCE_SCALE = [
    ("1", "1 – not at all confident"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 – very confident"),
]

# What each rating is about, as shown in error messages and in the person's before-and-after table.
CONFIDENCE_TOPICS = {
    "know_safe_sleep": "Knowing the safe sleep message",
    "deliver_safe_sleep": "Giving the safe sleep message",
    "know_safe_handling": "Knowing the safe handling message",
    "deliver_safe_handling": "Giving the safe handling message",
    "know_safe_space": "Knowing the safe space message",
    "deliver_safe_space": "Giving the safe space message",
    "professional_curiosity": "Professional curiosity",
}

CONFIDENCE_QUESTIONS = {
    "know_safe_sleep": "How confident are you that you know the safe sleep message?",
    "deliver_safe_sleep": "How confident are you giving the safe sleep message to parents and carers?",
    "know_safe_handling": "How confident are you that you know the safe handling message, including coping with crying?",
    "deliver_safe_handling": "How confident are you giving the safe handling message to parents and carers?",
    "know_safe_space": "How confident are you that you know the safe space message?",
    "deliver_safe_space": "How confident are you giving the safe space message to parents and carers?",
    "professional_curiosity": "How confident are you asking questions, checking what you are told and following up when something does not seem right?",
}


class KnowledgeCheckForm(forms.Form):
    """One set of radios per question; the field for question 12 is `q12`."""

    def __init__(self, *args: Any, module: Module, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(module.questions.order_by("order"))
        for number, question in enumerate(self.questions, start=1):
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=f"{number}. {question.text}",
                choices=[(str(i), text) for i, text in enumerate(question.choices)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Answer question {number}",
                    "invalid_choice": f"Choose one of the answers to question {number}",
                },
            )

    def answers(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class MakeChampionForm(forms.Form):
    email = forms.EmailField(
        label="Their work e-mail address", max_length=254,
        error_messages={"required": "Enter the e-mail address of the person to make a champion",
                        "invalid": "Enter an e-mail address in the right format, like name@example.nhs.uk"},
    )
    team = forms.ModelChoiceField(
        label="Team they champion (optional)", queryset=Team.objects.none(), required=False,
        help_text="Leave blank if they champion the whole agency.",
    )
    areas_covered = forms.CharField(
        label="Areas or services covered", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
        required=False,
    )
    since = DateField(label="Champion since", help_text="For example, 15 3 2024")
    contact_phone = forms.CharField(
        label="Contact phone number", max_length=40,
        error_messages={"required": "Enter a phone number colleagues can use"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        field.queryset = Team.objects.select_related("agency").order_by("agency__name", "name")  # type: ignore[attr-defined]
        field.empty_label = "Whole agency"  # type: ignore[attr-defined]

    def clean_email(self) -> User:
        email = self.cleaned_data["email"]
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError("Nobody with this e-mail address can sign in to KBS")
        return user


class BriefingForm(forms.Form):
    given_on = DateField(label="Date of the briefing", help_text="For example, 15 3 2024")
    audience = forms.CharField(
        label="Who was it for?", max_length=200, help_text="For example, the early help team meeting",
        error_messages={"required": "Enter who the briefing was for"},
    )
    topic = forms.CharField(
        label="Topic", max_length=200, error_messages={"required": "Enter the topic of the briefing"},
    )
    attendees = forms.IntegerField(
        label="How many people attended?", min_value=1, max_value=10000,
        error_messages={"required": "Enter how many people attended",
                        "invalid": "Enter the number of people as a whole number",
                        "min_value": "At least one person must have attended"},
    )
    notes = forms.CharField(label="Notes (optional)", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                            required=False)


class ConfidenceForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, question in CONFIDENCE_QUESTIONS.items():
            self.fields[name] = forms.TypedChoiceField(
                label=question, choices=CONFIDENCE_SCALE, coerce=int, widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose a rating from 1 to 5 for {CONFIDENCE_TOPICS[name].lower()}",
                    "invalid_choice": f"Choose a rating from 1 to 5 for {CONFIDENCE_TOPICS[name].lower()}",
                },
            )

    def scores(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in CONFIDENCE_QUESTIONS}
