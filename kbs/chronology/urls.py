from django.urls import path

from kbs.chronology import views

app_name = "chronology"
urlpatterns = [
    path("families/<str:family_id>/chronology/", views.family_chronology, name="family"),
    path("families/<str:family_id>/chronology.csv", views.family_chronology_csv, name="family_csv"),
    path("families/<str:family_id>/chronology.pdf", views.family_chronology_pdf, name="family_pdf"),
    path("babies/<str:baby_id>/chronology/", views.baby_chronology, name="baby"),
    path("babies/<str:baby_id>/chronology.csv", views.baby_chronology_csv, name="baby_csv"),
    path("babies/<str:baby_id>/chronology.pdf", views.baby_chronology_pdf, name="baby_pdf"),
]
