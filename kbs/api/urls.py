from django.urls import path

from kbs.api import views

app_name = "api"
urlpatterns = [path("v1/tools/<slug:slug>/evaluate", views.evaluate_tool, name="evaluate")]
