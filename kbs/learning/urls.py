from django.urls import path

from kbs.learning import views

app_name = "learning"
urlpatterns = [
    path("learning/reviews/", views.reviews, name="reviews"),
    path("learning/reviews/<int:review_id>/", views.review, name="review"),
    # A tool rule's "why" page: where the rule comes from and the learning behind it.
    path("tools/<slug:slug>/rules/<str:rule_id>/", views.rule, name="rule"),
]
