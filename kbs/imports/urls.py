from django.urls import path

from kbs.imports import contacts_views, views

app_name = "imports"
urlpatterns = [
    path("imports/births/", views.births, name="births"),
    path("imports/births/checking/", views.checking, name="births_checking"),
    path("imports/births/import/", views.confirm, name="births_confirm"),
    path("imports/births/report.csv", views.report, name="births_report"),
    path("imports/contacts/", contacts_views.contacts, name="contacts"),
    path("imports/contacts/import/", contacts_views.confirm, name="contacts_confirm"),
    path("imports/contacts/report.csv", contacts_views.report, name="contacts_report"),
]
