from django.urls import path

from kbs.subjectaccess import views

app_name = "subjectaccess"
urlpatterns = [
    path("subject-access/", views.request_list, name="list"),
    path("subject-access/new/", views.new_request, name="new"),
    path("subject-access/<str:request_id>/", views.request_page, name="request"),
    path("subject-access/<str:request_id>/extend/", views.extend, name="extend"),
    path("subject-access/<str:request_id>/gather/", views.gather, name="gather"),
    path("subject-access/<str:request_id>/review/", views.review, name="review"),
    path("subject-access/<str:request_id>/review/withhold/", views.withhold, name="withhold"),
    path("subject-access/<str:request_id>/review/withheld/<int:redaction_id>/stop/", views.stop_withholding, name="stop_withholding"),
    path("subject-access/<str:request_id>/review/complete/", views.complete_review, name="complete_review"),
    path("subject-access/<str:request_id>/review/reopen/", views.reopen_review, name="reopen_review"),
    path("subject-access/<str:request_id>/release/", views.release, name="release"),
    path("subject-access/<str:request_id>/release.json", views.download_json, name="download_json"),
    path("subject-access/<str:request_id>/release.pdf", views.download_pdf, name="download_pdf"),
]
