from django.urls import path

from kbs.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/births/", views.births, name="births"),
    path("imports/births/import/", views.confirm, name="births_confirm"),
    path("imports/births/report.csv", views.report, name="births_report"),
]
