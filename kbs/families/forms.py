"""Forms for registering and editing families, babies and people, with plain-English errors."""

from datetime import date
from typing import Any

from django import forms

from kbs.core import validators as v
from kbs.core.forms import DateField, yes_no_field
from kbs.families.models import Baby, BirthmarkKind, LawfulBasis, Mobility, PlaceOfDeath, Relationship, Sex
from kbs.tools import body_map

LANGUAGES = [
    "English", "Arabic", "Bengali", "Czech", "Farsi", "French", "Gujarati", "Hungarian", "Kurdish",
    "Lithuanian", "Polish", "Portuguese", "Punjabi", "Romanian", "Slovak", "Somali", "Spanish",
    "Tigrinya", "Turkish", "Ukrainian", "Urdu", "Other",
]


def _required(label: str) -> dict[str, str]:
    return {"required": f"Enter the {label}"}


class NHSNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "NHS number")
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("help_text", "10 digits, for example 999 123 4567")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        digits = v.normalise_nhs_number(str(super().clean(value)))
        if digits:
            v.validate_nhs_number(digits)
        return digits


class PostcodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Postcode")
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("error_messages", _required("postcode"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        postcode = v.normalise_postcode(str(super().clean(value)))
        v.validate_postcode(postcode)
        return postcode


class HouseholdForm(forms.Form):
    address_line_1 = forms.CharField(label="Address line 1", max_length=200, error_messages=_required("first line of the address"))
    address_line_2 = forms.CharField(label="Address line 2 (optional)", max_length=200, required=False)
    town = forms.CharField(label="Town or city", max_length=100, error_messages=_required("town or city"))
    postcode = PostcodeField()
    language = forms.ChoiceField(label="Main language spoken at home", choices=[(x, x) for x in LANGUAGES])
    interpreter_needed = yes_no_field("Does the family need an interpreter?")


class BabyDetailsForm(forms.Form):
    """The baby's own details. An unborn baby has an expected date; a born baby a date of birth."""

    status = forms.ChoiceField(
        label="Has the baby been born?",
        choices=[("born", "Yes, the baby has been born"), ("unborn", "No, the mother is pregnant")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the baby has been born"},
    )
    given_name = forms.CharField(label="Baby's first name (optional)", max_length=100, required=False)
    family_name = forms.CharField(label="Baby's last name", max_length=100, error_messages=_required("baby's last name"))
    expected_delivery_date = DateField(label="Expected date of delivery", required=False, help_text="For example, 27 3 2027")
    date_of_birth = DateField(label="Date of birth", required=False, help_text="For example, 15 3 2026")
    nhs_number = NHSNumberField(required=False, label="Baby's NHS number (optional)")
    sex = forms.ChoiceField(label="Sex", choices=[("", "Not recorded"), *Sex.choices], required=False)
    gestation_at_birth_weeks = forms.IntegerField(
        label="Gestation at birth in completed weeks (optional)", required=False,
        error_messages={"invalid": "Gestation at birth must be a whole number of weeks, like 39"},
    )
    birth_weight_g = forms.IntegerField(
        label="Birth weight in grams (optional)", required=False,
        error_messages={"invalid": "Birth weight must be a whole number of grams, like 3400"},
    )
    multiple_birth = yes_no_field("Is this baby a twin, triplet or more?", required=False)
    mobility = forms.ChoiceField(label="How does the baby move about now?", choices=Mobility.choices, required=False)

    def clean_date_of_birth(self) -> date | None:
        value = self.cleaned_data.get("date_of_birth")
        if value is not None:
            v.validate_not_future(value)
        return value

    def clean_expected_delivery_date(self) -> date | None:
        value = self.cleaned_data.get("expected_delivery_date")
        if value is not None:
            v.validate_expected_delivery(value)
        return value

    def clean_gestation_at_birth_weeks(self) -> int | None:
        value = self.cleaned_data.get("gestation_at_birth_weeks")
        if value is not None:
            v.validate_gestation_weeks(value)
        return value

    def clean_birth_weight_g(self) -> int | None:
        value = self.cleaned_data.get("birth_weight_g")
        if value is not None:
            v.validate_birth_weight(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if status == "born" and not data.get("date_of_birth") and "date_of_birth" not in self.errors:
            self.add_error("date_of_birth", "Enter the baby's date of birth")
        if status == "unborn":
            if not data.get("expected_delivery_date") and "expected_delivery_date" not in self.errors:
                self.add_error("expected_delivery_date", "Enter the expected date of delivery")
            for name in ("date_of_birth", "nhs_number", "gestation_at_birth_weeks", "birth_weight_g"):
                if data.get(name):
                    self.add_error(name, "Leave this empty for a baby who has not been born yet")
        return data

    def baby_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        born = data["status"] == "born"
        return {
            "given_name": data["given_name"].strip(),
            "family_name": data["family_name"].strip(),
            "expected_delivery_date": None if born else data["expected_delivery_date"],
            "date_of_birth": data["date_of_birth"] if born else None,
            "nhs_number": data["nhs_number"] if born else "",
            "sex": data.get("sex") or "",
            "gestation_at_birth_weeks": data.get("gestation_at_birth_weeks") if born else None,
            "birth_weight_g": data.get("birth_weight_g") if born else None,
            "multiple_birth": bool(data.get("multiple_birth")),
            "mobility": data.get("mobility") or Mobility.NOT_ROLLING,
        }


class RegisterFamilyForm(HouseholdForm, BabyDetailsForm):
    reason = forms.CharField(
        label="Why is your agency working with this family?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="For example, new birth notification to health visiting",
        error_messages=_required("reason your agency is working with the family"),
    )
    lawful_basis = forms.ChoiceField(label="Lawful basis", choices=LawfulBasis.choices, initial=LawfulBasis.PUBLIC_TASK)
    confirm_not_duplicate = forms.BooleanField(
        label="I have checked the possible matches and this is a different baby", required=False
    )

    field_order = [
        "status", "given_name", "family_name", "date_of_birth", "expected_delivery_date", "nhs_number", "sex",
        "gestation_at_birth_weeks", "birth_weight_g", "multiple_birth", "address_line_1", "address_line_2",
        "town", "postcode", "language", "interpreter_needed", "reason", "lawful_basis",
    ]

    def household_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in HouseholdForm.base_fields}


class EditBabyForm(BabyDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, born: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].required = False
        self.born = born

    def clean(self) -> dict[str, Any]:
        self.cleaned_data["status"] = "born" if self.born else "unborn"
        return super().clean()


class RecordBirthForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    given_name = forms.CharField(label="Baby's first name (optional)", max_length=100, required=False)
    date_of_birth = DateField(label="Date of birth")
    nhs_number = NHSNumberField(required=False, label="Baby's NHS number (optional)")
    sex = forms.ChoiceField(label="Sex", choices=[("", "Not recorded"), *Sex.choices], required=False)
    gestation_at_birth_weeks = BabyDetailsForm.base_fields["gestation_at_birth_weeks"]
    birth_weight_g = BabyDetailsForm.base_fields["birth_weight_g"]
    multiple_birth = yes_no_field("Is this baby a twin, triplet or more?")

    clean_gestation_at_birth_weeks = BabyDetailsForm.clean_gestation_at_birth_weeks
    clean_birth_weight_g = BabyDetailsForm.clean_birth_weight_g
    clean_date_of_birth = BabyDetailsForm.clean_date_of_birth


class PersonForm(forms.Form):
    given_name = forms.CharField(label="First name", max_length=100, error_messages=_required("first name"))
    family_name = forms.CharField(label="Last name", max_length=100, error_messages=_required("last name"))
    relationship = forms.ChoiceField(
        label="Relationship to the baby", choices=Relationship.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select their relationship to the baby"},
    )
    date_of_birth = DateField(label="Date of birth", required=False, help_text="Optional. For example, 15 3 1994")
    nhs_number = NHSNumberField(required=False, label="NHS number (optional)")
    lives_in_household = yes_no_field("Do they live in the baby's home?")
    regular_carer = yes_no_field("Do they look after the baby regularly?", help_text="Including babysitting or staying over")
    parental_responsibility = yes_no_field("Do they have parental responsibility?")
    last_seen_on = DateField(label="Date last seen by a practitioner", required=False, help_text="Leave empty if nobody has seen them yet")

    def clean_date_of_birth(self) -> date | None:
        value = self.cleaned_data.get("date_of_birth")
        if value is not None:
            v.validate_not_future(value)
        return value

    def clean_last_seen_on(self) -> date | None:
        value = self.cleaned_data.get("last_seen_on")
        if value is not None and value > v.today():
            raise forms.ValidationError("Date last seen must be today or in the past")
        return value


class EditPersonForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class EditHouseholdForm(HouseholdForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class FindBabyForm(forms.Form):
    nhs_number = NHSNumberField(required=False, label="Baby's NHS number")
    family_name = forms.CharField(label="Baby's last name", max_length=100, required=False)
    date_of_birth = DateField(label="Baby's date of birth", required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        by_details = data.get("family_name") and data.get("date_of_birth") and data.get("postcode")
        if not data.get("nhs_number") and not by_details:
            raise forms.ValidationError(
                "Enter the baby's NHS number, or their last name, date of birth and postcode"
            )
        if not data.get("nhs_number"):
            data["postcode"] = v.normalise_postcode(data["postcode"])
            try:
                v.validate_postcode(data["postcode"])
            except forms.ValidationError as error:
                self.add_error("postcode", error)
        return data


class InvolvementForm(forms.Form):
    reason = forms.CharField(
        label="Why is your agency working with this family?",
        widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
        error_messages=_required("reason your agency is working with the family"),
        help_text="The other agencies' safeguarding leads will see this reason",
    )
    lawful_basis = forms.ChoiceField(label="Lawful basis", choices=LawfulBasis.choices, initial=LawfulBasis.PUBLIC_TASK)


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to see this family's record now?",
        widget=forms.Textarea(attrs={"rows": 4}), max_length=1000, min_length=10,
        error_messages={
            "required": "Explain why you need emergency access",
            "min_length": "Explain why you need emergency access, in at least 10 characters",
        },
        help_text="Access lasts 3 hours. The safeguarding lead of the agency leading on this family is told at once.",
    )


class FamilySearchForm(forms.Form):
    q = forms.CharField(label="Search by name, NHS number or postcode", required=False, max_length=100)


class BirthmarkForm(forms.Form):
    """A birthmark a health professional has seen and confirmed. The places are the body map's, so a
    later bruising assessment can show the mark on the same map."""

    kind = forms.ChoiceField(
        label="What kind of birthmark is it?", choices=BirthmarkKind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of birthmark it is",
                        "invalid_choice": "Select what kind of birthmark it is from the list"},
    )
    regions = forms.MultipleChoiceField(
        label="Where is the birthmark?", choices=body_map.choices(), widget=forms.CheckboxSelectMultiple,
        help_text="Select every place it covers",
        error_messages={"required": "Select where the birthmark is",
                        "invalid_choice": "Select where the birthmark is from the list"},
    )
    size_mm = forms.IntegerField(
        label="Size in millimetres", min_value=1, max_value=500,
        help_text="Measure the longest distance across the mark",
        error_messages={
            "required": "Enter the size in millimetres, like 15",
            "invalid": "Enter the size in millimetres, like 15",
            "min_value": "The size must be between 1 and 500 millimetres",
            "max_value": "The size must be between 1 and 500 millimetres",
        },
    )
    colour = forms.CharField(
        label="Colour", max_length=100, help_text="For example, blue-grey",
        error_messages={"required": "Enter the colour of the birthmark"},
    )
    description = forms.CharField(
        label="Description (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Its shape, its edges, and anything that will help the next person recognise it",
    )
    observed_on = DateField(label="Date you saw it", help_text="For example, 15 3 2026")

    def __init__(self, *args: Any, baby: Baby | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.baby = baby

    def clean_observed_on(self) -> date:
        value: date = self.cleaned_data["observed_on"]
        if value > v.today():
            raise forms.ValidationError("The date you saw it must be today or in the past")
        if self.baby is not None and self.baby.date_of_birth and value < self.baby.date_of_birth:
            raise forms.ValidationError("The date you saw it must be on or after the baby's date of birth")
        return value


def _text_area(label: str, *, required: str = "", help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=bool(required), max_length=4000, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}), error_messages={"required": required} if required else {},
    )


class DeathForm(forms.Form):
    """What the first practitioner to hear of a baby's death knows. Short and plain: it is filled in
    at a hard moment, often before much is known, so "not known yet" is always a fair answer."""

    died_on = DateField(
        label="Date the baby died", help_text="For example, 3 3 2026. If you are not sure, give the date you were told and say so below.",
        error_messages={"required": "Enter the date the baby died"},
    )
    place = forms.ChoiceField(
        label="Where did the baby die?", choices=PlaceOfDeath.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select where the baby died"},
    )
    place_detail = forms.CharField(
        label="Which hospital, or where (optional unless somewhere else)", max_length=300, required=False,
        help_text="For example, the Royal Derby Hospital emergency department, or a relative's home",
    )
    how_learned = _text_area(
        "How did you find out?", required="Say how you found out",
        help_text="Who told you, and when. Say here if anything you have been told is not certain.",
    )
    who_else_aware = _text_area(
        "Who else already knows?", required="Say who else already knows, or that you do not know",
        help_text="For example, the police, the ambulance service, the emergency department, the coroner, "
                  "children's social care. Say if you do not know.",
    )
    other_children = _text_area(
        "Other children in the household", required="Say whether there are other children, and who is caring for them now",
        help_text="Their names and ages, and who is looking after them now. If there are none, write \"none\".",
    )
    bereavement_support_offered = yes_no_field("Has the family been offered bereavement support?")
    bereavement_support_detail = _text_area(
        "What support, and from whom (if offered)",
        help_text="For example, a named bereavement midwife, or the Lullaby Trust's helpline",
    )
    key_worker = forms.CharField(
        label="The family's key worker (optional)", max_length=300, required=False,
        help_text="The person the family will hear from, if you know who it is yet",
    )

    def __init__(self, *args: Any, baby: Baby, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.baby = baby

    def clean_died_on(self) -> date:
        value: date = self.cleaned_data["died_on"]
        if value > v.today():
            raise forms.ValidationError("The date the baby died must be today or in the past")
        if self.baby.date_of_birth and value < self.baby.date_of_birth:
            raise forms.ValidationError(
                f"The date the baby died must be on or after their date of birth, {self.baby.date_of_birth.day} "
                f"{self.baby.date_of_birth:%B %Y}"
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("place") == PlaceOfDeath.ELSEWHERE and not (data.get("place_detail") or "").strip():
            self.add_error("place_detail", "Say where the baby died")
        if data.get("bereavement_support_offered") and not (data.get("bereavement_support_detail") or "").strip():
            self.add_error("bereavement_support_detail", "Say what support was offered, and who from")
        return data
