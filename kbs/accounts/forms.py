from django import forms


class SignInForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput, max_length=200,
        error_messages={"required": "Enter your password"},
    )
