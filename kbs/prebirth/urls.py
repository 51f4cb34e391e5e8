from django.urls import path

from kbs.prebirth import views

app_name = "prebirth"
urlpatterns = [
    path("babies/<str:baby_id>/pre-birth/", views.case_page, name="case"),
    path("babies/<str:baby_id>/pre-birth/steps/<slug:code>/", views.record_milestone, name="record_milestone"),
    path("babies/<str:baby_id>/pre-birth/premature/", views.premature, name="premature"),
    path("babies/<str:baby_id>/pre-birth/close/", views.close, name="close"),
    path("babies/<str:baby_id>/pre-birth/delivery-plan/", views.plan_page, name="plan"),
    path("babies/<str:baby_id>/pre-birth/delivery-plan/edit/", views.plan_edit, name="plan_edit"),
    path("babies/<str:baby_id>/pre-birth/delivery-plan.pdf", views.plan_pdf, name="plan_pdf"),
    path("pre-birth/settings/", views.milestone_settings, name="settings"),
]
