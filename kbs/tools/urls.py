from django.urls import path

from kbs.tools import views
from kbs.tools.plans import plan_new, plan_page, plan_pdf
from kbs.tools.support_plans import support_plan_new, support_plan_page, support_plan_pdf

app_name = "tools"
urlpatterns = [
    path("tools/", views.catalogue, name="catalogue"),
    path("tools/settings/", views.partnership_settings, name="settings"),
    path("babies/<str:baby_id>/assessments/<slug:slug>/start/", views.start, name="start"),
    path("assessments/sign-off/", views.sign_off_list, name="sign_off_list"),
    path("assessments/<str:assessment_id>/", views.outcome, name="assessment"),
    path("assessments/<str:assessment_id>/section/<slug:section_id>/", views.section, name="section"),
    path("assessments/<str:assessment_id>/check/", views.check, name="check"),
    path("assessments/<str:assessment_id>/complete/", views.complete, name="complete"),
    path("assessments/<str:assessment_id>/discard/", views.discard, name="discard"),
    path("assessments/<str:assessment_id>/correct/", views.correct, name="correct"),
    path("assessments/<str:assessment_id>/sign-off/", views.sign_off, name="sign_off"),
    path("assessments/<str:assessment_id>/fhir.json", views.fhir_response, name="fhir_response"),
]

# The family's safe sleep plan (kbs/tools/plans.py).
urlpatterns += [
    path("assessments/<str:assessment_id>/plan/", plan_page, name="plan"),
    path("assessments/<str:assessment_id>/plan/new/", plan_new, name="plan_new"),
    path("assessments/<str:assessment_id>/plan.pdf", plan_pdf, name="plan_pdf"),
]

# The family's support plan after Every Baby Matters (kbs/tools/support_plans.py).
urlpatterns += [
    path("assessments/<str:assessment_id>/support-plan/", support_plan_page, name="support_plan"),
    path("assessments/<str:assessment_id>/support-plan/new/", support_plan_new, name="support_plan_new"),
    path("assessments/<str:assessment_id>/support-plan.pdf", support_plan_pdf, name="support_plan_pdf"),
]
