from django.urls import path

from kbs.families import views

app_name = "families"
urlpatterns = [
    path("families/", views.my_families, name="mine"),
    path("families/register/", views.register_family, name="register"),
    path("families/<str:family_id>/", views.family_page, name="family"),
    path("families/<str:family_id>/household/", views.edit_household, name="edit_household"),
    path("families/<str:family_id>/people/add/", views.add_person, name="add_person"),
    path("people/<str:person_id>/", views.person_page, name="person"),
    path("people/<str:person_id>/edit/", views.edit_person, name="edit_person"),
    path("babies/<str:baby_id>/", views.baby_page, name="baby"),
    path("babies/<str:baby_id>/edit/", views.edit_baby, name="edit_baby"),
    path("babies/<str:baby_id>/birth/", views.record_birth, name="record_birth"),
    path("babies/<str:baby_id>/birthmarks/new/", views.record_birthmark, name="record_birthmark"),
    path("babies/<str:baby_id>/death/new/", views.record_death, name="record_death"),
    path("babies/<str:baby_id>/death/", views.death_page, name="death"),
    path("babies/<str:baby_id>/death/pack.pdf", views.death_pack, name="death_pack"),
    path("find/", views.find_baby, name="find"),
    path("find/<str:family_id>/involvement/", views.record_involvement, name="involve"),
    path("find/<str:family_id>/emergency-access/", views.break_glass, name="break_glass"),
]
