from django.urls import path

from kbs.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("sign-in/code/", views.mfa_verify, name="mfa_verify"),
    path("sign-in/recovery-code/", views.mfa_recovery, name="mfa_recovery"),
    path("sign-in/set-up/", views.mfa_enrol, name="mfa_enrol"),
    path("account/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/password/", views.change_password, name="change_password"),
    path("staff/locked/", views.locked_out, name="locked_out"),
    path("staff/<int:user_id>/reset-two-step/", views.reset_mfa, name="reset_mfa"),
]
