from django.urls import path

from kbs.api import tokens_views as views

app_name = "api_tokens"
urlpatterns = [
    path("", views.token_list, name="list"),
    path("new", views.new_token, name="new"),
    path("rotate", views.rotate_token, name="rotate"),
    path("revoke", views.revoke_token, name="revoke"),
]
