from django.urls import path

from kbs.nonprod import views

app_name = "nonprod"
urlpatterns = [path("personas/", views.personas, name="personas")]
