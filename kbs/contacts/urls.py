from django.urls import path

from kbs.contacts import views

app_name = "contacts"
urlpatterns = [
    path("families/<str:family_id>/contacts/new/", views.record_contact, name="record"),
    path("contacts/<str:contact_id>/", views.contact_page, name="contact"),
    path("babies-with-gaps/", views.babies_with_gaps, name="gaps"),
]
