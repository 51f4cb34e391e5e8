from typing import Any

from django import forms
from django.contrib.auth import password_validation

from kbs.accounts.models import User


class SignInForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput, max_length=200,
        error_messages={"required": "Enter your password"},
    )


class CodeForm(forms.Form):
    """The 6-digit code from an authenticator app. Spaces are allowed (some apps show "123 456")."""

    code = forms.CharField(
        label="Code from your authenticator app", max_length=20, help_text="For example, 123456",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split()).replace("-", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app, using numbers only")
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code", max_length=40, help_text="For example, abcd-efgh-jkmn",
        error_messages={"required": "Enter one of your recovery codes"},
    )


class UnlockForm(forms.Form):
    kind = forms.ChoiceField(choices=[("account", "Account"), ("address", "Address")], widget=forms.HiddenInput)
    value = forms.CharField(max_length=255, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for unlocking", max_length=500,
        help_text="For example, checked with them by phone that the failed attempts were theirs",
        error_messages={"required": "Enter a reason for unlocking"},
    )


class ResetAuthenticatorForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=500, required=False)


class ChangePasswordForm(forms.Form):
    current_password = forms.CharField(
        label="Current password", widget=forms.PasswordInput, max_length=200,
        error_messages={"required": "Enter your current password"},
    )
    new_password = forms.CharField(
        label="New password", widget=forms.PasswordInput, max_length=200,
        help_text="At least 12 characters. Three or four random words together make a good password.",
        error_messages={"required": "Enter a new password"},
    )
    confirm_password = forms.CharField(
        label="New password again", widget=forms.PasswordInput, max_length=200,
        error_messages={"required": "Enter the new password again"},
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        current = str(self.cleaned_data["current_password"])
        if not self.user.check_password(current):
            raise forms.ValidationError("Your current password is not right")
        return current

    def clean_new_password(self) -> str:
        new = str(self.cleaned_data["new_password"])
        try:
            password_validation.validate_password(new, self.user)
        except forms.ValidationError as error:
            # One message at a time, in plain words; the first is the one to fix.
            raise forms.ValidationError(_plain(error.messages[0])) from None
        return new

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new, again = cleaned.get("new_password"), cleaned.get("confirm_password")
        if new and again and new != again:
            self.add_error("confirm_password", "The two new passwords are not the same")
        current = cleaned.get("current_password")
        if new and current and new == current:
            self.add_error("new_password", "Choose a new password that is different from your current one")
        return cleaned


def _plain(message: str) -> str:
    """Django's own password messages, in our words where they differ."""
    if message.startswith("This password is too short"):
        return "Your new password must be at least 12 characters"
    if message.startswith("The password is too similar"):
        return "Your new password is too like your name, username or e-mail address"
    return message.rstrip(".")
