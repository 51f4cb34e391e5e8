from django.urls import path

from kbs.contacts import crying_plans, views

app_name = "contacts"
urlpatterns = [
    path("families/<str:family_id>/contacts/new/", views.record_contact, name="record"),
    path("contacts/<str:contact_id>/", views.contact_page, name="contact"),
    path("babies-with-gaps/", views.babies_with_gaps, name="gaps"),
    path("families/<str:family_id>/contacts/other-systems/", views.historic_contacts, name="historic"),
]

# The family's coping-with-crying plan (kbs/contacts/crying_plans.py).
urlpatterns += [
    path("babies/<str:baby_id>/crying-plan/", crying_plans.crying_plan_page, name="crying_plan"),
    path("babies/<str:baby_id>/crying-plan/new/", crying_plans.crying_plan_new, name="crying_plan_new"),
    path("babies/<str:baby_id>/crying-plan/plan.pdf", crying_plans.crying_plan_pdf, name="crying_plan_pdf"),
]
