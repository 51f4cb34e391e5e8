"""The one-page form for recording a contact, with the three messages for each person in the family.

The per-person message boxes are plain checkboxes named `msg-<person id>-<message>` (and
`msg-<person id>-leaflet`, `msg-<person id>-understanding`), read straight from the posted data, so
the page works without JavaScript however many people the family has.
"""

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from kbs.contacts.coverage import MESSAGES
from kbs.contacts.models import ContactType, LifeEventKind, Message, Setting, SleepPlaceObserved
from kbs.core.forms import DateField, error_summary_items, yes_no_field
from kbs.families.forms import LANGUAGES
from kbs.families.models import Person, Relationship

MESSAGE_LABELS = {
    Message.SAFE_SLEEP: "Safe sleep",
    Message.SAFE_HANDLING: "Safe handling, including coping with crying (ICON)",
    Message.SAFE_SPACE: "Safe space (home safety)",
}
HOW = (("leaflet", "Leaflet given"), ("understanding", "Understanding checked (teach-back)"))


def _them(person: Person) -> str:
    # We record relationship, not sex or pronouns: only the two relationships that say which to use.
    pronouns: dict[str, str] = {Relationship.BIRTH_MOTHER: "her", Relationship.FATHER: "him"}
    return pronouns.get(person.relationship, "them")


def _ticked(data: Any, name: str) -> bool:
    return bool(data.get(name)) if data is not None else False


class ContactForm(forms.Form):
    date = DateField(label="Date of the contact", help_text="For example, 15 3 2026")
    time = forms.TimeField(
        label="Time (24-hour clock, like 14:30)", input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={"required": "Enter the time of the contact", "invalid": "Enter the time like 14:30"},
    )
    contact_type = forms.ChoiceField(
        label="Type of contact", choices=[("", "Choose the type of contact"), *ContactType.choices],
        error_messages={"required": "Select the type of contact"},
    )
    setting = forms.ChoiceField(
        label="Where did the contact happen?", choices=Setting.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select where the contact happened"},
    )
    present = forms.MultipleChoiceField(
        label="Who was there?", widget=forms.CheckboxSelectMultiple, required=False,
        help_text="Include anyone you spoke to on a call",
    )
    baby_seen = yes_no_field("Did you see the baby?")
    sleep_place_observed = forms.ChoiceField(
        label="Where does the baby sleep, as you saw it?", choices=SleepPlaceObserved.choices, widget=forms.RadioSelect,
        help_text="Choose 'Not seen' if you did not see where the baby sleeps",
        error_messages={"required": "Select where the baby sleeps, or 'Not seen'"},
    )
    language = forms.ChoiceField(label="Language the contact was in", choices=[(x, x) for x in LANGUAGES])
    interpreter_used = yes_no_field("Was an interpreter used?")
    life_events = forms.MultipleChoiceField(
        label="Anything that changes the routine?", choices=LifeEventKind.choices, widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Happening now or coming up soon. Each one gives you a task to revisit the safe sleep plan.",
    )
    life_event_note = forms.CharField(label="What is happening (optional)", max_length=500, required=False)
    notes = forms.CharField(label="Notes (optional)", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000, required=False)
    shared = yes_no_field(
        "Share these notes with other agencies?",
        help_text="Choose no only for notes that must stay with your agency. Other agencies still see when the "
                  "contact was, who was there and which messages were given.",
    )

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        self.person_errors: dict[str, str] = {}
        self.fields["present"].choices = [  # type: ignore[attr-defined]
            (str(p.public_id), f"{p} ({p.get_relationship_display().lower()})") for p in people
        ]

    @classmethod
    def initial_for(cls, family: Any) -> dict[str, Any]:
        now = timezone.localtime()
        return {"date": now.date(), "time": now.strftime("%H:%M"), "language": family.language}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        on, at = cleaned.get("date"), cleaned.get("time")
        if on is not None and at is not None:
            moment = timezone.make_aware(datetime.combine(on, at))
            now = timezone.localtime()
            if on > now.date():
                self.add_error("date", "The date of the contact must be today or in the past")
            elif moment > now:
                self.add_error("time", "The time of the contact must be now or earlier")
            else:
                cleaned["at"] = moment
        present = set(cleaned.get("present") or [])
        for person in self.people:
            key = str(person.public_id)
            messages = [m for m in MESSAGES if _ticked(self.data, f"msg-{key}-{m.value}")]
            how = any(_ticked(self.data, f"msg-{key}-{name}") for name, _ in HOW)
            if messages and key not in present:
                self.person_errors[key] = f"Mark {person} as present, or untick the messages for {_them(person)}"
            elif how and not messages:
                self.person_errors[key] = f"Tick the messages you gave {person}, or untick how you gave them"
        for message in self.person_errors.values():
            self.add_error(None, message)
        return cleaned

    # --- what the action needs ----------------------------------------------------------------

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "at": data["at"], "contact_type": data["contact_type"], "setting": data["setting"],
            "baby_seen": data["baby_seen"], "sleep_place_observed": data["sleep_place_observed"],
            "language": data["language"], "interpreter_used": data["interpreter_used"],
            "notes": data["notes"].strip(), "shared": data["shared"],
        }

    def present_people(self) -> list[Person]:
        chosen = set(self.cleaned_data["present"])
        return [p for p in self.people if str(p.public_id) in chosen]

    def deliveries(self) -> list[dict[str, Any]]:
        given = []
        for person in self.people:
            key = str(person.public_id)
            for message in MESSAGES:
                if _ticked(self.data, f"msg-{key}-{message.value}"):
                    given.append({
                        "person": person, "message": message.value,
                        "leaflet_given": _ticked(self.data, f"msg-{key}-leaflet"),
                        "understanding_checked": _ticked(self.data, f"msg-{key}-understanding"),
                    })
        return given

    def events(self) -> list[dict[str, Any]]:
        note = self.cleaned_data["life_event_note"].strip()
        return [{"kind": kind, "note": note} for kind in self.cleaned_data["life_events"]]

    # --- what the template needs --------------------------------------------------------------

    def message_fieldsets(self) -> list[dict[str, Any]]:
        """The NHS.UK checkboxes parameters for each person's three messages, keeping what was ticked."""
        fieldsets = []
        for person in self.people:
            key = str(person.public_id)
            items: list[dict[str, Any]] = [
                {"name": f"msg-{key}-{m.value}", "value": "yes", "text": MESSAGE_LABELS[m],
                 "checked": _ticked(self.data, f"msg-{key}-{m.value}") if self.is_bound else False}
                for m in MESSAGES
            ]
            items += [
                {"name": f"msg-{key}-{name}", "value": "yes", "text": text,
                 "checked": _ticked(self.data, f"msg-{key}-{name}") if self.is_bound else False}
                for name, text in HOW
            ]
            params: dict[str, Any] = {
                "idPrefix": f"msg-{key}",
                "fieldset": {"legend": {"text": f"{person} ({person.get_relationship_display().lower()})", "size": "s"}},
                "hint": {"text": "Tick each message you gave, and how"},
                "items": items,
                "classes": "nhsuk-checkboxes--small",
            }
            if key in self.person_errors:
                params["errorMessage"] = {"text": self.person_errors[key]}
            fieldsets.append(params)
        return fieldsets

    def summary_items(self) -> list[dict[str, str]]:
        """The error summary, with each person's message error linked to their boxes."""
        anchors = {text: f"#msg-{key}" for key, text in self.person_errors.items()}
        return [{"text": i["text"], "href": anchors.get(i["text"], i["href"])} for i in error_summary_items(self)]
