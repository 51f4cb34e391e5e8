from django.urls import path

from kbs.retention import views

app_name = "retention"
urlpatterns = [
    path("retention/", views.review_list, name="list"),
    path("retention/families/<str:family_id>/", views.family, name="family"),
    path("retention/families/<str:family_id>/hold/", views.place_hold, name="place_hold"),
    path("retention/families/<str:family_id>/hold/lift/", views.lift_hold, name="lift_hold"),
    path("retention/families/<str:family_id>/review/", views.review, name="review"),
    path("retention/families/<str:family_id>/dispose/", views.dispose, name="dispose"),
]
