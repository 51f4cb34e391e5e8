from django.urls import path

from kbs.staff import views

app_name = "staff"
urlpatterns = [
    path("staff/", views.staff_list, name="list"),
    path("staff/roles/", views.role_descriptions, name="roles"),
    path("staff/<int:person_id>/", views.person, name="person"),
    path("staff/<int:person_id>/roles/add/", views.grant_role, name="grant_role"),
    path("staff/<int:person_id>/roles/remove/", views.remove_role, name="remove_role"),
    path("staff/<int:person_id>/deactivate/", views.deactivate, name="deactivate"),
    path("staff/<int:person_id>/reactivate/", views.reactivate, name="reactivate"),
    path("staff/<int:person_id>/sign-out-everywhere/", views.sign_out_person, name="sign_out_person"),
    path("account/", views.account, name="account"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
