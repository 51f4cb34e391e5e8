from django.urls import path

from kbs.core import views

app_name = "core"
urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("cookies/", views.cookies, name="cookies"),
    path("security/", views.security_policy, name="security"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("health/", views.health, name="health"),
    path("hello/", views.hello, name="hello"),
]
