"""Forms for staff administration: searching the staff list, giving and removing a role, and the
reason for deactivating or reactivating an account."""

from typing import Any

from django import forms

from kbs.accounts.models import Agency, Role
from kbs.staff.actions import REASON_MAX_LENGTH


class StaffSearchForm(forms.Form):
    q = forms.CharField(label="Name or username", max_length=100, required=False)
    agency = forms.TypedChoiceField(
        label="Agency", coerce=int, required=False, empty_value=None,
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "All agencies"), *((a.pk, a.name) for a in agencies)]  # type: ignore[attr-defined]


def reason_field(label: str, hint: str) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=hint, max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for the change",
            "max_length": f"The reason must be {REASON_MAX_LENGTH} characters or fewer",
        },
    )


class RoleChoiceField(forms.ChoiceField):
    """Radios showing some roles, accepting any role that exists: the action then says why a
    particular one cannot be given or removed (already held, not held, needs an agency)."""

    def __init__(self, *, known: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.known = known

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.known


class RoleChangeForm(forms.Form):
    role = RoleChoiceField(
        known=set(), label="Role", widget=forms.RadioSelect,
        error_messages={"required": "Choose a role", "invalid_choice": "Choose a role from the list"},
    )
    reason = reason_field(
        "Why are you making this change?",
        "For example, a new job, a change of team or leaving the agency. It is kept in the audit trail.",
    )

    def __init__(self, *args: Any, roles: list[Role], shown: list[Role], label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        assert isinstance(field, RoleChoiceField)
        field.known = {role.slug for role in roles}
        field.choices = [(role.slug, role.name) for role in shown]
        field.label = label


class ReasonForm(forms.Form):
    reason = reason_field(
        "Why are you making this change?",
        "For example, leaving the partnership, or coming back from a long absence. It is kept in the audit trail.",
    )
