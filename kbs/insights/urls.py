from django.urls import path

from kbs.insights import report, views

app_name = "insights"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/how-we-measure/", views.how_we_measure, name="how_we_measure"),
    path("dashboard/report/", report.report, name="report"),
    path("dashboard/report.pdf", report.report_pdf, name="report_pdf"),
    path("dashboard/<slug:slug>.csv", views.measure_csv, name="measure_csv"),
]
